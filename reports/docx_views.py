"""The official document (.docx) of the summary report (issue 14, item 3): a short form (measuring
date, 发文字号) and the download, for city staff (the province user too: a city-role user bound to
the province) of a city or the province they see."""

from __future__ import annotations

import io

from django import forms
from django.http import FileResponse, Http404
from django.shortcuts import get_object_or_404, render
from django.utils import translation
from django.utils.translation import gettext_lazy as _
from django.views.decorators.http import require_GET

from campaign.models import Campaign
from core import dates
from core.forms import AsOfForm
from core.models import Region
from core.permissions import role_required
from core.roles import Role
from reports import content
from reports.docx import normalise_doc_number, render_summary

#: Kinds of region with a summary report: a city and the province (content.summary's rows).
REPORTED_KINDS = (Region.Kind.CITY, Region.Kind.PROVINCE)


class OfficialDocumentForm(AsOfForm):
    doc_number = forms.CharField(
        label=_("Document number"),
        required=False,
        max_length=30,
        help_text=_("For example 鞍民发〔2020〕45号; left empty, the document has 〔    〕号 for the clerk."),
        widget=forms.TextInput(
            attrs={"class": "form-control form-control-sm", "placeholder": "鞍民发〔2020〕45号"}
        ),
    )

    def clean_doc_number(self):
        value = self.cleaned_data["doc_number"]
        if any(ord(ch) < 32 for ch in value):
            raise forms.ValidationError(_("The document number cannot hold control characters."))
        return normalise_doc_number(value)


def campaign_of(region: Region) -> Campaign | None:
    """The campaign a region's summary report is about: the latest one covering the region (issued
    by it or above it), else — for a province, which no campaign of the source documents covers —
    the latest held inside it (as the province's dashboard measures: dashboard_campaign)."""
    covering = (
        Campaign.objects.filter(region__path__in=region.ancestor_paths()).order_by("-year", "-pk").first()
    )
    if covering is not None:
        return covering
    return Campaign.objects.filter(region__path__startswith=region.path).order_by("-year", "-pk").first()


def _region(request, pk: int) -> Region:
    region = get_object_or_404(Region.objects.visible_to(request.user), pk=pk)
    if region.kind not in REPORTED_KINDS:
        raise Http404
    return region


@role_required(Role.CITY)
@require_GET
def official_document_form(request, pk: int):
    """The page offering the .docx: measuring date and document number (GET only: nothing written)."""
    region = _region(request, pk)
    campaign = campaign_of(region)
    return render(
        request,
        "reports/docx/form.html",
        {
            "region": region,
            "campaign": campaign,
            "form": OfficialDocumentForm(initial={"as_of": dates.today()}),
        },
    )


@role_required(Role.CITY)
@require_GET
def official_document(request, pk: int):
    """GET ?as_of=YYYY-MM-DD&doc_number=…: the summary report as a GB/T 9704 .docx (attachment,
    Chinese file name per RFC 6266). A bad date or number: the form again with a Chinese message
    (400); a region out of scope or without a campaign: 404."""
    region = _region(request, pk)
    campaign = campaign_of(region)
    if campaign is None:
        raise Http404
    form = OfficialDocumentForm(request.GET)
    if not form.is_valid():
        context = {"region": region, "campaign": campaign, "form": form}
        return render(request, "reports/docx/form.html", context, status=400)
    as_of = form.cleaned_data["as_of"]
    with translation.override("zh-hans"):
        summary = content.summary(region, campaign, as_of)
        body = render_summary(summary, form.cleaned_data["doc_number"])
    name = f"{summary.title}（截至{summary.as_of.isoformat()}）.docx"
    return FileResponse(
        io.BytesIO(body),
        as_attachment=True,
        filename=name,
        content_type="application/vnd.openxmlformats-officedocument.wordprocessingml.document",
    )
