"""The dashboard's charts (issue 13), from the same figures as its numbers (core.charts draws them).

- hazards found and closed per week: the twelve weeks (Monday to Sunday) up to the measuring date,
  over the region's hazards as measured (two grouped queries);
- hazard status by region: closed, open in time, overdue per row of the regions table (the rows'
  own numbers, no query);
- GB 38600 compliance by region, in percent (the rows' target figures, no query).
"""

from __future__ import annotations

import datetime

from django.db.models import Count
from django.db.models.functions import TruncWeek
from django.utils.translation import gettext as _

from campaign.indicators.data import Data
from core.charts import Chart, Series
from dashboards.figures import Dashboard

WEEKS = 12


def weekly_hazards(dashboard: Dashboard, data: Data) -> Chart:
    """Hazards found (found_on) and closed (closed_on) per week, the last `WEEKS` weeks."""
    region = dashboard.region
    last_monday = dashboard.on - datetime.timedelta(days=dashboard.on.weekday())
    first = last_monday - datetime.timedelta(weeks=WEEKS - 1)
    rows = data.hazard_rows().filter(region__path__startswith=region.path)

    def per_week(field: str, **extra) -> dict[datetime.date, int]:
        grouped = (
            rows.filter(**{f"{field}__gte": first, f"{field}__lte": dashboard.on}, **extra)
            .order_by()
            .annotate(week=TruncWeek(field))
            .values("week")
            .annotate(n=Count("pk"))
        )
        return {_as_date(row["week"]): row["n"] for row in grouped}

    found = per_week("found_on")
    closed = per_week("closed_on", status="closed")
    weeks = [first + datetime.timedelta(weeks=n) for n in range(WEEKS)]
    return Chart(
        id="hazards-weekly",
        kind="bar",
        title=_("Hazards found and closed per week"),
        categories=[f"{week:%m-%d}" for week in weeks],
        series=[
            Series(_("Found"), [found.get(week, 0) for week in weeks]),
            Series(_("Closed"), [closed.get(week, 0) for week in weeks]),
        ],
        unit=_("hazards"),
        horizontal=False,
        category_label=_("Week from"),
        note=_("Weeks run Monday to Sunday; the last one ends on the measuring date."),
    )


def _as_date(value) -> datetime.date:
    return value.date() if isinstance(value, datetime.datetime) else value


def status_by_region(dashboard: Dashboard) -> Chart | None:
    if not dashboard.rows:
        return None
    rows = dashboard.rows
    return Chart(
        id="hazards-by-region",
        kind="stacked_bar",
        title=_("Hazard status by region"),
        categories=[row.region.name for row in rows],
        series=[
            Series(_("Closed"), [row.hazards["closed"].value for row in rows], stack="status"),
            Series(
                _("Open, in time"),
                [(row.hazards["open"].value or 0) - (row.hazards["overdue"].value or 0) for row in rows],
                stack="status",
            ),
            Series(_("Overdue"), [row.hazards["overdue"].value for row in rows], stack="status"),
        ],
        unit=_("hazards"),
        links=[row.url for row in rows],
        category_label=_("Region"),
    )


def compliance_by_region(dashboard: Dashboard) -> Chart | None:
    if not dashboard.rows:
        return None
    rows = dashboard.rows

    def percent(row):
        target = row.targets.get("gb38600")
        if target is None or not target.denominator.value:
            return None
        return round(100 * target.numerator.value / target.denominator.value, 1)

    return Chart(
        id="gb38600-by-region",
        kind="bar",
        title=_("GB 38600 compliance by region"),
        categories=[row.region.name for row in rows],
        series=[Series(_("Compliant institutions"), [percent(row) for row in rows])],
        unit="%",
        links=[row.url for row in rows],
        category_label=_("Region"),
        note=_("Target: at least 60% by the end of the year."),
    )


def charts(dashboard: Dashboard, data: Data) -> list[Chart]:
    return [
        c
        for c in (
            weekly_hazards(dashboard, data),
            status_by_region(dashboard),
            compliance_by_region(dashboard),
        )
        if c
    ]
