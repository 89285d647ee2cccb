"""The data-quality panel in a real browser: a city clerk opens the panel, sorts a column, follows a
number to its records; screenshots at 390, 1280 and 1366 px with no sideways scrolling of the page
(the wide table scrolls inside its own container, its first column stays in view)."""

import pytest
from playwright.sync_api import Page, expect

from tests.dashboards.test_quality import Data
from tests.institutions.test_e2e_registry import login
from tests.reminders.test_inbox_browser import SIZES, no_sideways_scroll

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


def test_a_city_clerk_reads_the_panel_and_follows_a_number(
    live_server, world, page: Page, artifacts, settings, tmp_path
):
    settings.MEDIA_ROOT = tmp_path / "media"
    data = Data(world)
    login(page, live_server, "city")
    page.goto(f"{live_server.url}/dashboards/quality/")
    expect(page.locator("h1")).to_have_text("数据质量")
    panel = page.get_by_test_id("quality-panel")
    expect(panel).to_contain_text("信用代码存疑")
    # worst first: 铁东区 holds the most contradictions
    expect(page.get_by_test_id("region-row").first).to_have_attribute(
        "data-region", str(world.regions["210302"].pk)
    )
    for name, size in SIZES:
        page.set_viewport_size(size)
        page.screenshot(path=artifacts / f"quality-panel-{name}.png", full_page=True)
        no_sideways_scroll(page)

    # On a phone the table scrolls inside its container and the unit's name stays in view.
    page.set_viewport_size(SIZES[0][1])
    container = page.locator(".table-responsive").first
    container.evaluate("c => { c.scrollLeft = c.scrollWidth; }")
    first = page.get_by_test_id("region-row").first.locator("th")
    box, frame = first.bounding_box(), container.bounding_box()
    assert abs(box["x"] - frame["x"]) < 2, (box, frame)
    page.screenshot(path=artifacts / "quality-panel-390-scrolled.png", full_page=True)
    page.set_viewport_size(SIZES[1][1])

    # Sorting by a column puts 铁西区 (the only unregistered, filed institution) first.
    page.get_by_test_id("sort-unregistered-filed").click()
    expect(page.get_by_test_id("region-row").first).to_have_attribute(
        "data-region", str(world.regions["210303"].pk)
    )

    # Following the total of a column opens its records, as many as the number said.
    total = page.get_by_test_id("total-row").locator('td[data-check="credit-code"] a')
    expect(total).to_have_text(str(len(data.expected["credit-code"])))
    total.click()
    expect(page.get_by_test_id("record-count")).to_have_text(str(len(data.expected["credit-code"])))
    expect(page.get_by_test_id("quality-record")).to_have_count(len(data.expected["credit-code"]))
    for name, size in SIZES:
        page.set_viewport_size(size)
        page.screenshot(path=artifacts / f"quality-records-{name}.png", full_page=True)
        no_sideways_scroll(page)

    # The declared figures: the two numbers side by side, the answer's review page one click away.
    page.goto(f"{live_server.url}/dashboards/quality/declared-figures/")
    expect(page.get_by_test_id("quality-record")).to_contain_text("填报 90%")
    page.set_viewport_size(SIZES[0][1])
    page.screenshot(path=artifacts / "quality-records-declared-390.png", full_page=True)
    no_sideways_scroll(page)
    page.get_by_test_id("record-link").first.click()
    expect(page).to_have_url(f"{live_server.url}/checklist/answers/{min(data.expected['declared-figures'])}/")
