"""Tables that read (issue 15, item 2), in Chromium: on a phone (390 px) the ledger, the institution
list and the home page of a district clerk never scroll sideways, and each row of the two lists is
a card whose next step (a step's button, or 查看) sits inside the screen; on office screens (1280
px) a short institution name stays on one line in the ledger, and the region column is there for
the city (which sees several regions) and not for the district (which sees one). Screenshots at
390, 1280 and 1366 px go to the artifacts directory."""

import datetime

import pytest
from django.utils import timezone
from playwright.sync_api import Page, expect

from core import dates
from institutions.models import Institution, SelfReport
from tests.campaign.test_indicators import hazard, inst
from tests.institutions.test_e2e_registry import login
from tests.reminders.test_inbox_browser import SIZES, no_sideways_scroll

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

PHONE = {"width": 390, "height": 844}
OFFICE = {"width": 1280, "height": 900}
SHORT = "铁东区康乐老年公寓"
LONG = "铁东区山南街道社区居家养老服务中心附属老年护理院"

# How many lines an element's text takes: one client rect per line box of its text.
LINES = """(el) => { const r = document.createRange(); r.selectNodeContents(el);
    return new Set([...r.getClientRects()].map((rect) => Math.round(rect.top))).size; }"""
# Where an element is, against the window.
BOX = """(el) => { const b = el.getBoundingClientRect();
    return {left: b.left, right: b.right, width: b.width, inner: window.innerWidth}; }"""


@pytest.fixture
def ledger(world):
    """铁东区's ledger: open hazards of a short- and a long-named institution (one overdue), a
    closed one (no step left: its card offers 查看), and one of 铁西区 that only the city sees."""
    today = dates.today()
    tiedong, tiexi = world.regions["210302"], world.regions["210303"]
    short, long = inst(tiedong, SHORT), inst(tiedong, LONG)
    clerk = world.users["district"]
    hazards = [
        hazard(
            short,
            clerk,
            found_on=today - datetime.timedelta(days=30),
            deadline=today - datetime.timedelta(days=3),
        ),
        hazard(
            long,
            clerk,
            found_on=today - datetime.timedelta(days=5),
            deadline=today + datetime.timedelta(days=20),
        ),
        hazard(
            short,
            clerk,
            found_on=today - datetime.timedelta(days=9),
            deadline=today + datetime.timedelta(days=9),
        ),
        hazard(
            long,
            clerk,
            found_on=today - datetime.timedelta(days=60),
            deadline=today - datetime.timedelta(days=30),
            closed_on=today - datetime.timedelta(days=31),
        ),
    ]
    other = inst(tiexi, "铁西区兴盛社区养老服务中心")
    hazard(
        other, clerk, found_on=today - datetime.timedelta(days=4), deadline=today + datetime.timedelta(days=4)
    )
    return hazards


def cards_show_their_next_step(page: Page, row_testid: str, expected: int) -> None:
    rows = page.get_by_test_id(row_testid)
    expect(rows).to_have_count(expected)
    for n in range(expected):
        step = rows.nth(n).get_by_test_id("next-step")
        expect(step).to_be_visible()
        button = step.locator("a, button").first
        expect(button).to_be_visible()
        box = button.evaluate(BOX)
        assert box["left"] >= 0 and box["right"] <= box["inner"], (row_testid, n, box)


def test_a_district_clerk_on_a_phone(live_server, ledger, page: Page, artifacts):
    login(page, live_server, "tiedong")  # on an office screen: the user menu is behind 菜单 on a phone
    page.set_viewport_size(PHONE)

    page.goto(f"{live_server.url}/hazards/")
    no_sideways_scroll(page)
    cards_show_their_next_step(page, "hazard-row", 4)
    expect(page.get_by_test_id("hazard-table").locator("thead")).to_be_hidden()  # cards, not columns
    first = page.get_by_test_id("hazard-row").first  # the overdue one: open hazards nearest deadline first
    expect(first.get_by_test_id("institution-cell")).to_have_text(SHORT)
    expect(first.get_by_test_id("overdue")).to_be_visible()
    expect(first.get_by_test_id("step-start")).to_be_visible()
    closed = page.locator(f"#hazard-{ledger[3].pk}")
    expect(closed.get_by_test_id("step-view")).to_have_text("查看")
    page.screenshot(path=artifacts / "phone-ledger-390.png", full_page=True)

    page.goto(f"{live_server.url}/institutions/")
    no_sideways_scroll(page)
    cards_show_their_next_step(
        page, "institution-row", Institution.objects.filter(region__code="210302").count()
    )
    page.screenshot(path=artifacts / "phone-institutions-390.png", full_page=True)

    page.goto(f"{live_server.url}/")
    no_sideways_scroll(page)
    page.screenshot(path=artifacts / "phone-home-390.png", full_page=True)

    # the self-reports to review: a card per report, its 审核 button in view
    SelfReport.objects.create(
        institution=ledger[0].institution,
        status=SelfReport.Status.SUBMITTED,
        created_by=ledger[0].created_by,
        submitted_by=ledger[0].created_by,
        submitted_at=timezone.now(),
    )
    page.goto(f"{live_server.url}/institutions/self-reports/")
    no_sideways_scroll(page)
    cards_show_their_next_step(page, "self-report-row", 1)
    expect(page.get_by_test_id("self-report-row").get_by_test_id("next-step")).to_have_text("审核")
    page.screenshot(path=artifacts / "phone-self-reports-390.png", full_page=True)


def test_names_get_room_and_the_region_only_for_several(live_server, ledger, page: Page, artifacts):
    page.set_viewport_size(OFFICE)
    login(page, live_server, "tiedong")
    page.goto(f"{live_server.url}/hazards/")
    no_sideways_scroll(page)
    short_cell = page.get_by_test_id("institution-cell").filter(has_text=SHORT).first
    assert short_cell.evaluate(LINES) == 1
    expect(page.get_by_test_id("region-column")).to_have_count(0)  # 铁东区 sees one region
    expect(page.get_by_test_id("region-cell")).to_have_count(0)
    expect(page.get_by_test_id("hazard-row").first.get_by_test_id("step-start")).to_be_visible()
    table = page.get_by_test_id("hazard-table")
    assert table.evaluate("(t) => t.scrollWidth <= t.parentElement.clientWidth"), table.evaluate(BOX)
    for name, size in SIZES:
        page.set_viewport_size(size)
        page.screenshot(path=artifacts / f"ledger-district-{name}.png", full_page=True)
        no_sideways_scroll(page)

    page.set_viewport_size(OFFICE)
    login(page, live_server, "city")
    page.goto(f"{live_server.url}/hazards/")
    no_sideways_scroll(page)
    expect(page.get_by_test_id("region-column")).to_have_count(1)
    expect(page.get_by_test_id("region-cell").filter(has_text="铁西区")).to_have_count(1)
    assert page.get_by_test_id("institution-cell").filter(has_text=SHORT).first.evaluate(LINES) == 1
    # the table fits its box: nothing of it is hidden to the right on an office screen
    table = page.get_by_test_id("hazard-table")
    assert table.evaluate("(t) => t.scrollWidth <= t.parentElement.clientWidth"), table.evaluate(BOX)
    for name, size in SIZES:
        page.set_viewport_size(size)
        page.screenshot(path=artifacts / f"ledger-city-{name}.png", full_page=True)
        no_sideways_scroll(page)

    page.goto(f"{live_server.url}/institutions/")
    expect(page.get_by_test_id("region-column")).to_have_count(1)
    page.set_viewport_size(OFFICE)
    no_sideways_scroll(page)
