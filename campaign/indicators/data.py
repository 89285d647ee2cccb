"""What the indicators read, aggregated in the database once for any number of regions (issue 11,
item 5; see `compute_many`).

Institutions and hazards are counted (and summed) per region with one `GROUP BY` query each, one
`COUNT(*) FILTER (WHERE …)` or `SUM(…) FILTER (WHERE …)` per figure; the totals of a region are the
sum of the groups under it (`path` prefix), added up in Python over the few hundred groups of a
province, never over the rows. The conditions that depend on a deadline (done on or before the
item's milestone) are built from the campaign's milestones, which are read first.
"""

from __future__ import annotations

import datetime
from collections.abc import Iterable
from functools import cached_property, reduce
from operator import or_

from django.db.models import Count, F, Min, Q, QuerySet, Sum
from django.utils import timezone

from campaign.models import Campaign, Milestone
from core import dates
from core.asof import as_of_rows, end_of
from core.models import Region
from disclosure.models import Publication
from hazards.models import Hazard, Referral
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
    RegistrationForm,
    operating_q,
)

HAZARD_MEASURES = (
    "found",
    "closed",
    "referred",
    "found_by",
    "rectified_by",
    "overdue_by",
    "open",
    "overdue",
    "listed",
    "listed_open",
)
# Amounts shown as "—" when no institution recorded one (not 0), with the count that tells.
AMOUNTS = {"fire_gov_funds": "fire_gov_funds_recorded", "fire_own_funds": "fire_own_funds_recorded"}


def done_by_q(field: str, due_on: datetime.date | None) -> Q:
    """`figures.done_by` in SQL: the date is recorded and on or before the (inclusive) deadline;
    with no deadline, recorded at all."""
    recorded = Q(**{f"{field}__isnull": False})
    return recorded & Q(**{f"{field}__lte": due_on}) if due_on else recorded


def _count(condition: Q | None = None) -> Count:
    return Count("pk", filter=condition)


def _annotations(measures: dict) -> dict:
    """The measures under names that cannot shadow a model field (an annotation named like a
    field would replace it in the FILTER clauses of the measures after it)."""
    return {f"measure_{name}": aggregate for name, aggregate in measures.items()}


def _values(row: dict, names: Iterable[str]) -> tuple:
    """One group's values in the order of `names`; an empty SUM (NULL) is 0."""
    return tuple(row[f"measure_{name}"] or 0 for name in names)


def _column_sums(rows: Iterable[tuple], width: int) -> list:
    """[sum of column 0, sum of column 1, …] of equally long rows; zeros when there are none."""
    totals = [0] * width
    for values in rows:
        totals = [total + value for total, value in zip(totals, values, strict=True)]
    return totals


class Data:
    """Everything the indicators read for a set of regions. Each source is one query, run the first
    time an indicator needs it and shared by every region and item after that; the totals of a
    region are added up from the per-region groups once and cached.

    `as_of` (a date, Asia/Shanghai) measures the records as they stood at the end of that day:
    institutions and hazards from their history rows (core.asof), referrals notified and lists
    published by then; None (the default) reads the records as they stand now. The conditions are
    the same either way (`institution_conditions`, `hazard_conditions`): one definition per
    figure, also used by the lists a dashboard number links to (`institution_members`)."""

    def __init__(self, campaign: Campaign, regions: Iterable[Region], as_of: datetime.date | None = None):
        self.campaign = campaign
        self.regions = list(regions)
        self.as_of = as_of
        self._totals: dict[tuple[str, str], object] = {}

    @property
    def on(self) -> datetime.date:
        """The measuring date: `as_of`, or today (Asia/Shanghai)."""
        return self.as_of or dates.today()

    def institution_rows(self):
        """The operating institutions as measured: the live table, or each record's history row
        at the end of `as_of` (fields as in the model; the record's id is `id`)."""
        if self.as_of is None:
            return Institution.objects.operating()
        return as_of_rows(Institution, self.as_of).filter(operating_q())

    def hazard_rows(self):
        """The live hazards as measured (see `institution_rows`)."""
        if self.as_of is None:
            return Hazard.objects.live()
        return as_of_rows(Hazard, self.as_of).filter(deleted_at__isnull=True)

    def referrals(self):
        """Written notices sent by the measuring date (recorded by then, when measured as of a date)."""
        if self.as_of is None:
            return Referral.objects.all()
        return Referral.objects.filter(created_at__lt=end_of(self.as_of), referred_on__lte=self.as_of)

    def _paths(self) -> list[str]:
        """The regions' paths without those inside another one's subtree (already covered)."""
        paths = sorted({region.path for region in self.regions})
        kept: list[str] = []
        for path in paths:  # sorted: an ancestor comes before its descendants
            if not kept or not path.startswith(kept[-1]):
                kept.append(path)
        return kept

    def _within(self, path_lookup: str) -> Q:
        paths = self._paths()
        if not paths:
            return Q(pk__in=[])
        return reduce(or_, (Q(**{f"{path_lookup}__startswith": path}) for path in paths))

    def _cached(self, source: str, region: Region, build):
        key = (source, region.path)
        if key not in self._totals:
            self._totals[key] = build()
        return self._totals[key]

    # Milestones ----------------------------------------------------------------------------------

    @cached_property
    def milestones(self) -> dict[int, list[tuple[datetime.date, str]]]:
        """{item number: [(due_on, milestone key), …]} of the campaign."""
        found: dict[int, list[tuple[datetime.date, str]]] = {}
        rows = (
            Milestone.objects.filter(campaign=self.campaign, items__isnull=False)
            .order_by("due_on", "key")
            .values_list("items__number", "due_on", "key")
        )
        for number, due_on, key in rows:
            found.setdefault(number, []).append((due_on, key))
        return found

    def due(self, number: int) -> tuple[datetime.date | None, str]:
        """The deadline an item is judged against: its latest milestone (an item with several
        milestones is done when the last of them is), or (None, "") when it has none."""
        milestones = self.milestones.get(number)
        if not milestones:
            return None, ""
        return max(milestones)

    def hazards_measured_on(self) -> datetime.date:
        """Item 3's measuring date: its milestone, or the measuring date (`on`) when it has none or
        when the figures are measured before it."""
        due = self.due(3)[0]
        return min(due, self.on) if due else self.on

    # Institutions --------------------------------------------------------------------------------

    @cached_property
    def institution_measures(self) -> dict:
        """{name: aggregate} over the operating institutions, one per figure of items 4–30 (the
        item numbers are in the comments). Deadlines are the items' milestones (`due`). The counts'
        conditions are `institution_conditions`."""
        conditions = self.institution_conditions
        sums = {
            "special_residents": Sum("residents", filter=conditions["special"]),  # 12
            "special_disabled": Sum(
                F("disabled_residents") + F("semi_disabled_residents"), filter=conditions["special"]
            ),
            "fire_gov_funds": Sum("fire_gov_funds", filter=conditions["private"]),  # 16
            "fire_own_funds": Sum("fire_own_funds", filter=conditions["private"]),
            "beds": Sum("beds"),  # 20
            "nursing_beds": Sum("nursing_beds"),
        }
        return {**{name: _count(condition) for name, condition in conditions.items()}, **sums}

    @cached_property
    def institution_conditions(self) -> dict[str, Q | None]:
        """{name: condition} of each institution count (None: every operating institution), the one
        definition of each figure: the counts (`institution_measures`) and the lists a number links
        to (`institution_members`) both filter by it."""
        rural = Q(is_special_hardship=True, area=Area.RURAL)  # 13, 14
        special = Q(is_special_hardship=True)  # 11, 12
        private = Q(nature=Nature.PRIVATE)  # 16
        registered = rural & Q(legal_person_status__in=REGISTERED_LEGAL_PERSON)  # 14
        entered = registered & Q(legal_code_entered=True)
        due_13, due_14 = self.due(13)[0], self.due(14)[0]
        return {
            "all": None,
            "gb38600_compliant": Q(gb38600_compliant=True),  # 4
            "quality_norm_compliant": Q(quality_norm_compliant=True),  # 5
            "listed_filed": Q(filing_status=FilingStatus.FILED)  # 7
            | ~Q(registration_form=RegistrationForm.UNREGISTERED),
            "listed_unfiled": Q(filing_status=FilingStatus.UNFILED)  # 8
            | Q(registration_form=RegistrationForm.UNREGISTERED),
            "special": special,  # 11
            "rural": rural,  # 13
            "rural_registered_by": rural  # 13
            & (
                Q(legal_person_status=LegalPersonStatus.INDEPENDENT)
                | (
                    Q(legal_person_status=LegalPersonStatus.BRANCH, legal_code_entered=True)
                    & done_by_q("legal_code_entered_on", due_13)
                )
            ),
            "rural_registered": registered,  # 14
            "code_entered": entered,
            "code_entered_by": entered & done_by_q("legal_code_entered_on", due_14),
            "code_entered_undated": entered & Q(legal_code_entered_on__isnull=True),
            "private": private,  # 16
            "private_compliant": private & Q(fire_safety_status=FireSafetyStatus.COMPLIANT),
            "private_upgrading": private & Q(fire_safety_status=FireSafetyStatus.UPGRADING),
            "fire_gov_funds_recorded": private & Q(fire_gov_funds__isnull=False),
            "fire_own_funds_recorded": private & Q(fire_own_funds__isnull=False),
            "rated_by": Q(star_rating__gt=0) & done_by_q("star_rated_on", self.due(17)[0]),  # 17
            "extension_any": reduce(or_, (Q(**{name: True}) for name in EXTENSION_FIELDS)),  # 18
            **{name: Q(**{name: True}) for name in EXTENSION_FIELDS},
            "medical": ~Q(medical_mode=MedicalMode.NONE),  # 19
            "updated_by_20": done_by_q("national_data_updated_on", self.due(20)[0]),  # 20
            "assessed_by": done_by_q("risk_assessed_on", self.due(29)[0]),  # 29
            "updated_by_30": done_by_q("national_data_updated_on", self.due(30)[0]),  # 30
        }

    def institution_members(self, region: Region, name: str) -> QuerySet:
        """The institutions (live records, for a list page) counted by figure `name` in the
        region's subtree as measured: the same rows and condition as `institutions_in(region)[name]`.
        Raises KeyError for an unknown name."""
        condition = self.institution_conditions[name]
        rows = self.institution_rows().filter(region__path__startswith=region.path)
        if condition is not None:
            rows = rows.filter(condition)
        return Institution.objects.filter(pk__in=rows.order_by().values("id"))

    @cached_property
    def institution_groups(self) -> dict[str, tuple]:
        """{region path: (value of each measure, in `institution_measures` order)}: the operating
        institutions (`Institution.objects.operating()`) under the regions, grouped by their own
        region."""
        measures = self.institution_measures
        rows = (
            self.institution_rows()
            .filter(self._within("region__path"))
            .order_by()
            .values("region__path")
            .annotate(**_annotations(measures))
        )
        return {row["region__path"]: _values(row, measures) for row in rows}

    def institutions_in(self, region: Region) -> dict:
        """{measure: total} over the operating institutions in the region's subtree (see
        `institution_measures`): counts and sums are ints; the fire-safety amounts are Decimals
        (10,000 yuan), None when no institution recorded one."""

        def build():
            names = tuple(self.institution_measures)
            rows = (
                values for path, values in self.institution_groups.items() if path.startswith(region.path)
            )
            totals = dict(zip(names, _column_sums(rows, len(names)), strict=True))
            for amount, recorded in AMOUNTS.items():
                totals[amount] = totals[amount] if totals[recorded] else None
            return totals

        return self._cached("institutions", region, build)

    # Hazards -------------------------------------------------------------------------------------

    def hazard_measures(self) -> dict:
        """{name: aggregate} over live hazards: one count per `hazard_conditions`."""
        measures = {name: _count(condition) for name, condition in self.hazard_conditions.items()}
        assert tuple(measures) == HAZARD_MEASURES
        return measures

    @cached_property
    def hazard_conditions(self) -> dict[str, Q | None]:
        """{name: condition} of each hazard count (None: every live hazard), the one definition of
        each figure for the counts and the lists (`hazard_members`): the ledger as measured (items
        24, 25, 27, 28 and the dashboards: open, overdue on the measuring date, 挂牌督办) and as it
        stood on item 3's measuring date (`hazards_measured_on`)."""
        on = self.hazards_measured_on()
        closed = Q(status=HazardStatus.CLOSED)
        found_by = Q(found_on__lte=on)
        rectified_by = closed & Q(closed_on__isnull=False, closed_on__lte=on)
        not_rectified_by = ~closed | Q(closed_on__isnull=True) | Q(closed_on__gt=on)
        return {
            "found": None,  # 24–28
            "closed": closed,
            "referred": Q(id__in=self.referrals().order_by().values("hazard_id")),
            "found_by": found_by,  # 3
            "rectified_by": found_by & rectified_by,
            "overdue_by": found_by & Q(deadline__lt=on) & not_rectified_by,
            "open": ~closed,  # dashboards
            "overdue": ~closed & Q(deadline__lt=self.on),
            "listed": Q(is_listed=True),
            "listed_open": Q(is_listed=True) & ~closed,
        }

    def hazard_members(self, region: Region, name: str) -> QuerySet:
        """The hazards (live records, for the ledger) counted by figure `name` in the region's
        subtree as measured: the rows and condition of `hazard_totals(region)[name]`. Raises
        KeyError for an unknown name."""
        condition = self.hazard_conditions[name]
        rows = self.hazard_rows().filter(region__path__startswith=region.path)
        if condition is not None:
            rows = rows.filter(condition)
        return Hazard.objects.filter(pk__in=rows.order_by().values("id"))

    @cached_property
    def hazard_groups(self) -> dict[str, dict[str, tuple]]:
        """{region path: {category: (count of each measure, in `HAZARD_MEASURES` order)}} over the
        live hazards under the regions, whatever their institution's status now."""
        rows = (
            self.hazard_rows()
            .filter(self._within("region__path"))
            .order_by()
            .values("region__path", "category")
            .annotate(**_annotations(self.hazard_measures()))
        )
        groups: dict[str, dict[str, tuple]] = {}
        for row in rows:
            groups.setdefault(row["region__path"], {})[row["category"]] = _values(row, HAZARD_MEASURES)
        return groups

    def hazards_in(self, region: Region) -> dict[str, list[int]]:
        """{category: [count of each measure, in `HAZARD_MEASURES` order]} over the live hazards in
        the region's subtree; a category without hazards is absent."""

        def build():
            totals: dict[str, list[int]] = {}
            for path, by_category in self.hazard_groups.items():
                if path.startswith(region.path):
                    for category, values in by_category.items():
                        before = totals.get(category)
                        totals[category] = (
                            list(values) if before is None else _column_sums([before, values], len(values))
                        )
            return totals

        return self._cached("hazards", region, build)

    def hazard_totals(self, region: Region, categories: Iterable[str] | None = None) -> dict[str, int]:
        """{measure: count} over the live hazards of the given categories (all by default) in the
        region's subtree (see `hazard_measures`)."""
        rows = [
            values
            for category, values in self.hazards_in(region).items()
            if categories is None or category in categories
        ]
        return dict(zip(HAZARD_MEASURES, _column_sums(rows, len(HAZARD_MEASURES)), strict=True))

    # County-level units and publications (items 7 and 8) ----------------------------------------

    @cached_property
    def units(self) -> list[dict]:
        """The county-level units under the regions (a county-level region is its own unit)."""
        return list(
            Region.objects.filter(self._within("path"), kind__in=Region.COUNTY_LEVEL_KINDS)
            .order_by()
            .values("pk", "path", "kind")
        )

    @cached_property
    def first_published(self) -> dict[tuple[int, str], datetime.date]:
        """{(region id, kind): local (Asia/Shanghai) date of the region's first publication}."""
        published = Publication.objects.all()
        if self.as_of is not None:
            published = published.filter(published_at__lt=end_of(self.as_of))
        rows = (
            published.filter(self._within("region__path"))
            .order_by()
            .values("region_id", "kind")
            .annotate(first=Min("published_at"))
        )
        return {(row["region_id"], row["kind"]): timezone.localdate(row["first"]) for row in rows}

    def units_in(self, region: Region) -> list[dict]:
        return self._cached(
            "units", region, lambda: [unit for unit in self.units if unit["path"].startswith(region.path)]
        )


def data_for(campaign: Campaign, region: Region, data: Data | None) -> Data:
    return data if data is not None else Data(campaign, [region])
