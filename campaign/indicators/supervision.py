"""What items 22, 23, 24 and 27 read from the comprehensive-supervision records (issue 17): training
sessions (`trainings`), 一事一议 cases (`fireacceptance`), fire drills (`emergencies`), elder-abuse
hazards referred to the police (`hazards.Referral`) and elder-abuse complaints (`complaints`).

One query for any number of regions (`supervision_groups`): the regions under the `Data`'s regions,
each annotated with one correlated `COUNT`/`SUM` subquery per measure over its *own* rows (the
records whose `region` is that region); the totals of a region are the sums over its subtree,
added up in Python over the few dozen regions of a city (as `Data.institution_groups` does). The
result is kept on the `Data` object, so a dashboard that computes the four items for every region
reads it once.

As of a date (`Data.as_of`): records created by the end of that day, with their dates on or
before it (cases' submission, decision and resolution; drills held; complaints received and
routed); institutions and hazards from their history rows (`Data.institution_rows`,
`Data.hazard_rows`), referrals notified by then (`Data.referrals`).
"""

from __future__ import annotations

import datetime

from django.db.models import Count, Exists, IntegerField, OuterRef, Q, QuerySet, Subquery, Sum, Value
from django.db.models.functions import Coalesce
from django.utils.translation import pgettext_lazy

from campaign.indicators.data import Data
from campaign.indicators.figures import COUNT_UNITS, HAZARD_UNIT, PERSON_UNIT
from complaints.models import Category as ComplaintCategory
from complaints.models import Complaint
from core.asof import end_of
from core.models import Region
from core.roles import Department
from emergencies.models import Drill, DrillKind, DrillTopic
from emergencies.rules import HalfYear
from fireacceptance.models import Case
from trainings.models import ITEM_22_KINDS, Kind, Training

#: The hazard category item 27 reads (the ledger's 欺老虐老).
ABUSE = "elder_abuse"
# The units of the counted figures of items 22, 23 and 27 (figures.COUNT_UNITS is keyed by figure;
# registered from here until the lead moves them into figures.py: see needs17-trainings.md).
CASE_UNIT = pgettext_lazy("unit of a count", "cases")
SESSION_UNIT = pgettext_lazy("unit of a count", "sessions")
for _key, _unit in {
    "referred_police": HAZARD_UNIT,
    "complaints": CASE_UNIT,
    "complaints_police": CASE_UNIT,
    "sessions": SESSION_UNIT,
    **{kind: SESSION_UNIT for kind in Kind.values},
    "participants": PERSON_UNIT,
    "cases": CASE_UNIT,
    "decided": CASE_UNIT,
    "resolved": CASE_UNIT,
    "pending": CASE_UNIT,
}.items():
    COUNT_UNITS.setdefault(_key, _unit)

#: The names of `supervision_measures`, in order.
MEASURES = (
    *(f"training_{kind}" for kind in Kind.values),
    "training_participants",
    "cases",
    "cases_submitted_by_due",
    "cases_submitted",
    "cases_decided",
    "cases_resolved",
    "fire_drill_h1",
    "fire_drill_h2",
    "abuse_referred_police",
    "abuse_complaints",
    "abuse_complaints_police",
)


def campaign_halves(data: Data) -> list[HalfYear]:
    """The half-years of the campaign's year that have begun by the measuring date (none before 1
    January; both from 1 July)."""
    year = data.campaign.year
    return [half for half in (HalfYear(year, 1), HalfYear(year, 2)) if half.start <= data.on]


def item_23_judged_on(data: Data) -> datetime.date:
    """Item 23's judging date: its milestone (31 August of the campaign year, “8 月底前”), or the
    measuring date when that comes first or there is no milestone."""
    due_on = data.due(23)[0]
    return min(due_on, data.on) if due_on else data.on


def _created_by(data: Data) -> Q:
    """Records that existed at the end of the measuring date (every record when measured now)."""
    return Q() if data.as_of is None else Q(created_at__lt=end_of(data.as_of))


def _own(rows: QuerySet, field: str = "region") -> QuerySet:
    return rows.filter(**{field: OuterRef("pk")}).order_by().values(field)


def _count(rows: QuerySet, field: str = "region") -> Coalesce:
    """COUNT of `rows` whose `field` is the outer region."""
    counted = _own(rows, field).annotate(n=Count("pk")).values("n")[:1]
    return Coalesce(Subquery(counted, output_field=IntegerField()), 0)


def _sum(rows: QuerySet, column: str, field: str = "region") -> Coalesce:
    summed = _own(rows, field).annotate(n=Sum(column)).values("n")[:1]
    return Coalesce(Subquery(summed, output_field=IntegerField()), 0)


def supervision_measures(data: Data) -> dict:
    """{name: subquery} of every figure, counted over a region's own records:

    - `training_<kind>` (one per `trainings.Kind`) and `training_participants`: sessions the
      region's department organised in the campaign's year, held by the measuring date;
    - `cases`, `cases_submitted_by_due` (submitted on or before `item_23_judged_on`),
      `cases_submitted`, `cases_decided`, `cases_resolved` (by the measuring date);
    - `fire_drill_h1`, `fire_drill_h2`: operating institutions (as measured) with at least one
      fire drill (kind 应急演练, topic 消防) held in that half of the campaign's year, by the
      measuring date (0 for a half not begun);
    - `abuse_referred_police`: live elder-abuse hazards (as measured) notified in writing to the
      police (`Department.POLICE`) by the measuring date;
    - `abuse_complaints`, `abuse_complaints_police`: complaints of the 欺老虐老 category received by
      the measuring date, and those routed to the police by then.
    """
    on, year = data.on, data.campaign.year
    created = _created_by(data)
    trainings = Training.objects.filter(created, held_on__year=year, held_on__lte=on)
    cases = Case.objects.filter(created)
    judged_on = item_23_judged_on(data)
    measures = {
        **{f"training_{kind}": _count(trainings.filter(kind=kind)) for kind in Kind.values},
        "training_participants": _sum(trainings, "participants"),
        "cases": _count(cases),
        "cases_submitted_by_due": _count(cases.filter(submitted_on__lte=judged_on)),
        "cases_submitted": _count(cases.filter(submitted_on__lte=on)),
        "cases_decided": _count(cases.filter(decided_on__lte=on)),
        "cases_resolved": _count(cases.filter(resolved_on__lte=on)),
    }
    started = {half.half: half for half in campaign_halves(data)}
    for number in (1, 2):
        half = started.get(number)
        if half is None:
            measures[f"fire_drill_h{number}"] = Value(0, output_field=IntegerField())
            continue
        drilled = Drill.objects.filter(
            created,
            institution_id=OuterRef("id"),
            kind=DrillKind.DRILL,
            topic=DrillTopic.FIRE,
            held_on__gte=half.start,
            held_on__lte=min(half.end, on),
        )
        measures[f"fire_drill_h{number}"] = _count(data.institution_rows().filter(Exists(drilled)))
    police = data.referrals().filter(department=Department.POLICE).order_by().values("hazard_id")
    measures["abuse_referred_police"] = _count(data.hazard_rows().filter(category=ABUSE, id__in=police))
    complaints = Complaint.objects.filter(created, category=ComplaintCategory.ABUSE, received_on__lte=on)
    measures["abuse_complaints"] = _count(complaints)
    measures["abuse_complaints_police"] = _count(
        complaints.filter(department=Department.POLICE, routed_on__lte=on)
    )
    assert tuple(measures) == MEASURES
    return measures


def supervision_groups(data: Data) -> dict[str, dict]:
    """{region path: {"kind": region kind, "pk": id, measure: value, …}} for every region under
    the `Data`'s regions (one query, kept on `data`). Values are the region's own records (see
    `supervision_measures`)."""
    kept = getattr(data, "_supervision_groups", None)
    if kept is None:
        measures = supervision_measures(data)
        rows = (
            Region.objects.filter(data._within("path"))
            .order_by()
            .annotate(**{f"measure_{name}": value for name, value in measures.items()})
            .values("pk", "path", "kind", *(f"measure_{name}" for name in measures))
        )
        kept = {
            row["path"]: {
                "pk": row["pk"],
                "kind": row["kind"],
                **{name: row[f"measure_{name}"] or 0 for name in measures},
            }
            for row in rows
        }
        data._supervision_groups = kept
    return kept


def own(data: Data, region: Region) -> dict:
    """The measures of the region's own records (zeros when it has none)."""
    groups = supervision_groups(data)
    row = groups.get(region.path)
    if row is None:
        return dict.fromkeys(MEASURES, 0)
    return row


def totals(data: Data, region: Region) -> dict[str, int]:
    """{measure: sum over the region's subtree}."""

    def build():
        names = MEASURES
        summed = dict.fromkeys(names, 0)
        for path, row in supervision_groups(data).items():
            if path.startswith(region.path):
                for name in names:
                    summed[name] += row[name]
        return summed

    return data._cached("supervision", region, build)


def units(data: Data, region: Region) -> list[dict]:
    """The county-level units in the region's subtree (their own measures), from the same query."""
    return [
        row
        for path, row in supervision_groups(data).items()
        if path.startswith(region.path) and row["kind"] in Region.COUNTY_LEVEL_KINDS
    ]


def item_22_sessions(row: dict) -> int:
    """Sessions of the kinds item 22 names (养老服务与管理 or 养老护理员) in a row of measures."""
    return sum(row[f"training_{kind}"] for kind in ITEM_22_KINDS)
