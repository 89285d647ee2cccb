"""What the importers' pages share: the upload form, the .xlsx response, and ``ImportPages`` (the
upload → preview → apply views over the templates ``core/import_preview.html``,
``core/_import_status.html`` and ``core/import_upload.html``)."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from django import forms
from django.contrib import messages
from django.core.exceptions import ValidationError
from django.http import HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.utils.http import content_disposition_header
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from core.excel import check_size
from core.excel_import.importer import sync_rows
from core.forms import BootstrapMixin
from core.models import ImportBatch

XLSX = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"


class UploadForm(BootstrapMixin, forms.Form):
    file = forms.FileField(label=gettext_lazy("Workbook (.xlsx)"))

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["file"].widget.attrs["accept"] = f".xlsx,{XLSX}"

    def clean_file(self):
        file = self.cleaned_data["file"]
        check_size(file.size)
        return file


def xlsx_response(content: bytes, filename: str) -> HttpResponse:
    """A workbook as a download named `filename`."""
    response = HttpResponse(content, content_type=XLSX)
    response["Content-Disposition"] = content_disposition_header(True, filename)
    return response


@dataclass(frozen=True)
class ImportPages:
    """The upload → preview → apply pages of one importer. The app's URL namespace has the views
    ``list``, ``import``, ``import_template``, ``import_preview`` and ``import_apply``; the app's
    templates ``<namespace>/import_upload.html`` and ``import_preview.html`` extend the core ones.

    While a Celery task checks or applies the batch, the preview shows its progress
    (``core/_import_status.html``), which htmx fetches again every second from the preview's own
    URL (``?fragment=status``); once the task has finished, that answer reloads the page."""

    namespace: str
    kind: str  # an ImportBatch.Kind
    create_batch: Callable[..., ImportBatch]
    apply_batch: Callable[[ImportBatch, Any], dict[str, int]]
    queue_apply: Callable[[ImportBatch, Any], None]
    max_rows: int
    title: Any  # the upload page's title (a lazy string)
    list_label: Any  # the list the import fills (a lazy string)
    applied_message: Any  # the success message, with %(file)s and the counts (a lazy string)

    def _context(self) -> dict:
        return {
            "title": self.title,
            "list_label": self.list_label,
            "list_url": reverse(f"{self.namespace}:list"),
            "import_url": reverse(f"{self.namespace}:import"),
            "template_url": reverse(f"{self.namespace}:import_template"),
        }

    def _batch(self, request, pk) -> ImportBatch:
        batches = ImportBatch.objects.visible_to(request.user).filter(kind=self.kind, created_by=request.user)
        return get_object_or_404(batches.defer("checked_rows"), pk=pk)

    def upload(self, request):
        form = UploadForm(request.POST, request.FILES) if request.method == "POST" else UploadForm()
        if request.method == "POST" and form.is_valid():
            file = form.cleaned_data["file"]
            try:
                batch = self.create_batch(file=file, user=request.user, original_name=file.name)
            except ValidationError as error:
                form.add_error("file", error)
            else:
                return redirect(f"{self.namespace}:import_preview", pk=batch.pk)
        context = {**self._context(), "form": form, "max_rows": self.max_rows}
        return render(request, f"{self.namespace}/import_upload.html", context)

    def preview(self, request, pk):
        batch = self._batch(request, pk)
        preview_url = reverse(f"{self.namespace}:import_preview", args=[batch.pk])
        status_url = f"{preview_url}?fragment=status"
        if request.GET.get("fragment") == "status":
            if not batch.is_running:  # finished: the whole page shows the outcome
                response = HttpResponse("")
                response["HX-Refresh"] = "true"
                return response
            return render(request, "core/_import_status.html", {"batch": batch, "status_url": status_url})
        counts = batch.summary.get("counts", {})
        plan = batch.summary.get("plan", [])
        applied_before = (
            ImportBatch.objects.visible_to(request.user)
            .filter(kind=batch.kind, sha256=batch.sha256, status=ImportBatch.Status.APPLIED)
            .exclude(pk=batch.pk)
            .order_by("-applied_at")
            .first()
        )
        applied_text = ""
        if batch.state == ImportBatch.State.APPLIED and counts:
            applied_text = self.applied_message % {"file": batch.original_name, **counts}
        return render(
            request,
            f"{self.namespace}/import_preview.html",
            {
                **self._context(),
                "apply_url": reverse(f"{self.namespace}:import_apply", args=[batch.pk]),
                "status_url": status_url,
                "batch": batch,
                "problems": batch.errors,
                "counts": counts,
                "plan": plan,
                "plan_truncated": sum(counts.values()) > len(plan),
                "applied_before": applied_before,
                "applied_text": applied_text,
                "can_apply": (
                    batch.status == ImportBatch.Status.PREVIEW
                    and batch.state == ImportBatch.State.CHECKED
                    and not batch.errors
                ),
            },
        )

    def apply(self, request, pk):
        batch = self._batch(request, pk)
        preview = redirect(f"{self.namespace}:import_preview", pk=batch.pk)
        try:
            if batch.row_count > sync_rows():
                self.queue_apply(batch, request.user)
            else:
                counts = self.apply_batch(batch, request.user)
        except ValidationError as error:
            for message in error.messages:
                messages.error(request, message)
            return preview
        if batch.row_count > sync_rows():
            messages.info(
                request,
                _("The import has started; this page shows its progress. You may leave it and come back."),
            )
            return preview
        messages.success(request, self.applied_message % {"file": batch.original_name, **counts})
        return redirect(f"{self.namespace}:list")
