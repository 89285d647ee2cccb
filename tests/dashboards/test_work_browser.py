"""In a real browser (issue 13): a district clerk and an institution's manager see their own work on
the home page, click a number and land on the list showing that number. Screenshots of both homes
at 390, 1280 and 1366 px, with no sideways scrolling."""

import datetime

import pytest
from playwright.sync_api import Page, expect

from core import dates
from institutions.models import SelfReport
from tests.hazards.factories import advance, record
from tests.institutions.test_e2e_registry import login
from tests.reminders.test_inbox_browser import SIZES, no_sideways_scroll

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


@pytest.fixture(autouse=True)
def media(settings, tmp_path):
    settings.MEDIA_ROOT = tmp_path


@pytest.fixture
def ledger(world):
    """铁东区's ledger: two hazards overdue, one due in two days, one awaiting verification; the
    same in 铁西区 (never counted for 铁东区)."""
    today = dates.today()
    found = today - datetime.timedelta(days=20)
    for institution, user in (
        (world.own_institution, world.users["district"]),
        (world.other_institution, world.users["other_district"]),
    ):
        for late in (3, 1):
            record(institution, user, found_on=found, deadline=today - datetime.timedelta(days=late))
        record(institution, user, found_on=found, deadline=today + datetime.timedelta(days=2))
        hazard = record(institution, user, found_on=found, deadline=today + datetime.timedelta(days=30))
        advance(hazard, "awaiting_verification", district=user)
    SelfReport.objects.create(
        institution=world.own_institution,
        status=SelfReport.Status.SUBMITTED,
        created_by=world.users["institution"],
    )


def screenshots(page: Page, artifacts, name: str) -> None:
    for size_name, size in SIZES:
        page.set_viewport_size(size)
        page.screenshot(path=artifacts / f"{name}-{size_name}.png", full_page=True)
        no_sideways_scroll(page)
    page.set_viewport_size(SIZES[-1][1])


def open_card(page: Page, live_server, key: str, count: int) -> None:
    """The card shows `count`; clicking it lands on a list whose total is `count`."""
    card = page.get_by_test_id(f"work-{key}")
    expect(card).to_have_attribute("data-count", str(count))
    expect(card.get_by_test_id("work-count")).to_have_text(str(count))
    card.click()
    expect(page.get_by_test_id("list-total")).to_have_attribute("data-count", str(count))


def test_a_district_clerk_sees_the_units_work_and_opens_the_list_behind_a_number(
    live_server, world, ledger, page: Page, artifacts
):
    login(page, live_server, "tiedong")
    expect(page.get_by_test_id("work")).to_be_visible()
    expect(page.get_by_test_id("next-due")).to_be_visible()  # the calendar stays below, for now
    expect(page.get_by_test_id("work-hazards_due_soon")).to_have_attribute("data-count", "1")
    expect(page.get_by_test_id("work-hazards_to_verify")).to_have_attribute("data-count", "1")
    expect(page.get_by_test_id("work-self_reports_to_review")).to_have_attribute("data-count", "1")
    screenshots(page, artifacts, "home-work-district")
    open_card(page, live_server, "hazards_overdue", 2)
    assert "overdue=yes" in page.url
    expect(page.get_by_test_id("hazard-table").locator("tbody tr")).to_have_count(2)

    page.go_back()
    open_card(page, live_server, "self_reports_to_review", 1)


def test_an_institution_sees_its_hazards_to_rectify_not_the_citys_calendar(
    live_server, world, ledger, page: Page, artifacts
):
    login(page, live_server, "kangle")
    expect(page.get_by_test_id("work")).to_be_visible()
    expect(page.get_by_test_id("next-due")).to_have_count(0)
    expect(page.get_by_test_id("campaign-line")).to_contain_text(world.campaign.title)
    expect(page.get_by_test_id("work-hazards_pending")).to_have_attribute("data-count", "3")
    screenshots(page, artifacts, "home-work-institution")
    open_card(page, live_server, "hazards_overdue", 2)
    page.go_back()
    open_card(page, live_server, "hazards_pending", 3)
    expect(page.get_by_test_id("hazard-table").locator("tbody tr")).to_have_count(3)
