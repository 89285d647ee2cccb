"""In a real browser, under the portal's Content-Security-Policy: the chart component (core/charts.py,
templates/core/chart.html, static/js/charts.js with the vendored ECharts) draws SVG with the values
written on the bars, decal patterns and the aria description; a click on a bar or a category label
with a link goes there; a chart htmx swaps in is drawn too; no CSP violation; no sideways scrolling
at 390 px; screenshots at 390, 1280 and 1366 px."""

import re

import pytest
from playwright.sync_api import Page, expect

from tests.institutions.test_e2e_registry import login

pytestmark = [
    pytest.mark.browser,
    pytest.mark.django_db(transaction=True),
    pytest.mark.urls("tests.charts_urls"),
]

PHONE, DESKTOP = {"width": 390, "height": 844}, {"width": 1280, "height": 900}
OFFICE = {"width": 1366, "height": 768}
SIZES = (("390", PHONE), ("1280", DESKTOP), ("1366", OFFICE))

# Runs before any page script (Playwright's init scripts are not subject to the page's CSP).
REPORT_VIOLATIONS = """
document.addEventListener("securitypolicyviolation", (event) => {
  console.error(`CSP-VIOLATION ${event.violatedDirective} ${event.blockedURI} ${event.sourceFile}:${event.lineNumber}`);
});
"""

WIDER_THAN_THE_WINDOW = """() => [...document.querySelectorAll("body *")]
    .filter((e) => e.getBoundingClientRect().right > window.innerWidth + 1)
    .map((e) => e.tagName + "." + e.className).slice(0, 8)"""

# The texts of a chart's SVG, and the boxes of its visible texts (to find overlapping labels).
SVG_TEXTS = """(id) => [...document.querySelectorAll(`figure[data-chart="${id}"] svg text`)]
    .map((t) => t.textContent)"""
OVERLAPS = """(id) => {
  const boxes = [...document.querySelectorAll(`figure[data-chart="${id}"] svg text`)]
    .filter((t) => t.textContent.trim() && t.getAttribute("opacity") !== "0" && t.style.opacity !== "0")
    .map((t) => ({text: t.textContent, box: t.getBoundingClientRect()}))
    .filter((t) => t.box.width > 0);
  const found = [];
  for (let i = 0; i < boxes.length; i++) {
    for (let j = i + 1; j < boxes.length; j++) {
      const a = boxes[i].box, b = boxes[j].box;
      const x = Math.min(a.right, b.right) - Math.max(a.left, b.left);
      const y = Math.min(a.bottom, b.bottom) - Math.max(a.top, b.top);
      if (x > 1 && y > 1) found.push(`${boxes[i].text} × ${boxes[j].text}`);
    }
  }
  return found;
}"""
CHARTS = ("hazards-by-district", "institutions-by-nature", "inspections-by-month")


@pytest.fixture
def console(page: Page) -> list[str]:
    """Every CSP violation and every script error the page reports."""
    found: list[str] = []
    page.add_init_script(REPORT_VIOLATIONS)

    def on_console(message) -> None:
        text = message.text
        if (message.type == "error" and not message.location.get("url", "").endswith("/favicon.ico")) or (
            "CSP-VIOLATION" in text or "Content Security Policy" in text
        ):
            found.append(f"{page.url}: {text}")

    page.on("console", on_console)
    page.on("pageerror", lambda error: found.append(f"{page.url}: {error}"))
    return found


def open_charts(page: Page, live_server) -> None:
    response = page.goto(f"{live_server.url}/charts-test/")
    assert "script-src 'self'" in (response.header_value("content-security-policy") or "")
    for chart in CHARTS:
        expect(page.locator(f'figure[data-chart="{chart}"]')).to_have_attribute("data-chart-state", "drawn")


def no_sideways_scroll(page: Page) -> None:
    wide = page.evaluate(WIDER_THAN_THE_WINDOW)
    assert page.evaluate("document.documentElement.scrollWidth <= window.innerWidth"), (page.url, wide)


def test_charts_draw_svg_with_values_patterns_and_links(live_server, world, page: Page, console, artifacts):
    login(page, live_server, "tiedong")
    open_charts(page, live_server)

    stacked = page.locator('figure[data-chart="hazards-by-district"]')
    expect(stacked.locator("svg")).to_have_count(1)
    texts = page.evaluate(SVG_TEXTS, "hazards-by-district")
    for value in ("12", "30", "岫岩满族自治县", "未整改", "已整改"):
        assert value in texts, (value, texts)
    assert texts.count("0") == 1  # the axis' 0: an empty segment of a stack gets no label
    # The decal patterns (readable without colour) and the generated description (in Chinese).
    assert stacked.locator("svg pattern").count() >= 2
    label = stacked.locator("[data-chart-canvas]").get_attribute("aria-label")
    assert label.startswith("各区县安全隐患整改情况。铁东区：未整改 12项，已整改 30项；铁西区："), label
    # The table is there, folded away once the chart is drawn, with the same numbers and the links.
    table = page.get_by_test_id("chart-table-hazards-by-district")
    expect(table).to_be_hidden()
    stacked.get_by_text("查看数据表").click()
    expect(table).to_be_visible()
    expect(table.locator("tbody tr").first).to_contain_text("铁东区")
    expect(table.locator("tbody tr").first.locator("td").first).to_have_text("12")
    expect(table.get_by_role("link", name="海城市")).to_have_attribute("href", "/charts-test/region/210381/")

    grouped = page.locator('figure[data-chart="institutions-by-nature"]')
    expect(grouped.locator("svg")).to_have_count(1)
    texts = page.evaluate(SVG_TEXTS, "institutions-by-nature")
    for value in ("12", "25", "19", "公建民营", "机构数", "达标数"):
        assert value in texts, (value, texts)
    expect(
        page.get_by_test_id("chart-table-institutions-by-nature").locator("tbody tr").last
    ).to_contain_text("—")

    line = page.locator('figure[data-chart="inspections-by-month"]')
    expect(line.locator("svg path").first).to_be_attached()
    assert "30" in page.evaluate(SVG_TEXTS, "inspections-by-month")

    for name, size in SIZES:
        page.set_viewport_size(size)
        page.wait_for_timeout(400)  # the resize is debounced
        for chart in CHARTS:
            assert page.evaluate(OVERLAPS, chart) == [], (name, chart)
            box = page.locator(f'figure[data-chart="{chart}"] svg').bounding_box()
            assert box["width"] <= size["width"], (name, chart, box)
        page.screenshot(path=artifacts / f"charts-{name}.png", full_page=True)
        no_sideways_scroll(page)

    # A bar with a link goes to it; a category label too; a bar without one does nothing.
    page.set_viewport_size(DESKTOP)
    page.wait_for_timeout(400)
    # 民办's 25, a bar with a link, shows the hand and goes to the link.
    page.mouse.move(*bar_of(page, "institutions-by-nature", 0, 2))
    page.wait_for_timeout(100)
    assert page.evaluate(POINTER, "institutions-by-nature")
    with page.expect_navigation():
        page.mouse.click(*bar_of(page, "institutions-by-nature", 0, 2))
    expect(page).to_have_url(f"{live_server.url}/charts-test/nature/private/")

    open_charts(page, live_server)
    with page.expect_navigation():
        page.mouse.click(*bar_of(page, "hazards-by-district", 0, 0))
    expect(page).to_have_url(f"{live_server.url}/charts-test/region/210302/")

    open_charts(page, live_server)
    with page.expect_navigation():
        page.mouse.click(*text_of(page, "hazards-by-district", "千山区"))
    expect(page).to_have_url(f"{live_server.url}/charts-test/region/210311/")

    assert console == []


def test_a_chart_swapped_in_by_htmx_is_drawn(live_server, world, page: Page, console, artifacts):
    login(page, live_server, "tiedong")
    page.set_viewport_size(PHONE)
    open_charts(page, live_server)
    page.get_by_test_id("load-fragment").click()
    swapped = page.locator('figure[data-chart="swapped-in"]')
    expect(swapped).to_have_attribute("data-chart-state", "drawn")
    expect(swapped.locator("svg")).to_have_count(1)
    assert {"45", "70", "一季度"} <= set(page.evaluate(SVG_TEXTS, "swapped-in"))
    # Its bars have no link: no hand, and a click stays on the page.
    page.mouse.move(*bar_of(page, "swapped-in", 0, 1))
    page.wait_for_timeout(100)
    assert not page.evaluate(POINTER, "swapped-in")
    page.mouse.click(*bar_of(page, "swapped-in", 0, 1))
    page.wait_for_timeout(300)
    assert page.url == f"{live_server.url}/charts-test/"
    no_sideways_scroll(page)
    assert console == []


def bar_of(page: Page, chart: str, series: int, index: int) -> tuple[float, float]:
    """The middle of a bar, from ECharts' layout of the series' data."""
    return tuple(
        page.evaluate(
            """([id, series, index]) => {
                const canvas = document.querySelector(`figure[data-chart="${id}"] [data-chart-canvas]`);
                const layout = echarts.getInstanceByDom(canvas).getModel().getSeriesByIndex(series)
                    .getData().getItemLayout(index);
                const box = canvas.getBoundingClientRect();
                return [box.left + layout.x + layout.width / 2, box.top + layout.y + layout.height / 2];
            }""",
            [chart, series, index],
        )
    )


POINTER = """(id) => [...document.querySelectorAll(`figure[data-chart="${id}"] [data-chart-canvas] *`)]
    .some((e) => getComputedStyle(e).cursor === "pointer")"""


def text_of(page: Page, chart: str, text: str) -> tuple[float, float]:
    box = text_box(page, chart, text)
    return (box[0] + box[2]) / 2, (box[1] + box[3]) / 2


def text_box(page: Page, chart: str, text: str) -> list[float]:
    box = page.evaluate(
        """([id, text]) => { const t = [...document.querySelectorAll(`figure[data-chart="${id}"] svg text`)]
              .find((t) => t.textContent === text);
            if (!t) return null; const b = t.getBoundingClientRect(); return [b.left, b.top, b.right, b.bottom]; }""",
        [chart, text],
    )
    assert box, (chart, text)
    return box


def test_no_english_in_the_drawn_charts(live_server, world, page: Page, console):
    login(page, live_server, "tiedong")
    open_charts(page, live_server)
    for chart in CHARTS:
        figure = page.locator(f'figure[data-chart="{chart}"]')
        words = re.findall(r"[A-Za-z]{3,}", " ".join(page.evaluate(SVG_TEXTS, chart)) + figure.inner_text())
        assert words == [], (chart, words)
        label = figure.locator("[data-chart-canvas]").get_attribute("aria-label")
        assert re.findall(r"[A-Za-z]{3,}", label) == [], (chart, label)
    assert console == []
