"""The summary report (PDF) of a city or the province and a county-level unit's acceptance report
(PDF), for a measuring date `?as_of=YYYY-MM-DD` (default today; validated like the dashboards).

- `summary_pdf` (``/reports/pdf/summary/?region=&as_of=``): made by a background job
  (`core.exports`, like the city's acceptance workbook): the GET checks the region and the date and
  offers the job, writing nothing; the page's POST starts it; the job's page shows the progress and
  then the download link, for its asker only. A city's report lays out tens of pages and its annexes
  up to 5,000 rows each (`reports.content.ANNEX_LIMIT`): too long for a request.
- `unit_pdf` (``/reports/pdf/units/<pk>/acceptance/?as_of=``): one unit's 30 items and the joint
  team's signatures, a few pages: the GET's answer.

Scope: city staff (the province user is a city-role user bound to 辽宁省) print their region's
summary report and any unit's acceptance report inside their region; district staff print their
own unit's acceptance report. A region outside the reader's scope answers 404; institution and
department users 403. A GET writes nothing.
"""

from __future__ import annotations

import datetime
from dataclasses import dataclass

from django.db.models import Case, Value, When
from django.http import Http404, HttpResponse, HttpResponseBadRequest, QueryDict
from django.shortcuts import get_object_or_404
from django.urls import reverse
from django.utils import translation
from django.utils.http import content_disposition_header
from django.utils.translation import gettext_lazy
from django.views.decorators.http import require_GET, require_http_methods

from campaign.models import Campaign
from core import dates, exports
from core.forms import AsOfForm
from core.models import Region
from core.permissions import STAFF, role_required
from core.roles import Role
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


# The summary report: a background job ------------------------------------------------------------


@dataclass
class SummaryPlan:
    """One summary report to make: `region` (a city or the province, which the asker sees),
    `campaign` (`campaign_of(region)`), `as_of` (the measuring date; None: today). Cheap to build:
    the GET builds it to offer the job, the job builds it again (with the asker's scope then)."""

    region: Region
    campaign: Campaign
    as_of: datetime.date | None

    @property
    def day(self) -> datetime.date:
        return self.as_of or dates.today()

    def filename(self) -> str:
        return pdf.summary_filename_of(self.region, self.day)


def _summary_regions(user):
    return Region.objects.visible_to(user).filter(kind__in=(Region.Kind.CITY, Region.Kind.PROVINCE))


def _summary_plan(user, params) -> SummaryPlan:
    """The report `params` names (``region``: a pk; ``as_of``: an ISO date, already validated),
    scoped to `user` now: Http404 for a region the user does not see or without a campaign."""
    region_id = params.get("region") or ""
    if not region_id.isdigit():
        raise Http404
    region = get_object_or_404(_summary_regions(user), pk=int(region_id))
    campaign = campaign_of(region)
    if campaign is None:
        raise Http404
    as_of = params.get("as_of")
    return SummaryPlan(region, campaign, datetime.date.fromisoformat(as_of) if as_of else None)


def write_summary(plan: SummaryPlan, user, *, total=None, progress=None, output=None) -> bytes | None:
    """The summary report of `plan` (`core.exports.Export.write`): the content
    (`reports.content.summary`), then the PDF (`reports.pdf.render_summary`); `progress(done,
    total)` after each of the 1 + `pdf.STEPS` steps; the bytes are written to `output` (a path)
    when given, else returned."""
    steps = 1 + pdf.STEPS

    def tick(done: int) -> None:
        if progress:
            progress(done, steps)

    with translation.override("zh-hans"):
        summary = content.summary(plan.region, plan.campaign, plan.as_of)
    tick(1)
    data = pdf.render_summary(summary, progress=lambda step: tick(1 + step))
    if output is None:
        return data
    with open(output, "wb") as handle:
        handle.write(data)
    return None


SUMMARY_EXPORT = exports.Export(
    kind="summary_pdf",
    title=gettext_lazy("Summary report (PDF)"),
    roles=(Role.CITY,),
    rows=_summary_plan,
    write=write_summary,
    filename=lambda: "总结报告.pdf",
    back=lambda: reverse("reports:workbook"),
    background=lambda plan, total: True,
    size=lambda plan: 1 + pdf.STEPS,
    name=lambda plan: plan.filename(),
    offer=gettext_lazy(
        "The summary report lays out tens of pages, a section per unit and annexes of up to 5,000 rows: "
        "the portal prepares it in the background."
    ),
    extension="pdf",
    content_type="application/pdf",
)


@role_required(Role.CITY)
@require_http_methods(["GET", "POST"])
def summary_pdf(request):
    """The summary report of the reader's city (or province): `?region=<id>` a city or the
    province inside the reader's scope (default: the reader's own region), `?as_of=`. GET: the
    offer of the job (writes nothing); POST: the job starts, then its page (core.exports)."""
    region_id = request.GET.get("region") or str(request.user.region_id or "")
    as_of, error = _as_of(request)
    params = QueryDict(mutable=True)
    params["region"] = region_id
    _summary_plan(request.user, params)  # 404 before anything else
    if error:
        return HttpResponseBadRequest(error, content_type="text/plain; charset=utf-8")
    if as_of:
        params["as_of"] = as_of.isoformat()
    return exports.respond(request, SUMMARY_EXPORT, params)


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
