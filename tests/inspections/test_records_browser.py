"""In a real browser (issue 16, "Done when"): a city user freezes the directories of a draft draw,
seeds and draws it; the district's inspector opens the record of a drawn institution on a 390 px
screen, records a 不符合 with a photo, turns it into a hazard that appears in the district's
ledger, concludes, and the public draw page shows the result. Screenshots of the record page and
the print view at 390, 1280 and 1366 px (no sideways scroll), and the print view as a PDF."""

import shutil
import subprocess
from io import BytesIO

import pytest
from PIL import Image
from playwright.sync_api import Page, expect

from hazards.models import Hazard
from inspections.models import Inspection
from tests.inspections import factories
from tests.institutions.test_e2e_registry import login
from tests.reminders.test_inbox_browser import PHONE, SIZES, no_sideways_scroll

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


@pytest.fixture(autouse=True)
def media(settings, tmp_path):
    settings.MEDIA_ROOT = tmp_path


def _photo(tmp_path):
    image = Image.new("RGB", (320, 240), "white")
    for x in range(160):
        for y in range(240):
            image.putpixel((x, y), (30, 90, 200))
    buffer = BytesIO()
    image.save(buffer, "JPEG")
    path = tmp_path / "exit.jpg"
    path.write_bytes(buffer.getvalue())
    return path


@pytest.mark.long
def test_draw_inspect_hazard_conclude_publish(live_server, world, page: Page, artifacts, tmp_path):
    factories.directories(world)
    factories.more_institutions(world, 1)
    draw = factories.draft(world, ratio_percent="100")
    page.on("dialog", lambda dialog: dialog.accept())

    # The city user freezes, seeds and draws.
    login(page, live_server, "city")
    page.goto(f"{live_server.url}/inspections/draws/{draw.pk}/")
    page.get_by_test_id("freeze").click()
    page.get_by_test_id("seed-form").locator("input[name=seed]").fill("30918475620394857162")
    page.get_by_test_id("seed-form").locator("button[type=submit]").click()
    page.get_by_test_id("run").click()
    expect(page.get_by_test_id("drawn-row").first).to_be_visible()

    # The district's inspector, on a phone.
    login(page, live_server, "tiedong")
    page.set_viewport_size(PHONE)
    page.goto(f"{live_server.url}/inspections/draws/{draw.pk}/")
    row = page.get_by_test_id("drawn-row").filter(has_text=world.own_institution.name)
    row.get_by_test_id("inspect").click()
    first = page.get_by_test_id("finding").first
    expect(first).to_be_visible()
    no_sideways_scroll(page)
    first.get_by_test_id("answer-fails").click()
    first.locator("textarea[name=note]").fill("安全出口堵塞")
    first.get_by_test_id("photo-input").set_input_files(str(_photo(tmp_path)))
    page.evaluate("window.stillThisPage = true")  # htmx swaps the card: the page is not reloaded
    first.get_by_test_id("finding-save").click()
    first = page.get_by_test_id("finding").first
    expect(first.get_by_test_id("finding-done")).to_be_visible()
    expect(first.get_by_test_id("finding-photos").locator("img")).to_be_visible()
    assert page.evaluate("window.stillThisPage === true")
    first.locator("input[name=deadline]").fill("2026-12-31")
    first.get_by_test_id("to-hazard").click()
    expect(page.get_by_test_id("finding").first.get_by_test_id("finding-hazard")).to_be_visible()
    hazard = Hazard.objects.get()
    expect(page.get_by_test_id("finding").first.get_by_test_id("finding-hazard")).to_contain_text(hazard.code)
    page.goto(f"{live_server.url}/hazards/")
    expect(page.get_by_text(hazard.code).first).to_be_visible()

    # The other points comply; conclude.
    inspection = Inspection.objects.get()
    page.goto(f"{live_server.url}/inspections/records/{inspection.pk}/")
    count = page.get_by_test_id("finding").count()
    for n in range(1, count):
        card = page.get_by_test_id("finding").nth(n)
        card.get_by_test_id("answer-complies").click()
        card.get_by_test_id("finding-save").click()
        expect(page.get_by_test_id("finding").nth(n).get_by_test_id("finding-done")).to_be_visible()
    conclude = page.get_by_test_id("conclude")
    conclude.locator("select[name=conclusion]").select_option("rectify")
    conclude.locator("textarea[name=summary]").fill("发现1项问题，责令限期整改。")
    page.once("dialog", lambda dialog: dialog.accept())  # 确定作出结论吗？
    conclude.get_by_test_id("conclude-submit").click()
    expect(page.get_by_test_id("conclusion")).to_be_visible()
    for name, size in SIZES:
        page.set_viewport_size(size)
        page.screenshot(path=artifacts / f"inspection-record-{name}.png", full_page=True)
        no_sideways_scroll(page)
    page.goto(f"{live_server.url}/inspections/records/{inspection.pk}/print/")
    for name, size in SIZES:
        page.set_viewport_size(size)
        page.screenshot(path=artifacts / f"inspection-print-{name}.png", full_page=True)
        no_sideways_scroll(page)
    pdf = artifacts / "inspection-print.pdf"
    page.pdf(path=str(pdf), format="A4")
    if shutil.which("pdftoppm"):
        subprocess.run(
            ["pdftoppm", "-png", "-r", "60", str(pdf), str(artifacts / "inspection-print-pdf")], check=True
        )

    # The public draw page shows the result.
    page.context.clear_cookies()
    page.goto(f"{live_server.url}{_public(draw)}")
    expect(page.get_by_test_id("result-row").filter(has_text=world.own_institution.name)).to_be_visible()
    expect(page.get_by_test_id("results")).not_to_contain_text("安全出口堵塞")


def _public(draw):
    from django.urls import reverse

    return reverse("public_draws:detail", args=[draw.pk])
