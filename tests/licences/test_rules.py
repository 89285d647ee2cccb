"""Licence rules: status by day (Asia/Shanghai), renewal, the read functions, the services' checks."""

import datetime

import pytest
import time_machine
from django.core.exceptions import PermissionDenied, ValidationError

from core.concurrency import ConcurrentEditError
from institutions.models import OperatingStatus
from licences import services
from licences.models import Licence, Status
from tests.hazards.factories import notice
from tests.licences.factories import licence

pytestmark = pytest.mark.django_db

D = datetime.date
ON = D(2026, 3, 1)
SHANGHAI = datetime.timezone(datetime.timedelta(hours=8))


@pytest.fixture(autouse=True)
def media(settings, tmp_path):
    settings.MEDIA_ROOT = tmp_path


def _chinese(messages) -> bool:
    return any("\u4e00" <= c <= "\u9fff" for c in " ".join(messages))


@pytest.mark.parametrize(
    ("valid_to", "expected"),
    [
        (None, Status.LONG_TERM),
        (ON + datetime.timedelta(days=31), Status.VALID),
        (ON + datetime.timedelta(days=30), Status.EXPIRING),  # day 30: still warned
        (ON + datetime.timedelta(days=1), Status.EXPIRING),
        (ON, Status.EXPIRING),  # the last valid day itself
        (ON - datetime.timedelta(days=1), Status.EXPIRED),
    ],
)
def test_status_boundaries(world, valid_to, expected):
    item = licence(world, valid_to=valid_to)
    assert services.status(item, ON) == expected
    # the querysets agree with the function
    assert services.expiring(world.users["district"], ON).filter(pk=item.pk).exists() is (
        expected == "expiring"
    )
    assert services.expired(world.users["district"], ON).filter(pk=item.pk).exists() is (
        expected == "expired"
    )


def test_today_is_read_in_shanghai(world):
    item = licence(world, valid_to=D(2026, 3, 31))
    # 15:59 UTC = 23:59 in Shanghai, still the last valid day
    with time_machine.travel(datetime.datetime(2026, 3, 31, 23, 59, tzinfo=SHANGHAI), tick=False):
        assert services.status(item) == Status.EXPIRING
        assert services.counts_for(world.users["district"]) == {"expiring": 1, "expired": 0}
    # 16:00 UTC on 31 March is 1 April 00:00 in Shanghai: expired, although the UTC date is the 31st
    with time_machine.travel(datetime.datetime(2026, 3, 31, 16, 0, tzinfo=datetime.UTC), tick=False):
        assert services.status(item) == Status.EXPIRED
        assert services.counts_for(world.users["district"]) == {"expiring": 0, "expired": 1}


def test_a_renewed_licence_no_longer_counts(world):
    district = world.users["district"]
    old = licence(world, valid_from=D(2021, 3, 1), valid_to=D(2026, 2, 1))
    assert services.counts_for(district, ON) == {"expiring": 0, "expired": 1}
    new = licence(world, valid_from=D(2026, 2, 2), valid_to=D(2031, 2, 1))
    assert services.status(old, ON) == Status.RENEWED
    assert services.status(new, ON) == Status.VALID
    assert services.counts_for(district, ON) == {"expiring": 0, "expired": 0}
    assert not services.expired(district, ON).exists()
    assert services.obligations(ON) == []


def test_a_renewal_recorded_ahead_stops_the_warning(world):
    """The latest by `valid_from` counts even before it starts: the renewal is in hand."""
    old = licence(world, valid_from=D(2021, 3, 15), valid_to=D(2026, 3, 14))
    assert [row["id"] for row in services.obligations(ON)] == [old.pk]
    licence(world, valid_from=D(2026, 3, 15), valid_to=None)
    assert services.obligations(ON) == []


def test_renewal_is_per_institution_kind_and_name(world):
    fire = licence(world, kind="fire", valid_to=D(2026, 2, 1))
    licence(world, kind="food", valid_from=D(2025, 1, 1), valid_to=D(2030, 1, 1))  # another kind
    licence(world, world.other_institution, kind="fire", valid_from=D(2025, 1, 1))  # another institution
    lift = licence(world, kind="other", title="特种设备使用登记证（电梯1号）", valid_to=D(2026, 3, 20))
    licence(world, kind="other", title="排污许可证", valid_from=D(2025, 1, 1), valid_to=D(2030, 1, 1))
    assert services.status(fire, ON) == Status.EXPIRED
    assert services.status(lift, ON) == Status.EXPIRING
    assert {row["id"] for row in services.obligations(ON)} == {fire.pk, lift.pk}


def test_obligations_shape_and_population(world, django_assert_num_queries):
    due = licence(world, valid_to=D(2026, 3, 10))
    gone = licence(world, world.other_institution, valid_to=D(2025, 1, 1))
    licence(world, valid_to=D(2026, 6, 1), kind="food")  # not yet due
    with django_assert_num_queries(1):
        rows = services.obligations(ON)
    assert rows == [
        {
            "id": gone.pk,
            "institution_id": world.other_institution.pk,
            "region_id": world.other_institution.region_id,
            "kind": "fire",
            "valid_to": D(2025, 1, 1),
            "status": "expired",
        },
        {
            "id": due.pk,
            "institution_id": world.own_institution.pk,
            "region_id": world.own_institution.region_id,
            "kind": "fire",
            "valid_to": D(2026, 3, 10),
            "status": "expiring",
        },
    ]
    # a deregistered institution needs no licence any more
    world.other_institution.operating_status = OperatingStatus.DEREGISTERED
    world.other_institution.save()
    assert [row["id"] for row in services.obligations(ON)] == [due.pk]


def test_counts_per_role(world, django_assert_num_queries):
    licence(world, kind="fire", valid_to=D(2026, 3, 10))
    licence(world, kind="food", valid_to=D(2026, 2, 10))
    licence(world, world.other_institution, kind="medical", valid_to=D(2026, 2, 10))
    licence(world, world.foreign_institution, kind="fire", valid_to=D(2026, 2, 10))
    city = world.users["city"]
    city.region.path  # noqa: B018 - the region is read once per request anyway
    services.counts_for(city, ON)
    with django_assert_num_queries(1):
        assert services.counts_for(city, ON) == {"expiring": 1, "expired": 2}
    assert services.counts_for(world.users["district"], ON) == {"expiring": 1, "expired": 1}
    assert services.counts_for(world.users["other_district"], ON) == {"expiring": 0, "expired": 1}
    assert services.counts_for(world.users["institution"], ON) == {"expiring": 1, "expired": 1}
    # housing issues fire acceptance: the housing department sees the fire licences only
    assert services.counts_for(world.users["department"], ON) == {"expiring": 1, "expired": 0}
    assert services.expired(world.regions["210302"], ON).count() == 1


def _new(world, **changes):
    values = {
        "institution": world.own_institution,
        "kind": "food",
        "number": "JY22103020012345",
        "issuer": "鞍山市铁东区市场监督管理局",
        "valid_from": D(2024, 5, 1),
        "valid_to": D(2029, 4, 30),
    }
    values.update(changes)
    return Licence(**values)


def test_create_refuses_an_end_before_the_start_in_chinese(world):
    with pytest.raises(ValidationError) as error:
        services.create_licence(
            _new(world, valid_to=D(2024, 4, 30)), by=world.users["district"], scans=[notice("许可证.pdf")]
        )
    assert set(error.value.message_dict) == {"valid_to"}
    assert _chinese(error.value.message_dict["valid_to"])


def test_duplicates_are_refused_whatever_the_spacing(world):
    district = world.users["district"]
    first = services.create_licence(_new(world), by=district, scans=[notice()])
    assert first.department == "market" and first.region == world.own_institution.region
    with pytest.raises(ValidationError) as error:
        services.create_licence(_new(world, number="ＪＹ 2210302 0012345"), by=district, scans=[notice()])
    assert set(error.value.message_dict) == {"number"}
    # another kind or another institution may carry the same number
    services.create_licence(_new(world, kind="business"), by=district, scans=[notice()])
    assert Licence.objects.count() == 2


def test_who_writes(world):
    users = world.users
    services.create_licence(_new(world, number="A1"), by=users["institution"], scans=[notice()])
    for user in ("city", "department", "admin"):
        with pytest.raises(PermissionDenied):
            services.create_licence(_new(world, number="A2"), by=users[user], scans=[notice()])
    for user, institution in (
        ("other_district", world.own_institution),
        ("institution", world.other_institution),
    ):
        with pytest.raises(ValidationError) as error:
            services.create_licence(
                _new(world, number="A3", institution=institution), by=users[user], scans=[notice()]
            )
        assert "institution" in error.value.message_dict
    with pytest.raises(ValidationError) as error:
        services.create_licence(_new(world, number="A4"), by=users["district"])
    assert "scans" in error.value.message_dict
    assert list(Licence.objects.values_list("number", flat=True)) == ["A1"]


def test_a_stale_version_is_refused(world):
    item = services.create_licence(_new(world), by=world.users["district"], scans=[notice()])
    first = Licence.objects.get(pk=item.pk)
    first.issuer = "鞍山市市场监督管理局"
    services.update_licence(first, by=world.users["institution"], expected_version=1)
    second = Licence.objects.get(pk=item.pk)
    second.valid_to = D(2030, 1, 1)
    with pytest.raises(ConcurrentEditError):
        services.update_licence(second, by=world.users["district"], expected_version=1)
    item.refresh_from_db()
    assert (item.version, item.issuer, item.valid_to) == (2, "鞍山市市场监督管理局", D(2029, 4, 30))
