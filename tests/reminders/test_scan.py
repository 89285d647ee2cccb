"""The daily scan at the notice's real dates: who is reminded of what and when, exactly once."""

import datetime
import threading

import pytest
from django.db import connection, connections
from django.test.utils import CaptureQueriesContext

from hazards.models import Hazard
from reminders.models import Delivery, Digest, Kind, Notification, Rule, ScanRun, Source
from reminders.scan import run_scan
from tests.reminders.conftest import answer, at, d, hazard, milestone, referral, returned_self_report

pytestmark = pytest.mark.django_db


def scan(day: str) -> ScanRun:
    with at(day):
        return run_scan(d(day))


def scan_days(first: str, last: str):
    day = d(first)
    while day <= d(last):
        scan(day.isoformat())
        day += datetime.timedelta(days=1)


def got(user, source=None, subject=None) -> dict[str, str]:
    """{occurrence: kind} of the user's deliveries (of one subject)."""
    rows = Delivery.objects.filter(recipient=user)
    if source:
        rows = rows.filter(source=source)
    if subject:
        rows = rows.filter(subject=subject)
    return {r.occurrence.isoformat(): r.kind for r in rows}


def subject(m, region) -> str:
    return f"milestone:{m.pk}:region:{region.pk}"


@pytest.fixture
def only(db):
    """Enable only the named rules (the others would add their own lines)."""

    def enable(*sources):
        Rule.objects.exclude(source__in=sources).update(enabled=False)

    return enable


def test_the_notices_dates(world, only):
    """Daily scans from 17 August to 1 December 2020 with nothing done by 铁东区."""
    only(Source.MILESTONE)
    users = world.users
    tiedong, city = world.regions["210302"], world.regions["210300"]
    scan_days("2020-08-17", "2020-12-01")
    district = users["district"]

    fire = got(district, subject=subject(milestone(world, "fire-review-one-case"), tiedong))
    # 7, 3, 1 days before Monday 31 August (Sat 29 → Fri 28 and Sun 30 → Fri 28: one reminder that day)
    assert {k: v for k, v in fire.items() if k <= "2020-09-01"} == {
        "2020-08-24": Kind.UPCOMING,
        "2020-08-28": Kind.UPCOMING,
        "2020-08-31": Kind.DUE,
    }
    # overdue every 3 days: 3 Sep, Sun 6 → Fri 4, 9, 12 (Sat) → 11 …
    assert [k for k in fire if "2020-09-01" <= k <= "2020-09-12"] == [
        "2020-09-03",
        "2020-09-04",
        "2020-09-09",
        "2020-09-11",
    ]
    assert all(fire[k] == Kind.OVERDUE for k in fire if k > "2020-08-31")
    # escalation to the city, once, with the late unit
    city_fire = Delivery.objects.filter(
        recipient=users["city"], subject=subject(milestone(world, "fire-review-one-case"), tiedong)
    )
    assert [(r.occurrence, r.kind) for r in city_fire] == [(d("2020-09-03"), Kind.ESCALATION)]
    assert "铁东区" in city_fire[0].title

    # 30 September: the city's own plan is due; the city is its unit (no escalation to itself)
    plan = got(users["city"], subject=subject(milestone(world, "fire-upgrade-city-plan"), city))
    assert plan["2020-09-30"] == Kind.DUE and "2020-10-01" not in plan

    # 15 October: 7 days before is 8 October, inside the National Day holiday → 30 September
    lists = got(district, subject=subject(milestone(world, "publish-institution-lists"), tiedong))
    assert {k: v for k, v in lists.items() if k <= "2020-10-16"} == {
        "2020-10-16": Kind.OVERDUE,  # the first repeat, Sunday 18 → Friday 16
        "2020-09-30": Kind.UPCOMING,
        "2020-10-12": Kind.UPCOMING,
        "2020-10-14": Kind.UPCOMING,
        "2020-10-15": Kind.DUE,
    }
    assert not Delivery.objects.filter(occurrence__range=(d("2020-10-01"), d("2020-10-08"))).exists()

    # 20 October: the summary report (read from the reports app); the day after: nothing
    summary = got(district, subject=subject(milestone(world, "summary-report"), tiedong))
    assert summary["2020-10-20"] == Kind.DUE and "2020-10-21" not in summary
    # 30 October and the end of October (the joint acceptance reminds nobody: no items, no data)
    nursing = got(district, subject=subject(milestone(world, "nursing-bed-indicator"), tiedong))
    assert nursing["2020-10-30"] == Kind.DUE and "2020-10-31" not in nursing
    joint = milestone(world, "joint-acceptance")
    assert not Delivery.objects.filter(subject__startswith=f"milestone:{joint.pk}:").exists()
    # 30 November; 1 December nothing new for it (next repeat on 3 December)
    legal = got(district, subject=subject(milestone(world, "rural-facility-legal-registration"), tiedong))
    assert legal["2020-11-30"] == Kind.DUE and "2020-12-01" not in legal

    # never anything about 铁东区 to 铁西区, never anything to the institution or department
    assert not Delivery.objects.filter(
        recipient=users["other_district"], subject__endswith=f":{tiedong.pk}"
    ).exists()
    assert not Delivery.objects.filter(recipient__in=[users["institution"], users["department"]]).exists()
    # one digest per recipient per scanned day with deliveries, every delivery in its digest
    assert not Delivery.objects.filter(digest__isnull=True).exists()
    assert Digest.objects.filter(recipient=district).count() == len(
        set(Delivery.objects.filter(recipient=district).values_list("occurrence", flat=True))
    )


def test_a_unit_that_has_submitted_gets_nothing_and_its_lines_resolve(world, only):
    only(Source.MILESTONE)
    users = world.users
    tiedong, tiexi = world.regions["210302"], world.regions["210303"]
    answer(world, 23, tiexi, "submitted", by=users["other_district"], when="2020-08-20")
    m = milestone(world, "fire-review-one-case")
    scan_days("2020-08-24", "2020-09-03")
    assert got(users["other_district"], subject=subject(m, tiexi)) == {}
    assert got(users["district"], subject=subject(m, tiedong))["2020-09-03"] == Kind.OVERDUE
    line = Notification.objects.get(recipient=users["city"], subject=subject(m, tiedong))
    assert line.kind == Kind.ESCALATION and line.resolved_at is None

    with at("2020-09-03", hour=17):  # 铁东区 submits in the afternoon
        answer(world, 23, tiedong, "submitted", by=users["district"], when="2020-09-03")
    scan_days("2020-09-04", "2020-09-10")
    assert [k for k in got(users["district"], subject=subject(m, tiedong)) if k > "2020-09-03"] == []
    lines = Notification.objects.filter(subject=subject(m, tiedong))
    assert {n.recipient_id for n in lines} == {users["district"].pk, users["city"].pk}
    assert all(n.resolved_at is not None for n in lines)


def test_a_hazard_closed_an_hour_before_the_scan(world, more, only):
    only(Source.HAZARD)
    users = world.users
    h = hazard(world, deadline="2020-09-30", code="210302-2020-0001")
    pending_before = scan("2020-09-23")  # 7 days before
    assert pending_before.counts["sources"]["hazard"]["upcoming"] == 3
    recipients = {users["district"].pk, more["district2"].pk, users["institution"].pk}
    lines = Notification.objects.filter(subject=f"hazard:{h.pk}")
    assert {n.recipient_id for n in lines} == recipients
    assert all("210302-2020-0001" in n.title and n.url == f"/hazards/{h.pk}/" for n in lines)
    scan_days("2020-09-24", "2020-09-26")
    with at("2020-09-27", hour=7):
        Hazard.objects.filter(pk=h.pk).update(status="closed", closed_on=d("2020-09-27"))
    scan("2020-09-27")  # the working Sunday, 3 days before: it would have reminded
    assert not Delivery.objects.filter(subject=f"hazard:{h.pk}", occurrence__gte=d("2020-09-27")).exists()
    assert all(n.resolved_at is not None for n in lines.all())
    assert lines.count() == 3
    assert not Delivery.objects.filter(recipient=users["other_district"]).exists()


def test_overdue_repeats_escalation_and_quiet_days(world, only):
    only(Source.HAZARD)
    users = world.users
    h = hazard(world, deadline="2020-11-10")
    scan_days("2020-11-01", "2020-11-23")
    assert got(users["district"], subject=f"hazard:{h.pk}") == {
        "2020-11-03": Kind.UPCOMING,
        "2020-11-06": Kind.UPCOMING,  # Saturday 7 → Friday 6
        "2020-11-09": Kind.UPCOMING,
        "2020-11-10": Kind.DUE,
        "2020-11-13": Kind.OVERDUE,
        "2020-11-16": Kind.OVERDUE,
        "2020-11-19": Kind.OVERDUE,
        "2020-11-20": Kind.OVERDUE,  # Sunday 22 → Friday 20
    }
    assert got(users["city"], subject=f"hazard:{h.pk}") == {"2020-11-13": Kind.ESCALATION}


def test_an_overdue_repeat_in_a_holiday_waits_for_the_next_working_day(world, only):
    only(Source.HAZARD)
    h = hazard(world, deadline="2020-09-30")
    scan_days("2020-09-20", "2020-10-12")
    # 3 October (holiday) cannot go back to 30 September (not yet overdue): 9 October, the first
    # working day after; 6 October too; 9 and 12 October are working days.
    assert got(world.users["district"], subject=f"hazard:{h.pk}") == {
        "2020-09-23": Kind.UPCOMING,
        "2020-09-27": Kind.UPCOMING,  # the working Sunday
        "2020-09-29": Kind.UPCOMING,
        "2020-09-30": Kind.DUE,
        "2020-10-09": Kind.OVERDUE,
        "2020-10-12": Kind.OVERDUE,
    }


def test_running_twice_creates_nothing_twice(world, more, only):
    users = world.users
    hazard(world, deadline="2020-09-30")
    answer(world, 7, world.regions["210302"], "submitted", by=users["district"], when="2020-09-18")
    returned_self_report(world, when="2020-09-18")
    referral(world, hazard(world, deadline="2020-12-31"), "housing", "2020-09-18")
    first = scan("2020-09-23")
    tables = (Delivery, Digest, Notification)
    sizes = [m.objects.count() for m in tables]
    assert first.counts["new_deliveries"] == sizes[0] > 0
    Notification.objects.filter(recipient=users["district"]).update(
        read_at=datetime.datetime(2020, 9, 23, 9, tzinfo=datetime.UTC)
    )
    second = scan("2020-09-23")
    assert [m.objects.count() for m in tables] == sizes
    assert second.counts["new_deliveries"] == 0 and second.state == ScanRun.State.DONE
    # a rerun does not make what was read unread again
    assert not Notification.objects.filter(recipient=users["district"], read_at__isnull=True).exists()


@pytest.mark.django_db(transaction=True)
def test_concurrent_scans_create_nothing_twice(world, more):
    hazard(world, deadline="2020-09-30")
    answer(world, 7, world.regions["210302"], "submitted", by=world.users["district"], when="2020-09-18")
    errors = []

    def work():
        try:
            run_scan(d("2020-09-23"))
        except Exception as exc:  # pragma: no cover - reported below
            errors.append(exc)
        finally:
            connections.close_all()

    threads = [threading.Thread(target=work) for _ in range(3)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert errors == []
    assert ScanRun.objects.filter(state=ScanRun.State.DONE).count() == 3
    keys = list(Delivery.objects.values_list("source", "subject", "recipient_id", "occurrence"))
    assert keys and len(keys) == len(set(keys))
    assert sum(r.counts["new_deliveries"] for r in ScanRun.objects.all()) == len(keys)


def test_a_missed_week_is_caught_up_once(world, only):
    only(Source.HAZARD)
    users = world.users
    h = hazard(world, deadline="2020-11-05")
    scan_days("2020-10-26", "2020-11-01")
    # the beat is down from 2 to 8 November: 2, 4, 5 and 6 (Sunday 8 → Friday 6) were planned
    scan_days("2020-11-09", "2020-11-12")
    assert got(users["district"], subject=f"hazard:{h.pk}") == {
        "2020-10-29": Kind.UPCOMING,
        "2020-11-09": Kind.OVERDUE,  # one reminder for the missed week, not four
        "2020-11-11": Kind.OVERDUE,  # then the repeats resume
    }
    assert got(users["city"], subject=f"hazard:{h.pk}") == {"2020-11-09": Kind.ESCALATION}


def test_no_previous_scan_reminds_of_the_day_only(world, only):
    only(Source.HAZARD)
    h = hazard(world, deadline="2020-11-05")
    scan("2020-11-04")
    scan("2020-11-04")
    assert got(world.users["district"], subject=f"hazard:{h.pk}") == {"2020-11-04": Kind.UPCOMING}


def test_a_failed_scan_is_recorded_and_raised(world, monkeypatch):
    from reminders import scan as scan_module

    def broken(on, rule):
        raise RuntimeError("source broke")

    monkeypatch.setitem(scan_module.SOURCES, Source.HAZARD, broken)
    with pytest.raises(RuntimeError):
        scan("2020-09-23")
    run = ScanRun.objects.get()
    assert run.state == ScanRun.State.FAILED and "source broke" in run.error
    assert not Delivery.objects.exists()


def _grow(world, n, deadline):
    from institutions.models import Institution, SelfReport
    from tests.conftest import make_user

    for i in range(n):
        region = world.regions["210302" if i % 2 else "210303"]
        institution = Institution.objects.create(
            name=f"测试养老院{Institution.objects.count()}", region=region
        )
        make_user(f"inst{Institution.objects.count()}", "institution", institution=institution)
        h = hazard(world, deadline=deadline, institution=institution)
        referral(world, h, "housing", "2020-09-16")
        SelfReport.objects.create(
            institution=institution,
            status="returned",
            values={},
            created_by=world.users["district"],
            reviewed_at=datetime.datetime(2020, 9, 16, 2, tzinfo=datetime.UTC),
        )


def test_queries_are_constant_in_the_number_of_subjects(world):
    counts = []
    # the same milestones in the window on both days; 7 days before each batch's deadline
    for n, day, deadline in ((4, "2020-09-23", "2020-09-30"), (24, "2020-09-24", "2020-10-01")):
        _grow(world, n, deadline)
        with at(day), CaptureQueriesContext(connection) as queries:
            run = run_scan(d(day))
        assert run.counts["new_deliveries"] > n
        counts.append([q["sql"][:90] for q in queries])
    assert len(counts[0]) == len(counts[1]), "\n".join(set(counts[0]) ^ set(counts[1]))


def test_work_appearing_after_the_days_digest_was_sent_reopens_it(world, only):
    only(Source.HAZARD)
    district = world.users["district"]
    hazard(world, deadline="2020-09-30")
    scan("2020-09-23")
    digest = Digest.objects.get(recipient=district)
    Digest.objects.filter(pk=digest.pk).update(state=Digest.State.SENT)
    Delivery.objects.update(state=Delivery.State.SENT)
    scan("2020-09-23")  # nothing new: the sent digest stays sent
    assert Digest.objects.get(pk=digest.pk).state == Digest.State.SENT
    later = hazard(world, deadline="2020-09-30")
    run = scan("2020-09-23")
    assert run.counts["digests_reopened"] >= 1
    assert Digest.objects.get(pk=digest.pk).state == Digest.State.PENDING
    assert list(
        Delivery.objects.filter(recipient=district, state=Delivery.State.PENDING).values_list(
            "subject", "digest"
        )
    ) == [(f"hazard:{later.pk}", digest.pk)]


def test_a_scan_of_an_earlier_day_does_not_resolve_what_is_owed_today(world, only):
    """`send_reminders --date` of a past day sees that day's obligations: a hazard due in December
    is not yet near on 2020-09-23, but its open line of the later scan must stay open."""
    only(Source.HAZARD)
    district = world.users["district"]
    later = hazard(world, deadline="2020-12-10")
    scan("2020-12-03")  # 7 days before
    line = Notification.objects.get(recipient=district, subject=f"hazard:{later.pk}")
    assert line.resolved_at is None
    run = scan("2020-09-23")
    assert run.state == ScanRun.State.DONE and run.counts["resolved"] == 0
    line.refresh_from_db()
    assert line.resolved_at is None
    assert (
        Delivery.objects.get(recipient=district, occurrence=d("2020-12-03")).state == Delivery.State.PENDING
    )
    # the latest day's scan still resolves it once the hazard is closed
    Hazard.objects.filter(pk=later.pk).update(status="closed")
    assert scan("2020-12-04").counts["resolved"] >= 1
    line.refresh_from_db()
    assert line.resolved_at is not None


def test_the_year_end_deadline_across_the_new_year_holiday(world, only):
    """31 December 2020 (Thursday; 1–3 January 2021 is the New Year holiday): 7, 3, 1 days before
    and on the day; the first repeat (Sunday 3 January, a holiday) waits for Monday 4 January, and so
    does the escalation to the city; 1 January brings nothing. A unit that submitted its item hears
    nothing."""
    only(Source.MILESTONE)
    users = world.users
    tiedong, tiexi = world.regions["210302"], world.regions["210303"]
    target = milestone(world, "safety-standard-60-percent")  # item 4, county units
    answer(world, 4, tiexi, "submitted", by=users["other_district"], when="2020-12-01")
    scan_days("2020-12-20", "2021-01-06")
    assert got(users["district"], subject=subject(target, tiedong)) == {
        "2020-12-24": Kind.UPCOMING,
        "2020-12-28": Kind.UPCOMING,
        "2020-12-30": Kind.UPCOMING,
        "2020-12-31": Kind.DUE,
        "2021-01-04": Kind.OVERDUE,  # 3 January, a holiday Sunday, after the due date: the next working day
        "2021-01-06": Kind.OVERDUE,  # the second repeat, 6 days after
    }
    city = Delivery.objects.filter(recipient=users["city"], subject=subject(target, tiedong))
    assert [(r.occurrence, r.kind) for r in city] == [(d("2021-01-04"), Kind.ESCALATION)]
    assert got(users["other_district"], subject=subject(target, tiexi)) == {}
    assert not Delivery.objects.filter(occurrence__range=(d("2021-01-01"), d("2021-01-03"))).exists()
