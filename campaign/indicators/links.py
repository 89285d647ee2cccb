"""The list behind a number (issue 13): every figure a dashboard shows links to a list page whose
count equals it, because the list filters by the very condition the figure counts
(`Data.institution_conditions`, `Data.hazard_conditions`) over the records as measured.

A link carries four query parameters, added to the list's own URL:

- ``figure``: the figure's name (a key of those conditions), e.g. ``gb38600_compliant``;
- ``figure_region``: the region whose subtree is counted (a Region id the reader can see);
- ``campaign``: the campaign whose milestones date the "done by" figures (its key);
- ``as_of``: the measuring date, YYYY-MM-DD (absent: the records as they stand now).

`figure_filter(request, subject)` reads them for a list (None when ``figure`` is absent) and
raises Http404 for an unknown figure, campaign or date, or a region outside the reader's scope:
links are generated, so a mistyped one is simply not found. The list then shows the live records
(their pages, their current values) that were counted, with a banner naming the figure and date.
"""

from __future__ import annotations

import datetime
from dataclasses import dataclass
from urllib.parse import urlencode

from django.db.models import QuerySet
from django.http import Http404
from django.urls import reverse
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from campaign.indicators.data import Data
from campaign.models import Campaign
from core.models import Region

INSTITUTIONS, HAZARDS = "institutions", "hazards"
LIST_URLS = {INSTITUTIONS: "institutions:list", HAZARDS: "hazards:list"}

#: How each figure reads in a list's banner ("GB 38600 达标的在营机构").
LABELS = {
    INSTITUTIONS: {
        "all": gettext_lazy("Operating institutions"),
        "gb38600_compliant": gettext_lazy("Institutions meeting GB 38600-2019"),
        "quality_norm_compliant": gettext_lazy("Institutions meeting the service-quality norm"),
        "medical": gettext_lazy("Institutions able to provide medical services"),
        "rural": gettext_lazy("Rural special-hardship facilities"),
        "rural_registered_by": gettext_lazy(
            "Rural special-hardship facilities registered as legal persons on time"
        ),
        "rural_registered": gettext_lazy("Rural special-hardship facilities registered as legal persons"),
        "code_entered_by": gettext_lazy("Facilities whose legal code was entered on time"),
        "private": gettext_lazy("Privately run institutions"),
        "private_compliant": gettext_lazy("Privately run institutions meeting fire-safety requirements"),
        "updated_by_30": gettext_lazy("Institutions with national-system data updated on time"),
        "updated_by_20": gettext_lazy("Institutions with national-system data updated on time"),
    },
    HAZARDS: {
        "found": gettext_lazy("Hazards found"),
        "closed": gettext_lazy("Hazards closed"),
        "open": gettext_lazy("Hazards not closed"),
        "overdue": gettext_lazy("Hazards overdue"),
        "listed": gettext_lazy("Hazards under listed supervision"),
        "listed_open": gettext_lazy("Hazards under listed supervision, not closed"),
        "referred": gettext_lazy("Hazards referred in writing"),
    },
}


@dataclass(frozen=True)
class FigureFilter:
    """A list restricted to the records one figure counted."""

    subject: str
    name: str
    region: Region
    campaign: Campaign
    as_of: datetime.date | None
    members: QuerySet  # live records (Institution or Hazard) counted by the figure

    @property
    def description(self) -> str:
        """ "GB 38600 达标的在营机构 · 千山区 · 截至 2020-10-31" (today: "截至今日")."""
        label = LABELS.get(self.subject, {}).get(self.name, self.name)
        when = _("as of %(date)s") % {"date": self.as_of.isoformat()} if self.as_of else _("as of today")
        return f"{label} · {self.region.name} · {when}"


def figure_url(
    subject: str, name: str, region: Region, campaign: Campaign, as_of: datetime.date | None = None
) -> str:
    """The list of `subject` filtered to the records figure `name` counts in `region`."""
    params = {"figure": name, "figure_region": region.pk, "campaign": campaign.key}
    if as_of is not None:
        params["as_of"] = as_of.isoformat()
    return f"{reverse(LIST_URLS[subject])}?{urlencode(params)}"


def parse_as_of(text: str | None) -> datetime.date | None:
    """A YYYY-MM-DD measuring date, or None for an empty value; ValueError otherwise."""
    if not text:
        return None
    return datetime.date.fromisoformat(text)


def figure_filter(request, subject: str) -> FigureFilter | None:
    """The figure filter of a list request (see the module's docstring); None without one."""
    name = request.GET.get("figure")
    if not name:
        return None
    try:
        as_of = parse_as_of(request.GET.get("as_of"))
        region_id = int(request.GET.get("figure_region", ""))
    except ValueError:
        raise Http404(_("This figure link is not valid.")) from None
    region = Region.objects.visible_to(request.user).filter(pk=region_id).first()
    campaign = Campaign.objects.filter(key=request.GET.get("campaign", "")).first()
    if region is None or campaign is None:
        raise Http404(_("This figure link is not valid."))
    data = Data(campaign, [region], as_of=as_of)
    try:
        members = (
            data.institution_members(region, name)
            if subject == INSTITUTIONS
            else data.hazard_members(region, name)
        )
    except KeyError:
        raise Http404(_("This figure link is not valid.")) from None
    return FigureFilter(subject, name, region, campaign, as_of, members)
