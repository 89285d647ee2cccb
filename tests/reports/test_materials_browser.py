"""In a real browser (issue 14): the city clerk opens 验收材料 from the dashboard, picks a measuring date
and finds each unit's workbook and acceptance report and the city's summary report and official
document; screenshots at 390, 1280 and 1366 px, with no sideways scrolling."""

import pytest
from playwright.sync_api import Page, expect

from tests.dashboards.test_work_browser import screenshots
from tests.institutions.test_e2e_registry import login

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


@pytest.fixture(autouse=True)
def media(settings, tmp_path):
    settings.MEDIA_ROOT = tmp_path


@pytest.mark.parametrize("who", ["city", "district"])
def test_the_materials_page_from_the_dashboard(live_server, world, page: Page, artifacts, who):
    login(page, live_server, world.users[who].username)
    page.goto(f"{live_server.url}/")
    page.get_by_test_id("materials-link").click()
    expect(page.locator("h1")).to_have_text("验收材料")
    page.fill("#id_as_of", "2020-10-31")
    page.get_by_test_id("as-of-form").locator("button[type=submit]").click()
    expect(page).to_have_url(f"{live_server.url}/reports/workbook/?as_of=2020-10-31")
    acceptance = page.get_by_test_id("acceptance-link")
    if who == "city":
        expect(acceptance).to_have_count(
            len([r for r in world.regions.values() if r.is_county_level and r.code.startswith("2103")])
        )
        expect(page.get_by_test_id("summary-pdf-link")).to_have_count(1)
        expect(page.get_by_test_id("docx-link")).to_have_count(1)
    else:
        expect(acceptance).to_have_count(1)
        expect(page.get_by_test_id("docx-link")).to_have_count(0)
    screenshots(page, artifacts, f"materials-{who}")
