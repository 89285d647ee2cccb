"""In a real browser: the staff list, a banned nurse's page and the 禁入人员在岗提示 page at 390, 1280 and
1366 px (phone cards, no sideways scroll, Chinese); a staff member recorded through the form on a
phone. Screenshots to the artifacts folder."""

import pytest
from playwright.sync_api import Page, expect

from tests.institutions.test_e2e_registry import login
from tests.reminders.test_inbox_browser import SIZES, no_sideways_scroll
from tests.staff.factories import D, ban, certificate, id_number, member

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


def _shots(page, artifacts, name):
    for label, size in SIZES:
        page.set_viewport_size(size)
        page.wait_for_timeout(200)
        page.screenshot(path=artifacts / f"{name}-{label}.png", full_page=True)
        no_sideways_scroll(page)


@pytest.mark.long
def test_staff_pages_on_a_phone_and_desktops(live_server, world, page: Page, artifacts):
    banned = id_number("611")
    ban(world, banned)
    nurse = member(world, role="nurse", name="王丽", number=banned)
    certificate(nurse, "nurse", D(2020, 12, 31))
    member(world, role="doctor", name="陈明")
    member(world, world.other_institution, role="care_worker", name="赵芳")

    login(page, live_server, "tiedong")
    page.goto(f"{live_server.url}/staff/")
    expect(page.get_by_test_id("staff-row")).to_have_count(2)
    expect(page.get_by_test_id("ban-flag")).to_have_text("行业禁入人员")
    _shots(page, artifacts, "staff-list")
    page.goto(f"{live_server.url}/staff/{nurse.pk}/")
    expect(page.get_by_test_id("ban-alert")).to_contain_text("不得在养老服务机构从业")
    expect(page.get_by_test_id("staff-id")).to_have_text(banned)
    expect(page.get_by_test_id("qualification-flag")).to_have_text("资格已过期")
    _shots(page, artifacts, "staff-detail")
    page.goto(f"{live_server.url}/staff/banned-on-staff/")
    expect(page.get_by_test_id("match-row")).to_have_count(1)
    _shots(page, artifacts, "staff-matches")
    page.goto(f"{live_server.url}/staff/bans/")
    _shots(page, artifacts, "staff-bans")

    login(page, live_server, "kangle")
    page.set_viewport_size({"width": 390, "height": 844})
    page.goto(f"{live_server.url}/staff/new/")
    page.fill("#id_name", "孙强")
    page.fill("#id_id_number", id_number("612"))
    page.select_option("#id_role", "fire_safety")
    page.fill("#id_hired_on", "2025-03-01")
    _shots(page, artifacts, "staff-form")
    page.get_by_test_id("save").click()
    expect(page.get_by_test_id("qualification-flag")).to_have_text("资格缺失")
    expect(page.get_by_test_id("staff-id")).to_contain_text("**************")
