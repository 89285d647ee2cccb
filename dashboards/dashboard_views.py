"""The figures dashboards (issue 13): a city's, the province's and a county-level unit's figures
against the campaign's targets, as of a chosen date (`?as_of=YYYY-MM-DD`, default today)."""

from __future__ import annotations

from django.http import Http404
from django.shortcuts import get_object_or_404, render
from django.template.loader import render_to_string
from django.utils.functional import SimpleLazyObject
from django.views.decorators.http import require_GET

from campaign.models import Campaign
from campaign.selectors import dashboard_campaign
from core import dates
from core.forms import AsOfForm
from core.models import Region
from core.permissions import STAFF, role_required
from core.roles import Role
from dashboards import figures
from dashboards.cache import cached, cached_fragment
from dashboards.charts import charts

SORTS = {
    "name": lambda row: row.region.code,
    "overdue": lambda row: -(row.hazards["overdue"].value or 0),
    "open": lambda row: -(row.hazards["open"].value or 0),
    "missed": lambda row: (-row.missed, -(row.hazards["overdue"].value or 0)),
    **{
        spec.key: (lambda key: lambda row: (figures.SEVERITY[row.targets[key].state] * -1, row.region.code))(
            spec.key
        )
        for spec in figures.TARGETS
    },
}


def render_dashboard(request, region: Region, extra: dict | None = None, campaign: Campaign | None = None):
    """The dashboard page of `region` (visible to the reader: the caller checked); `extra` adds to
    the template's context (the home page's work cards and calendar); `campaign`: the reader's
    current campaign when the caller has read it already (`dashboard_campaign` otherwise).

    The figures' part of the page (`dashboards/_figures.html`) depends only on the data, the region,
    the date, the sort and whether the reader is district staff (whose answer numbers open their own
    checklist): it is rendered once and kept in the cache under the figures' key
    (`dashboards.cache`), so a request whose data has not changed costs the data version's query and
    one cache read, not the figures' rendering (bench/README.md)."""
    campaign = campaign or dashboard_campaign(request.user)
    form = AsOfForm(request.GET or None)
    as_of = form.cleaned_data["as_of"] if form.is_bound and form.is_valid() else None
    context = {**(extra or {}), "region": region, "campaign": campaign, "form": form}
    if campaign is not None:
        sort = request.GET.get("sort", "missed")
        sort = sort if sort in SORTS else "missed"
        district = request.user.role == Role.DISTRICT

        def build():
            dashboard = figures.build(region, campaign, as_of)
            built = charts(dashboard, dashboard.data)
            dashboard.data = None  # querysets: not kept in the cache
            return dashboard, built

        def dashboard_of():
            dashboard, chart_list = cached(region, campaign, as_of, build)
            if district:
                figures.own_answer_urls(dashboard)
            if sort != "missed":
                dashboard.rows.sort(key=SORTS[sort])
            return dashboard, chart_list

        def figures_html():
            dashboard, chart_list = dashboard_of()
            return render_to_string(
                "dashboards/_figures.html",
                {"dashboard": dashboard, "specs": figures.TARGETS, "charts": chart_list},
            )

        context.update(
            as_of=as_of,
            on=as_of or dates.today(),
            sort=sort,
            figures_html=cached_fragment(region, campaign, as_of, f"{sort}:{district}", figures_html),
            # read by tests and debugging only: the template shows the fragment
            dashboard=SimpleLazyObject(lambda: dashboard_of()[0]),
        )
    return render(request, "dashboards/dashboard.html", context)


@role_required(*STAFF)
@require_GET
def region_dashboard(request, pk: int):
    """The dashboard of a region the reader can see (a province user opens each city's)."""
    region = get_object_or_404(Region.objects.visible_to(request.user), pk=pk)
    if region.kind not in (Region.Kind.PROVINCE, Region.Kind.CITY, *Region.COUNTY_LEVEL_KINDS):
        raise Http404
    return render_dashboard(request, region)
