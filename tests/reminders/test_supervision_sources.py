"""Comprehensive supervision's reminder sources (issue 17): complaints' handling deadlines,
incident reports not yet told, the half-year's drills and awareness activities."""

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext

from emergencies.models import IncidentNotification
from institutions.models import Institution
from reminders.models import Rule, Source
from reminders.sources import SOURCES, still_owed
from tests.complaints.factories import complaint, raw
from tests.emergencies.factories import drill, incident, shanghai
from tests.licences.factories import licence
from tests.reminders.conftest import at, d
from tests.staff.factories import certificate, member

pytestmark = pytest.mark.django_db

SUPERVISION = (
    Source.COMPLAINT_DUE,
    Source.INCIDENT_NOTIFICATION,
    Source.PREPAREDNESS,
    Source.LICENCE_EXPIRY,
    Source.QUALIFICATION_EXPIRY,
)


def run(source, day: str):
    with at(day):
        return {o.subject: o for o in SOURCES[source](d(day), Rule.objects.get(source=source))}


def test_a_complaint_reminds_the_district_and_the_department_it_was_routed_to(world):
    from complaints import services

    users = world.users
    c = complaint(world.own_institution, users["district"], received_on=d("2025-09-26"))
    # 15 working days from the next day, over National Day 2025 (1–8 October)
    assert c.deadline == d("2025-10-23")
    found = run(Source.COMPLAINT_DUE, "2025-10-20")
    ob = found[f"complaint:{c.pk}"]
    assert ob.due_on == c.deadline
    assert ob.recipients == {users["district"].pk}
    assert ob.escalate_to == {users["city"].pk}
    assert c.number in ob.title and "2025-10-23" in ob.title
    # the complainant is never named in a reminder (the department reads these too)
    assert "张三" not in ob.title and "13812345678" not in ob.title
    # routed to the department the fixture's department user belongs to: its staff are told too
    department = users["department"].department
    services.complaint_route(
        complaint=c, department=department, expected_version=c.version, by=users["district"]
    )
    assert users["department"].pk in run(Source.COMPLAINT_DUE, "2025-10-20")[f"complaint:{c.pk}"].recipients
    # not yet within the 7 days + quiet-days window a month earlier
    assert f"complaint:{c.pk}" not in run(Source.COMPLAINT_DUE, "2025-09-27")


def test_a_closed_complaint_is_no_longer_owed(world):
    users = world.users
    c = raw(world.own_institution, users["district"], received_on=d("2025-09-01"), deadline=d("2025-09-20"))
    pair = (Source.COMPLAINT_DUE, f"complaint:{c.pk}")
    assert still_owed([pair], d("2025-09-25")) == {pair}
    c.status = "closed"
    c.save()
    assert still_owed([pair], d("2025-09-25")) == set()


def test_another_districts_complaint_reminds_its_own_staff_only(world):
    users = world.users
    c = raw(world.foreign_institution, users["city"], received_on=d("2025-09-01"), deadline=d("2025-09-20"))
    ob = run(Source.COMPLAINT_DUE, "2025-09-19")[f"complaint:{c.pk}"]
    assert users["district"].pk not in ob.recipients
    assert users["institution"].pk not in ob.recipients


def test_each_recipient_not_yet_told_is_its_own_reminder(world):
    users = world.users
    with at("2026-03-02", hour=9):
        inc = incident(world, kind="outbreak", occurred_at=shanghai(2026, 3, 2, 7, 30))
    notifications = list(IncidentNotification.objects.filter(incident=inc))
    assert len(notifications) >= 2
    found = run(Source.INCIDENT_NOTIFICATION, "2026-03-02")
    for n in notifications:
        ob = found[f"incident_notification:{n.pk}"]
        assert ob.recipients == {users["institution"].pk, users["district"].pk}
        assert ob.due_on == d("2026-03-02")
        assert n.get_recipient_display() in ob.title
        assert world.own_institution.name in ob.title
    told = notifications[0]
    told.notified_at = shanghai(2026, 3, 2, 8, 0)
    told.save()
    pairs = {(Source.INCIDENT_NOTIFICATION, f"incident_notification:{n.pk}") for n in notifications}
    owed = still_owed(pairs, d("2026-03-02"))
    assert (Source.INCIDENT_NOTIFICATION, f"incident_notification:{told.pk}") not in owed
    assert len(owed) == len(notifications) - 1


def test_the_half_year_reminds_institutions_missing_a_drill_or_an_awareness_activity(world):
    users = world.users
    own = world.own_institution
    tiedong = own.region
    # a month before 30 June: the rule's 30 days (+ quiet days) reach the half-year's end
    assert not run(Source.PREPAREDNESS, "2026-04-01")
    found = run(Source.PREPAREDNESS, "2026-06-01")
    ob = found[f"preparedness:2026-1:institution:{own.pk}"]
    assert ob.recipients == {users["institution"].pk}
    assert ob.due_on == d("2026-06-30")
    unit = found[f"preparedness:2026-1:region:{tiedong.pk}"]
    assert unit.recipients == {users["district"].pk}
    assert unit.escalate_to == {users["city"].pk}
    missing_in_tiedong = Institution.objects.operating().filter(region=tiedong).count()
    assert str(missing_in_tiedong) in unit.title
    # a drill alone is not enough (two separate counters); the awareness activity completes it
    drill(own, d("2026-05-10"), kind="drill")
    assert f"preparedness:2026-1:institution:{own.pk}" in run(Source.PREPAREDNESS, "2026-06-01")
    drill(own, d("2026-06-30"), kind="awareness", topic="fire")
    pair = (Source.PREPAREDNESS, f"preparedness:2026-1:institution:{own.pk}")
    assert still_owed([pair], d("2026-06-30")) == set()
    assert f"preparedness:2026-1:institution:{own.pk}" not in run(Source.PREPAREDNESS, "2026-06-01")
    # an activity of the second half-year (1 July in Shanghai) does not count for the first
    other = Institution.objects.operating().filter(region=tiedong).exclude(pk=own.pk).first()
    if other is not None:
        drill(other, d("2026-07-01"), kind="drill")
        drill(other, d("2026-07-01"), kind="awareness")
        assert f"preparedness:2026-1:institution:{other.pk}" in run(Source.PREPAREDNESS, "2026-06-01")


def test_an_expiring_licence_reminds_until_renewed(world):
    users = world.users
    old = licence(world, kind="food", valid_from=d("2021-07-01"), valid_to=d("2026-07-10"))
    licence(world, kind="fire", valid_from=d("2020-01-01"))  # 长期有效: never reminded
    found = run(Source.LICENCE_EXPIRY, "2026-06-15")
    assert set(found) == {f"licence:{old.pk}"}
    ob = found[f"licence:{old.pk}"]
    assert ob.due_on == d("2026-07-10")
    assert ob.recipients == {users["district"].pk, users["institution"].pk}
    assert ob.escalate_to == {users["city"].pk}
    assert world.own_institution.name in ob.title and "2026-07-10" in ob.title
    # 31 days before: not yet on the 30-day list
    assert not run(Source.LICENCE_EXPIRY, "2026-06-09")
    # expired and not renewed: still owed after the day; renewed: no longer
    pair = (Source.LICENCE_EXPIRY, f"licence:{old.pk}")
    assert still_owed([pair], d("2026-08-01")) == {pair}
    licence(world, kind="food", valid_from=d("2026-07-05"), valid_to=d("2031-07-04"), number="JY2026")
    assert still_owed([pair], d("2026-08-01")) == set()


def test_an_expiring_certificate_reminds_until_a_newer_one(world):
    users = world.users
    nurse = member(world, role="nurse", name="王芳")
    first = certificate(nurse, "nurse", valid_to=d("2026-06-20"))
    found = run(Source.QUALIFICATION_EXPIRY, "2026-06-15")
    ob = found[f"qualification:{first.pk}"]
    assert ob.recipients == {users["district"].pk, users["institution"].pk}
    assert "王芳" in ob.title and "2026-06-20" in ob.title
    pair = (Source.QUALIFICATION_EXPIRY, f"qualification:{first.pk}")
    assert still_owed([pair], d("2026-07-01")) == {pair}  # expired, not renewed
    certificate(nurse, "nurse", valid_to=d("2031-06-20"), number="20260002")
    assert still_owed([pair], d("2026-07-01")) == set()
    # a member who has left is no one's reminder
    gone = member(world, role="nurse", name="李静", left_on=d("2026-05-31"))
    expired = certificate(gone, "nurse", valid_to=d("2026-06-20"), number="20200003")
    assert f"qualification:{expired.pk}" not in run(Source.QUALIFICATION_EXPIRY, "2026-06-15")


def _make(world, n: int):
    users = world.users
    for i in range(n):
        region = world.regions["210302" if i % 2 else "210303"]
        institution = Institution.objects.create(
            name=f"提醒养老院{Institution.objects.count()}", region=region
        )
        raw(institution, users["city"], received_on=d("2026-06-01"), deadline=d("2026-06-20"))
        licence(world, institution, kind="food", valid_from=d("2021-07-01"), valid_to=d("2026-07-01"))
        certificate(member(world, institution, role="nurse"), "nurse", valid_to=d("2026-06-30"))
        with at("2026-06-10", hour=12):
            incident(world, institution=institution, occurred_at=shanghai(2026, 6, 10, 8, 0))


@pytest.mark.parametrize("source", SUPERVISION)
def test_queries_are_constant_in_the_number_of_subjects(world, source):
    counts = []
    for n in (3, 21):
        _make(world, n)
        with at("2026-06-15"), CaptureQueriesContext(connection) as queries:
            found = SOURCES[source](d("2026-06-15"), Rule.objects.get(source=source))
        assert found
        counts.append(len(queries))
    assert counts[0] == counts[1], counts


def test_still_owed_reads_in_constant_queries(world):
    _make(world, 5)
    pairs = set()
    for source in SUPERVISION:
        with at("2026-06-15"):
            pairs |= {
                (o.source, o.subject)
                for o in SOURCES[source](d("2026-06-15"), Rule.objects.get(source=source))
            }
    assert len(pairs) > 15
    # one subject of each source against all of them: the same sources, 1 subject each or several
    one_each = {min(pair for pair in pairs if pair[0] == source) for source in {pair[0] for pair in pairs}}
    assert len(one_each) < len(pairs)
    with CaptureQueriesContext(connection) as few:
        assert still_owed(one_each, d("2026-06-15")) == one_each
    with CaptureQueriesContext(connection) as many:
        assert still_owed(pairs, d("2026-06-15")) == pairs
    assert len(many) == len(few)
