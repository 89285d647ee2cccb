"""In a real browser (issue 13): the city clerk's home is the city's dashboard (targets, regions
table, charts), a number leads to the list with that many records, a past measuring date is
chosen; the province user compares the cities and opens one. Screenshots at 390, 1280 and 1366 px,
no sideways scrolling of the page (the regions table scrolls inside its card)."""

import datetime

import pytest
from playwright.sync_api import Page, expect

from core import dates
from tests.campaign.test_indicators import COMPLIANT_GB38600, hazard, inst
from tests.conftest import make_user
from tests.institutions.test_e2e_registry import login
from tests.reminders.test_inbox_browser import SIZES, no_sideways_scroll

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


@pytest.fixture(autouse=True)
def media(settings, tmp_path):
    settings.MEDIA_ROOT = tmp_path


@pytest.fixture
def city_data(world):
    today = dates.today()
    for n, code in enumerate(("210302", "210303", "210311", "210321", "210381")):
        for k in range(n + 1):
            extra = COMPLIANT_GB38600 if k % 2 == 0 else {}
            home = inst(world.regions[code], f"{world.regions[code].name}第{k + 1}养老院", **extra)
            hazard(
                home,
                world.users["district"],
                found_on=today - datetime.timedelta(days=10 * (k + 1)),
                deadline=today - datetime.timedelta(days=k),
            )
    return world


def test_the_city_dashboard_and_a_number_behind_it(live_server, city_data, page: Page, artifacts):
    login(page, live_server, "city")
    expect(page.get_by_test_id("targets")).to_be_visible()
    expect(page.get_by_test_id("target-gb38600").get_by_test_id("state")).not_to_be_empty()
    expect(page.get_by_test_id("region-table")).to_contain_text("铁东区")
    expect(page.get_by_test_id("chart-hazards-by-region").locator("svg")).to_be_visible()
    for name, size in SIZES:
        page.set_viewport_size(size)
        page.wait_for_timeout(400)  # the charts redraw 100 ms after a resize (static/js/charts.js)
        page.screenshot(path=artifacts / f"dashboard-city-{name}.png", full_page=True)
        no_sideways_scroll(page)

    # the overdue number of the ledger card leads to a ledger of that many
    overdue = page.get_by_test_id("hazard-numbers").get_by_test_id("number").nth(3)
    value = overdue.get_attribute("data-value")
    overdue.click()
    expect(page.get_by_test_id("figure-banner")).to_be_visible()
    expect(page.get_by_test_id("list-total")).to_have_attribute("data-count", value)

    # a past measuring date
    page.goto(f"{live_server.url}/")
    page.fill("#id_as_of", (dates.today() - datetime.timedelta(days=1)).isoformat())
    page.get_by_test_id("as-of-form").locator("button").click()
    expect(page.get_by_test_id("measured-on")).to_contain_text(
        (dates.today() - datetime.timedelta(days=1)).isoformat()
    )


def test_the_province_compares_its_cities(live_server, city_data, page: Page, artifacts):
    make_user("province", "city", region=city_data.regions["210000"], full_name="孟庆华")
    login(page, live_server, "province")
    table = page.get_by_test_id("region-table")
    expect(table).to_contain_text("鞍山市")
    expect(table).to_contain_text("大连市")
    for name, size in SIZES:
        page.set_viewport_size(size)
        page.wait_for_timeout(400)  # the charts redraw 100 ms after a resize (static/js/charts.js)
        page.screenshot(path=artifacts / f"dashboard-province-{name}.png", full_page=True)
        no_sideways_scroll(page)
    table.get_by_role("link", name="鞍山市").click()
    expect(page.locator("h1")).to_contain_text("鞍山市")
    expect(page.get_by_test_id("region-table")).to_contain_text("铁东区")


def test_the_district_dashboard(live_server, city_data, page: Page, artifacts):
    login(page, live_server, "tiedong")
    expect(page.get_by_test_id("targets")).to_be_visible()
    expect(page.get_by_test_id("work")).to_be_visible()
    for name, size in SIZES:
        page.set_viewport_size(size)
        page.wait_for_timeout(400)  # the charts redraw 100 ms after a resize (static/js/charts.js)
        page.screenshot(path=artifacts / f"dashboard-district-{name}.png", full_page=True)
        no_sideways_scroll(page)
