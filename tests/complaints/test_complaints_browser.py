"""In a real browser at 390 px (issue 17): a complaint taken by phone becomes a hazard, is routed
to the police, and closes with the reply to the complainant recorded. Screenshots of the list and
the detail at 390 and 1280 px, no sideways scrolling."""

import datetime

import pytest
from playwright.sync_api import Page, expect

from complaints.models import Complaint
from core import dates
from hazards.models import Hazard
from tests.institutions.test_e2e_registry import login
from tests.reminders.test_inbox_browser import DESKTOP, PHONE, no_sideways_scroll

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]
TODAY = datetime.date(2026, 11, 23)


@pytest.fixture(autouse=True)
def media(settings, tmp_path, monkeypatch):
    settings.MEDIA_ROOT = tmp_path
    monkeypatch.setattr(dates, "today", lambda: TODAY)


def test_a_phoned_complaint_becomes_a_hazard_is_routed_and_closes_with_a_reply(
    live_server, world, page: Page, artifacts
):
    login(page, live_server, "tiedong")
    page.set_viewport_size(PHONE)
    page.goto(f"{live_server.url}/complaints/")
    page.get_by_test_id("new-complaint").click()
    page.select_option("#id_channel", "phone")
    page.fill("#id_received_on", "2026-11-23")
    page.select_option("#id_institution", str(world.own_institution.pk))
    page.select_option("#id_category", "abuse")
    page.fill("#id_content", "家属来电反映护理员推搡老人，老人手臂有淤青。")
    page.fill("#id_complainant_name", "王小明")
    page.fill("#id_complainant_contact", "13812345678")
    page.screenshot(path=artifacts / "complaint-form-390.png", full_page=True)
    no_sideways_scroll(page)
    page.get_by_test_id("save").click()
    expect(page.get_by_test_id("status")).to_have_text("受理")
    expect(page.get_by_test_id("complainant")).to_contain_text("13812345678")  # district staff: in full
    expect(page.get_by_test_id("deadline")).to_have_text("2026-12-14")  # 15 working days
    no_sideways_scroll(page)

    # one step: the hazard (source 投诉举报), linked both ways
    page.fill("#id_hazard-responsible_person", "赵院长")
    page.fill("#id_hazard-deadline", "2026-12-10")
    page.get_by_test_id("hazard-form-submit").click()
    hazard = Hazard.objects.get()
    expect(page.get_by_test_id("hazard")).to_have_text(hazard.code)
    assert hazard.source == "complaint" and hazard.category == "elder_abuse"

    page.screenshot(path=artifacts / "complaint-steps-390.png", full_page=True)
    no_sideways_scroll(page)

    # routed to the police (the suggestion for 欺老虐老)
    expect(page.locator("#id_route-department")).to_have_value("police")
    page.get_by_test_id("route-form-submit").click()
    expect(page.get_by_test_id("status")).to_have_text("办理中")
    expect(page.get_by_test_id("department")).to_contain_text("公安")

    page.fill("#id_result-result", "公安部门已立案调查，涉事护理员已停职。")
    page.get_by_test_id("result-form-submit").click()
    expect(page.get_by_test_id("result")).to_contain_text("已停职")
    page.fill("#id_reply-reply", "已电话告知投诉人调查进展和处理结果。")
    page.get_by_test_id("reply-form-submit").click()
    expect(page.get_by_test_id("reply")).to_contain_text("已电话告知")
    page.get_by_test_id("close-form-submit").click()
    expect(page.get_by_test_id("status")).to_have_text("已办结")
    complaint = Complaint.objects.get()
    assert (complaint.status, complaint.department, complaint.hazard_id) == ("closed", "police", hazard.pk)
    assert complaint.replied_on == TODAY

    for name, size in (("390", PHONE), ("1280", DESKTOP)):
        page.set_viewport_size(size)
        page.screenshot(path=artifacts / f"complaint-detail-{name}.png", full_page=True)
        no_sideways_scroll(page)
    page.goto(f"{live_server.url}/complaints/")
    expect(page.get_by_test_id("complainant")).to_have_text("王** 138****5678")
    for name, size in (("390", PHONE), ("1280", DESKTOP)):
        page.set_viewport_size(size)
        page.screenshot(path=artifacts / f"complaint-list-{name}.png", full_page=True)
        no_sideways_scroll(page)
