"""In a real browser: a district clerk records a hazard, the institution uploads its rectification
photo and reports it done, the clerk verifies and closes it, and the counts follow."""

import pytest
from playwright.sync_api import Page, expect

from hazards.models import Hazard
from tests.hazards.factories import png_bytes, record
from tests.institutions.test_e2e_registry import login

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


def count(page: Page, key: str):
    return page.locator(f"[data-count={key}] .count-value")


@pytest.mark.long
def test_a_hazard_from_record_to_close(live_server, world, page: Page, artifacts, settings, tmp_path):
    settings.MEDIA_ROOT = tmp_path
    record(world.own_institution, world.users["district"], description="厨房燃气泄漏报警装置缺失")

    # The district clerk records a hazard.
    login(page, live_server, "tiedong")
    page.goto(f"{live_server.url}/hazards/")
    expect(count(page, "pending")).to_have_text("1")
    page.get_by_test_id("record-hazard").click()
    page.select_option("#id_institution", str(world.own_institution.pk))
    page.select_option("#id_category", "fire")
    page.select_option("#id_source", "survey")
    page.fill("#id_description", "二楼东侧疏散通道堆放杂物，安全出口指示灯不亮")
    page.fill("#id_measures", "清理杂物，更换安全出口指示灯")
    page.fill("#id_responsible_unit", world.own_institution.name)
    page.fill("#id_responsible_person", "刘建华")
    page.fill("#id_responsible_phone", "13841200001")
    page.fill("#id_deadline", "2026-12-31")
    page.screenshot(path=artifacts / "hazard-form.png", full_page=True)
    page.get_by_test_id("save").click()
    expect(page.get_by_test_id("status")).to_have_text("待整改")
    hazard = Hazard.objects.get(description__startswith="二楼东侧")
    page.goto(f"{live_server.url}/hazards/")
    expect(count(page, "pending")).to_have_text("2")
    page.screenshot(path=artifacts / "hazard-list.png", full_page=True)

    # The institution starts it inline, uploads its photo and reports it done.
    login(page, live_server, "kangle")
    page.goto(f"{live_server.url}/hazards/")
    row = page.locator(f"#hazard-{hazard.pk}")
    row.get_by_test_id("step-start").click()
    expect(page.locator(f"#hazard-{hazard.pk}")).to_have_attribute("data-status", "in_progress")
    expect(count(page, "in_progress")).to_have_text("1")  # the counts reload after an inline step
    page.get_by_role("link", name=hazard.code).click()
    page.select_option("#id_purpose", "after")
    page.set_input_files(
        "#id_file",
        files=[{"name": "整改后.png", "mimeType": "image/png", "buffer": png_bytes(size=(64, 48))}],
    )
    page.get_by_test_id("upload").click()
    expect(page.get_by_test_id("evidence")).to_contain_text("整改后.png")
    page.get_by_test_id("step-submit").click()
    expect(page.get_by_test_id("status")).to_have_text("已整改待核查")
    expect(page.get_by_test_id("step-close")).to_have_count(0)  # an institution never closes
    page.screenshot(path=artifacts / "hazard-detail-institution.png", full_page=True)

    # The district clerk verifies and closes it.
    login(page, live_server, "tiedong")
    page.goto(f"{live_server.url}/hazards/{hazard.pk}/")
    page.fill("#id_close_note", "经现场核查，杂物已清理，指示灯正常，同意销号")
    page.get_by_test_id("step-close").click()
    expect(page.get_by_test_id("status")).to_have_text("已销号")
    expect(page.get_by_test_id("timeline")).to_contain_text("核查销号")
    page.screenshot(path=artifacts / "hazard-detail-closed.png", full_page=True)
    page.goto(f"{live_server.url}/hazards/")
    expect(count(page, "pending")).to_have_text("1")
    expect(count(page, "closed")).to_have_text("1")
    expect(count(page, "total")).to_have_text("2")
    hazard.refresh_from_db()
    assert hazard.status == "closed" and hazard.verified_by == world.users["district"]
