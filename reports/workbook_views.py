"""The acceptance workbook's pages (issue 14, item 1; the workbook itself is reports/workbook.py).

- `workbook` (GET ``/reports/workbook/?as_of=``): the measuring date and the workbooks the reader
  may take — its own region's, and for city staff each county-level unit's (a province user: each
  city's).
- `workbook_region` (``/reports/workbook/<region>/?as_of=``): a county-level unit's workbook is the
  GET's answer (small: one unit's 30 items, its hazards and institutions); a city's or a province's
  is made by a background job (`core.exports`): the GET offers it and writes nothing, the page's
  POST starts the job, whose page shows the progress and then the download, for its asker only.

City staff (the province user too) and district staff; a region the reader does not see answers 404,
a measuring date in the future or unreadable the page again with the message in Chinese (400).
"""

from __future__ import annotations

import datetime
from urllib.parse import urlencode

from django.http import Http404, QueryDict
from django.shortcuts import get_object_or_404, render
from django.urls import reverse
from django.utils.translation import gettext_lazy
from django.views.decorators.http import require_GET, require_http_methods

from campaign.selectors import dashboard_campaign
from core import exports
from core.forms import AsOfForm
from core.models import Region
from core.permissions import role_required
from core.roles import Role
from reports import workbook

ROLES = (Role.CITY, Role.DISTRICT)


def _regions(user):
    """The regions whose workbook `user` may take (through `Region.objects.visible_to`): a
    county-level unit, a city, a province."""
    kinds = (*Region.COUNTY_LEVEL_KINDS, Region.Kind.CITY, Region.Kind.PROVINCE)
    return Region.objects.visible_to(user).filter(kind__in=kinds)


def _plan(user, params) -> workbook.Plan:
    """The workbook `params` names (region, as_of), scoped to `user` now (a job runs this again
    when it starts): Http404 for a region the user does not see or without a campaign."""
    try:
        region = _regions(user).get(pk=int(params.get("region", "")))
    except (ValueError, Region.DoesNotExist) as error:
        raise Http404 from error
    campaign = dashboard_campaign(user)
    if campaign is None:
        raise Http404
    as_of = params.get("as_of")
    return workbook.plan_for(user, region, campaign, datetime.date.fromisoformat(as_of) if as_of else None)


EXPORT = exports.Export(
    kind="acceptance_workbook",
    title=gettext_lazy("Acceptance workbook"),
    roles=ROLES,
    rows=_plan,
    write=lambda plan, user, **options: workbook.write_workbook(plan, **options),
    filename=lambda: "验收工作簿.xlsx",
    back=lambda: reverse("reports:workbook"),
    background=lambda plan, total: not plan.is_unit,
    size=lambda plan: plan.count(),
    name=lambda plan: plan.filename(),
    offer=gettext_lazy(
        "A city's workbook holds a sheet for each unit, the three hazard lists and the institution list: "
        "the portal prepares it in the background."
    ),
)


def _form(request) -> AsOfForm:
    return AsOfForm(request.GET or None)


@role_required(*ROLES, superuser=False)
@require_GET
def workbook_page(request):
    form = _form(request)
    status = 200 if (not form.is_bound or form.is_valid()) else 400
    return _index(request, form, status)


def _date(as_of) -> dict[str, str]:
    return {"as_of": f"{as_of:%Y-%m-%d}"} if as_of else {}


def _index(request, form, status=200):
    user = request.user
    campaign = dashboard_campaign(user)
    own = user.region
    as_of = form.cleaned_data.get("as_of") if form.is_bound and form.is_valid() else None
    choices = []
    if own is not None and campaign is not None:
        choices = [own]
        if own.kind == Region.Kind.CITY:
            choices += list(_regions(user).filter(parent=own).exclude(pk=own.pk).order_by("sort_key"))
        elif own.kind == Region.Kind.PROVINCE:
            choices += list(_regions(user).filter(parent=own, kind=Region.Kind.CITY).order_by("code"))
    query = f"?as_of={as_of:%Y-%m-%d}" if as_of else ""
    city_staff = user.role == Role.CITY
    rows = [
        {
            "region": region,
            "url": reverse("reports:workbook_region", args=[region.pk]) + query,
            "background": not region.is_county_level,
            # the other printed outputs of the same region and date (issue 14): a unit's
            # acceptance report; a city's or the province's summary report and official document
            "acceptance_url": (reverse("reports:pdf_unit", args=[region.pk]) + query)
            if region.is_county_level
            else "",
            "summary_url": (
                reverse("reports:pdf_summary") + "?" + urlencode({"region": region.pk, **_date(as_of)})
            )
            if city_staff and not region.is_county_level
            else "",
            "docx_url": (reverse("reports:docx_form", args=[region.pk]) + query)
            if city_staff and not region.is_county_level
            else "",
        }
        for region in choices
    ]
    return render(
        request,
        "reports/workbook/index.html",
        {"form": form, "campaign": campaign, "as_of": as_of, "rows": rows},
        status=status,
    )


@role_required(*ROLES, superuser=False)
@require_http_methods(["GET", "POST"])
def workbook_region(request, pk):
    region = get_object_or_404(_regions(request.user), pk=pk)
    form = _form(request)
    if form.is_bound and not form.is_valid():
        return _index(request, form, status=400)
    params = QueryDict(mutable=True)
    params["region"] = str(region.pk)
    as_of = form.cleaned_data.get("as_of") if form.is_bound else None
    if as_of:
        params["as_of"] = as_of.isoformat()
    return exports.respond(request, EXPORT, params)
