"""In a real browser (issue 12): a district clerk with an overdue hazard reminder sees the unread
count in the header, opens the reminder, lands on the hazard, verifies and closes it, and back in
the inbox the reminder shows resolved. Screenshots of the inbox, the rules and the health page at
390, 1280 and 1366 px, with no sideways scrolling."""

import datetime

import pytest
from django.urls import reverse
from django.utils import timezone, translation
from django.utils.translation import ngettext
from playwright.sync_api import Page, expect

from reminders.models import Delivery, Digest, Kind, Notification, ScanRun
from tests.hazards.factories import advance, record
from tests.institutions.test_e2e_registry import login

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

PHONE, DESKTOP = {"width": 390, "height": 844}, {"width": 1280, "height": 900}
OFFICE = {"width": 1366, "height": 768}
SIZES = (("390", PHONE), ("1280", DESKTOP), ("1366", OFFICE))


def zh_n(singular: str, plural: str, n: int, **values) -> str:
    """The Chinese the page shows (e.g. "2 条未读提醒", "已逾期 3 天")."""
    with translation.override("zh-hans"):
        return ngettext(singular, plural, n) % values


WIDER_THAN_THE_WINDOW = """() => [...document.querySelectorAll("body *")]
    .filter((e) => e.getBoundingClientRect().right > window.innerWidth + 1)
    .map((e) => e.tagName + "." + e.className).slice(0, 8)"""


def no_sideways_scroll(page: Page) -> None:
    wide = page.evaluate(WIDER_THAN_THE_WINDOW)
    assert page.evaluate("document.documentElement.scrollWidth <= window.innerWidth"), (page.url, wide)


@pytest.fixture(autouse=True)
def rules(db):
    """The rules the migration creates (a transactional test's flush removes them)."""
    from reminders.models import Rule, Source

    for source in Source.values:
        Rule.objects.get_or_create(source=source)


def test_a_clerk_opens_an_overdue_reminder_does_the_work_and_sees_it_resolved(
    live_server, world, page: Page, artifacts, settings, tmp_path
):
    settings.MEDIA_ROOT = tmp_path
    district = world.users["district"]
    overdue = datetime.date.today() - datetime.timedelta(days=3)
    hazard = record(
        world.own_institution,
        district,
        description="二楼疏散通道堆放杂物",
        found_on=overdue - datetime.timedelta(days=20),
        deadline=overdue,
    )
    hazard = advance(hazard, "awaiting_verification", district=district)  # rectified, awaiting the check
    notice = Notification.objects.create(
        recipient=district,
        source="hazard",
        subject=f"hazard:{hazard.pk}",
        kind=Kind.OVERDUE,
        title=f"隐患 {hazard.code} 整改已逾期，请核查销号",
        url=reverse("hazards:detail", args=[hazard.pk]),
        due_on=overdue,
        reminded_on=datetime.date.today(),
    )
    other = record(
        world.own_institution,
        district,
        description="厨房燃气报警器缺失",
        found_on=datetime.date.today() - datetime.timedelta(days=2),
        deadline=datetime.date.today() + datetime.timedelta(days=5),
    )
    Notification.objects.create(
        recipient=district,
        source="hazard",
        subject=f"hazard:{other.pk}",
        kind=Kind.UPCOMING,
        title=f"隐患 {other.code} 整改时限将至",
        url=reverse("hazards:detail", args=[other.pk]),
        due_on=other.deadline,
        reminded_on=datetime.date.today(),
    )

    login(page, live_server, "tiedong")
    count = page.get_by_test_id("unread-count")
    expect(count).to_have_text("2")
    expect(page.get_by_test_id("reminders-link")).to_have_attribute(
        "aria-label", zh_n("%(counter)s unread reminder", "%(counter)s unread reminders", 2, counter=2)
    )
    page.get_by_test_id("reminders-link").click()
    line = page.get_by_test_id(f"notification-{notice.pk}")
    expect(line).to_have_attribute("data-state", "open")
    expect(page.get_by_test_id("group-overdue")).to_contain_text(hazard.code)
    expect(line.get_by_test_id("countdown")).to_have_text(
        zh_n("%(days)s day overdue", "%(days)s days overdue", 3, days=3)
    )
    for name, size in SIZES:
        page.set_viewport_size(size)
        page.screenshot(path=artifacts / f"reminders-inbox-{name}.png", full_page=True)
        no_sideways_scroll(page)

    # Opening the reminder marks it read and lands on the hazard.
    line.get_by_test_id("open").click()
    expect(page).to_have_url(f"{live_server.url}/hazards/{hazard.pk}/")
    expect(page.get_by_test_id("unread-count")).to_have_text("1")

    # The clerk does the work: verifies and closes the hazard.
    page.fill("#id_close_note", "经现场核查，杂物已清理，同意销号")
    page.get_by_test_id("step-close").click()
    expect(page.get_by_test_id("status")).to_have_text("已销号")

    # Back in the inbox the reminder shows resolved, before any scan has recorded it.
    page.get_by_test_id("reminders-link").click()
    resolved = page.get_by_test_id("resolved")
    expect(resolved).to_be_visible()
    resolved.locator("summary").click()
    line = page.get_by_test_id(f"notification-{notice.pk}")
    expect(line).to_have_attribute("data-state", "resolved")
    expect(line.get_by_test_id("resolved-badge")).to_be_visible()
    expect(page.get_by_test_id("group-overdue")).to_have_count(0)
    page.set_viewport_size(PHONE)
    page.screenshot(path=artifacts / "reminders-inbox-resolved-390.png", full_page=True)
    no_sideways_scroll(page)
    notice.refresh_from_db()
    assert notice.read_at is not None and notice.resolved_at is None  # the scan records resolved_at


def test_the_rules_page_fits_a_phone_and_a_desktop(live_server, world, page: Page, artifacts):
    login(page, live_server, "city")
    page.goto(f"{live_server.url}/reminders/rules/")
    form = page.get_by_test_id("rule-hazard")
    form.locator("#id_hazard-lead_days").fill("7, 3, x")
    form.get_by_test_id("save-hazard").click()
    expect(page.get_by_test_id("rule-hazard")).to_contain_text("到期前提醒天数")
    for name, size in SIZES:
        page.set_viewport_size(size)
        page.screenshot(path=artifacts / f"reminders-rules-{name}.png", full_page=True)
        no_sideways_scroll(page)

    # The health page with a day's traffic in every state.
    today = timezone.localdate()
    ScanRun.objects.create(
        on=today,
        state=ScanRun.State.DONE,
        counts={"sources": {"hazard": {"obligations": 12, "overdue": 5}}, "new_deliveries": 5, "resolved": 1},
        finished_at=timezone.now(),
    )
    digest = Digest.objects.create(recipient=world.users["district"], on=today, state=Digest.State.PENDING)
    for n, state in enumerate(Delivery.State.values):
        Delivery.objects.create(
            source="hazard",
            subject=f"hazard:{n}",
            recipient=world.users["district"],
            occurrence=today,
            kind=Kind.OVERDUE,
            due_on=today,
            title=f"隐患 {n}",
            url="/hazards/",
            digest=digest,
            state=state,
        )
    page.goto(f"{live_server.url}/reminders/health/")
    row = page.locator(f'[data-testid="per-day"] tr[data-day="{today:%Y-%m-%d}"] td')
    expect(row).to_have_text(["1"] * len(Delivery.State.values))
    expect(page.get_by_test_id("per-day").locator("th[title='未发邮件：仅站内提醒']")).to_have_text("仅站内")
    for name, size in SIZES:
        page.set_viewport_size(size)
        page.screenshot(path=artifacts / f"reminders-health-{name}.png", full_page=True)
        no_sideways_scroll(page)
        # every column of the per-day table is in view, not behind a scroll inside its card
        table = page.get_by_test_id("per-day")
        assert table.evaluate("t => t.parentElement.scrollWidth <= t.parentElement.clientWidth"), name
