"""The two-step import every Excel importer of the portal shares: check (the preview), then apply.

An importer (``institutions.excel``, ``hazards.excel``) reads its rows, checks them and saves the
good ones in one function, its ``process``; this module runs that function

* to check an upload: inside a transaction that is always rolled back, so the preview is exactly
  what applying will do and nothing of a check persists; the upload is then kept as an
  ``ImportBatch`` with its problems and plan (``Importer.create_batch``);
* to apply a batch: on the stored file again, in one transaction, all rows or none
  (``Importer.apply_batch``).

It also holds what the importers' pages share: the upload form, the .xlsx response, and the
upload → preview → apply views over the templates ``core/import_upload.html`` and
``core/import_preview.html``.
"""

from __future__ import annotations

import hashlib
import uuid
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any, ClassVar

from django import forms
from django.contrib import messages
from django.core.exceptions import ValidationError
from django.core.files.base import ContentFile
from django.db import IntegrityError, transaction
from django.db.models import Q
from django.http import HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.utils import timezone
from django.utils.http import content_disposition_header
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from core.concurrency import ConcurrentEditError
from core.excel import WorkbookError, _key, check_size, clean_text, header_key, read_table, read_upload
from core.forms import BootstrapMixin
from core.models import ImportBatch, Region

XLSX = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
ACTIONS = ("create", "update", "unchanged")


# Rows and their problems ---------------------------------------------------------------------------


@dataclass
class Problem:
    row: int  # the Excel row; 0 for the file as a whole
    column: str  # the header, "" for the whole row
    field: str
    code: str
    message: str

    def as_dict(self) -> dict:
        return {
            "row": self.row,
            "column": self.column,
            "field": self.field,
            "code": self.code,
            "message": self.message,
        }


@dataclass
class ImportRow:
    """A data row of the sheet: the raw cells, the values read from them and the row's problems.
    A subclass names its columns (field -> column with a ``header``) and adds what it resolves."""

    number: int
    cells: dict[str, Any]  # field -> raw cell value
    values: dict[str, Any] = field(default_factory=dict)
    problems: list[Problem] = field(default_factory=list)

    columns: ClassVar[dict] = {}
    problem_class: ClassVar[type[Problem]] = Problem

    def add(self, field_name: str, message, code: str) -> None:
        column = self.columns[field_name].header if field_name in self.columns else ""
        self.problems.append(self.problem_class(self.number, column, field_name, code, str(message)))

    @classmethod
    def read(cls, data: bytes, **options) -> list:
        """A row for each data row of the upload `data`, read by `core.excel.read_table` (`options`
        give the sheet, anchor, limits and messages) with the headers of the class's columns."""
        columns = cls.columns.values()
        rows = read_table(
            data,
            known={header_key(column.header): column.field for column in columns},
            labels={column.field: column.header for column in columns},
            **options,
        )
        return [cls(number, cells) for number, cells in rows]

    @property
    def unreadable(self) -> set[str]:
        """The fields whose cell could not be read (or that already have a problem)."""
        return {problem.field for problem in self.problems}


@dataclass
class CheckResult:
    row_count: int
    problems: list[dict]
    plan: list[dict]
    counts: dict[str, int]


def check_result(rows: list[ImportRow], plan: list[dict], order: dict[str, int]) -> CheckResult:
    """The outcome of a run: the problems by row and in the sheet's column `order`, the plan by row,
    and how many rows each action takes."""
    problems = sorted(
        (problem for row in rows for problem in row.problems),
        key=lambda p: (p.row, order.get(p.field, len(order))),
    )
    plan.sort(key=lambda entry: entry["row"])
    counts = {action: sum(1 for entry in plan if entry["action"] == action) for action in ACTIONS}
    return CheckResult(len(rows), [p.as_dict() for p in problems], plan, counts)


class RegionLookup:
    """The county-level regions of the user's area, by name and by code, for a row's region
    column. A subclass says what a region outside the area means (``outside``)."""

    def __init__(self, user):
        self.by_code: dict[str, Region] = {}
        self.by_name: dict[str, list[Region]] = {}
        for region in Region.objects.visible_to(user).county_level():
            self.by_code[region.code.upper()] = region
            self.by_name.setdefault(_key(region.name), []).append(region)
        self._exists: dict[str, bool] = {}

    def exists_elsewhere(self, text: str) -> bool:
        if text not in self._exists:
            self._exists[text] = Region.objects.filter(Q(code=text.upper()) | Q(name=text)).exists()
        return self._exists[text]

    def blank(self, row) -> None:
        """The row leaves the region empty."""

    def outside(self, row, text: str) -> None:
        """The row names a region that exists, outside the user's area."""
        raise NotImplementedError

    def resolve(self, row, value) -> None:
        """Set ``row.region`` from the cell `value` (a region's name or code), or report why not."""
        text = clean_text(value)
        if not text:
            self.blank(row)
            return
        region = self.by_code.get(text.upper())
        candidates = [region] if region else self.by_name.get(_key(text), [])
        if len(candidates) == 1:
            row.region = candidates[0]
        elif candidates:
            row.add(
                "region",
                _("Several regions are called “%(value)s”: give its code instead.") % {"value": text},
                "ambiguous_region",
            )
        elif self.exists_elsewhere(text):
            self.outside(row, text)
        else:
            row.add(
                "region",
                _(
                    "There is no region “%(value)s”. Give the name or code of a county-level unit, as in the "
                    "template's list."
                )
                % {"value": text},
                "unknown_region",
            )


# Checking and applying -----------------------------------------------------------------------------


class _Rollback(Exception):
    def __init__(self, result: CheckResult):
        self.result = result


@dataclass(frozen=True)
class Importer:
    """What one kind of import brings to the shared steps. The messages are the importer's own
    (they name the registry, or the ledger)."""

    kind: str  # an ImportBatch.Kind
    read_rows: Callable[[bytes], list]
    # (rows, user, reason) -> CheckResult: checks the rows and saves the good ones, with `reason`
    # as the history's reason; runs in a transaction the caller rolls back or commits.
    process: Callable[[list, Any, str], CheckResult]
    reason: Callable[[str], str]  # the history's reason for a file name
    changed_code: str  # the code of the errors below
    changed_message: Any  # the data changed while the file was processed (a lazy string)
    changed_since_check: Any  # applying found %(count)s problems the check had not (a lazy string)
    plan_preview_rows: int  # the rows of the plan a batch keeps for the preview
    check_with_reason: bool = True  # whether a check saves with the file's reason too, or with none

    def check(self, data: bytes, user, file_name: str) -> CheckResult:
        """Read the file and check every row by processing it in a transaction that is rolled back;
        nothing is kept. Raises WorkbookError when the file as a whole is unusable."""
        rows = self.read_rows(data)
        reason = self.reason(file_name) if self.check_with_reason else ""
        try:
            with transaction.atomic():
                raise _Rollback(self.process(rows, user, reason))
        except _Rollback as rollback:
            return rollback.result
        except (IntegrityError, ConcurrentEditError) as error:
            raise WorkbookError(str(self.changed_message), code=self.changed_code) from error

    def create_batch(self, *, file, user, region, original_name: str = "") -> ImportBatch:
        """Check an upload and keep it, with its problems and plan, for the preview; `region` gives
        the batch's region for the user. A file that cannot be imported at all raises
        WorkbookError and is not kept. The caller checks that the user may import."""
        data = read_upload(file)
        name = (original_name or getattr(file, "name", "") or "workbook.xlsx")[:255]
        result = self.check(data, user, name)
        batch = ImportBatch(
            kind=self.kind,
            region=region(user),
            created_by=user,
            original_name=name,
            sha256=hashlib.sha256(data).hexdigest(),
            row_count=result.row_count,
            errors=result.problems,
            summary=self._summary(result),
        )
        batch.file.save(f"{uuid.uuid4().hex}.xlsx", ContentFile(data), save=False)
        batch.save()
        return batch

    def apply_batch(self, batch: ImportBatch, user) -> dict[str, int]:
        """Check the batch's file again and apply it: every row or none. Returns the counts.

        Raises ValidationError (nothing written) when the batch was applied already, has problems,
        or the data has changed so that the file no longer passes. The caller checks that the user
        may apply it."""
        try:
            with transaction.atomic():
                locked = ImportBatch.objects.select_for_update().get(pk=batch.pk)
                if locked.status == ImportBatch.Status.APPLIED:
                    raise ValidationError(_("This file has been imported already."), code="applied")
                if locked.errors:
                    raise ValidationError(
                        _("This file has problems: fix them in the file and upload it again."),
                        code="problems",
                    )
                try:
                    with locked.file.open("rb") as stored:
                        data = stored.read()
                except (OSError, ValueError) as error:
                    raise ValidationError(
                        _("The uploaded file is no longer available; upload it again."), code="missing_file"
                    ) from error
                result = self.process(self.read_rows(data), user, self.reason(locked.original_name))
                if result.problems:
                    raise _Rollback(result)
                locked.status = ImportBatch.Status.APPLIED
                locked.applied_at = timezone.now()
                locked.summary = self._summary(result)
                locked.save(update_fields=["status", "applied_at", "summary", "updated_at"])
        except _Rollback as rollback:
            batch.errors = rollback.result.problems
            batch.summary = self._summary(rollback.result)
            batch.save(update_fields=["errors", "summary", "updated_at"])
            raise ValidationError(
                self.changed_since_check % {"count": len(rollback.result.problems)}, code="problems"
            ) from None
        except (IntegrityError, ConcurrentEditError) as error:
            raise ValidationError(str(self.changed_message), code=self.changed_code) from error
        batch.refresh_from_db()
        return result.counts

    def _summary(self, result: CheckResult) -> dict:
        return {"counts": result.counts, "plan": result.plan[: self.plan_preview_rows]}


# Pages ---------------------------------------------------------------------------------------------


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
    templates ``<namespace>/import_upload.html`` and ``import_preview.html`` extend the core ones."""

    namespace: str
    kind: str  # an ImportBatch.Kind
    create_batch: Callable[..., ImportBatch]
    apply_batch: Callable[[ImportBatch, Any], dict[str, int]]
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
        return get_object_or_404(batches, pk=pk)

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
            f"{self.namespace}/import_preview.html",
            {
                **self._context(),
                "apply_url": reverse(f"{self.namespace}:import_apply", args=[batch.pk]),
                "batch": batch,
                "problems": batch.errors,
                "counts": counts,
                "plan": plan,
                "plan_truncated": sum(counts.values()) > len(plan),
                "applied_before": applied_before,
                "can_apply": batch.status == ImportBatch.Status.PREVIEW and not batch.errors,
            },
        )

    def apply(self, request, pk):
        batch = self._batch(request, pk)
        try:
            counts = self.apply_batch(batch, request.user)
        except ValidationError as error:
            for message in error.messages:
                messages.error(request, message)
            return redirect(f"{self.namespace}:import_preview", pk=batch.pk)
        messages.success(request, self.applied_message % {"file": batch.original_name, **counts})
        return redirect(f"{self.namespace}:list")
