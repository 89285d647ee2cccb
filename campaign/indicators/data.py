"""What the indicators read, fetched once for any number of regions (see `compute_many`)."""

from __future__ import annotations

import datetime
from collections.abc import Iterable
from functools import cached_property, reduce
from operator import or_

from django.db.models import Min, Q
from django.utils import timezone

from campaign.models import Campaign, Milestone
from core.models import Region
from disclosure.models import Publication
from hazards.models import Hazard, Referral
from institutions.models import (
    EXTENSION_SERVICES,
    Institution,
)

INSTITUTION_COLUMNS = (
    "region__path",
    "nature",
    "registration_form",
    "filing_status",
    "is_special_hardship",
    "area",
    "legal_person_status",
    "legal_code_entered",
    "legal_code_entered_on",
    "beds",
    "nursing_beds",
    "residents",
    "disabled_residents",
    "semi_disabled_residents",
    "medical_mode",
    "star_rating",
    "star_rated_on",
    "gb38600_compliant",
    "risk_assessed_on",
    "quality_norm_compliant",
    "fire_safety_status",
    "fire_gov_funds",
    "fire_own_funds",
    "national_data_updated_on",
    *(name for name, _label in EXTENSION_SERVICES),
)
HAZARD_COLUMNS = ("pk", "region__path", "category", "found_on", "deadline", "status", "closed_on")


class Data:
    """Everything the indicators read for a set of regions. Each source is one query, run the first
    time an indicator needs it and shared by every region and item after that."""

    def __init__(self, campaign: Campaign, regions: Iterable[Region]):
        self.campaign = campaign
        self.regions = list(regions)
        self._subsets: dict[tuple[str, str], list] = {}

    def _within(self, path_lookup: str) -> Q:
        paths = {region.path for region in self.regions}
        if not paths:
            return Q(pk__in=[])
        return reduce(or_, (Q(**{f"{path_lookup}__startswith": path}) for path in sorted(paths)))

    def _subset(self, source: str, region: Region, path_key: str = "region__path") -> list:
        key = (source, region.path)
        if key not in self._subsets:
            rows = getattr(self, source)
            self._subsets[key] = [row for row in rows if row[path_key].startswith(region.path)]
        return self._subsets[key]

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

    @cached_property
    def institutions(self) -> list[dict]:
        """The operating institutions (`Institution.objects.operating()`) under the regions."""
        return list(
            Institution.objects.operating()
            .filter(self._within("region__path"))
            .order_by()
            .values(*INSTITUTION_COLUMNS)
        )

    @cached_property
    def hazards(self) -> list[dict]:
        return list(
            Hazard.objects.live().filter(self._within("region__path")).order_by().values(*HAZARD_COLUMNS)
        )

    @cached_property
    def referred(self) -> set[int]:
        """Ids of live hazards with at least one written notice to a department."""
        return set(
            Referral.objects.filter(self._within("hazard__region__path"), hazard__deleted_at__isnull=True)
            .order_by()
            .values_list("hazard_id", flat=True)
            .distinct()
        )

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
        rows = (
            Publication.objects.filter(self._within("region__path"))
            .order_by()
            .values("region_id", "kind")
            .annotate(first=Min("published_at"))
        )
        return {(row["region_id"], row["kind"]): timezone.localdate(row["first"]) for row in rows}

    def institutions_in(self, region: Region) -> list[dict]:
        return self._subset("institutions", region)

    def hazards_in(self, region: Region) -> list[dict]:
        return self._subset("hazards", region)

    def units_in(self, region: Region) -> list[dict]:
        return self._subset("units", region, path_key="path")


def data_for(campaign: Campaign, region: Region, data: Data | None) -> Data:
    return data if data is not None else Data(campaign, [region])


# Fully computable items ---------------------------------------------------------------------------
