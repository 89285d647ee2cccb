"""Excel template, import (upload → preview → apply) and export of the institution list.

The work is in institutions/excel.py; these views parse the request, call it and answer."""

from django import forms
from django.contrib import messages
from django.core.exceptions import ValidationError
from django.http import HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.utils import timezone
from django.utils.http import content_disposition_header
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views.decorators.http import require_GET, require_POST

from core.forms import BootstrapMixin
from core.models import ImportBatch, Region
from core.permissions import role_required
from core.roles import Role
from institutions import excel
from institutions.filters import InstitutionFilter
from institutions.models import Institution

XLSX = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"


class UploadForm(BootstrapMixin, forms.Form):
    file = forms.FileField(label=gettext_lazy("Workbook (.xlsx)"))

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["file"].widget.attrs["accept"] = f".xlsx,{XLSX}"

    def clean_file(self):
        file = self.cleaned_data["file"]
        excel.check_size(file.size)
        return file


def _xlsx(content: bytes, filename: str) -> HttpResponse:
    response = HttpResponse(content, content_type=XLSX)
    response["Content-Disposition"] = content_disposition_header(True, filename)
    return response


def _regions(user):
    return Region.objects.visible_to(user).county_level()


def _batch(request, pk) -> ImportBatch:
    batches = ImportBatch.objects.visible_to(request.user).filter(
        kind=ImportBatch.Kind.INSTITUTIONS, created_by=request.user
    )
    return get_object_or_404(batches, pk=pk)


@role_required(Role.CITY, Role.DISTRICT)
@require_GET
def template(request):
    return _xlsx(excel.template_workbook(_regions(request.user)), "养老机构导入模板.xlsx")


@role_required(Role.CITY, Role.DISTRICT)
def upload(request):
    form = UploadForm(request.POST, request.FILES) if request.method == "POST" else UploadForm()
    if request.method == "POST" and form.is_valid():
        file = form.cleaned_data["file"]
        try:
            batch = excel.create_batch(file=file, user=request.user, original_name=file.name)
        except ValidationError as error:
            form.add_error("file", error)
        else:
            return redirect("institutions:import_preview", pk=batch.pk)
    return render(request, "institutions/import_upload.html", {"form": form, "max_rows": excel.MAX_ROWS})


@role_required(Role.CITY, Role.DISTRICT)
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
        "institutions/import_preview.html",
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


@role_required(Role.CITY, Role.DISTRICT)
@require_POST
def apply(request, pk):
    batch = _batch(request, pk)
    try:
        counts = excel.apply_batch(batch, request.user)
    except ValidationError as error:
        for message in error.messages:
            messages.error(request, message)
        return redirect("institutions:import_preview", pk=batch.pk)
    messages.success(
        request,
        _("Imported %(file)s: %(create)s new, %(update)s updated, %(unchanged)s unchanged.")
        % {"file": batch.original_name, **counts},
    )
    return redirect("institutions:list")


@role_required(Role.CITY, Role.DISTRICT)
@require_GET
def export(request):
    queryset = Institution.objects.visible_to(request.user)
    filterset = InstitutionFilter(request.GET or None, queryset=queryset, request=request)
    results = filterset.qs if filterset.is_bound else queryset
    filename = f"养老机构名单-{timezone.localdate():%Y%m%d}.xlsx"
    return _xlsx(excel.export_workbook(results, _regions(request.user)), filename)
