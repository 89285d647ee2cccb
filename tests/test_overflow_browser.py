"""In a real browser (issue 15, item 1): no page scrolls sideways on office screens.

Every page of the URL sweep (tests/test_url_sweep.py: its SPECS and the objects its entries build)
is opened in Chromium by its main role at 1024, 1280 and 1366 px, and the page must not be wider
than the window (`document.documentElement.scrollWidth <= window.innerWidth`): a wide table scrolls
inside its own box (`.table-scroll`), never the page. The home page is opened by every role as well,
so that each role's header (its navigation entries) is measured. Downloads, JSON and fragments that
are no HTML page are skipped by their response's content type; POST-only URLs are skipped by their
entry. One browser context per role and width, each logged in once.
"""

import datetime
from dataclasses import dataclass

import pytest
from django.urls import reverse
from playwright.sync_api import Browser, BrowserContext

from tests.conftest import PASSWORD
from tests.hazards.factories import record
from tests.test_url_sweep import SPECS

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

WIDTHS = (1024, 1280, 1366)
# Who opens a page: the first of these its entry allows. The sweep builds its objects in 铁东区, so
# 铁东区's district user comes first, then the city; other_district last (it sees none of them).
MAIN_ROLES = ("district", "city", "institution", "department", "admin", "other_district")
# Pages beside the sweep's one object per entry: the other two of the three lists.
EXTRA_PAGES = (
    ("hazards:lists", {"kind": "rectification"}),
    ("hazards:lists", {"kind": "responsibility"}),
)
# What widens the page: the element reaching furthest right (the innermost of those that reach as
# far) and the outermost element beyond the window, neither inside a box that scrolls or clips. An
# element reaches as far as its box or, where its content spills out (a long unbroken text), that.
CULPRITS = """() => {
  const width = window.innerWidth;
  const clipped = (element) => {
    for (let box = element.parentElement; box && box !== document.body; box = box.parentElement) {
      if (getComputedStyle(box).overflowX !== "visible") return true;
    }
    return false;
  };
  const reach = (e) => {
    const box = e.getBoundingClientRect();
    return getComputedStyle(e).overflowX === "visible" ? Math.max(box.right, box.left + e.scrollWidth) : box.right;
  };
  const name = (e) => e.tagName.toLowerCase() + (e.id ? "#" + e.id : "")
    + (e.getAttribute("data-testid") ? "[data-testid=" + e.getAttribute("data-testid") + "]" : "")
    + (typeof e.className === "string" && e.className ? "." + e.className.trim().split(/\\s+/).join(".") : "")
    + " (reaches " + Math.round(reach(e)) + " px)";
  const wide = [...document.querySelectorAll("body *")]
    .filter((e) => reach(e) > width + 1 && !clipped(e));
  if (!wide.length) return [];
  const furthest = Math.max(...wide.map(reach));
  const widest = wide.filter((e) => reach(e) >= furthest - 1).pop();
  const outermost = wide.find((e) => !wide.includes(e.parentElement));
  return outermost === widest ? ["widest: " + name(widest)]
    : ["widest: " + name(widest), "inside: " + name(outermost)];
}"""


@dataclass(frozen=True)
class Visit:
    name: str
    role: str  # a key of world.users, or "anonymous"
    url: str


def main_role(spec) -> str:
    if spec.public and not spec.roles:
        return "anonymous"
    return next(role for role in MAIN_ROLES if role in spec.roles)


def visits(world) -> list[Visit]:
    """Every GET page of the sweep with its main role, and the home page with every role."""
    result = []
    for name, spec in sorted(SPECS.items()):
        if spec.method != "get":
            continue
        if name.startswith("api:") and name not in ("api:docs", "api:redoc"):
            continue  # JSON for programs, not a page
        url = reverse(name, kwargs=spec.own(world) if spec.own else None)
        result.append(Visit(name, main_role(spec), url))
    for name, kwargs in EXTRA_PAGES:
        result.append(Visit(name, main_role(SPECS[name]), reverse(name, kwargs=kwargs)))
    for role in sorted(set(world.users) - {"district"}):
        result.append(Visit("core:home", role, reverse("core:home")))
    return result


@pytest.fixture(autouse=True)
def media(settings, tmp_path):
    settings.MEDIA_ROOT = tmp_path


@pytest.fixture
def ledger(world):
    """A few hazards of 铁东区 with long texts, one overdue, so that the lists have rows to lay out."""
    district = world.users["district"]
    for n in range(3):
        record(
            world.own_institution,
            district,
            description="二楼疏散通道堆放杂物，安全出口指示灯损坏，消防器材过期未检，厨房燃气报警装置失灵"
            * (n + 1),
            found_on=datetime.date(2026, 10, 1 + n),
            deadline=datetime.date(2026, 10, 20 + n),
        )
    return world


def logged_in(
    browser: Browser, context_args: dict, live_server, world, role: str, width: int
) -> BrowserContext:
    context = browser.new_context(**{**context_args, "viewport": {"width": width, "height": 900}})
    if role != "anonymous":
        page = context.new_page()
        page.goto(f"{live_server.url}{reverse('accounts:login')}")
        page.fill("#id_username", world.users[role].username)
        page.fill("#id_password", PASSWORD)
        page.click("button[type=submit]")
        page.wait_for_selector("[data-testid=user-menu]")
        page.close()
    return context


WIDER_THAN_THE_WINDOW = "document.documentElement.scrollWidth > window.innerWidth"
# Two animation frames after a resize: the layout at the new width has been computed.
SETTLED = "() => new Promise((done) => requestAnimationFrame(() => requestAnimationFrame(done)))"


def overflows(page, width: int) -> bool:
    """Whether the page at `width` px is wider than the window. A page that scripts its layout after
    a resize (the dashboard's charts redraw 100 ms later) is measured again before it counts."""
    page.set_viewport_size({"width": width, "height": 900})
    page.evaluate(SETTLED)
    if not page.evaluate(WIDER_THAN_THE_WINDOW):
        return False
    page.wait_for_timeout(300)
    return page.evaluate(WIDER_THAN_THE_WINDOW)


# The header's navigation on one line (issue 15: from 1200 px): the entries' tops differ by less
# than a line. 0 when the navigation is folded behind the menu button.
NAV_ROWS = """() => { const items = [...document.querySelectorAll(".portal-nav > li")].filter((li) => li.offsetParent);
  if (!items.length) return 0;
  const tops = items.map((li) => li.getBoundingClientRect().top);
  return Math.max(...tops) - Math.min(...tops) < 10 ? 1 : 2; }"""
USER_MENU_RIGHT = """() => { const menu = document.querySelector("[data-testid=user-menu]");
  return menu && menu.offsetParent ? menu.getBoundingClientRect().right : 0; }"""


# The pages are measured in SHARDS tests (every SHARDS-th visit each), so that the suite's workers
# share the longest browser test of the suite (two minutes in one piece).
SHARDS = 3


@pytest.mark.long
@pytest.mark.parametrize("shard", range(SHARDS))
def test_no_page_scrolls_sideways_on_office_screens(
    live_server, ledger, browser, browser_context_args, artifacts, shard
):
    """Each page is loaded once by its main role and measured at each width of WIDTHS (widest first);
    on the home page, each role's user menu lies inside the window."""
    world = ledger
    contexts: dict[str, tuple[BrowserContext, object]] = {}
    overflowing, skipped, measured = [], [], 0
    try:
        for visit in visits(world)[shard::SHARDS]:
            if visit.role not in contexts:
                context = logged_in(browser, browser_context_args, live_server, world, visit.role, WIDTHS[-1])
                contexts[visit.role] = (context, context.new_page())
            context, page = contexts[visit.role]
            url = f"{live_server.url}{visit.url}"
            # Ask first (the context's cookies, no navigation): downloads and JSON are no page to lay out.
            answer = context.request.get(url, max_redirects=0)
            content_type = answer.headers.get("content-type", "")
            if answer.status != 200 or not content_type.startswith("text/html"):
                skipped.append((visit.name, answer.status, content_type))
                continue
            page.set_viewport_size({"width": WIDTHS[-1], "height": 900})
            page.goto(url)
            measured += 1
            for width in sorted(WIDTHS, reverse=True):
                where = f"{visit.name} as {visit.role} at {width} px ({visit.url})"
                if overflows(page, width):
                    scroll_width = page.evaluate("document.documentElement.scrollWidth")
                    culprits = ", ".join(page.evaluate(CULPRITS)) or "no single culprit found"
                    overflowing.append(f"{where}: {scroll_width} px wide; {culprits}")
                    page.screenshot(path=artifacts / f"overflow-{visit.name.replace(':', '-')}-{width}.png")
                if visit.name == "core:home" and page.evaluate(USER_MENU_RIGHT) > width:
                    overflowing.append(f"{where}: the user menu reaches beyond the window")
                if visit.name == "core:home" and width >= 1200 and page.evaluate(NAV_ROWS) > 1:
                    overflowing.append(f"{where}: the header's navigation wraps to a second line")
                    page.screenshot(path=artifacts / f"overflow-header-{visit.role}-{width}.png")
    finally:
        for context, _page in contexts.values():
            context.close()
    assert measured > 40 // SHARDS, f"only {measured} pages measured; skipped: {skipped}"
    assert not overflowing, "Pages wider than the window:\n" + "\n".join(overflowing)


WIDE_BLOCK = """() => { const block = document.createElement("div");
  block.setAttribute("data-testid", "too-wide");
  block.textContent = "宽".repeat(200); block.style.whiteSpace = "nowrap";
  document.querySelector("main").appendChild(block); }"""


def test_the_measure_names_what_widens_the_page(live_server, db, page):
    """The overflow test can fail: a block wider than the window is found and named."""
    page.goto(f"{live_server.url}{reverse('accounts:login')}")
    assert not overflows(page, 1280)
    page.evaluate(WIDE_BLOCK)
    assert overflows(page, 1280)
    assert any("data-testid=too-wide" in culprit for culprit in page.evaluate(CULPRITS))


EXTRA_ENTRIES = """() => { const nav = document.querySelector(".portal-nav");
  for (let n = 0; n < 4; n++) nav.appendChild(nav.lastElementChild.cloneNode(true)); }"""


def test_the_measure_finds_a_header_on_two_lines(live_server, world, browser, browser_context_args):
    """The header check can fail: four more entries push the district's navigation to a second line
    at 1280 px (the portal's entries fit one)."""
    context = logged_in(browser, browser_context_args, live_server, world, "district", 1280)
    try:
        page = context.new_page()
        page.goto(f"{live_server.url}{reverse('core:home')}")
        assert page.evaluate(NAV_ROWS) == 1
        page.evaluate(EXTRA_ENTRIES)
        assert page.evaluate(NAV_ROWS) == 2
    finally:
        context.close()


def box_state(page) -> dict:
    return page.evaluate("""() => {
      const box = document.querySelector("[data-testid=matrix-scroll]");
      const head = box.querySelector("thead tr");
      const hint = box.previousElementSibling;
      return {
        classes: [...box.classList],
        hint: hint && hint.classList.contains("table-scroll-hint") && hint.offsetParent !== null ? hint.innerText : "",
        box_left: box.getBoundingClientRect().left,
        box_right: box.getBoundingClientRect().right,
        unit_left: head.firstElementChild.getBoundingClientRect().left,
        item30_right: head.lastElementChild.getBoundingClientRect().right,
        item30: head.lastElementChild.innerText,
      };
    }""")


def test_the_city_sees_all_30_items_of_the_matrix_or_a_cue_to_scroll(live_server, world, page, artifacts):
    """At 1280 and 1366 px the matrix shows item 30 without scrolling; narrower, the matrix scrolls
    inside its box with a hint line and a faded right edge, and its unit column stays in view."""
    page.set_viewport_size({"width": 1366, "height": 900})
    page.goto(f"{live_server.url}{reverse('accounts:login')}")
    page.fill("#id_username", "city")
    page.fill("#id_password", PASSWORD)
    page.click("button[type=submit]")
    page.wait_for_selector("[data-testid=user-menu]")
    page.goto(f"{live_server.url}{reverse('checklist:matrix')}")
    for width in (1366, 1280):
        assert not overflows(page, width)
        state = box_state(page)
        assert state["item30"] == "30"
        assert state["item30_right"] <= state["box_right"] + 1, (width, state)
        assert not state["hint"] and "more-right" not in state["classes"], (width, state)
        page.screenshot(path=artifacts / f"matrix-{width}.png", full_page=True)

    assert not overflows(page, 1024)
    state = box_state(page)
    assert state["item30_right"] > state["box_right"]  # item 30 is to the right, out of view
    assert state["hint"] == "左右滑动查看更多列" and "more-right" in state["classes"], state
    page.screenshot(path=artifacts / "matrix-1024.png", full_page=True)
    page.get_by_test_id("matrix-scroll").evaluate("(box) => { box.scrollLeft = box.scrollWidth; }")
    page.wait_for_function(
        "() => !document.querySelector('[data-testid=matrix-scroll]').classList.contains('more-right')"
    )
    state = box_state(page)
    assert state["item30_right"] <= state["box_right"] + 1, state
    assert "scrolled" in state["classes"]
    assert abs(state["unit_left"] - state["box_left"]) <= 1, state  # the sticky unit column
