"""Fixtures of the reminder tests: the `world` with a few more users and helpers to make work."""

import datetime
import zoneinfo

import pytest
import time_machine

from accounts.models import User
from campaign.models import InspectionItem, ItemAnswer, Milestone
from hazards.models import Hazard, Referral
from institutions.models import SelfReport
from tests.conftest import make_user

SHANGHAI = zoneinfo.ZoneInfo("Asia/Shanghai")


@pytest.fixture(autouse=True)
def default_rules(db):
    """The rules migrations 0002 and 0005 create. A transactional test elsewhere on the same worker empties
    every table after itself, rules included; production always has them."""
    import importlib

    from reminders.models import Rule, Source

    # issue 17's sources start earlier (migration 0005's lead days: a month before a half-year's end
    # or an expiry); the others take the model's default
    lead_days = importlib.import_module("reminders.migrations.0005_supervision_sources").DEFAULT_LEAD_DAYS
    for source in Source.values:
        defaults = {"lead_days": lead_days[source]} if source in lead_days else {}
        Rule.objects.get_or_create(source=source, defaults=defaults)


def at(day: datetime.date | str, hour: int = 8):
    """Travel to `hour` o'clock Beijing time on `day` (the beat's default 08:00)."""
    if isinstance(day, str):
        day = datetime.date.fromisoformat(day)
    return time_machine.travel(
        datetime.datetime(day.year, day.month, day.day, hour, tzinfo=SHANGHAI), tick=False
    )


def d(text: str) -> datetime.date:
    return datetime.date.fromisoformat(text)


def hazard(world, *, deadline: str, institution=None, code=None, status="pending") -> Hazard:
    institution = institution or world.own_institution
    number = Hazard.objects.count() + 1
    return Hazard.objects.create(
        code=code or f"{institution.region.code}-2020-{number:04d}",
        institution=institution,
        category="fire",
        source="survey",
        description="二楼疏散通道堆放杂物",
        found_on=d("2020-08-01"),
        responsible_unit=institution.name,
        responsible_person="刘建华",
        deadline=d(deadline),
        status=status,
        created_by=world.users["district"],
    )


def answer(world, number: int, region, status: str, *, by=None, when: str = "2020-08-20") -> ItemAnswer:
    item = InspectionItem.objects.get(campaign=world.campaign, number=number)
    moment = datetime.datetime.fromisoformat(when).replace(hour=10, tzinfo=SHANGHAI)
    fields = {"status": status, "narrative": "已落实"}
    if status in ("submitted", "accepted", "returned"):
        fields |= {"submitted_at": moment, "submitted_by": by}
    if status in ("accepted", "returned"):
        fields |= {"reviewed_at": moment, "reviewed_by": world.users["city"]}
    return ItemAnswer.objects.create(item=item, region=region, **fields)


def milestone(world, key: str) -> Milestone:
    return Milestone.objects.get(campaign=world.campaign, key=key)


def referral(world, hazard_, department="housing", referred_on="2020-09-01") -> Referral:
    return Referral.objects.create(
        hazard=hazard_, department=department, referred_on=d(referred_on), referred_by=world.users["district"]
    )


def returned_self_report(world, when="2020-09-01") -> SelfReport:
    moment = datetime.datetime.fromisoformat(when).replace(hour=10, tzinfo=SHANGHAI)
    return SelfReport.objects.create(
        institution=world.own_institution,
        status="returned",
        values={},
        created_by=world.users["institution"],
        reviewed_at=moment,
        reviewed_by=world.users["district"],
        return_reason="床位数与备案不符",
    )


@pytest.fixture
def more(world) -> dict[str, User]:
    """A second Tiedong district user, a colleague at the city, and a health-commission user."""
    regions = world.regions
    return {
        "district2": make_user("tiedong2", User.Role.DISTRICT, region=regions["210302"]),
        "city2": make_user("city2", User.Role.CITY, region=regions["210300"]),
        "health": make_user("weijian", User.Role.DEPARTMENT, region=regions["210300"], department="health"),
        "other_institution": make_user(
            "other-inst", User.Role.INSTITUTION, institution=world.other_institution
        ),
    }
