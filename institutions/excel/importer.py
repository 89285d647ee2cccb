"""Checking an uploaded workbook row by row and applying it all at once; see the package docstring.
The two steps themselves (check in a rolled-back transaction, keep the batch, apply it) are
``core.excel_import``'s."""

from __future__ import annotations

from dataclasses import dataclass
from typing import ClassVar

from django.core.exceptions import NON_FIELD_ERRORS, PermissionDenied, ValidationError
from django.db.models import UniqueConstraint
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from core.concurrency import save_versioned
from core.excel import parse_choice, read_upload
from core.excel_import import (
    CheckResult,
    Importer,
    ImportRow,
    RegionLookup,
    check_result,
)
from core.models import ImportBatch, Region
from core.validators import phone_from_cell
from institutions import uscc
from institutions.excel.columns import (
    BOOL,
    BY_FIELD,
    CHOICE,
    CODE,
    COLUMNS,
    DATE,
    DECIMAL,
    INT,
    MAX_ROWS,
    PARENT,
    PHONE,
    PLAN_PREVIEW_ROWS,
    REGION,
    SHEET,
    TEXT,
    VALUE_FIELDS,
    CellError,
    WorkbookError,
    _choice_lookup,
    _key,
    clean_text,
    parse_bool,
    parse_date,
    parse_decimal,
    parse_int,
)
from institutions.models import Institution
from institutions.services import can_edit_registry


@dataclass
class Row(ImportRow):
    region: Region | None = None
    parent_name: str = ""

    columns: ClassVar[dict] = BY_FIELD

    @property
    def name(self) -> str:
        return self.values.get("name", "")

    @property
    def code(self) -> str:
        return self.values.get("credit_code", "")


# Each row is one institution: a cell of these merged down over several rows is refused, not
# repeated (other merged cells, e.g. a region over its institutions, are read in every row).
UNIQUE_FIELDS = ("name", "credit_code")
# Columns added after the first template: a workbook made from an older one (or a district's own)
# may lack them. A missing column leaves a registered institution's value as it is; a new one
# gets the field's default (for the confirmation of a check character: not confirmed).
OPTIONAL_FIELDS = ("credit_code_confirmed", "legal_code_entered_on")


def read_rows(data: bytes) -> list[Row]:
    """The data rows of the list sheet, with their Excel row numbers; blank rows skipped; merged
    cells as ``core.excel.read_table`` reads them."""
    return Row.read(
        data,
        sheet=SHEET,
        anchor=BY_FIELD["name"].header,
        max_rows=MAX_ROWS,
        unique=UNIQUE_FIELDS,
        optional=OPTIONAL_FIELDS,
        empty_message=_(
            "The workbook is empty. Fill in the template, one institution per row below the header row."
        ),
        no_rows_message=_("The workbook has the header row but no institutions below it."),
    )


# Checking and applying -----------------------------------------------------------------------


class _Regions(RegionLookup):
    """The county-level regions a user may import into: a row must name one."""

    def blank(self, row: Row) -> None:
        row.add("region", _("Give the region: the name or code of a county-level unit."), "required")

    def outside(self, row: Row, text: str) -> None:
        row.add(
            "region",
            _(
                "“%(value)s” is not a county-level unit of your area: you can only import institutions "
                "of your own region."
            )
            % {"value": text},
            "outside_region",
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
            elif column.kind == PHONE:
                row.values[column.field] = _phone(value)
            elif column.kind == TEXT:
                row.values[column.field] = clean_text(value)
            elif column.kind == CHOICE:
                text = clean_text(value)
                if text == "":
                    row.values[column.field] = model_field.get_default()
                else:
                    row.values[column.field] = parse_choice(text, lookups[column.field], column.choices)
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


def _phone(value) -> str:
    """A phone cell (``core.validators.phone_from_cell``): a number cell that lost its leading 0 is
    a problem of the cell, said so."""
    try:
        return phone_from_cell(value)
    except ValidationError as error:
        raise CellError(error.messages[0], error.code) from error


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
    unreadable = row.unreadable
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


def _validated(row: Row, current: Institution | None, parent: Institution | None, user) -> Institution:
    """The institution as the row would leave it; the model's complaints become the row's problems."""
    instance = _copy(current) if current is not None else Institution()
    unreadable = row.unreadable
    for name in VALUE_FIELDS:
        if current is None or name not in unreadable:  # an unreadable cell keeps the current value
            setattr(instance, name, row.values[name])
    if row.region:
        instance.region = row.region
    instance.parent = parent
    instance.checked_for = user  # a duplicate code is named only if the user may see its holder
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
        if current is not None:
            for name in OPTIONAL_FIELDS:
                if name not in row.cells:  # no such column in the file: unchanged
                    row.values[name] = getattr(current, name)
        changed = []
        if current is not None and not row.problems:
            changed = _changed_fields(current, row, parent)
            if not changed:
                plan.append(_plan_entry(row, "unchanged", []))
                continue
        instance = _validated(row, current, parent, user)
        if row.problems:
            continue
        instance.record_code_confirmation(by=user, before=current)
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

    return check_result(rows, plan, _COLUMN_ORDER)


_COLUMN_ORDER = {column.field: index for index, column in enumerate(COLUMNS)}


def _plan_entry(row: Row, action: str, changed: list[str]) -> dict:
    return {
        "row": row.number,
        "action": action,
        "name": row.name,
        "region": row.region.name if row.region else "",
        "changes": [BY_FIELD[name].header for name in changed],
    }


def _reason(file_name: str) -> str:
    return _("Excel import: %(file)s") % {"file": file_name}


IMPORTER = Importer(
    kind=ImportBatch.Kind.INSTITUTIONS,
    read_rows=read_rows,
    process=_process,
    reason=_reason,
    changed_code="registry_changed",
    changed_message=gettext_lazy(
        "The registry changed while the file was being processed; nothing was imported. Upload the file "
        "again."
    ),
    changed_since_check=gettext_lazy(
        "The registry has changed since the check and %(count)s problems were found; nothing was "
        "imported. See the list below."
    ),
    plan_preview_rows=PLAN_PREVIEW_ROWS,
    check_with_reason=False,
)


def check_workbook(file, user) -> CheckResult:
    """Read the file and check every row against the registry; nothing is kept.

    Raises WorkbookError when the file as a whole is unusable."""
    return IMPORTER.check(read_upload(file), user, file_name="")


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
    return IMPORTER.create_batch(file=file, user=user, region=batch_region, original_name=original_name)


def apply_batch(batch: ImportBatch, user) -> dict[str, int]:
    """Apply the batch (see ``Importer.apply_batch``) for its uploader, who must still be allowed
    to edit the registry; returns the counts. ValidationError (nothing written) when the registry
    has changed so that the file no longer passes, or it cannot be applied."""
    if batch.created_by_id != user.pk or not can_edit_registry(user):
        raise PermissionDenied
    return IMPORTER.apply_batch(batch, user)
