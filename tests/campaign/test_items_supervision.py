"""Items 22, 23, 24 and 27 from the comprehensive-supervision records (issue 17 item 7), against
hand-worked values: two districts (铁东区 and 铁西区) and the city, records on both sides of the
year, half-year and 31 August boundaries, as of a date and now, and a constant number of queries."""

import datetime
from decimal import Decimal
from zoneinfo import ZoneInfo

import pytest
import time_machine
from django.db import connection
from django.test.utils import CaptureQueriesContext

from campaign.indicators import compute_many
from campaign.indicators.data import Data
from campaign.indicators.items import item_22, item_23, item_24, item_27
from core.roles import Department
from emergencies.rules import HalfYear
from emergencies.services import preparedness, preparedness_counts
from fireacceptance.models import Case
from hazards.models import Referral
from tests.campaign.test_indicators import hazard, inst
from tests.complaints.factories import raw as complaint
from tests.emergencies.factories import drill
from trainings.models import Training

SHANGHAI = ZoneInfo("Asia/Shanghai")
D = datetime.date


def at(*args):
    return time_machine.travel(datetime.datetime(*args, tzinfo=SHANGHAI), tick=False)


@pytest.fixture
def tiedong(world):
    return world.regions["210302"]


@pytest.fixture
def tiexi(world):
    return world.regions["210303"]


@pytest.fixture
def city(world):
    return world.regions["210300"]


def training(region, held_on, kind, participants, by):
    return Training.objects.create(
        region=region,
        held_on=held_on,
        kind=kind,
        title="培训",
        participants=participants,
        hours=Decimal("4"),
        created_by=by,
    )


def case(institution, by, **dates):
    return Case.objects.create(
        institution=institution,
        region=institution.region,
        problem="土地规划手续未办理",
        created_by=by,
        **dates,
    )


def one(campaign, region, function, as_of=None):
    return function(campaign, region, data=Data(campaign, [region], as_of=as_of))


# Item 22 -------------------------------------------------------------------------------------------


def test_item_22_counts_the_region_own_sessions_of_the_campaign_year(world, campaign, city, tiedong, tiexi):
    by = world.users["district"]
    training(city, D(2020, 3, 10), "management", 40, by)
    training(tiedong, D(2020, 1, 1), "care_worker", 30, by)  # first day of the year: in
    training(tiedong, D(2019, 12, 31), "management", 25, by)  # the year before: out
    training(tiedong, D(2021, 1, 1), "management", 10, by)  # the year after: out
    training(tiedong, D(2020, 6, 1), "director", 15, by)  # counted, but not the item's kinds
    training(tiexi, D(2020, 5, 5), "social_worker", 20, by)

    east = one(campaign, tiedong, item_22)
    assert east.figure("sessions").value == 1
    assert [east.figure(k).value for k in ("management", "care_worker", "director", "social_worker")] == [
        0,
        1,
        1,
        0,
    ]
    assert east.figure("participants").value == 45
    assert east.met is True

    west = one(campaign, tiexi, item_22)
    assert (west.figure("sessions").value, west.figure("participants").value, west.met) == (0, 20, False)

    anshan = one(campaign, city, item_22)
    assert anshan.figure("sessions").value == 1  # the city's own, not the districts'
    assert anshan.figure("participants").value == 40
    assert anshan.figure("units_trained").display() == "9.1%（1/11）"  # 铁东区 of Anshan's 11 units
    assert anshan.met is True


def test_item_22_as_of_a_date(world, campaign, tiexi):
    by = world.users["other_district"]
    with at(2020, 6, 30, 18):
        training(tiexi, D(2020, 6, 30), "management", 12, by)
    with at(2020, 7, 2, 9):
        training(tiexi, D(2020, 7, 1), "care_worker", 8, by)
    before = one(campaign, tiexi, item_22, as_of=D(2020, 6, 30))
    assert (before.figure("sessions").value, before.figure("participants").value) == (1, 12)
    assert before.measured_on == D(2020, 6, 30)
    assert one(campaign, tiexi, item_22).figure("sessions").value == 2
    assert one(campaign, tiexi, item_22).measured_on == D(2020, 12, 31)
    assert one(campaign, tiexi, item_22, as_of=D(2019, 12, 31)).met is False


# Item 23 -------------------------------------------------------------------------------------------


def test_item_23_judges_submission_by_31_august(world, campaign, city, tiedong, tiexi, regions):
    by = world.users["district"]
    own, other = world.own_institution, world.other_institution
    with at(2020, 8, 1, 9):
        case(
            own,
            by,
            submitted_on=D(2020, 8, 31),  # the deadline day: on time
            decided_on=D(2020, 9, 15),
            decision="同意补办手续",
            resolved_on=D(2020, 10, 20),
        )
        case(own, by, submitted_on=D(2020, 9, 1))  # a day late
        case(own, by)  # not submitted
        case(other, by, submitted_on=D(2020, 9, 1))

    east = one(campaign, tiedong, item_23)
    assert east.due_on == D(2020, 8, 31) and east.measured_on == D(2020, 8, 31)
    assert east.figure("cases").value == 3
    assert east.figure("submitted_on_time").display() == "33.3%（1/3）"
    assert [east.figure(k).value for k in ("decided", "resolved", "pending")] == [1, 1, 1]
    assert east.met is True

    west = one(campaign, tiexi, item_23)
    assert (west.figure("submitted_on_time").display(), west.met) == ("0%（0/1）", False)

    anshan = one(campaign, city, item_23)
    assert anshan.figure("cases").value == 4
    assert anshan.figure("submitted_on_time").display() == "25%（1/4）"
    assert anshan.figure("units_on_time").display() == "50%（1/2）"  # units with cases: 铁东区, 铁西区
    assert anshan.met is False

    assert one(campaign, regions["210311"], item_23).met is None  # 千山区: no case, not applicable

    # As of 30 September: decided, not yet resolved; as of 31 July: nothing recorded yet.
    september = one(campaign, tiedong, item_23, as_of=D(2020, 9, 30))
    assert [september.figure(k).value for k in ("decided", "resolved", "pending")] == [1, 0, 1]
    august = one(campaign, tiedong, item_23, as_of=D(2020, 8, 30))
    assert august.measured_on == D(2020, 8, 30)
    assert august.figure("submitted_on_time").display() == "0%（0/3）"
    assert one(campaign, tiedong, item_23, as_of=D(2020, 7, 31)).met is None


# Item 24 -------------------------------------------------------------------------------------------


def test_item_24_adds_fire_drills_per_half_year(world, campaign, city, tiedong, tiexi):
    by = world.users["district"]
    second = inst(tiedong, "铁东区第二养老院")
    drill(world.own_institution, D(2020, 6, 30), by=by)  # last day of the first half
    drill(second, D(2020, 7, 1), by=by)  # first day of the second half
    drill(second, D(2020, 3, 1), kind="awareness", by=by)  # awareness, not a drill
    drill(second, D(2020, 3, 2), topic="flood", by=by)  # a drill, not about fire
    drill(world.own_institution, D(2019, 12, 31), by=by)  # the year before
    drill(world.other_institution, D(2021, 1, 1), by=by)  # the year after

    east = one(campaign, tiedong, item_24)
    assert east.figure("fire_drill_h1").display() == "50%（1/2）"
    assert east.figure("fire_drill_h2").display() == "50%（1/2）"
    assert east.figure("found").value == 0  # the ledger figures stay
    west = one(campaign, tiexi, item_24)
    assert west.figure("fire_drill_h1").display() == "0%（0/1）"
    anshan = one(campaign, city, item_24)
    assert anshan.figure("fire_drill_h1").display() == "33.3%（1/3）"
    assert anshan.figure("fire_drill_h2").display() == "33.3%（1/3）"
    # the same institutions as the missing-preparedness list counts
    for half in (HalfYear(2020, 1), HalfYear(2020, 2)):
        counts = preparedness_counts(preparedness(tiedong, half, topic="fire"))
        figure = east.figure(f"fire_drill_h{half.half}")
        assert (figure.numerator, figure.denominator) == (
            counts["institutions"] - counts["missing_drill"],
            counts["institutions"],
        )


def test_item_24_as_of_shows_the_halves_begun(world, campaign, regions):
    qianshan = regions["210311"]
    with at(2020, 1, 5, 9):
        a, b = inst(qianshan, "千山区甲养老院"), inst(qianshan, "千山区乙养老院")
        drill(a, D(2020, 5, 1))
        drill(b, D(2020, 7, 3))
    june = one(campaign, qianshan, item_24, as_of=D(2020, 6, 30))
    assert [f.key for f in june.figures if f.key.startswith("fire_drill")] == ["fire_drill_h1"]
    assert june.figure("fire_drill_h1").display() == "50%（1/2）"
    july = one(campaign, qianshan, item_24, as_of=D(2020, 7, 2))
    assert july.figure("fire_drill_h2").display() == "0%（0/2）"  # b's drill is on 3 July
    assert (
        one(campaign, qianshan, item_24, as_of=D(2020, 12, 31)).figure("fire_drill_h2").display()
        == "50%（1/2）"
    )
    assert one(campaign, qianshan, item_24, as_of=D(2019, 12, 31)).figures[-1].key == "referred"


# Item 27 -------------------------------------------------------------------------------------------


def test_item_27_counts_police_referrals_and_abuse_complaints(world, campaign, city, tiedong, tiexi):
    by = world.users["district"]
    own, other = world.own_institution, world.other_institution
    kw = {"found_on": D(2020, 5, 1), "deadline": D(2020, 6, 1), "category": "elder_abuse"}
    police, housing, _alone = hazard(own, by, **kw), hazard(own, by, **kw), hazard(own, by, **kw)
    fire = hazard(own, by, found_on=D(2020, 5, 1), deadline=D(2020, 6, 1))
    for h, department in (
        (police, Department.POLICE),
        (housing, Department.HOUSING),
        (fire, Department.POLICE),
    ):
        Referral.objects.create(hazard=h, department=department, referred_on=D(2020, 5, 2), referred_by=by)
    routed = {"department": Department.POLICE, "routed_on": D(2020, 5, 3)}
    complaint(own, by, received_on=D(2020, 5, 2), category="abuse", **routed)
    complaint(own, by, received_on=D(2020, 5, 2), category="abuse")  # not routed
    complaint(own, by, received_on=D(2020, 5, 2), category="service", **routed)  # not abuse
    complaint(other, by, received_on=D(2020, 5, 2), category="abuse", **routed)

    east = one(campaign, tiedong, item_27)
    values = {f.key: f.value for f in east.figures if f.kind == "count"}
    assert values == {
        "found": 3,
        "referred": 2,
        "referred_police": 1,
        "complaints": 2,
        "complaints_police": 1,
    }
    anshan = one(campaign, city, item_27)
    assert anshan.figure("referred_police").value == 1
    assert (anshan.figure("complaints").value, anshan.figure("complaints_police").value) == (3, 2)
    assert one(campaign, tiexi, item_27).figure("complaints_police").value == 1
    assert east.figure("referred_police").unit == "处"


# Queries -------------------------------------------------------------------------------------------


def test_the_four_items_read_one_query_for_any_number_of_regions(world, campaign, city):
    by = world.users["district"]
    units = list(city.children.order_by("sort_order"))
    for unit in units:
        training(unit, D(2020, 4, 1), "management", 10, by)
        institution = inst(unit, f"{unit.name}测试院")
        case(institution, by, submitted_on=D(2020, 8, 1))
        drill(institution, D(2020, 4, 2), by=by)

    def queries(regions):
        data = Data(campaign, regions)
        with CaptureQueriesContext(connection) as captured:
            result = {
                r.pk: [f(campaign, r, data=data) for f in (item_22, item_23, item_24, item_27)]
                for r in regions
            }
        return len(captured), result

    few, _ = queries([city, units[0]])
    many, result = queries([city, *units])
    assert few == many <= 4  # milestones, institutions, hazards, the supervision records
    assert result[city.pk][0].figure("units_trained").display() == "100%（11/11）"
    assert result[units[3].pk][1].met is True
    computed = compute_many(campaign, [city, *units], [24, 27])
    assert computed[city.pk][24] == result[city.pk][2]
