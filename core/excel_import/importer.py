"""``Importer``: the two steps every import shares — check an upload (``check``,
``create_batch``, ``run_check``) and apply a batch (``apply_batch``, ``queue_apply``,
``run_apply``), inside the request or, for a file of more than ``sync_rows()`` rows, by a Celery
task (``core.import_tasks``)."""

from __future__ import annotations

import hashlib
import logging
import uuid
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from django.conf import settings
from django.core.exceptions import ValidationError
from django.core.files.base import ContentFile
from django.db import IntegrityError, transaction
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from core.concurrency import ConcurrentEditError
from core.excel import WorkbookError, read_upload, recorded_rows
from core.excel_import.rows import CheckResult
from core.excel_import.writes import Match, Plan, Progress, _no_progress
from core.models import ImportBatch

SYNC_ROWS_DEFAULT = 300

logger = logging.getLogger("core.excel_import")


def sync_rows() -> int:
    """Files of up to this many rows are checked and applied inside the request; larger ones by a
    Celery task (``PORTAL_IMPORT_SYNC_ROWS``)."""
    return int(getattr(settings, "PORTAL_IMPORT_SYNC_ROWS", SYNC_ROWS_DEFAULT))


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
