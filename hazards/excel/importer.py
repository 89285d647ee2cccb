"""Checking an uploaded ledger row by row and applying it all at once; see the package docstring.
What is the ledger's own is here and in two siblings: the rows read and parsed, with their
institution, in ``hazards.excel.rows``; the hazard matching and the rules in
``hazards.excel.checks``; here the ``IMPORTER`` and its entry points (``create_batch``,
``apply_batch``, ...), the validation of a whole file, the numbering and the bulk writes. The check,
the batch and the apply (in one transaction, in a Celery task for a large file) are run by
``core.excel_import``."""

from __future__ import annotations

import functools
import re

from django.core.exceptions import PermissionDenied
from django.db.models import Max, Value
from django.db.models.functions import LPad, Substr
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from core.excel import _choice_lookup, read_upload
from core.excel_import import (
    WRITE_BATCH,
    CheckResult,
    Importer,
    Match,
    Plan,
    bulk_create_with_history,
    bulk_update_versioned,
    check_result,
    lock_versions,
)
from core.models import ImportBatch, Region
from core.roles import Role
from hazards.excel.checks import _changed_fields, _Ledger, _plan_entry, _Seen, _status_rules, _validated
from hazards.excel.columns import BY_FIELD, CHOICE, COLUMNS, ORDER, PLAN_PREVIEW_ROWS
from hazards.excel.rows import Row, _Institutions, _parse, _Regions, natural_key, read_rows
from hazards.models import DeadlineChange, Hazard, HazardEvent

__all__ = [
    "IMPORTER",
    "apply_batch",
    "can_import",
    "check_workbook",
    "create_batch",
    "natural_key",
    "queue_apply",
    "read_rows",
]


def can_import(user) -> bool:
    """District staff import their district's ledger (the batch belongs to their region)."""
    return user.is_authenticated and user.role == Role.DISTRICT and user.region_id is not None


def _reason(file_name: str) -> str:
    return _("Ledger import: %(file)s") % {"file": file_name}


def _validate(rows: list[Row], user, for_apply: bool, progress) -> Plan:
    """Check the rows in memory against the ledger as the file's earlier rows leave it (numbered
    rows first), then number the new hazards that have no number; for applying, lock the hazards to
    update (and the regions whose numbering continues) and give the writes."""
    regions, institutions = _Regions(user), _Institutions(user)
    lookups = {column.field: _choice_lookup(column.choices) for column in COLUMNS if column.kind == CHOICE}
    for row in rows:
        _parse(row, regions, lookups)
    regions.finish()
    institutions.resolve_all(rows)
    ledger, seen = _Ledger(user, rows, regions), _Seen()
    entries, matches, creates, updates = [], {}, [], []
    for done, row in enumerate(sorted(rows, key=lambda r: (not r.code, r.number))):
        progress(done)
        seen.check(row)
        current = ledger.match(row)
        seen.check_match(row, current)
        changed = []
        if current is not None and not row.problems:
            changed = _changed_fields(current, row)
            if not changed:
                entries.append((row, "unchanged", current, []))
                matches[row.number] = Match("unchanged", current.pk, current.version, current.code)
                continue
            _status_rules(row, current, changed)
        hazard = _validated(row, current)
        if row.problems:
            continue
        if current is None:
            hazard.created_by = user
            ledger.put(hazard)
            creates.append(hazard)
            entries.append((row, "create", hazard, []))
        else:
            ledger.put(hazard, old=current)
            updates.append((hazard, current, changed))
            entries.append((row, "update", hazard, changed))
            matches[row.number] = Match("update", current.pk, current.version, current.code)
    progress(len(rows))
    _number(creates, lock=for_apply)
    for row, action, hazard, _changed in entries:
        if action == "create":
            matches[row.number] = Match("create", label=hazard.code)
    plan = [_plan_entry(row, action, hazard, changed) for row, action, hazard, changed in entries]
    result = check_result(rows, plan, ORDER)
    write = None
    if for_apply and not result.problems:
        lock_versions(Hazard, {current.pk: current.version for _h, current, _c in updates})
        write = functools.partial(_write, creates, updates, user)
    return Plan(rows, result, matches, ORDER, write)


def _highest_serials(region: Region, years: set[int]) -> dict[int, int]:
    """The highest serial of the region's numbers for each of `years`, by numeric value (as
    ``services.next_code``: past 9999 the text order would put …-10000 before …-9999); serials that
    are not all digits (a district's own) are skipped. One query."""
    if not years:
        return {}
    code = region.code
    pattern = rf"^{re.escape(code)}-({'|'.join(str(year) for year in sorted(years))})-[0-9]+$"
    width = Hazard._meta.get_field("code").max_length
    top = (
        Hazard.objects.filter(code__startswith=f"{code}-", code__regex=pattern)
        .annotate(
            year=Substr("code", len(code) + 2, 4),
            serial=LPad(Substr("code", len(code) + 7), width, Value("0")),
        )
        .order_by()
        .values("year")
        .annotate(top=Max("serial"))
        .values_list("year", "top")
    )
    return {int(year): int(serial) for year, serial in top}


def _number(hazards: list[Hazard], *, lock: bool) -> None:
    """Number the new hazards that have none, in the file's order, per region and year after the
    highest serial the ledger and the file's own numbers hold (a query per region). Applying, each
    region's row is locked first, as ``services.assign_code`` does for a hazard recorded in a form,
    so that an import and a form (or two imports) never hand out the same number."""
    unnumbered = [hazard for hazard in hazards if not hazard.code]
    if not unnumbered:
        return
    region_ids = sorted({hazard.region_id for hazard in unnumbered})
    found = Region.objects.filter(pk__in=region_ids).order_by("pk")
    if lock:
        found = found.select_for_update()
    regions = {region.pk: region for region in found}
    serials: dict[tuple, int] = {}
    for region_id in region_ids:
        region = regions[region_id]
        years = {hazard.found_on.year for hazard in unnumbered if hazard.region_id == region_id}
        for year, serial in _highest_serials(region, years).items():
            serials[(region_id, year)] = serial
        own = re.compile(rf"^{re.escape(region.code)}-(\d{{4}})-(\d+)$")
        for hazard in hazards:
            match = own.match(hazard.code or "")
            if hazard.region_id == region_id and match:  # the file's own numbers of the series
                key = (region_id, int(match.group(1)))
                serials[key] = max(serials.get(key, 0), int(match.group(2)))
    for hazard in unnumbered:
        key = (hazard.region_id, hazard.found_on.year)
        serials[key] = serials.get(key, 0) + 1
        hazard.code = f"{regions[hazard.region_id].code}-{hazard.found_on.year}-{serials[key]:04d}"


def _write(creates: list[Hazard], updates: list[tuple], user, reason: str, progress) -> None:
    """Write the checked rows in bulk: the new hazards with their history rows and an "导入" line
    each in their timeline; the changed ones (version-checked, locked) with their history rows, a
    deadline change for each changed deadline, and a timeline line naming the changed columns."""
    done = 0
    if creates:
        done = bulk_create_with_history(Hazard, creates, user=user, reason=reason, progress=progress)
        HazardEvent.objects.bulk_create(
            [
                HazardEvent(
                    hazard=hazard,
                    action=HazardEvent.Action.IMPORT,
                    by=user,
                    to_status=hazard.status,
                    note=reason,
                )
                for hazard in creates
            ],
            batch_size=WRITE_BATCH,
        )
    if not updates:
        return
    fields = {name for _h, _c, changed in updates for name in changed}
    if "institution" in fields:
        fields.add("region")
    bulk_update_versioned(
        Hazard,
        [hazard for hazard, _c, _ch in updates],
        fields,
        user=user,
        reason=reason,
        progress=progress,
        done=done,
    )
    DeadlineChange.objects.bulk_create(
        [
            DeadlineChange(
                hazard=hazard,
                old_deadline=current.deadline,
                new_deadline=hazard.deadline,
                reason=reason[:255],
                changed_by=user,
            )
            for hazard, current, changed in updates
            if "deadline" in changed  # an extension is never silent
        ],
        batch_size=WRITE_BATCH,
    )
    events = []
    for hazard, current, changed in updates:
        note = _("%(reason)s; changed: %(columns)s") % {
            "reason": reason,
            "columns": "、".join(BY_FIELD[name].header for name in changed),
        }
        status_changed = current.status != hazard.status
        events.append(
            HazardEvent(
                hazard=hazard,
                action=HazardEvent.Action.IMPORT,
                by=user,
                note=note,
                from_status=current.status if status_changed else "",
                to_status=hazard.status if status_changed else "",
            )
        )
    HazardEvent.objects.bulk_create(events, batch_size=WRITE_BATCH)


def _permitted(batch: ImportBatch, user) -> bool:
    return batch.created_by_id == user.pk and can_import(user) and batch.kind == ImportBatch.Kind.HAZARDS


IMPORTER = Importer(
    kind=ImportBatch.Kind.HAZARDS,
    read_rows=read_rows,
    validate=_validate,
    reason=_reason,
    permitted=_permitted,
    changed_code="ledger_changed",
    changed_message=gettext_lazy(
        "The ledger changed while the file was being processed; nothing was imported. Upload the file again."
    ),
    changed_since_check=gettext_lazy(
        "The ledger has changed since the check and %(count)s problems were found; nothing was "
        "imported. See the list below."
    ),
    recorded_since_check=gettext_lazy(
        "Since the check, the hazard %(what)s has been recorded in the ledger by someone else, so this row "
        "would now change it instead of adding a new hazard. Nothing was imported: upload the file again "
        "to check it against the ledger as it is now."
    ),
    modified_since_check=gettext_lazy(
        "Since the check, someone else has changed or removed the hazard %(what)s, which this row would "
        "change. Nothing was imported: upload the file again to check it against the ledger as it is now."
    ),
    conflict_field=lambda row: "code" if row.code else "description",
    plan_preview_rows=PLAN_PREVIEW_ROWS,
)


def check_workbook(file, user, file_name: str = "") -> CheckResult:
    """Read the file and check every row against the ledger; nothing is written. Raises
    WorkbookError when the file as a whole is unusable."""
    return IMPORTER.check(read_upload(file), user, file_name)


def create_batch(*, file, user, original_name: str = "") -> ImportBatch:
    """Check an uploaded ledger (or queue it for a task to check) and keep it, with its problems
    and plan, for the preview.

    A file that cannot be imported at all raises WorkbookError and is not kept."""
    if not can_import(user):
        raise PermissionDenied
    return IMPORTER.create_batch(
        file=file, user=user, region=lambda user: user.region, original_name=original_name
    )


def apply_batch(batch: ImportBatch, user) -> dict[str, int]:
    """Check the batch's file again and apply it: every row or none. Returns the counts.

    Raises ValidationError (nothing written) when the batch was applied already, has problems,
    or the ledger has changed so that the file no longer passes."""
    if not _permitted(batch, user):
        raise PermissionDenied
    return IMPORTER.apply_batch(batch, user)


def queue_apply(batch: ImportBatch, user) -> None:
    """Hand a large batch to a Celery task to apply (see ``Importer.queue_apply``)."""
    if not _permitted(batch, user):
        raise PermissionDenied
    IMPORTER.queue_apply(batch, user)
