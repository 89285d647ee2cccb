"""In a real browser: an institution records a food poisoning, tells the market regulator on the
incident's page; the city reads the incident; the missing-drills list. Screenshots of the incident
page and the missing list at 390, 1280 and 1366 px, with no sideways scrolling."""

import datetime

import pytest
from django.utils import timezone
from playwright.sync_api import Page, expect

from tests.dashboards.test_work_browser import screenshots
from tests.emergencies import factories
from tests.institutions.test_e2e_registry import login

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


@pytest.fixture(autouse=True)
def media(settings, tmp_path):
    settings.MEDIA_ROOT = tmp_path


def test_an_incident_is_recorded_and_each_recipient_told(live_server, world, page: Page, artifacts):
    login(page, live_server, "kangle")
    page.goto(f"{live_server.url}/emergencies/incidents/")
    page.get_by_test_id("record-incident").click()
    occurred = timezone.localtime() - datetime.timedelta(hours=4)
    page.select_option("#id_kind", "food_poisoning")
    page.fill("#id_occurred_on", occurred.date().isoformat())
    page.fill("#id_occurred_time", "25:00")
    page.fill("#id_description", "午餐后六名老人腹泻呕吐，已送医")
    page.get_by_test_id("save").click()
    expect(page.locator(".invalid-feedback")).to_contain_text("发生时间")
    page.fill("#id_occurred_time", f"{occurred:%H:%M}")
    page.get_by_test_id("save").click()
    notifications = page.get_by_test_id("notification")
    expect(notifications).to_have_count(4)
    market = page.locator('[data-recipient="market"]')
    expect(market).to_contain_text("市场监督管理部门")
    expect(market).to_have_attribute("data-state", "overdue")
    told = occurred + datetime.timedelta(minutes=50)
    market.locator("input[name$=notified_on]").fill(told.date().isoformat())
    market.locator("input[name$=notified_time]").fill(f"{told:%H:%M}")
    market.locator("input[name$=note]").fill("电话12315，接报人王某")
    market.get_by_test_id("notify").click()
    market = page.locator('[data-recipient="market"]')
    expect(market).to_have_attribute("data-state", "on_time")
    expect(market).to_contain_text("按时报告")
    screenshots(page, artifacts, "emergencies-incident")
    login(page, live_server, "city")
    page.goto(f"{live_server.url}/emergencies/incidents/?open=1")
    expect(page.get_by_test_id("incident-row")).to_have_count(1)
    expect(page.get_by_test_id("told")).to_have_text("1/4")
    expect(page.get_by_test_id("late-count")).to_have_text("3个迟报")
    screenshots(page, artifacts, "emergencies-incidents")


def test_the_missing_list(live_server, world, page: Page, artifacts):
    today = timezone.localdate()
    factories.drill(world.own_institution, today, kind="drill")
    for n in range(3):
        institution = type(world.own_institution).objects.create(
            name=f"铁东区第{n + 2}社会福利养老服务中心", region=world.own_institution.region
        )
        if n == 0:
            factories.drill(institution, today, kind="awareness")
    login(page, live_server, "city")
    page.goto(f"{live_server.url}/emergencies/missing/")
    expect(page.get_by_test_id("missing-drill")).to_have_text("4")
    expect(page.get_by_test_id("missing-awareness")).to_have_text("4")
    expect(page.get_by_test_id("region-heading")).to_have_count(2)
    screenshots(page, artifacts, "emergencies-missing")
    page.goto(f"{live_server.url}/emergencies/drills/")
    expect(page.get_by_test_id("drill-row")).to_have_count(2)
    screenshots(page, artifacts, "emergencies-drills")
