"""In a real browser: a district user logs in and sees the workbench in Chinese."""

import pytest
from playwright.sync_api import Page, expect

from campaign.services import campaign_copy
from tests.conftest import PASSWORD

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


def test_district_user_logs_in_and_sees_the_workbench_in_chinese(live_server, world, page: Page, artifacts):
    campaign_copy(source=world.campaign, year=2026)
    page.goto(f"{live_server.url}/")
    expect(page.get_by_role("heading", name="登录")).to_be_visible()
    page.get_by_label("用户名").fill("tiedong")
    page.get_by_label("密码").fill(PASSWORD)
    page.get_by_role("button", name="登录").click()

    expect(page.get_by_role("heading", name="李秀梅，您好")).to_be_visible()
    expect(page.get_by_test_id("user-menu")).to_contain_text("铁东区")
    expect(page.get_by_test_id("next-due")).to_be_visible()
    expect(page.get_by_test_id("milestones")).to_contain_text("完成全部农村特困供养服务设施法人登记")
    page.screenshot(path=artifacts / "home-district.png", full_page=True)

    assert page.locator("html").get_attribute("lang") == "zh-hans"
    body = page.locator("body").inner_text()
    for english in ("Hello", "Deadline", "Log out", "Campaign", "days left"):
        assert english not in body
