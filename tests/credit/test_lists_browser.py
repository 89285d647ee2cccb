"""In a real browser: the credit and enforcement lists and a record, as the city clerk and the district,
at 390 and 1280 px (phone cards, no sideways scroll, Chinese); a suspension order recorded through the
form shows its badge on the credit record of that institution. Screenshots to the artifacts folder."""

import datetime

import pytest
from playwright.sync_api import Page, expect

from core import dates
from tests.credit.factories import code, id_number, record
from tests.enforcement.factories import order
from tests.hazards.factories import PDF
from tests.institutions.test_e2e_registry import login
from tests.reminders.test_inbox_browser import SIZES, no_sideways_scroll

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


@pytest.fixture(autouse=True)
def media(settings, tmp_path):
    settings.MEDIA_ROOT = tmp_path


@pytest.fixture
def data(world):
    today = dates.today()
    own, other = world.own_institution, world.other_institution
    own.credit_code, own.legal_representative = code(body="MJ0000501"), "张伟"
    other.credit_code, other.legal_representative = code("9", "1", body="MA0000502"), "张伟"
    own.save(update_fields=["credit_code", "legal_representative"])
    other.save(update_fields=["credit_code", "legal_representative"])
    record(
        world,
        own.credit_code,
        decided_on=today - datetime.timedelta(days=30),
        institution=own,
        expires_on=today + datetime.timedelta(days=335),
        source="market",
    )
    record(
        world,
        other.credit_code,
        kind="good",
        decided_on=today - datetime.timedelta(days=90),
        institution=other,
    )
    record(
        world,
        own.credit_code,
        decided_on=today - datetime.timedelta(days=30),
        institution=own,
        subject="person",
        person_name="张伟",
        id_number=id_number("233"),
        source="court",
    )
    record(
        world,
        code("1", "2", body="MB0000503"),
        decided_on=today - datetime.timedelta(days=900),
        expires_on=today - datetime.timedelta(days=535),
    )
    order(
        world,
        other,
        kind="rectify",
        issued_on=today - datetime.timedelta(days=20),
        ends_on=today + datetime.timedelta(days=10),
    )
    order(
        world,
        other,
        kind="refer_department",
        department="emergency",
        issued_on=today - datetime.timedelta(days=40),
        lifted_on=today - datetime.timedelta(days=2),
        lift_note="已移交",
    )
    return world


def _shots(page, artifacts, name):
    for label, size in SIZES[:2]:
        page.set_viewport_size(size)
        page.wait_for_timeout(200)
        page.screenshot(path=artifacts / f"{name}-{label}.png", full_page=True)
        no_sideways_scroll(page)


def test_lists_on_a_phone_and_a_desktop_and_a_suspension_recorded(
    live_server, data, page: Page, artifacts, tmp_path
):
    login(page, live_server, "city")
    page.goto(f"{live_server.url}/credit/")
    expect(page.get_by_test_id("credit-row")).to_have_count(4)
    expect(page.get_by_test_id("credit-records")).to_contain_text("失信")
    expect(page.get_by_test_id("credit-records")).to_contain_text("社会组织公共服务平台")
    _shots(page, artifacts, "credit-list")

    # the district records a suspension of its institution through the form
    login(page, live_server, "tiedong")
    page.set_viewport_size({"width": 390, "height": 844})
    page.goto(f"{live_server.url}/enforcement/new/")
    page.select_option("#id_institution", str(data.own_institution.pk))
    page.select_option("#id_kind", "suspend")
    page.select_option("#id_department", "emergency")
    page.fill("#id_issued_on", (dates.today() - datetime.timedelta(days=1)).isoformat())
    page.fill("#id_document_number", "鞍东民停〔2026〕3号")
    page.fill("#id_reason", "安全出口锁闭，责令停业整顿")
    document = tmp_path / "停业整顿决定书.pdf"
    document.write_bytes(PDF)
    page.set_input_files("#id_document", str(document))
    _shots(page, artifacts, "enforcement-form")
    page.get_by_test_id("save").click()
    expect(page.get_by_test_id("order-status")).to_have_text("执行中")
    expect(page.get_by_test_id("suspension-note")).to_be_visible()
    _shots(page, artifacts, "enforcement-detail")

    login(page, live_server, "city")
    page.goto(f"{live_server.url}/enforcement/")
    expect(page.get_by_test_id("order-row")).to_have_count(3)
    _shots(page, artifacts, "enforcement-list")

    # the person's record: both institutions led by that name, the suspended one flagged
    page.goto(f"{live_server.url}/credit/?subject=person")
    page.get_by_test_id("credit-row").first.get_by_role("link").first.click()
    led = page.get_by_test_id("led-institutions")
    expect(led).to_contain_text(data.own_institution.name)
    expect(led).to_contain_text(data.other_institution.name)
    expect(led.get_by_test_id("suspension-badge")).to_have_count(1)
    expect(page.get_by_test_id("masked-id")).to_contain_text("**************")
    _shots(page, artifacts, "credit-person")
