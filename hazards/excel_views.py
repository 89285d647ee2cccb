"""The three lists (pages and Excel export) and the import of a district's ledger (template,
upload → preview → apply). The work is in hazards/three_lists.py and hazards/excel/; these views
parse the request, call it and answer."""

from django import forms
from django.contrib import messages
from django.core.exceptions import ValidationError
from django.core.paginator import Paginator
from django.http import Http404, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.utils.http import content_disposition_header
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views.decorators.http import require_GET, require_POST

from core import dates
from core.excel import check_size
from core.forms import BootstrapMixin
from core.models import ImportBatch, Region
from core.permissions import role_required
from core.roles import Role
from hazards import excel
from hazards.filters import filtered_hazards
from hazards.models import Hazard
from hazards.three_lists import LISTS, display_value, three_lists_queryset

XLSX = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
PAGE_SIZE = 20
# Who reads the three lists: supervision (city), the district keeping the ledger, and the
# departments for the hazards referred to them (superusers pass too).
READERS = (Role.CITY, Role.DISTRICT, Role.DEPARTMENT)


def _hazards(user):
    return Hazard.objects.visible_to(user).live()


def _querystring(request) -> str:
    params = request.GET.copy()
    params.pop("page", None)
    return params.urlencode()


def _xlsx(content: bytes, filename: str) -> HttpResponse:
    response = HttpResponse(content, content_type=XLSX)
    response["Content-Disposition"] = content_disposition_header(True, filename)
    return response


# The three lists ---------------------------------------------------------------------------------


@role_required(*READERS)
@require_GET
def three_lists(request, kind):
    three_list = LISTS.get(kind)
    if three_list is None:
        raise Http404
    filterset, results = filtered_hazards(request, _hazards(request.user))
    page = Paginator(three_lists_queryset(results), PAGE_SIZE).get_page(request.GET.get("page"))
    querystring = _querystring(request)
    rows = [
        (hazard, [(column, display_value(column, hazard)) for column in three_list.columns])
        for hazard in page
    ]
    tabs = [
        {
            "list": other,
            "url": reverse("hazards:lists", args=[other.kind]) + (f"?{querystring}" if querystring else ""),
            "active": other.kind == three_list.kind,
        }
        for other in LISTS.values()
    ]
    return render(
        request,
        "hazards/three_lists.html",
        {
            "three_list": three_list,
            "tabs": tabs,
            "filter": filterset,
            "page": page,
            "rows": rows,
            "querystring": querystring,
            "can_import": excel.can_import(request.user),
        },
    )


@role_required(*READERS)
@require_GET
def export(request):
    _filterset, results = filtered_hazards(request, _hazards(request.user))
    filename = f"风险隐患三个清单-{dates.today():%Y%m%d}.xlsx"
    return _xlsx(excel.three_lists_workbook(results), filename)


# Import ------------------------------------------------------------------------------------------


class UploadForm(BootstrapMixin, forms.Form):
    file = forms.FileField(label=gettext_lazy("Workbook (.xlsx)"))

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["file"].widget.attrs["accept"] = f".xlsx,{XLSX}"

    def clean_file(self):
        file = self.cleaned_data["file"]
        check_size(file.size)
        return file


def _importer(view):
    """District staff of a region only: the ledger is imported into the user's own district."""
    return role_required(Role.DISTRICT, superuser=False)(view)


def _batch(request, pk) -> ImportBatch:
    batches = ImportBatch.objects.visible_to(request.user).filter(
        kind=ImportBatch.Kind.HAZARDS, created_by=request.user
    )
    return get_object_or_404(batches, pk=pk)


@_importer
@require_GET
def template(request):
    regions = Region.objects.visible_to(request.user).county_level()
    return _xlsx(excel.template_workbook(regions), "风险隐患整治工作台账导入模板.xlsx")


@_importer
def upload(request):
    form = UploadForm(request.POST, request.FILES) if request.method == "POST" else UploadForm()
    if request.method == "POST" and form.is_valid():
        file = form.cleaned_data["file"]
        try:
            batch = excel.create_batch(file=file, user=request.user, original_name=file.name)
        except ValidationError as error:
            form.add_error("file", error)
        else:
            return redirect("hazards:import_preview", pk=batch.pk)
    return render(request, "hazards/import_upload.html", {"form": form, "max_rows": excel.MAX_ROWS})


@_importer
@require_GET
def preview(request, pk):
    batch = _batch(request, pk)
    counts = batch.summary.get("counts", {})
    plan = batch.summary.get("plan", [])
    applied_before = (
        ImportBatch.objects.visible_to(request.user)
        .filter(kind=batch.kind, sha256=batch.sha256, status=ImportBatch.Status.APPLIED)
        .exclude(pk=batch.pk)
        .order_by("-applied_at")
        .first()
    )
    return render(
        request,
        "hazards/import_preview.html",
        {
            "batch": batch,
            "problems": batch.errors,
            "counts": counts,
            "plan": plan,
            "plan_truncated": sum(counts.values()) > len(plan),
            "applied_before": applied_before,
            "can_apply": batch.status == ImportBatch.Status.PREVIEW and not batch.errors,
        },
    )


@_importer
@require_POST
def apply(request, pk):
    batch = _batch(request, pk)
    try:
        counts = excel.apply_batch(batch, request.user)
    except ValidationError as error:
        for message in error.messages:
            messages.error(request, message)
        return redirect("hazards:import_preview", pk=batch.pk)
    messages.success(
        request,
        _("Imported %(file)s: %(create)s new hazards, %(update)s updated, %(unchanged)s unchanged.")
        % {"file": batch.original_name, **counts},
    )
    return redirect("hazards:list")
