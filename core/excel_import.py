"""The two-step import every Excel importer of the portal shares: check (the preview), then apply.

An importer (``institutions.excel``, ``hazards.excel``) brings its ``validate`` function: it reads
the registry or ledger once for the whole file (a handful of queries: the regions, the records the
file's codes, names and numbers name), checks every row in memory against it *as the earlier rows
of the file leave it*, and returns a ``Plan``: the problems and the plan by row for the preview,
what each good row does (create, update or leave unchanged, and which record at which version),
and a ``write`` that applies it with ``bulk_create`` / ``bulk_update`` in batches of
``WRITE_BATCH`` rows, history rows and timeline entries in bulk too. This module runs it

* to check an upload: validation only, nothing is written (no transaction to roll back); the
  upload is then kept as an ``ImportBatch`` with its problems, its plan and what each row does
  (``checked_rows``);
* to apply a batch: on the stored file again, in one transaction: validated again against the
  database as it is now, with the updated rows locked (SELECT … FOR UPDATE) and their versions
  compared; a row that now does something other than the check showed (its record was registered,
  changed or removed by someone else in between) is a problem of that row; any problem and
  nothing is written, else everything is written: all rows or none.

A file of more than ``PORTAL_IMPORT_SYNC_ROWS`` rows (300) is checked and applied by a Celery task
(``core.import_tasks``) and the preview page polls its progress (``ImportBatch.state``,
``progress`` and ``total``); a smaller one inside the request. The file itself is read in the
request either way, so a file that cannot be imported at all is refused on the upload page.

It also holds what the importers' pages share: the upload form, the .xlsx response, and the
upload → preview → apply views over the templates ``core/import_preview.html``,
``core/_import_status.html`` and ``core/import_upload.html``.
"""

from __future__ import annotations

import hashlib
import logging
import uuid
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from typing import Any, ClassVar

from django import forms
from django.conf import settings
from django.contrib import messages
from django.core.exceptions import ValidationError
from django.core.files.base import ContentFile
from django.db import DEFAULT_DB_ALIAS, IntegrityError, connection, connections, transaction
from django.db.models import Q
from django.http import HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.utils import timezone
from django.utils.http import content_disposition_header
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from core.concurrency import ConcurrentEditError
from core.excel import (
    WorkbookError,
    _key,
    check_size,
    clean_text,
    header_key,
    read_table,
    read_upload,
    recorded_rows,
)
from core.forms import BootstrapMixin
from core.models import ImportBatch, Region

XLSX = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
ACTIONS = ("create", "update", "unchanged")
WRITE_BATCH = 500  # rows per bulk INSERT / UPDATE
SYNC_ROWS_DEFAULT = 300

logger = logging.getLogger(__name__)


def sync_rows() -> int:
    """Files of up to this many rows are checked and applied inside the request; larger ones by a
    Celery task (``PORTAL_IMPORT_SYNC_ROWS``)."""
    return int(getattr(settings, "PORTAL_IMPORT_SYNC_ROWS", SYNC_ROWS_DEFAULT))


def chunks(items: list, size: int = WRITE_BATCH) -> Iterable[list]:
    for start in range(0, len(items), size):
        yield items[start : start + size]


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
    column. A subclass says what a region outside the area means (``outside``). Names that are not
    in the area are looked up together in ``finish`` (one query for the file)."""

    def __init__(self, user):
        self.by_code: dict[str, Region] = {}
        self.by_name: dict[str, list[Region]] = {}
        for region in Region.objects.visible_to(user).county_level():
            self.by_code[region.code.upper()] = region
            self.by_name.setdefault(_key(region.name), []).append(region)
        self._pending: list[tuple[Any, str]] = []

    def blank(self, row) -> None:
        """The row leaves the region empty."""

    def outside(self, row, text: str) -> None:
        """The row names a region that exists, outside the user's area."""
        raise NotImplementedError

    def resolve(self, row, value) -> None:
        """Set ``row.region`` from the cell `value` (a region's name or code), or report why not
        (a name not in the area is reported by ``finish``)."""
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
        else:
            self._pending.append((row, text))

    def finish(self) -> None:
        """Report the rows whose region is not one of the area: outside it, or no region at all."""
        pending, self._pending = self._pending, []
        if not pending:
            return
        texts = {text for _row, text in pending}
        found = Region.objects.filter(Q(code__in={text.upper() for text in texts}) | Q(name__in=texts))
        codes, names = set(), set()
        for code, name in found.values_list("code", "name"):
            codes.add(code.upper())
            names.add(name)
        for row, text in pending:
            if text.upper() in codes or text in names:
                self.outside(row, text)
            else:
                row.add(
                    "region",
                    _(
                        "There is no region “%(value)s”. Give the name or code of a county-level unit, as in "
                        "the template's list."
                    )
                    % {"value": text},
                    "unknown_region",
                )


# Checking and applying -----------------------------------------------------------------------------


@dataclass
class Match:
    """What a row without problems does: its action and the stored record it matched (id, version
    and how the messages name it), None for a new one."""

    action: str
    pk: int | None = None
    version: int | None = None
    label: str = ""

    def as_list(self, row: int) -> list:
        return [row, self.action, self.pk, self.version, self.label]


@dataclass
class Plan:
    """What validating a file gives: the rows (with their problems), the outcome for the preview,
    what each good row does, and (when validated for applying) the writes."""

    rows: list
    result: CheckResult
    matches: dict[int, Match]  # row number -> what it does
    order: dict[str, int]  # the sheet's column order, for sorting problems
    write: Callable[[str, Any], None] | None = None  # (reason, progress) -> None

    def checked_rows(self) -> list[list]:
        return [match.as_list(number) for number, match in sorted(self.matches.items())]

    def refresh_problems(self) -> None:
        problems = check_result(self.rows, [], self.order).problems
        self.result = CheckResult(self.result.row_count, problems, self.result.plan, self.result.counts)


class Progress:
    """Rows done of a batch's current step, written on the batch every `every` rows so that the
    preview page can show it. Inside a transaction (applying), the update goes through a connection
    of its own, which commits at once (PostgreSQL; elsewhere — the demo's SQLite, one writer at a
    time — the progress of an apply is not shown until it ends)."""

    def __init__(self, batch_id: int, total: int, steps: int = 1, every: int = 250):
        self.batch_id, self.total, self.steps, self.every = batch_id, max(total, 1), steps, every
        self.step, self.last, self._side = 0, -every, None

    @property
    def units(self) -> int:
        return self.steps * self.total

    def next_step(self) -> None:
        self.step = min(self.step + 1, self.steps - 1)
        self.last = -self.every

    def __call__(self, done: int) -> None:
        if done - self.last < self.every and done < self.total:
            return
        self.last = done
        self._write(self.step * self.total + min(done, self.total), self.steps * self.total)

    def _write(self, progress: int, total: int) -> None:
        if not connection.in_atomic_block:
            ImportBatch.objects.filter(pk=self.batch_id).update(progress=progress, total=total)
            return
        if connection.vendor != "postgresql":
            return
        try:
            if self._side is None:
                self._side = connections.create_connection(DEFAULT_DB_ALIAS)
            table = self._side.ops.quote_name(ImportBatch._meta.db_table)
            with self._side.cursor() as cursor:
                cursor.execute(
                    f"UPDATE {table} SET progress = %s, total = %s WHERE id = %s",
                    [progress, total, self.batch_id],
                )
        except Exception:  # progress is a courtesy: never fail an import for it
            logger.exception("import progress of batch %s not written", self.batch_id)

    def close(self) -> None:
        if self._side is not None:
            self._side.close()
            self._side = None


def _no_progress(done: int) -> None:
    pass


def lock_versions(model, versions: dict[int, int]) -> None:
    """Lock the rows `versions` names (SELECT … FOR UPDATE, a query per ``WRITE_BATCH``) and check
    that each is still at the version it was read at; ConcurrentEditError otherwise. Rows locked
    stay locked until the transaction ends, so the bulk update after cannot miss a change."""
    manager = model._default_manager
    for pks in chunks(sorted(versions)):
        stored = dict(
            manager.select_for_update().filter(pk__in=pks).order_by("pk").values_list("pk", "version")
        )
        if any(stored.get(pk) != versions[pk] for pk in pks):
            raise ConcurrentEditError(
                _("Someone else saved one of these records in the meantime; nothing was imported."),
                code="concurrent_edit",
            )


def bulk_create_with_history(model, objs: list, *, user, reason: str, progress=_no_progress, done: int = 0):
    """INSERT `objs` and their history rows in batches; returns the rows done so far."""
    from simple_history.utils import bulk_create_with_history as create

    for part in chunks(objs):
        create(part, model, batch_size=WRITE_BATCH, default_user=user, default_change_reason=reason)
        done += len(part)
        progress(done)
    return done


def _update_rows(model, objs: list, fields: list[str], versions: dict[int, int]) -> int:
    """One UPDATE for `objs`: each row's `fields` to the object's values where its id *and* the
    version it was read at still match; returns the rows updated. On PostgreSQL ``UPDATE … FROM
    (VALUES …)`` (Django's ``bulk_update`` builds a CASE per field and row, several times slower);
    elsewhere (the demo's SQLite, one writer at a time) ``bulk_update``."""
    if connection.vendor != "postgresql":
        return model._default_manager.bulk_update(objs, fields)
    quote = connection.ops.quote_name
    meta = model._meta
    columns = [meta.get_field(name) for name in fields]
    names = ", ".join(quote(field.column) for field in columns)
    sets = ", ".join(
        f"{quote(f.column)} = v.{quote(f.column)}::{f.cast_db_type(connection)}" for f in columns
    )
    values = "(" + ", ".join(["%s"] * (len(columns) + 2)) + ")"
    params: list = []
    for obj in objs:
        params += [obj.pk, versions[obj.pk]]
        params += [field.get_db_prep_save(getattr(obj, field.attname), connection) for field in columns]
    sql = (
        f"UPDATE {quote(meta.db_table)} AS t SET {sets} "
        f"FROM (VALUES {', '.join([values] * len(objs))}) AS v(id_, version_, {names}) "
        f"WHERE t.{quote(meta.pk.column)} = v.id_::bigint AND t.version = v.version_::integer"
    )
    with connection.cursor() as cursor:
        cursor.execute(sql, params)
        return cursor.rowcount


def bulk_update_versioned(
    model, objs: list, fields: Iterable[str], *, user, reason: str, progress=_no_progress, done: int = 0
):
    """UPDATE `objs` (whose rows ``lock_versions`` locked at the versions they were read at) in
    batches, each a version higher and only where the stored version is still the one read, with
    their history rows; a batch that does not update exactly its rows raises ConcurrentEditError.
    Returns the rows done so far."""
    from simple_history.utils import get_history_manager_for_model

    history = get_history_manager_for_model(model)
    fields = sorted({*fields, "version", "updated_at"})
    now = timezone.now()
    versions = {obj.pk: obj.version for obj in objs}
    for obj in objs:
        obj.version += 1
        obj.updated_at = now
    for part in chunks(objs):
        if _update_rows(model, part, fields, versions) != len(part):
            raise ConcurrentEditError(
                _("Someone else saved one of these records in the meantime; nothing was imported."),
                code="concurrent_edit",
            )
        history.bulk_history_create(
            part, batch_size=WRITE_BATCH, update=True, default_user=user, default_change_reason=reason
        )
        done += len(part)
        progress(done)
    return done


class _Rollback(Exception):
    def __init__(self, plan: Plan):
        self.plan = plan


@dataclass(frozen=True)
class Importer:
    """What one kind of import brings to the shared steps. The messages are the importer's own
    (they name the registry, or the ledger)."""

    kind: str  # an ImportBatch.Kind
    read_rows: Callable[[bytes], list]
    # (rows, user, for_apply, progress) -> Plan: checks the rows in memory; for applying, also locks
    # the records to update and gives the writes.
    validate: Callable[..., Plan]
    reason: Callable[[str], str]  # the history's reason for a file name
    permitted: Callable[[ImportBatch, Any], bool]  # whether the user may apply the batch
    changed_code: str  # the code of the errors below
    changed_message: Any  # the data changed while the file was processed (a lazy string)
    changed_since_check: Any  # applying found %(count)s problems the check had not (a lazy string)
    # A row that created at the check matches a record now (%(what)s), or whose record changed:
    recorded_since_check: Any
    modified_since_check: Any
    conflict_field: Callable[[Any], str]  # the column a row's conflict is reported in
    plan_preview_rows: int  # the rows of the plan a batch keeps for the preview

    # Checking

    def check(self, data: bytes, user, file_name: str = "") -> CheckResult:
        """Read the file and check every row; nothing is written. Raises WorkbookError when the
        file as a whole is unusable."""
        return self.validate(self.read_rows(data), user, False, _no_progress).result

    def create_batch(self, *, file, user, region, original_name: str = "") -> ImportBatch:
        """Read an upload and keep it for the preview, checked (a small file) or queued for a
        Celery task to check (``run_check``); `region` gives the batch's region for the user. A
        file that cannot be imported at all raises WorkbookError and is not kept. The caller checks
        that the user may import."""
        data = read_upload(file)
        name = (original_name or getattr(file, "name", "") or "workbook.xlsx")[:255]
        # A file whose sheets say they hold more rows than are checked in the request goes to the
        # task unread (the task reads it once and counts its rows); otherwise it is read here.
        recorded = recorded_rows(data)
        rows = None if recorded and recorded > sync_rows() else self.read_rows(data)
        count = recorded if rows is None else len(rows)
        batch = ImportBatch(
            kind=self.kind,
            region=region(user),
            created_by=user,
            original_name=name,
            sha256=hashlib.sha256(data).hexdigest(),
            row_count=count,
            total=count,
        )
        if rows is None or len(rows) > sync_rows():
            batch.state = ImportBatch.State.QUEUED
            batch.task_id = uuid.uuid4().hex
        else:
            self._store_check(batch, self.validate(rows, user, False, _no_progress))
        batch.file.save(f"{uuid.uuid4().hex}.xlsx", ContentFile(data), save=False)
        batch.save()
        if batch.state == ImportBatch.State.QUEUED:
            from core.import_tasks import check_import

            pk, task_id = batch.pk, batch.task_id
            transaction.on_commit(lambda: check_import.apply_async(args=[pk], task_id=task_id))
        return batch

    def _store_check(self, batch: ImportBatch, plan: Plan) -> None:
        batch.errors = plan.result.problems
        batch.summary = self._summary(plan.result)
        batch.checked_rows = [] if plan.result.problems else plan.checked_rows()
        batch.state = ImportBatch.State.CHECKED
        batch.progress = batch.total = batch.row_count

    def run_check(self, batch_id: int) -> None:
        """The Celery task's check of a queued batch: once (a repeated task finds it taken), with
        its progress on the batch; a failure is kept on the batch, never raised."""
        with transaction.atomic():
            batch = ImportBatch.objects.select_for_update().filter(pk=batch_id).first()
            if batch is None or batch.state != ImportBatch.State.QUEUED:
                return
            batch.state, batch.progress = ImportBatch.State.CHECKING, 0
            batch.save(update_fields=["state", "progress", "updated_at"])
        progress = Progress(batch.pk, batch.row_count)
        try:
            rows = self.read_rows(self._data(batch))
            batch.row_count = len(rows)  # the upload only knew the sheets' recorded used range
            progress.total = max(len(rows), 1)
            plan = self.validate(rows, batch.created_by, False, progress)
        except (ValidationError, WorkbookError) as error:
            self._fail(batch, " ".join(error.messages))
            return
        except Exception:
            logger.exception("check of import batch %s failed", batch_id)
            self._fail(batch, str(_task_failed()))
            return
        finally:
            progress.close()
        self._store_check(batch, plan)
        batch.failure = ""
        batch.save()

    @staticmethod
    def _fail(batch: ImportBatch, message: str, state=ImportBatch.State.FAILED) -> None:
        batch.state, batch.failure = state, message
        batch.save(update_fields=["state", "failure", "updated_at"])

    # Applying

    def apply_batch(self, batch: ImportBatch, user, *, progress=None) -> dict[str, int]:
        """Check the batch's file again against the database as it is now and apply it: every row
        or none. Returns the counts.

        Raises ValidationError (nothing written) when the batch was applied already, is being
        processed, has problems, or the data has changed so that the file no longer passes (the
        rows' problems are then kept on the batch). The caller checks that the user may apply it;
        `progress` is the Celery task's (the task has claimed the batch: state APPLYING)."""
        claimed = progress is not None
        progress = progress or _no_progress
        try:
            with transaction.atomic():
                if claimed:  # not locked: the task's progress is written on the batch meanwhile
                    locked = ImportBatch.objects.get(pk=batch.pk)
                    if locked.state != ImportBatch.State.APPLYING:
                        raise ValidationError(_("This file is being imported already."), code="running")
                else:
                    locked = ImportBatch.objects.select_for_update().get(pk=batch.pk)
                    self._check_can_apply(locked)
                rows = self.read_rows(self._data(locked))
                plan = self.validate(rows, user, True, progress)
                if not plan.result.problems:
                    self._conflicts(plan, locked.checked_rows)
                if plan.result.problems:
                    raise _Rollback(plan)
                if hasattr(progress, "next_step"):
                    progress.next_step()
                plan.write(self.reason(locked.original_name), progress)
                locked.status = ImportBatch.Status.APPLIED
                locked.state = ImportBatch.State.APPLIED
                locked.applied_at = timezone.now()
                locked.summary = self._summary(plan.result)
                locked.progress = locked.total = getattr(progress, "units", locked.row_count)
                locked.failure = ""
                locked.save(
                    update_fields=[
                        "status",
                        "state",
                        "applied_at",
                        "summary",
                        "progress",
                        "total",
                        "failure",
                        "updated_at",
                    ]
                )
        except _Rollback as rollback:
            result = rollback.plan.result
            batch.errors = result.problems
            batch.summary = self._summary(result)
            batch.state = ImportBatch.State.CHECKED
            batch.failure = str(self.changed_since_check % {"count": len(result.problems)})
            batch.save(update_fields=["errors", "summary", "state", "failure", "updated_at"])
            texts = [problem.get("text") or _problem_text(problem) for problem in result.problems[:5]]
            error = ValidationError([batch.failure, *texts])  # the sentence, then the first rows' problems
            error.code = "problems"
            raise error from None
        except (IntegrityError, ConcurrentEditError) as error:
            raise ValidationError(str(self.changed_message), code=self.changed_code) from error
        batch.refresh_from_db()
        return plan.result.counts

    @staticmethod
    def _check_can_apply(batch: ImportBatch) -> None:
        if batch.status == ImportBatch.Status.APPLIED:
            raise ValidationError(_("This file has been imported already."), code="applied")
        if batch.is_running:
            raise ValidationError(
                _("This file is still being checked or imported; wait until it has finished."),
                code="running",
            )
        if batch.errors or batch.state == ImportBatch.State.FAILED:
            raise ValidationError(
                _("This file has problems: fix them in the file and upload it again."),
                code="problems",
            )

    @staticmethod
    def _data(batch: ImportBatch) -> bytes:
        try:
            with batch.file.open("rb") as stored:
                return stored.read()
        except (OSError, ValueError) as error:
            raise ValidationError(
                _("The uploaded file is no longer available; upload it again."), code="missing_file"
            ) from error

    def _conflicts(self, plan: Plan, checked_rows: list) -> None:
        """A row that would now do something else than the check showed is a problem of that row:
        its new record was registered meanwhile, or the record it matched was changed or removed
        (an update based on an older version would undo someone's edit)."""
        if not checked_rows:
            return  # a batch checked before this was recorded
        checked = {entry[0]: Match(*entry[1:]) for entry in checked_rows}
        rows = {row.number: row for row in plan.rows}
        for number, now in plan.matches.items():
            before = checked.get(number)
            if before is None:
                continue
            if before.action == "create" and now.action != "create":
                message = self.recorded_since_check % {"what": now.label}
            elif before.action != "create" and now.pk != before.pk:
                message = self.modified_since_check % {"what": before.label}
            elif now.action == "update" and now.version != before.version:
                message = self.modified_since_check % {"what": now.label}
            else:
                continue
            row = rows[number]
            row.add(self.conflict_field(row), message, "changed_since_check")
        plan.refresh_problems()

    def queue_apply(self, batch: ImportBatch, user) -> None:
        """Hand the batch to a Celery task to apply (``run_apply``), once: a second request finds it
        queued or running and is refused. The caller checks that the user may apply it."""
        with transaction.atomic():
            locked = ImportBatch.objects.select_for_update().get(pk=batch.pk)
            if locked.state in (ImportBatch.State.APPLY_QUEUED, ImportBatch.State.APPLYING):
                raise ValidationError(_("This file is being imported already."), code="running")
            self._check_can_apply(locked)
            locked.state = ImportBatch.State.APPLY_QUEUED
            locked.progress, locked.total = 0, locked.row_count
            locked.task_id, locked.failure = uuid.uuid4().hex, ""
            locked.save(update_fields=["state", "progress", "total", "task_id", "failure", "updated_at"])
            from core.import_tasks import apply_import

            pk, task_id = locked.pk, locked.task_id
            transaction.on_commit(lambda: apply_import.apply_async(args=[pk, task_id], task_id=task_id))
        batch.refresh_from_db()

    def run_apply(self, batch_id: int, task_id: str) -> None:
        """The Celery task's apply of a queued batch: once (the batch is claimed under a row lock,
        a repeated or stale task finds it taken), all rows or none, with its progress on the batch;
        the outcome — applied, the rows' problems, or a failure — is kept on the batch."""
        with transaction.atomic():
            batch = ImportBatch.objects.select_for_update().filter(pk=batch_id).first()
            if batch is None or batch.state != ImportBatch.State.APPLY_QUEUED or batch.task_id != task_id:
                return
            batch.state, batch.progress = ImportBatch.State.APPLYING, 0
            batch.save(update_fields=["state", "progress", "updated_at"])
        user = batch.created_by
        if not self.permitted(batch, user):
            self._fail(batch, str(_no_permission()), state=ImportBatch.State.CHECKED)
            return
        progress = Progress(batch.pk, batch.row_count, steps=2)
        try:
            self.apply_batch(batch, user, progress=progress)
        except ValidationError as error:
            batch.refresh_from_db()
            if batch.state != ImportBatch.State.CHECKED or not batch.errors:  # not the rows' problems
                self._fail(batch, " ".join(error.messages), state=ImportBatch.State.CHECKED)
        except Exception:
            logger.exception("import of batch %s failed", batch_id)
            self._fail(batch, str(_task_failed()), state=ImportBatch.State.CHECKED)
        finally:
            progress.close()

    def _summary(self, result: CheckResult) -> dict:
        return {"counts": result.counts, "plan": result.plan[: self.plan_preview_rows]}


def _problem_text(problem: dict) -> str:
    if problem.get("column"):
        return _("Row %(row)s, “%(column)s”: %(message)s") % problem
    return _("Row %(row)s: %(message)s") % problem


def _task_failed():
    return gettext_lazy("The server could not finish this file; nothing was imported. Upload it again.")


def _no_permission():
    return gettext_lazy("You may no longer import this file; nothing was imported.")


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
