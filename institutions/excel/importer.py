"""Checking an uploaded workbook row by row and applying it all at once; see the package docstring."""

from __future__ import annotations

import hashlib
import uuid
from dataclasses import dataclass, field
from typing import Any

from django.core.exceptions import NON_FIELD_ERRORS, PermissionDenied, ValidationError
from django.core.files.base import ContentFile
from django.db import IntegrityError, transaction
from django.db.models import Q, UniqueConstraint
from django.utils import timezone
from django.utils.translation import gettext as _

from core.concurrency import ConcurrentEditError, save_versioned
from core.models import ImportBatch, Region
from institutions import uscc
from institutions.excel.columns import (
    BOOL,
    BY_FIELD,
    CHOICE,
    CODE,
    COLUMNS,
    COUNT_LIMIT,
    DATE,
    DECIMAL,
    INT,
    MAX_ROWS,
    PARENT,
    PLAN_PREVIEW_ROWS,
    REGION,
    SHEET,
    TEXT,
    VALUE_FIELDS,
    YES,  # noqa: F401
    CellError,
    WorkbookError,
    _choice_lookup,
    _key,
    choice_labels,
    clean_text,
    header_key,
    parse_bool,
    parse_date,
    parse_decimal,
    parse_int,
)
from institutions.excel.workbook import (
    _open_workbook,
    check_size,
    max_bytes,
)
from institutions.models import (
    Institution,
)
from institutions.services import can_edit_registry


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
class Row:
    number: int
    cells: dict[str, Any]  # field -> raw cell value
    values: dict[str, Any] = field(default_factory=dict)
    region: Region | None = None
    parent_name: str = ""
    problems: list[Problem] = field(default_factory=list)

    def add(self, field_name: str, message: str, code: str) -> None:
        column = BY_FIELD[field_name].header if field_name in BY_FIELD else ""
        self.problems.append(Problem(self.number, column, field_name, code, str(message)))

    @property
    def name(self) -> str:
        return self.values.get("name", "")

    @property
    def code(self) -> str:
        return self.values.get("credit_code", "")


def _find_header(rows: list[tuple]) -> int | None:
    """The index of the header row: the first of the top rows naming the name column (a title row
    above it is tolerated)."""
    name_key = header_key(BY_FIELD["name"].header)
    for index, values in enumerate(rows):
        if any(header_key(value) == name_key for value in values):
            return index
    return None


def _map_headers(headers: tuple) -> dict[int, str]:
    """Column index -> field; a WorkbookError naming missing, unknown or repeated headers."""
    known = {header_key(column.header): column.field for column in COLUMNS}
    mapping, unknown, repeated = {}, [], []
    for index, header in enumerate(headers):
        key = header_key(header)
        if not key:
            continue
        name = known.get(key)
        if name is None:
            unknown.append(clean_text(header))
        elif name in mapping.values():
            repeated.append(BY_FIELD[name].header)
        else:
            mapping[index] = name
    missing = [column.header for column in COLUMNS if column.field not in mapping.values()]
    messages = []
    if missing:
        messages.append(
            _("The header row lacks these columns: %(columns)s.") % {"columns": "、".join(missing)}
        )
    if unknown:
        messages.append(
            _("The header row has columns the import does not know: %(columns)s.")
            % {"columns": "、".join(unknown)}
        )
    if repeated:
        messages.append(
            _("These columns appear more than once: %(columns)s.") % {"columns": "、".join(repeated)}
        )
    if messages:
        messages.append(_("Use the header row of the template unchanged."))
        raise WorkbookError(" ".join(messages), code="headers")
    return mapping


def read_rows(data: bytes) -> list[Row]:
    """The data rows of the list sheet, with their Excel row numbers; blank rows skipped."""
    workbook = _open_workbook(data)
    try:
        sheet = workbook[SHEET] if SHEET in workbook.sheetnames else workbook.worksheets[0]
        sheet.reset_dimensions()  # some writers record a wrong used range; read what is there
        cells = sheet.iter_rows(values_only=True)
        top = []
        for values in cells:
            top.append(values)
            if len(top) == 10:
                break
        if not any(clean_text(value) for values in top for value in values):
            raise WorkbookError(
                _(
                    "The workbook is empty. Fill in the template, one institution per row below the header "
                    "row."
                ),
                code="empty",
            )
        header_index = _find_header(top)
        if header_index is None:
            header_index = next(i for i, values in enumerate(top) if any(clean_text(v) for v in values))
        mapping = _map_headers(top[header_index])
        rows, count = [], 0
        number = header_index + 1

        def data_rows():
            yield from top[header_index + 1 :]
            yield from cells

        for values in data_rows():
            number += 1
            if not any(clean_text(value) for value in values):
                continue
            count += 1
            if count <= MAX_ROWS:
                rows.append(
                    Row(number, {name: values[i] if i < len(values) else None for i, name in mapping.items()})
                )
            elif count >= COUNT_LIMIT:
                break
    except WorkbookError:
        raise
    except Exception as error:  # a damaged sheet part surfaces only while reading it
        raise WorkbookError(
            _(
                "The workbook could not be read; it may be damaged. Open it in Excel, save it again as an "
                "Excel workbook (.xlsx) and upload that."
            ),
            code="not_xlsx",
        ) from error
    finally:
        workbook.close()
    if count > MAX_ROWS:
        raise WorkbookError(
            _(
                "The file has %(rows)s rows of data, more than the %(max)s rows one import can take. "
                "Split it into several files."
            )
            % {"rows": count if count < COUNT_LIMIT else f"{COUNT_LIMIT}+", "max": MAX_ROWS},
            code="too_many_rows",
        )
    if not rows:
        raise WorkbookError(
            _("The workbook has the header row but no institutions below it."), code="no_rows"
        )
    return rows


# Checking and applying -----------------------------------------------------------------------


class _Regions:
    """The county-level regions a user may import into, by name and by code."""

    def __init__(self, user):
        self.visible = list(Region.objects.visible_to(user).county_level())
        self.by_code = {region.code.upper(): region for region in self.visible}
        self.by_name: dict[str, list[Region]] = {}
        for region in self.visible:
            self.by_name.setdefault(_key(region.name), []).append(region)
        self._exists: dict[str, bool] = {}

    def exists_elsewhere(self, text: str) -> bool:
        if text not in self._exists:
            self._exists[text] = Region.objects.filter(Q(code=text.upper()) | Q(name=text)).exists()
        return self._exists[text]

    def resolve(self, row: Row, value) -> None:
        text = clean_text(value)
        if not text:
            row.add("region", _("Give the region: the name or code of a county-level unit."), "required")
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
            row.add(
                "region",
                _(
                    "“%(value)s” is not a county-level unit of your area: you can only import institutions "
                    "of your own region."
                )
                % {"value": text},
                "outside_region",
            )
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


def _parse(row: Row, regions: _Regions, lookups: dict) -> None:
    """Cells to model values; a cell that cannot be read becomes a problem and the field's default."""
    for column in COLUMNS:
        value = row.cells.get(column.field)
        model_field = Institution._meta.get_field(column.field)
        try:
            if column.kind == REGION:
                regions.resolve(row, value)
            elif column.kind == PARENT:
                row.parent_name = clean_text(value)
            elif column.kind == CODE:
                row.values[column.field] = uscc.normalize(value)
            elif column.kind == TEXT:
                row.values[column.field] = clean_text(value)
            elif column.kind == CHOICE:
                text = clean_text(value)
                if text == "":
                    row.values[column.field] = model_field.get_default()
                elif _key(text) in lookups[column.field]:
                    row.values[column.field] = lookups[column.field][_key(text)]
                else:
                    raise CellError(
                        _("“%(value)s” is not one of: %(choices)s.")
                        % {"value": text, "choices": "、".join(choice_labels(column.choices))},
                        "invalid_choice",
                    )
            elif column.kind == BOOL:
                row.values[column.field] = parse_bool(value)
            elif column.kind == INT:
                row.values[column.field] = parse_int(value, model_field.get_default())
            elif column.kind == DECIMAL:
                row.values[column.field] = parse_decimal(value)
            elif column.kind == DATE:
                row.values[column.field] = parse_date(value)
        except CellError as error:
            row.add(column.field, error.message, error.code)
            row.values[column.field] = model_field.get_default()


def _copy(institution: Institution) -> Institution:
    fields = Institution._meta.concrete_fields
    copy = Institution(**{f.attname: getattr(institution, f.attname) for f in fields})
    copy._state.adding = False
    copy._state.db = institution._state.db
    return copy


class _Registry:
    """The institutions the user may change, kept current as the file's rows are saved."""

    def __init__(self, user):
        self.by_code_name: dict[tuple, list[Institution]] = {}
        self.by_region_name: dict[tuple, Institution] = {}
        for institution in Institution.objects.visible_to(user):
            self.put(institution)

    def put(self, institution: Institution, old: Institution | None = None) -> None:
        if old is not None:
            self.by_region_name.pop((old.region_id, _key(old.name)), None)
            same = self.by_code_name.get((old.credit_code, _key(old.name)), [])
            same[:] = [other for other in same if other.pk != old.pk]
        self.by_region_name[(institution.region_id, _key(institution.name))] = institution
        if institution.credit_code:
            key = (institution.credit_code, _key(institution.name))
            self.by_code_name.setdefault(key, []).append(institution)

    def match(self, row: Row) -> Institution | None:
        """First by credit code and name, then by region and name."""
        if row.code:
            found = self.by_code_name.get((row.code, _key(row.name)), [])
            in_region = [i for i in found if row.region and i.region_id == row.region.pk]
            if len(in_region) == 1 or len(found) == 1:
                return (in_region or found)[0]
        if row.region:
            return self.by_region_name.get((row.region.pk, _key(row.name)))
        return None


_UNIQUE_CONSTRAINTS = [c for c in Institution._meta.constraints if isinstance(c, UniqueConstraint)]


def _full_clean(instance: Institution) -> None:
    """``Institution.full_clean()`` without two costs that buy nothing here, two thirds of the time
    of a 5,000-row check: the region and head foreign keys are not looked up again (they were just
    found), and the CheckConstraints are not evaluated in Python (Django builds a query annotating
    every field for each): ``clean()`` states the same rules with a message a clerk understands, and
    PostgreSQL enforces them on save. Field validation, ``clean()`` and the unique constraints run
    as in ``full_clean()``."""
    errors: dict = {}
    try:
        instance.clean_fields(exclude={"region", "parent"})
    except ValidationError as error:
        errors = error.update_error_dict(errors)
    try:
        instance.clean()
    except ValidationError as error:
        errors = error.update_error_dict(errors)
    exclude = {name for name in errors if name != NON_FIELD_ERRORS}
    for constraint in _UNIQUE_CONSTRAINTS:
        try:
            constraint.validate(Institution, instance, exclude=exclude)
        except ValidationError as error:
            errors = error.update_error_dict(errors)
    if errors:
        raise ValidationError(errors)


def _model_problems(row: Row, error: ValidationError) -> None:
    unreadable = {problem.field for problem in row.problems}
    if "region" in unreadable:
        unreadable.add("parent")  # the head is looked up in the row's region
    for name, errors in error.error_dict.items():
        for item in errors:
            code = item.code or "invalid"
            if name == NON_FIELD_ERRORS and code == "unique_together":
                name = "name"  # the same name twice in a region
            if name in unreadable:
                continue  # the cell itself could not be read; that problem is reported already
            for message in item.messages:
                row.add(name if name != NON_FIELD_ERRORS else "", message, code)


@dataclass
class CheckResult:
    row_count: int
    problems: list[dict]
    plan: list[dict]
    counts: dict[str, int]


def _changed_fields(current: Institution, row: Row, parent: Institution | None) -> list[str]:
    changed = [name for name in VALUE_FIELDS if getattr(current, name) != row.values[name]]
    if row.region and current.region_id != row.region.pk:
        changed.append("region")
    if current.parent_id != (parent.pk if parent else None):
        changed.append("parent")
    return [column.field for column in COLUMNS if column.field in changed]  # in the sheet's order


class _Seen:
    """What the earlier rows of the file hold: a row repeating one is a problem."""

    def __init__(self):
        self.names: dict[tuple, Row] = {}  # (region id, name) -> first row
        self.codes: dict[str, int] = {}  # credit code of a row that is no branch -> row number
        self.matched: dict[int, int] = {}  # registered institution id -> row number

    def check(self, row: Row) -> None:
        if row.region and row.name:
            first = self.names.setdefault((row.region.pk, _key(row.name)), row)
            if first is not row:
                message = _("Row %(row)s has the same institution in the same region.") % {
                    "row": first.number
                }
                row.add("name", message, "duplicate_in_file")
        if row.code and not row.parent_name:
            first_number = self.codes.setdefault(row.code, row.number)
            if first_number != row.number:
                message = _(
                    "Row %(row)s has the same credit code. Only branches of a “1+N” consortium, with their "
                    "head institution filled in, may share it."
                ) % {"row": first_number}
                row.add("credit_code", message, "duplicate_in_file")

    def check_match(self, row: Row, current: Institution | None) -> None:
        if current is None:
            return
        first_number = self.matched.setdefault(current.pk, row.number)
        if first_number != row.number:
            message = _("This row and row %(row)s are the same institution in the registry (%(name)s).") % {
                "row": first_number,
                "name": current.name,
            }
            row.add("name", message, "duplicate_in_file")


def _find_parent(row: Row, registry: _Registry, seen: _Seen) -> Institution | None:
    """The head institution a branch names: registered, or created by an earlier row."""
    if not (row.parent_name and row.region):
        return None
    key = (row.region.pk, _key(row.parent_name))
    head_row = seen.names.get(key)
    if head_row is not None and head_row.problems:
        message = _(
            "The head institution “%(name)s” is in row %(row)s, which has problems: fix that row first."
        ) % {"name": row.parent_name, "row": head_row.number}
        row.add("parent", message, "parent_has_problems")
        return None
    parent = registry.by_region_name.get(key)
    if parent is None:
        message = _(
            "There is no head institution “%(name)s” in %(region)s, in the registry or in this file."
        ) % {"name": row.parent_name, "region": row.region.name}
        row.add("parent", message, "parent_not_found")
    return parent


def _validated(row: Row, current: Institution | None, parent: Institution | None) -> Institution:
    """The institution as the row would leave it; the model's complaints become the row's problems."""
    instance = _copy(current) if current is not None else Institution()
    unreadable = {problem.field for problem in row.problems}
    for name in VALUE_FIELDS:
        if current is None or name not in unreadable:  # an unreadable cell keeps the current value
            setattr(instance, name, row.values[name])
    if row.region:
        instance.region = row.region
    instance.parent = parent
    try:
        _full_clean(instance)
    except ValidationError as error:
        _model_problems(row, error)
    return instance


def _process(rows: list[Row], user, reason: str) -> CheckResult:
    """Check the rows and save the good ones, heads before branches; run inside a transaction that
    the caller rolls back (a check, or a file with problems) or commits."""
    regions, registry, seen = _Regions(user), _Registry(user), _Seen()
    lookups = {column.field: _choice_lookup(column.choices) for column in COLUMNS if column.kind == CHOICE}
    plan = []
    for row in rows:
        _parse(row, regions, lookups)
    for row in sorted(rows, key=lambda r: (bool(r.parent_name), r.number)):
        seen.check(row)
        parent = _find_parent(row, registry, seen)
        current = registry.match(row)
        seen.check_match(row, current)
        changed = []
        if current is not None and not row.problems:
            changed = _changed_fields(current, row, parent)
            if not changed:
                plan.append(_plan_entry(row, "unchanged", []))
                continue
        instance = _validated(row, current, parent)
        if row.problems:
            continue
        if current is None:
            instance._history_user = user
            instance._change_reason = reason
            instance.save()
            registry.put(instance)
            plan.append(_plan_entry(row, "create", []))
        else:
            save_versioned(instance, expected_version=current.version, by=user, reason=reason)
            registry.put(instance, old=current)
            plan.append(_plan_entry(row, "update", changed))

    problems = sorted(
        (problem for row in rows for problem in row.problems),
        key=lambda p: (p.row, _COLUMN_ORDER.get(p.field, len(COLUMNS))),
    )
    plan.sort(key=lambda entry: entry["row"])
    counts = {action: sum(1 for e in plan if e["action"] == action) for action in ACTIONS}
    return CheckResult(len(rows), [p.as_dict() for p in problems], plan, counts)


_COLUMN_ORDER = {column.field: index for index, column in enumerate(COLUMNS)}
ACTIONS = ("create", "update", "unchanged")


def _plan_entry(row: Row, action: str, changed: list[str]) -> dict:
    return {
        "row": row.number,
        "action": action,
        "name": row.name,
        "region": row.region.name if row.region else "",
        "changes": [BY_FIELD[name].header for name in changed],
    }


class _Rollback(Exception):
    def __init__(self, result: CheckResult):
        self.result = result


def _read(file) -> bytes:
    if isinstance(file, bytes):
        data = file
    else:
        size = getattr(file, "size", None)
        if size is not None:
            check_size(size)
        if hasattr(file, "seek"):
            file.seek(0)
        data = file.read(max_bytes() + 1)
    check_size(len(data))
    return data


def check_workbook(file, user) -> CheckResult:
    """Read the file and check every row against the registry; nothing is kept.

    Raises WorkbookError when the file as a whole is unusable."""
    rows = read_rows(_read(file))
    try:
        with transaction.atomic():
            result = _process(rows, user, reason="")
            raise _Rollback(result)
    except _Rollback as rollback:
        return rollback.result
    except (IntegrityError, ConcurrentEditError) as error:
        raise WorkbookError(_registry_changed_message(), code="registry_changed") from error


def _registry_changed_message() -> str:
    return _(
        "The registry changed while the file was being processed; nothing was imported. Upload the file "
        "again."
    )


def batch_region(user) -> Region:
    if user.region_id:
        return user.region
    region = Region.objects.filter(parent__isnull=True).order_by("path").first()  # a superuser
    if region is None:
        raise WorkbookError(_("There is no region to import into."), code="no_region")
    return region


def create_batch(*, file, user, original_name: str = "") -> ImportBatch:
    """Check an uploaded workbook and keep it, with its problems and plan, for the preview.

    A file that cannot be imported at all raises WorkbookError and is not kept."""
    if not can_edit_registry(user):
        raise PermissionDenied
    data = _read(file)
    result = check_workbook(data, user)
    batch = ImportBatch(
        kind=ImportBatch.Kind.INSTITUTIONS,
        region=batch_region(user),
        created_by=user,
        original_name=(original_name or getattr(file, "name", "") or "workbook.xlsx")[:255],
        sha256=hashlib.sha256(data).hexdigest(),
        row_count=result.row_count,
        errors=result.problems,
        summary=_summary(result),
    )
    batch.file.save(f"{uuid.uuid4().hex}.xlsx", ContentFile(data), save=False)
    batch.save()
    return batch


def _summary(result: CheckResult) -> dict:
    return {"counts": result.counts, "plan": result.plan[:PLAN_PREVIEW_ROWS]}


def apply_batch(batch: ImportBatch, user) -> dict[str, int]:
    """Check the batch's file again and apply it: every row or none. Returns the counts.

    Raises ValidationError (nothing written) when the batch was applied already, has problems,
    or the registry has changed so that the file no longer passes."""
    if batch.created_by_id != user.pk or not can_edit_registry(user):
        raise PermissionDenied
    reason = _("Excel import: %(file)s") % {"file": batch.original_name}
    try:
        with transaction.atomic():
            locked = ImportBatch.objects.select_for_update().get(pk=batch.pk)
            if locked.status == ImportBatch.Status.APPLIED:
                raise ValidationError(_("This file has been imported already."), code="applied")
            if locked.errors:
                raise ValidationError(
                    _("This file has problems: fix them in the file and upload it again."), code="problems"
                )
            try:
                with locked.file.open("rb") as stored:
                    data = stored.read()
            except (OSError, ValueError) as error:
                raise ValidationError(
                    _("The uploaded file is no longer available; upload it again."), code="missing_file"
                ) from error
            result = _process(read_rows(data), user, reason=reason)
            if result.problems:
                raise _Rollback(result)
            locked.status = ImportBatch.Status.APPLIED
            locked.applied_at = timezone.now()
            locked.summary = _summary(result)
            locked.save(update_fields=["status", "applied_at", "summary", "updated_at"])
    except _Rollback as rollback:
        batch.errors = rollback.result.problems
        batch.summary = _summary(rollback.result)
        batch.save(update_fields=["errors", "summary", "updated_at"])
        raise ValidationError(
            _(
                "The registry has changed since the check and %(count)s problems were found; nothing was "
                "imported. See the list below."
            )
            % {"count": len(rollback.result.problems)},
            code="problems",
        ) from None
    except (IntegrityError, ConcurrentEditError) as error:
        raise ValidationError(_registry_changed_message(), code="registry_changed") from error
    batch.refresh_from_db()
    return result.counts
