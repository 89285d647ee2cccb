"""Indicators aggregated in the database (issue 11, item 5): `compute_many` gives, for every region
and every as-of date, what a plain per-region computation over the rows gives, in a constant
number of queries whatever the number of regions and rows."""

import datetime
import itertools
import random
from decimal import Decimal
from fractions import Fraction
from zoneinfo import ZoneInfo

import pytest
from django.db import connection
from django.db.models import F, Min
from django.test.utils import CaptureQueriesContext
from django.utils import timezone

from campaign.indicators import INDICATORS, compute, compute_many
from campaign.models import Milestone
from core import dates
from core.models import Region
from disclosure.models import Publication
from emergencies.models import Drill
from emergencies.rules import HalfYear
from hazards.models import CATEGORIES, DeadlineChange, Hazard, Referral
from hazards.models import Status as HazardStatus
from institutions.models import (
    EXTENSION_FIELDS,
    REGISTERED_LEGAL_PERSON,
    Area,
    FilingStatus,
    FireSafetyStatus,
    Institution,
    LegalPersonStatus,
    MedicalMode,
    Nature,
    OperatingStatus,
    RegistrationForm,
)

SHANGHAI = ZoneInfo("Asia/Shanghai")
D = datetime.date
_serial = itertools.count(1)

# The as-of dates: every milestone moved by these many days (0: as loaded), then no milestone at all.
SHIFTS = (0, -45, 20)


# A varied dataset ---------------------------------------------------------------------------------


def _dates_near(campaign) -> list:
    """The milestones' dates under every shift, the day before and the day after, and None."""
    days = set()
    for due_on in campaign.milestones.values_list("due_on", flat=True):
        for shift in SHIFTS:
            for offset in (-1, 0, 1):
                days.add(due_on + datetime.timedelta(days=shift + offset))
    return [None, *sorted(days)]


def build(campaign, regions: list[Region], user, *, institutions: int, hazards: int, seed: int = 11):
    """Institutions of every nature, form, filing and operating status, legal-person status and
    standard, with dates around the milestones (or none); hazards of every category and status,
    some found before or after the dates, closed on or after them, with changed deadlines, some
    deleted, some referred (more than once); publications of each kind around midnight of the
    deadline day. Institutions also sit at city level, so groups of non-leaf regions add up too."""
    rng = random.Random(seed)
    near = _dates_near(campaign)
    batch = next(_serial)
    homes = []
    for index in range(institutions):
        beds = rng.choice((0, 10, 55, 120))
        residents = rng.randint(0, 60)
        disabled = rng.randint(0, residents // 2)
        homes.append(
            Institution(
                region=rng.choice(regions),
                name=f"院{batch}-{index}",
                nature=rng.choice(Nature.values),
                registration_form=rng.choice(RegistrationForm.values),
                filing_status=rng.choice(FilingStatus.values),
                is_special_hardship=rng.random() < 0.4,
                area=rng.choice(Area.values),
                legal_person_status=rng.choice([*LegalPersonStatus.values, ""]),
                legal_code_entered=rng.random() < 0.6,
                legal_code_entered_on=rng.choice(near),
                operating_status=rng.choice(OperatingStatus.values),
                beds=beds,
                nursing_beds=rng.randint(0, beds),
                residents=residents,
                disabled_residents=disabled,
                semi_disabled_residents=rng.randint(0, residents - disabled),
                medical_mode=rng.choice(MedicalMode.values),
                star_rating=rng.choice((0, 0, 1, 3, 5)),
                star_rated_on=rng.choice(near),
                gb38600_compliant=rng.random() < 0.5,
                quality_norm_compliant=rng.random() < 0.5,
                risk_assessed_on=rng.choice(near),
                fire_safety_status=rng.choice([*FireSafetyStatus.values, ""]),
                fire_gov_funds=rng.choice((None, None, Decimal("0.00"), Decimal("3.25"), Decimal("10.50"))),
                fire_own_funds=rng.choice((None, None, Decimal("1.05"), Decimal("7.00"))),
                national_data_updated_on=rng.choice(near),
                **{name: rng.random() < 0.3 for name in EXTENSION_FIELDS},
            )
        )
    homes = Institution.objects.bulk_create(homes)

    categories = [name for name, _label in CATEGORIES]
    rows = []
    for index in range(hazards):
        home = rng.choice(homes)
        found_on = rng.choice([day for day in near if day])
        original = found_on + datetime.timedelta(days=rng.choice((0, 15, 60)))
        status = rng.choice(HazardStatus.values)
        rows.append(
            Hazard(
                code=f"S{batch}-{index}",
                institution=home,
                region=home.region,
                category=rng.choice(categories),
                source="survey",
                description="测试隐患",
                found_on=found_on,
                responsible_unit=home.name,
                responsible_person="刘建华",
                original_deadline=original,
                deadline=original + datetime.timedelta(days=rng.choice((0, 0, 1, 30))),
                status=status,
                closed_on=(
                    found_on + datetime.timedelta(days=rng.choice((0, 40, 90, 400)))
                    if status == HazardStatus.CLOSED
                    else None
                ),
                created_by=user,
                deleted_at=timezone.now() if rng.random() < 0.1 else None,
            )
        )
    rows = Hazard.objects.bulk_create(rows)
    DeadlineChange.objects.bulk_create(
        DeadlineChange(
            hazard=hazard,
            old_deadline=hazard.original_deadline,
            new_deadline=hazard.deadline,
            reason="延期",
            changed_by=user,
        )
        for hazard in rows
        if hazard.deadline != hazard.original_deadline
    )
    Referral.objects.bulk_create(
        Referral(hazard=hazard, department=department, referred_on=hazard.found_on, referred_by=user)
        for hazard in rows
        for department in rng.choice(((), (), ("market",), ("market", "housing")))
    )
    for region in regions:
        for kind in Publication.Kind.values:
            for _ in range(rng.choice((0, 1, 2))):
                day = rng.choice([day for day in near if day])
                moment = datetime.datetime.combine(day, datetime.time(rng.choice((0, 9, 23))), SHANGHAI)
                Publication.objects.create(
                    region=region, kind=kind, published_at=moment, published_by=user, snapshot=[]
                )


# A plain reference: one region at a time, over the rows ------------------------------------------


def _done(day, due_on):
    return day is not None and (due_on is None or day <= due_on)


def _ratio(numerator, denominator):
    return (Fraction(numerator, denominator) if denominator else None, numerator, denominator)


def _all_of(numerator, denominator):
    return None if not denominator else numerator == denominator


def reference(campaign, region) -> dict:
    """{item: (figures as [(key, (value, numerator, denominator))], met, measured_on, due_on,
    milestone)}, computed with one query per source for this region alone and list comprehensions
    over its rows, as the indicators were computed before issue 11."""

    def due(number):
        rows = Milestone.objects.filter(campaign=campaign, items__number=number).values_list("due_on", "key")
        return max(rows, default=(None, ""))

    homes = list(Institution.objects.operating().filter(region__path__startswith=region.path).values())
    hazards = list(Hazard.objects.live().filter(region__path__startswith=region.path).values())
    referred = set(Referral.objects.values_list("hazard_id", flat=True))
    units = list(Region.objects.filter(path__startswith=region.path, kind__in=Region.COUNTY_LEVEL_KINDS))

    def first_published(unit, kind):
        first = Publication.objects.filter(region=unit, kind=kind).aggregate(first=Min("published_at"))[
            "first"
        ]
        return timezone.localdate(first) if first else None

    def count(value):
        return (value, None, None)

    results = {}

    def result(number, figures, met=None, measured_on=None):
        due_on, key = due(number)
        results[number] = (figures, met, measured_on, due_on, key)

    n = len(homes)
    on = due(3)[0] or dates.today()
    found = [h for h in hazards if h["found_on"] <= on]
    rectified = [h for h in found if h["status"] == HazardStatus.CLOSED and _done(h["closed_on"], on)]
    rectified_ids = {h["id"] for h in rectified}
    overdue = [h for h in found if h["deadline"] < on and h["id"] not in rectified_ids]
    result(
        3,
        [
            ("found", count(len(found))),
            ("rectified", _ratio(len(rectified), len(found))),
            ("overdue", count(len(overdue))),
        ],
        _all_of(len(rectified), len(found)),
        due(3)[0],
    )
    compliant = sum(1 for h in homes if h["gb38600_compliant"])
    result(4, [("compliant", _ratio(compliant, n))], None if not n else compliant * 100 >= 60 * n)
    result(5, [("compliant", _ratio(sum(1 for h in homes if h["quality_norm_compliant"]), n))])
    for number, kind, listed in (
        (
            7,
            Publication.Kind.FILED,
            lambda h: h["filing_status"] == "filed" or h["registration_form"] != "unregistered",
        ),
        (
            8,
            Publication.Kind.UNFILED,
            lambda h: h["filing_status"] == "unfiled" or h["registration_form"] == "unregistered",
        ),
    ):
        due_on = due(number)[0]
        on_time = sum(1 for unit in units if _done(first_published(unit, kind), due_on))
        figures = [("units_on_time", _ratio(on_time, len(units)))]
        if region.is_county_level:
            figures.append(("first_published_on", (first_published(region, kind), None, None)))
        figures.append(("in_registry", count(sum(1 for h in homes if listed(h)))))
        result(number, figures, _all_of(on_time, len(units)) if due_on else None, due_on)
    special = [h for h in homes if h["is_special_hardship"]]
    disabled = sum(h["disabled_residents"] + h["semi_disabled_residents"] for h in special)
    result(11, [("facilities", count(len(special))), ("disabled_residents", count(disabled))])
    result(
        12,
        [("residents", count(sum(h["residents"] for h in special))), ("disabled_residents", count(disabled))],
    )
    rural = [h for h in special if h["area"] == Area.RURAL]
    due_13, due_14 = due(13)[0], due(14)[0]
    registered = sum(
        1
        for h in rural
        if h["legal_person_status"] == LegalPersonStatus.INDEPENDENT
        or (
            h["legal_person_status"] == LegalPersonStatus.BRANCH
            and h["legal_code_entered"]
            and _done(h["legal_code_entered_on"], due_13)
        )
    )
    result(13, [("registered", _ratio(registered, len(rural)))], _all_of(registered, len(rural)), due_13)
    registered = [h for h in rural if h["legal_person_status"] in REGISTERED_LEGAL_PERSON]
    entered = [h for h in registered if h["legal_code_entered"]]
    on_time = sum(1 for h in entered if _done(h["legal_code_entered_on"], due_14))
    undated = sum(1 for h in entered if h["legal_code_entered_on"] is None)
    result(
        14,
        [
            ("code_entered", _ratio(on_time, len(registered))),
            ("entered_late", count(len(entered) - on_time - undated)),
            ("entered_undated", count(undated)),
        ],
        _all_of(on_time, len(registered)),
        due_14,
    )
    private = [h for h in homes if h["nature"] == Nature.PRIVATE]

    def total(field):
        recorded = [h[field] for h in private if h[field] is not None]
        return (sum(recorded, Decimal("0.00")) if recorded else None, None, None)

    compliant = sum(1 for h in private if h["fire_safety_status"] == FireSafetyStatus.COMPLIANT)
    result(
        16,
        [
            (
                "upgrading",
                count(sum(1 for h in private if h["fire_safety_status"] == FireSafetyStatus.UPGRADING)),
            ),
            ("gov_funds", total("fire_gov_funds")),
            ("own_funds", total("fire_own_funds")),
            ("compliant", _ratio(compliant, len(private))),
        ],
        _all_of(compliant, len(private)),
    )
    due_17 = due(17)[0]
    rated = sum(1 for h in homes if h["star_rating"] and _done(h["star_rated_on"], due_17))
    result(17, [("rated", _ratio(rated, n))], None, due_17)
    result(
        18,
        [
            ("offering", count(sum(1 for h in homes if any(h[name] for name in EXTENSION_FIELDS)))),
            *((name, count(sum(1 for h in homes if h[name]))) for name in EXTENSION_FIELDS),
        ],
    )
    able = sum(1 for h in homes if h["medical_mode"] != MedicalMode.NONE)
    result(19, [("able", _ratio(able, n))], _all_of(able, n))
    due_20 = due(20)[0]
    result(
        20,
        [
            ("nursing_share", _ratio(sum(h["nursing_beds"] for h in homes), sum(h["beds"] for h in homes))),
            ("updated", _ratio(sum(1 for h in homes if _done(h["national_data_updated_on"], due_20)), n)),
        ],
        None,
        due_20,
    )
    today = dates.today()
    for number, category in ((24, "fire"), (25, "food"), (27, "elder_abuse"), (28, "illegal_fundraising")):
        of_kind = [h for h in hazards if h["category"] == category]
        closed = sum(1 for h in of_kind if h["status"] == HazardStatus.CLOSED)
        figures = [
            ("found", count(len(of_kind))),
            ("rectified", _ratio(closed, len(of_kind))),
            ("referred", count(sum(1 for h in of_kind if h["id"] in referred))),
        ]
        if number == 24:  # issue 17: operating institutions with a fire drill in each half begun
            for half in (HalfYear(campaign.year, 1), HalfYear(campaign.year, 2)):
                if half.start <= today:
                    drilled = {
                        i
                        for i in Drill.objects.filter(
                            kind="drill", topic="fire", held_on__range=(half.start, min(half.end, today))
                        ).values_list("institution_id", flat=True)
                    }
                    figures.append(
                        (f"fire_drill_h{half.half}", _ratio(sum(1 for h in homes if h["id"] in drilled), n))
                    )
        if number == 27:  # issue 17: referred to the police, complaints of abuse (none in these data)
            police = set(Referral.objects.filter(department="police").values_list("hazard_id", flat=True))
            figures += [
                ("referred_police", count(sum(1 for h in of_kind if h["id"] in police))),
                ("complaints", count(0)),
                ("complaints_police", count(0)),
            ]
        result(number, figures, None, today if number in (24, 27) else None)
    due_29 = due(29)[0]
    result(
        29,
        [("assessed", _ratio(sum(1 for h in homes if _done(h["risk_assessed_on"], due_29)), n))],
        None,
        due_29,
    )
    due_30 = due(30)[0]
    updated = sum(1 for h in homes if _done(h["national_data_updated_on"], due_30))
    result(30, [("updated", _ratio(updated, n))], _all_of(updated, n) if due_30 else None, due_30)
    # Items 22 and 23 (issue 17) postdate issue 11's rewrite: no list-comprehension version of them
    # exists; their reference is the single-region computation (`compute`, a Data of this region
    # alone), and their values are checked by hand in test_items_supervision.py.
    for number in (22, 23):
        results[number] = shape(compute(campaign, region, number))
    return results


def shape(indicator) -> tuple:
    figures = [(f.key, (f.value, f.numerator, f.denominator)) for f in indicator.figures]
    return figures, indicator.met, indicator.measured_on, indicator.due_on, indicator.milestone


# Equivalence ---------------------------------------------------------------------------------------


def _as_of(campaign, shift):
    """Move every milestone of the campaign by `shift` days from the dates loaded; None: the
    campaign's milestones concern no item any more (no deadline: the record as it stands, item 3
    read today)."""
    if shift is None:
        for milestone in campaign.milestones.all():
            milestone.items.clear()
    else:
        campaign.milestones.update(due_on=F("due_on") + datetime.timedelta(days=shift))


@pytest.fixture
def varied(campaign, world):
    every = list(Region.objects.order_by("path"))
    build(campaign, every, world.users["district"], institutions=160, hazards=700)
    return every


def test_the_dataset_is_varied(campaign, varied):
    homes = Institution.objects.all()
    assert set(homes.values_list("operating_status", flat=True)) == set(OperatingStatus.values)
    assert set(homes.values_list("legal_person_status", flat=True)) == {*LegalPersonStatus.values, ""}
    assert homes.filter(region__kind=Region.Kind.CITY).exists()  # groups above county level
    ledger = Hazard.objects.all()
    assert set(ledger.values_list("status", flat=True)) == set(HazardStatus.values)
    assert ledger.filter(deleted_at__isnull=False).exists()
    assert ledger.exclude(deadline=F("original_deadline")).exists() and DeadlineChange.objects.exists()
    assert ledger.filter(status=HazardStatus.CLOSED, closed_on__gt=D(2020, 12, 31)).exists()
    assert Referral.objects.values("hazard").distinct().count() < Referral.objects.count()  # referred twice


@pytest.mark.parametrize(
    "shift", [*SHIFTS, None], ids=lambda s: "no-milestones" if s is None else f"shift{s}"
)
def test_compute_many_equals_a_plain_computation_per_region(campaign, world, varied, shift):
    _as_of(campaign, shift)
    together = compute_many(campaign, varied)
    assert set(together) == {region.pk for region in varied}
    for region in varied:
        expected = reference(campaign, region)
        assert set(together[region.pk]) == set(INDICATORS) == set(expected)
        for number in INDICATORS:
            assert shape(together[region.pk][number]) == expected[number], (region.code, number)
    # One region at a time (`compute`) gives the same as all together.
    for region in (varied[0], world.regions["210300"], world.regions["210311"], world.foreign_region):
        for number in INDICATORS:
            assert compute(campaign, region, number) == together[region.pk][number], (region.code, number)


def test_a_campaign_without_item_milestones_equals_the_reference(world, varied):
    """Dalian's campaign has one milestone that concerns no item: every item without a deadline."""
    campaign = world.foreign_campaign
    together = compute_many(campaign, varied)
    for region in varied:
        expected = reference(campaign, region)
        for number in INDICATORS:
            assert shape(together[region.pk][number]) == expected[number], (region.code, number)


# Constant number of queries ------------------------------------------------------------------------


def _queries(campaign, regions) -> list[str]:
    with CaptureQueriesContext(connection) as captured:
        compute_many(campaign, regions, range(1, 31))
    return [query["sql"] for query in captured.captured_queries]


def test_queries_do_not_grow_with_regions_or_rows(campaign, world):
    every = list(Region.objects.order_by("path"))
    few = [world.regions["210300"], world.regions["210302"]]
    user = world.users["district"]
    build(campaign, every, user, institutions=20, hazards=60, seed=1)
    small = {"few": _queries(campaign, few), "all": _queries(campaign, every)}
    build(campaign, every, user, institutions=200, hazards=1500, seed=2)
    large = {"few": _queries(campaign, few), "all": _queries(campaign, every)}
    counts = {len(queries) for queries in (*small.values(), *large.values())}
    # milestones, institutions, hazards (referrals inside), units, publications, and (issue 17) the
    # supervision records of items 22, 23, 24 and 27 (campaign.indicators.supervision): one query
    assert counts == {6}
    # Institutions and hazards come back grouped by region, never row by row.
    for sql in large["all"]:
        if sql.startswith('SELECT "core_region"."id" AS "pk", "core_region"."path"'):
            continue  # the supervision records: one correlated count per region row (issue 17)
        if '"institutions_institution"' in sql or '"hazards_hazard"' in sql:
            assert "GROUP BY" in sql and "FILTER" in sql, sql
