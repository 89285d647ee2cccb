"""What validating a file plans and how it is written: ``Match`` (what a good row does) and
``Plan``; ``Progress`` (rows done, written on the batch for the preview page); and the bulk writes
in batches of ``WRITE_BATCH`` rows: ``lock_versions`` (SELECT … FOR UPDATE and a version check),
``bulk_create_with_history`` and ``bulk_update_versioned`` (versioned ``UPDATE … FROM VALUES``)."""

from __future__ import annotations

import logging
from collections.abc import Callable, Iterable
from dataclasses import dataclass
from typing import Any

from django.db import DEFAULT_DB_ALIAS, connection, connections
from django.utils import timezone
from django.utils.translation import gettext as _

from core.concurrency import ConcurrentEditError
from core.excel_import.rows import CheckResult, check_result
from core.models import ImportBatch

WRITE_BATCH = 500  # rows per bulk INSERT / UPDATE

logger = logging.getLogger("core.excel_import")


def chunks(items: list, size: int = WRITE_BATCH) -> Iterable[list]:
    for start in range(0, len(items), size):
        yield items[start : start + size]


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
