"""Routing per kind (measure 八), time limits, lateness per recipient, half-year boundaries."""

import datetime

import pytest
from django.core.exceptions import PermissionDenied, ValidationError
from django.utils import timezone

from emergencies import rules, services
from emergencies.models import Incident, IncidentNotification
from emergencies.rules import HalfYear
from tests.emergencies import factories
from tests.emergencies.factories import shanghai

pytestmark = pytest.mark.django_db


@pytest.mark.parametrize(
    ("kind", "expected"),
    [
        ("outbreak", {"health", "cdc", "civil_affairs"}),
        ("cluster", {"health", "cdc", "civil_affairs"}),
        ("food_poisoning", {"health", "cdc", "market", "civil_affairs"}),
        ("production_safety", {"emergency", "civil_affairs"}),
        ("injury", {"police", "civil_affairs"}),
    ],
)
def test_each_kind_is_routed_to_the_recipients_measure_eight_names(world, kind, expected):
    incident = factories.incident(world, kind=kind)
    rows = {n.recipient: n for n in incident.notifications.all()}
    assert set(rows) == expected
    # the departments of the portal among them, for the department users' scope
    assert {n.department for n in rows.values() if n.department} == {
        {"health": "health", "market": "market", "emergency": "emergency", "police": "police"}[r]
        for r in expected
        if r in ("health", "market", "emergency", "police")
    }
    assert rows["civil_affairs"].department == ""


def test_due_times_follow_the_limits_and_the_settings_override_them(world, settings):
    occurred = shanghai(2026, 3, 1, 9, 30)
    accident = factories.incident(world, kind="production_safety", occurred_at=occurred)
    injury = factories.incident(world, kind="injury", occurred_at=occurred)
    assert {n.recipient: n.due_at for n in accident.notifications.all()} == {
        "emergency": shanghai(2026, 3, 1, 10, 30),
        "civil_affairs": shanghai(2026, 3, 1, 10, 30),
    }
    assert {n.due_at for n in injury.notifications.all()} == {shanghai(2026, 3, 1, 11, 30)}
    settings.EMERGENCY_NOTIFICATION_HOURS = {"injury": {"police": 0.5}}
    assert rules.limit_hours("injury", "police") == 0.5
    assert rules.limit_hours("injury", "civil_affairs") == 2
    # an incident already recorded keeps the limit it was recorded with
    assert injury.notifications.get(recipient="police").due_at == shanghai(2026, 3, 1, 11, 30)


def test_lateness_is_flagged_per_recipient(world):
    occurred = shanghai(2026, 3, 1, 9, 0)
    incident = factories.incident(world, kind="injury", occurred_at=occurred)
    police = incident.notifications.get(recipient="police")
    civil = incident.notifications.get(recipient="civil_affairs")
    user = world.users["institution"]
    services.record_notification(
        police, by=user, notified_at=shanghai(2026, 3, 1, 11, 0), note="110", expected_version=1
    )  # exactly at the limit: in time
    assert police.state(timezone.now()) == "on_time"
    assert civil.state(shanghai(2026, 3, 1, 10, 59)) == "pending"
    assert civil.state(timezone.now()) == "overdue"
    services.record_notification(
        civil, by=user, notified_at=shanghai(2026, 3, 1, 11, 1), note="", expected_version=1
    )
    assert civil.state(timezone.now()) == "late"
    police.refresh_from_db()
    assert police.state(timezone.now()) == "on_time"


def test_notification_time_is_checked_and_versioned(world):
    incident = factories.incident(world, kind="injury", occurred_at=shanghai(2026, 3, 1, 9, 0))
    police = incident.notifications.get(recipient="police")
    user = world.users["institution"]
    with pytest.raises(ValidationError) as error:
        services.record_notification(
            police, by=user, notified_at=shanghai(2026, 3, 1, 8, 0), note="", expected_version=1
        )
    assert "notified_at" in error.value.message_dict
    with pytest.raises(ValidationError):
        services.record_notification(
            police,
            by=user,
            notified_at=timezone.now() + datetime.timedelta(hours=1),
            note="",
            expected_version=1,
        )
    services.record_notification(
        police, by=user, notified_at=shanghai(2026, 3, 1, 10, 0), note="", expected_version=1
    )
    stale = IncidentNotification.objects.get(pk=police.pk)
    stale.version = 1
    with pytest.raises(ValidationError) as error:
        services.record_notification(
            stale, by=user, notified_at=shanghai(2026, 3, 1, 10, 5), note="", expected_version=1
        )
    assert error.value.code == "concurrent_edit"


def test_who_records_and_who_notifies(world):
    with pytest.raises(PermissionDenied):  # another institution's user
        services.record_incident(
            by=world.users["institution"],
            institution=world.other_institution,
            kind="injury",
            occurred_at=timezone.now(),
            description="x",
        )
    with pytest.raises(PermissionDenied):  # city staff read, the institution and district record
        services.record_incident(
            by=world.users["city"],
            institution=world.own_institution,
            kind="injury",
            occurred_at=timezone.now(),
            description="x",
        )
    incident = factories.incident(world, kind="injury")
    assert services.can_notify(world.users["district"], incident)
    assert not services.can_notify(world.users["other_district"], incident)
    assert not services.can_notify(world.users["city"], incident)
    assert services.can_close(world.users["district"], incident)
    assert not services.can_close(world.users["institution"], incident)


def test_open_incidents_and_closing(world):
    incident = factories.incident(world, kind="injury", occurred_at=shanghai(2026, 3, 1, 9, 0))
    district = world.users["district"]
    with pytest.raises(ValidationError) as error:
        services.close_incident(incident, by=district, note="已处置", expected_version=1)
    assert "note" in error.value.message_dict  # recipients not told yet
    for n in incident.notifications.all():
        services.record_notification(
            n, by=district, notified_at=shanghai(2026, 3, 1, 10, 0), note="", expected_version=1
        )
    assert Incident.objects.open().filter(pk=incident.pk).exists()  # told, not closed
    services.close_incident(incident, by=district, note="已送医，家属知情", expected_version=1)
    assert not Incident.objects.open().filter(pk=incident.pk).exists()


@pytest.mark.parametrize(
    ("utc", "half"),
    [
        (datetime.datetime(2026, 6, 30, 15, 59, tzinfo=datetime.UTC), HalfYear(2026, 1)),  # 23:59 Shanghai
        (datetime.datetime(2026, 6, 30, 16, 0, tzinfo=datetime.UTC), HalfYear(2026, 2)),  # 1 July 00:00
        (datetime.datetime(2026, 12, 31, 15, 59, tzinfo=datetime.UTC), HalfYear(2026, 2)),
        (datetime.datetime(2026, 12, 31, 16, 0, tzinfo=datetime.UTC), HalfYear(2027, 1)),  # 1 Jan 00:00
    ],
)
def test_half_year_of_a_stored_utc_time_is_read_in_shanghai(utc, half):
    assert HalfYear.of(utc) == half


def test_half_year_dates_and_parsing():
    assert (HalfYear(2026, 1).start, HalfYear(2026, 1).end) == (
        datetime.date(2026, 1, 1),
        datetime.date(2026, 6, 30),
    )
    assert (HalfYear(2026, 2).start, HalfYear(2026, 2).end) == (
        datetime.date(2026, 7, 1),
        datetime.date(2026, 12, 31),
    )
    assert HalfYear.of(datetime.date(2026, 6, 30)) == HalfYear(2026, 1)
    assert HalfYear.of(datetime.date(2026, 7, 1)) == HalfYear(2026, 2)
    assert HalfYear.parse("2026-2") == HalfYear(2026, 2)
    assert HalfYear(2026, 1).previous() == HalfYear(2025, 2)
    for bad in ("2026-3", "2026", "x-1", "1999-1", ""):
        with pytest.raises(ValueError):
            HalfYear.parse(bad)


def test_missing_preparedness_counts_each_kind_separately_at_the_boundaries(world):
    own, other = world.own_institution, world.other_institution
    third = type(own).objects.create(name="铁东区第二养老院", region=own.region)
    closed = type(own).objects.create(
        name="铁东区已停业养老院", region=own.region, operating_status="suspended"
    )
    h1 = HalfYear(2026, 1)
    factories.drill(own, datetime.date(2026, 1, 1), kind="drill")  # first day: in
    factories.drill(own, datetime.date(2026, 6, 30), kind="awareness")  # last day: in
    factories.drill(other, datetime.date(2025, 12, 31), kind="drill")  # the day before: out
    factories.drill(other, datetime.date(2026, 7, 1), kind="awareness")  # the day after: out
    factories.drill(other, datetime.date(2026, 3, 1), kind="awareness")
    factories.drill(third, datetime.date(2026, 3, 1), kind="drill")
    factories.drill(third, datetime.date(2026, 3, 2), kind="drill")
    rows = services.missing_preparedness(world.regions["210300"], h1)
    assert [(r.institution, r.drills, r.awareness) for r in rows] == [(third, 2, 0), (other, 0, 1)]
    assert closed not in [r.institution for r in rows]
    counts = services.preparedness_counts(services.preparedness(world.regions["210300"], h1))
    assert counts == {"institutions": 3, "missing_drill": 1, "missing_awareness": 1, "complete": 1}
    # a district's own scope, and a user's
    assert [r.institution for r in services.missing_preparedness(world.regions["210302"], h1)] == [third]
    assert [r.institution for r in services.missing_preparedness(world.users["other_district"], h1)] == [
        other
    ]
    # the second half: everybody misses the drill
    h2 = services.missing_preparedness(world.regions["210300"], HalfYear(2026, 2))
    assert {(r.institution.pk, r.missing_drill, r.missing_awareness) for r in h2} == {
        (own.pk, True, True),
        (other.pk, True, False),
        (third.pk, True, True),
    }


def test_item_24_can_count_fire_drills_only(world):
    own = world.own_institution
    factories.drill(own, datetime.date(2026, 2, 1), kind="drill", topic="flood")
    factories.drill(own, datetime.date(2026, 2, 2), kind="awareness", topic="fire")
    h1 = HalfYear(2026, 1)
    region = world.regions["210302"]
    assert services.missing_preparedness(region, h1) == []
    (row,) = services.missing_preparedness(region, h1, topic="fire")
    assert (row.institution, row.drills, row.awareness) == (own, 0, 1)
