"""The summary report (PDF) of a city or the province and a county-level unit's acceptance report
(PDF), for a measuring date `?as_of=YYYY-MM-DD` (default today; validated like the dashboards).

Scope: city staff (the province user is a city-role user bound to 辽宁省) print their region's
summary report and any unit's acceptance report inside their region; district staff print their
own unit's acceptance report. A region outside the reader's scope answers 404; institution and
department users 403. A GET writes nothing.
"""

from __future__ import annotations

from django.db.models import Case, Value, When
from django.http import Http404, HttpResponse, HttpResponseBadRequest
from django.shortcuts import get_object_or_404
from django.utils import translation
from django.utils.http import content_disposition_header
from django.views.decorators.http import require_GET

from campaign.models import Campaign
from core import dates
from core.models import Region
from core.permissions import STAFF, role_required
from core.roles import Role
from dashboards.dashboard_views import AsOfForm
from reports import content, pdf


def campaign_of(region: Region) -> Campaign | None:
    """The campaign a region's reports measure against: this year's covering it, else the latest
    covering it; a province (no campaign covers one in the source documents) takes the latest
    held inside it, as its dashboard does (dashboards.dashboard_views.dashboard_campaign)."""
    this_year = Case(When(year=dates.today().year, then=Value(0)), default=Value(1))
    covering = Campaign.objects.filter(region__path__in=region.ancestor_paths())
    campaign = covering.order_by(this_year, "-year", "pk").first()
    if campaign is None and region.kind == Region.Kind.PROVINCE:
        campaign = (
            Campaign.objects.filter(region__path__startswith=region.path).order_by("-year", "-pk").first()
        )
    return campaign


def _as_of(request):
    """(date or None, error message or None) from `?as_of=`."""
    form = AsOfForm(request.GET or None)
    if not form.is_bound:
        return None, None
    if not form.is_valid():
        return None, " ".join(form.errors["as_of"])
    return form.cleaned_data["as_of"], None


def _attachment(data: bytes, filename: str) -> HttpResponse:
    response = HttpResponse(data, content_type="application/pdf")
    response["Content-Disposition"] = content_disposition_header(as_attachment=True, filename=filename)
    response["Cache-Control"] = "private, no-store"
    return response


@role_required(Role.CITY)
@require_GET
def summary_pdf(request):
    """The summary report of the reader's city (or province): `?region=<id>` a city or the
    province inside the reader's scope (default: the reader's own region)."""
    regions = Region.objects.visible_to(request.user).filter(
        kind__in=(Region.Kind.CITY, Region.Kind.PROVINCE)
    )
    region_id = request.GET.get("region") or request.user.region_id
    if not str(region_id or "").isdigit():
        raise Http404
    region = get_object_or_404(regions, pk=region_id)
    campaign = campaign_of(region)
    if campaign is None:
        raise Http404
    as_of, error = _as_of(request)
    if error:
        return HttpResponseBadRequest(error, content_type="text/plain; charset=utf-8")
    with translation.override("zh-hans"):
        summary = content.summary(region, campaign, as_of)
    return _attachment(pdf.render_summary(summary), pdf.summary_filename(summary))


@role_required(*STAFF)
@require_GET
def unit_pdf(request, pk: int):
    """The acceptance report of the county-level unit `pk` (inside the reader's scope)."""
    region = get_object_or_404(Region.objects.visible_to(request.user).county_level(), pk=pk)
    if request.user.role == Role.DISTRICT and region.pk != request.user.region_id:
        raise Http404
    campaign = campaign_of(region)
    if campaign is None:
        raise Http404
    as_of, error = _as_of(request)
    if error:
        return HttpResponseBadRequest(error, content_type="text/plain; charset=utf-8")
    with translation.override("zh-hans"):
        report = pdf.unit_report(region, campaign, as_of)
    return _attachment(pdf.render_unit_report(report), pdf.unit_filename(report))
