"""The figures of the city's, the province's and a district's dashboard (issue 13, item 1).

Everything is read from the campaign's indicators (`campaign.indicators.compute_many` over one
`Data`, as of the measuring date), so the dashboard, the lists, the workbook and the API share one
definition per figure; every number carries the URL of the list that shows exactly the records it
counts (`campaign.indicators.links.figure_url`).

Shapes:

- `Target`: one campaign target for one region: label, the item, its deadline, the figure as
  shown ("62.5%（5/8）"), numerator and denominator as `Number`s (value + list URL), the goal
  ("≥ 60%", "全部"), and a `state`;
- `RegionRow`: one row of the regions table (a county-level unit under a city, or a city under
  the province): its targets' states and the ledger's and checklist's numbers;
- `Dashboard`: the region, the measuring date, its targets, the ledger and checklist numbers, the
  rows (worst first), the next deadlines with the units still owing each.

States (`state_of`), judged on the measuring date `on` against the item's milestone `due_on`:
met (the target is reached), missed (not reached and the deadline has passed), at risk (not
reached and the deadline is 30 days away or less), on track (not reached, more than 30 days left),
no target (the item sets none or nothing is counted yet, e.g. no rural facility).
"""

from __future__ import annotations

import datetime
from dataclasses import dataclass, field
from urllib.parse import urlencode

from django.db.models import Count, Q
from django.urls import reverse
from django.utils.translation import gettext_lazy as _

from campaign import answer_filters
from campaign.indicators import INDICATORS
from campaign.indicators.data import Data
from campaign.indicators.links import HAZARDS, INSTITUTIONS, figure_url
from campaign.models import Campaign, ItemAnswer, Milestone
from core import dates
from core.models import Region

AT_RISK_DAYS = 30

MET, MISSED, AT_RISK, ON_TRACK, NO_TARGET = "met", "missed", "at_risk", "on_track", "no_target"
STATES = {
    MET: _("Met"),
    MISSED: _("Missed"),
    AT_RISK: _("At risk"),
    ON_TRACK: _("On track"),
    NO_TARGET: _("No target"),
}
# Worst first: what the regions table sorts by.
SEVERITY = {MISSED: 4, AT_RISK: 3, ON_TRACK: 2, NO_TARGET: 1, MET: 0}


@dataclass(frozen=True)
class TargetSpec:
    """A campaign target: item `item`'s ratio figure `figure`, whose numerator and denominator are
    the institution figures `numerator` and `denominator` (keys of Data.institution_conditions)."""

    key: str
    item: int
    figure: str
    numerator: str
    denominator: str
    label: object
    goal: object


# From the notice (鞍民发〔2020〕37号) and its attachment; the items' milestones give the deadlines.
TARGETS = (
    TargetSpec("gb38600", 4, "compliant", "gb38600_compliant", "all", _("GB 38600 compliance"), _("≥ 60%")),
    TargetSpec("medical", 19, "able", "medical", "all", _("Medical services in every institution"), _("All")),
    TargetSpec(
        "legal_person",
        13,
        "registered",
        "rural_registered_by",
        "rural",
        _("Legal-person registration of rural special-hardship facilities"),
        _("All"),
    ),
    TargetSpec(
        "legal_code",
        14,
        "code_entered",
        "code_entered_by",
        "rural_registered",
        _("Legal code entered in the national system"),
        _("All"),
    ),
    TargetSpec(
        "national_data",
        30,
        "updated",
        "updated_by_30",
        "all",
        _("National-system data updated"),
        _("All"),
    ),
    TargetSpec(
        "fire_upgrade",
        16,
        "compliant",
        "private_compliant",
        "private",
        _("Fire-safety upgrade of private institutions"),
        _("All"),
    ),
)
ITEMS = sorted({spec.item for spec in TARGETS} | {7, 20})


@dataclass
class Number:
    value: int | None
    url: str = ""


@dataclass
class Target:
    key: str
    label: object
    goal: object
    item: int
    due_on: datetime.date | None
    shown: str
    numerator: Number
    denominator: Number
    state: str

    @property
    def state_label(self):
        return STATES[self.state]


@dataclass
class RegionRow:
    region: Region
    url: str  # the region's own dashboard
    targets: dict[str, Target]
    hazards: dict[str, Number]
    answers: dict[str, Number]
    worst: int = 0
    missed: int = 0


@dataclass
class Deadline:
    milestone: Milestone
    owing: list[Region]
    days_left: int


@dataclass
class Dashboard:
    region: Region
    campaign: Campaign
    on: datetime.date
    as_of: datetime.date | None
    targets: list[Target]
    hazards: dict[str, Number]
    answers: dict[str, Number]
    extra: list[tuple[object, str, str]] = field(default_factory=list)  # (label, shown, state)
    rows: list[RegionRow] = field(default_factory=list)
    row_kind: str = ""  # "unit" or "city"
    deadlines: list[Deadline] = field(default_factory=list)
    data: Data | None = None  # what the figures were read from (the charts read it too)


def state_of(met: bool | None, due_on: datetime.date | None, on: datetime.date) -> str:
    """See the module's docstring."""
    if met is None:
        return NO_TARGET
    if met:
        return MET
    if due_on is None:
        return ON_TRACK
    if on > due_on:
        return MISSED
    return AT_RISK if (due_on - on).days <= AT_RISK_DAYS else ON_TRACK


def child_regions(region: Region) -> tuple[list[Region], str]:
    """The rows under `region`: a province's cities, a city's county-level units; none under a unit."""
    if region.kind == Region.Kind.PROVINCE:
        return list(Region.objects.filter(parent=region).order_by("code")), "city"
    if region.kind == Region.Kind.CITY:
        units = Region.objects.filter(path__startswith=region.path, kind__in=Region.COUNTY_LEVEL_KINDS)
        return list(units.exclude(pk=region.pk).order_by("code")), "unit"
    return [], ""


HAZARD_NUMBERS = ("found", "closed", "open", "overdue", "listed_open")
ANSWER_STATES = (
    ItemAnswer.Status.SUBMITTED,
    ItemAnswer.Status.RETURNED,
    ItemAnswer.Status.ACCEPTED,
)


def _answer_counts(
    campaign: Campaign, regions: list[Region], as_of: datetime.date | None = None
) -> dict[int, dict[str, int]]:
    """{region id: {status: answers in its subtree}}: one grouped query, over the answers as they
    stand or, with `as_of`, as they stood at the end of that day (their events:
    `campaign.answer_filters.as_of`, the same rule as the lists the numbers link to)."""
    answers = ItemAnswer.objects.filter(item__campaign=campaign)
    field = "status"
    if as_of is not None:
        answers, field = answer_filters.as_of(answers, as_of), "status_then"
    groups = (
        answers.order_by()
        .values("region__path")
        .annotate(**{status: Count("pk", filter=Q(**{field: status})) for status in ANSWER_STATES})
    )
    by_path = {row["region__path"]: row for row in groups}
    totals = {}
    for region in regions:
        counts = dict.fromkeys(ANSWER_STATES, 0)
        for path, row in by_path.items():
            if path.startswith(region.path):
                for status in ANSWER_STATES:
                    counts[status] += row[status]
        totals[region.pk] = counts
    return totals


def _as_of_param(as_of: datetime.date | None) -> dict[str, str]:
    return {"as_of": as_of.isoformat()} if as_of is not None else {}


def answer_list_url(status: str, region: Region, as_of: datetime.date | None = None) -> str:
    """The answers of `status` in `region`'s subtree (as of `as_of`): the city's matrix filtered to
    the region (a district reader gets its own checklist instead: `own_answer_urls`); none for a
    province (no checklist spans several cities)."""
    if region.kind == Region.Kind.PROVINCE:
        return ""
    params = {"status": status, "region": region.pk, **_as_of_param(as_of)}
    return f"{reverse('checklist:matrix')}?{urlencode(params)}"


def own_answer_urls(dashboard: Dashboard) -> None:
    """For a district reader (who has no matrix): its unit's answers link to its own checklist."""
    for status, number in dashboard.answers.items():
        params = {"status": status, **_as_of_param(dashboard.as_of)}
        number.url = f"{reverse('checklist:index')}?{urlencode(params)}"


def _answers(counts: dict[str, int], region: Region, as_of: datetime.date | None) -> dict[str, Number]:
    return {
        status: Number(counts[status], answer_list_url(status, region, as_of)) for status in ANSWER_STATES
    }


def _targets(campaign, region, indicators, data, as_of, on) -> list[Target]:
    totals = data.institutions_in(region)
    result = []
    for spec in TARGETS:
        indicator = indicators.get(spec.item)
        if indicator is None:
            continue
        figure = indicator.figure(spec.figure)
        result.append(
            Target(
                key=spec.key,
                label=spec.label,
                goal=spec.goal,
                item=spec.item,
                due_on=indicator.due_on,
                shown=figure.display(),
                numerator=Number(
                    totals[spec.numerator], figure_url(INSTITUTIONS, spec.numerator, region, campaign, as_of)
                ),
                denominator=Number(
                    totals[spec.denominator],
                    figure_url(INSTITUTIONS, spec.denominator, region, campaign, as_of),
                ),
                state=state_of(indicator.met, indicator.due_on, on),
            )
        )
    return result


def _hazards(campaign, region, data, as_of) -> dict[str, Number]:
    totals = data.hazard_totals(region)
    return {
        name: Number(totals[name], figure_url(HAZARDS, name, region, campaign, as_of))
        for name in HAZARD_NUMBERS
    }


def build(region: Region, campaign: Campaign, as_of: datetime.date | None = None) -> Dashboard:
    """The dashboard of `region` (the caller has checked the reader sees it) for `campaign`, as of
    `as_of` (None: today). A constant number of queries whatever the number of regions, rows or
    records."""
    on = as_of or dates.today()
    rows_regions, row_kind = child_regions(region)
    regions = [region, *rows_regions]
    data = Data(campaign, regions, as_of=as_of)
    # compute_many's indicators, on the Data whose totals the links filter by
    indicators = {r.pk: {n: INDICATORS[n](campaign, r, data=data) for n in ITEMS} for r in regions}
    answers = _answer_counts(campaign, regions, as_of)

    def summary(r: Region) -> tuple[list[Target], dict, dict]:
        return (
            _targets(campaign, r, indicators[r.pk], data, as_of, on),
            _hazards(campaign, r, data, as_of),
            _answers(answers[r.pk], r, as_of),
        )

    targets, hazards, answer_numbers = summary(region)
    dashboard = Dashboard(
        region=region,
        campaign=campaign,
        on=on,
        as_of=as_of,
        targets=targets,
        hazards=hazards,
        answers=answer_numbers,
        row_kind=row_kind,
        data=data,
    )
    nursing = indicators[region.pk][20].figure("nursing_share")
    published = indicators[region.pk][7].figure("units_on_time")
    dashboard.extra = [
        (_("Nursing-type beds among all beds"), nursing.display(), NO_TARGET),
        (
            _("County-level units that published the lists on time"),
            published.display(),
            state_of(indicators[region.pk][7].met, indicators[region.pk][7].due_on, on),
        ),
    ]
    for child in rows_regions:
        child_targets, child_hazards, child_answers = summary(child)
        row = RegionRow(
            region=child,
            url=reverse("dashboards:region", args=[child.pk]),
            targets={t.key: t for t in child_targets},
            hazards=child_hazards,
            answers=child_answers,
        )
        row.missed = sum(1 for t in child_targets if t.state == MISSED)
        row.worst = max((SEVERITY[t.state] for t in child_targets), default=0)
        dashboard.rows.append(row)
    dashboard.rows.sort(key=lambda r: (-r.missed, -(r.hazards["overdue"].value or 0), r.region.code))
    dashboard.deadlines = next_deadlines(campaign, region, on)
    return dashboard


def next_deadlines(campaign: Campaign, region: Region, on: datetime.date, limit: int = 5) -> list[Deadline]:
    """The campaign's next `limit` milestones on or after `on`, each with the county-level units
    under `region` that have not yet submitted (or had accepted) every item it covers. Three
    queries."""
    milestones = list(
        Milestone.objects.filter(campaign=campaign, due_on__gte=on)
        .prefetch_related("items")
        .order_by("due_on", "key")[:limit]
    )
    units = (
        [region]
        if region.is_county_level
        else list(Region.objects.filter(path__startswith=region.path, kind__in=Region.COUNTY_LEVEL_KINDS))
    )
    done = set(
        ItemAnswer.objects.filter(
            item__campaign=campaign,
            region__in=units,
            status__in=[ItemAnswer.Status.SUBMITTED, ItemAnswer.Status.ACCEPTED],
        ).values_list("region_id", "item_id")
    )
    result = []
    for milestone in milestones:
        items = [item.pk for item in milestone.items.all()]
        owing = (
            [u for u in units if any((u.pk, item) not in done for item in items)]
            if items and milestone.level == Milestone.Level.COUNTY
            else []
        )
        result.append(Deadline(milestone, owing, (milestone.due_on - on).days))
    return result
