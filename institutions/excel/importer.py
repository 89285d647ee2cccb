"""Checking an uploaded workbook row by row and applying it all at once; see the package docstring.
The two steps themselves (check, keep the batch, apply it in one transaction, in a Celery task for
a large file) are ``core.excel_import``'s; here the registry is read once for the file and every
row is checked in memory, then written in bulk."""

from __future__ import annotations

import functools
import itertools
from dataclasses import dataclass
from typing import ClassVar

from django.core.exceptions import NON_FIELD_ERRORS, PermissionDenied, ValidationError
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from core.excel import parse_choice, read_upload
from core.excel_import import (
    CheckResult,
    Importer,
    ImportRow,
    Match,
    Plan,
    RegionLookup,
    bulk_create_with_history,
    bulk_update_versioned,
    check_result,
    lock_versions,
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
    SUSPENDED_HEADER,
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
        ignored=(SUSPENDED_HEADER,),
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
    """The institutions the user may change (one query), kept current as the file's rows are
    checked: by credit code and name, by region and name (as compared), and by region and exact
    name (the unique constraint)."""

    def __init__(self, user):
        self.by_code_name: dict[tuple, list[Institution]] = {}
        self.by_region_name: dict[tuple, Institution] = {}
        self.by_exact_name: dict[tuple, Institution] = {}
        self.visible: set[int] = set()
        for institution in Institution.objects.visible_to(user).select_related(None):
            self.visible.add(institution.pk)
            self.put(institution)

    def put(self, institution: Institution, old: Institution | None = None) -> None:
        if old is not None:
            self.by_region_name.pop((old.region_id, _key(old.name)), None)
            self.by_exact_name.pop((old.region_id, old.name), None)
            same = self.by_code_name.get((old.credit_code, _key(old.name)), [])
            same[:] = [other for other in same if other.pk != old.pk]
        self.by_region_name[(institution.region_id, _key(institution.name))] = institution
        self.by_exact_name[(institution.region_id, institution.name)] = institution
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


class _Codes:
    """Who holds each credit code the file names, anywhere (one query), kept current as the file's
    rows are checked: ``Institution.clean``'s rule that only a "1+N" consortium shares a code,
    checked in memory instead of a query per row (``shared_code`` stands in for the model's
    ``_clean_shared_code``, with the same messages)."""

    def __init__(self, codes: set[str], registry: _Registry):
        self.visible = registry.visible
        self.holders: dict[str, dict[int, Institution]] = {}
        if codes:
            for institution in Institution.objects.filter(credit_code__in=codes).select_related("region"):
                self.holders.setdefault(institution.credit_code, {})[institution.pk] = institution

    def put(self, institution: Institution, old: Institution | None = None) -> None:
        if old is not None:
            self.holders.get(old.credit_code, {}).pop(old.pk, None)
        if institution.credit_code:
            self.holders.setdefault(institution.credit_code, {})[institution.pk] = institution

    def shared_code(self, instance: Institution, add) -> None:
        others = [i for pk, i in self.holders.get(instance.credit_code, {}).items() if pk != instance.pk]
        if instance.pk:
            others = [i for i in others if i.parent_id != instance.pk]
        if not others:
            return
        clash = min(others, key=lambda i: (i.region.path, i.name))  # the registry's order
        if clash.pk in self.visible or clash.pk < 0:  # a row of this file is the user's own
            message = _(
                "Credit code %(code)s is already used by %(name)s (%(region)s). Only branches of "
                'a "1+N" consortium may share the head institution\'s code.'
            ) % {"code": instance.credit_code, "name": clash.name, "region": clash.region}
        else:
            message = _(
                "Credit code %(code)s is already registered for another institution. Only branches of "
                'a "1+N" consortium may share the head institution\'s code.'
            ) % {"code": instance.credit_code}
        add("credit_code", ValidationError(message, code="duplicate_code"))


# Not validated again per row: the foreign keys (just found; a query each otherwise) and the fields
# no column sets (as stored, or the defaults).
_NOT_CLEANED = (
    {field.name for field in Institution._meta.concrete_fields} - set(VALUE_FIELDS) - {"credit_code"}
)


def _full_clean(instance: Institution, registry: _Registry) -> None:
    """``Institution.full_clean()`` without a query: the region, head and confirming user are not
    looked up again (they were just found), the unique name in a region is checked against the
    registry in memory (and PostgreSQL enforces it on write), and the CheckConstraints are not
    evaluated in Python (Django builds a query annotating every field for each): ``clean()`` states
    the same rules with a message a clerk understands, and PostgreSQL enforces them on write."""
    errors: dict = {}
    try:
        instance.clean_fields(exclude=_NOT_CLEANED)
    except ValidationError as error:
        errors = error.update_error_dict(errors)
    try:
        instance.clean()
    except ValidationError as error:
        errors = error.update_error_dict(errors)
    if instance.region_id and not {"region", "name"} & set(errors):
        other = registry.by_exact_name.get((instance.region_id, instance.name))
        if other is not None and other.pk != instance.pk:
            error = ValidationError(instance.unique_error_message(Institution, ("region", "name")))
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


def _validated(
    row: Row,
    current: Institution | None,
    parent: Institution | None,
    user,
    registry: _Registry,
    codes: _Codes,
) -> Institution:
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
    instance._clean_shared_code = functools.partial(codes.shared_code, instance)  # in memory
    try:
        _full_clean(instance, registry)
    except ValidationError as error:
        _model_problems(row, error)
    finally:
        del instance._clean_shared_code
    return instance


def _validate(rows: list[Row], user, for_apply: bool, progress) -> Plan:
    """Check the rows in memory against the registry as the file's earlier rows leave it (heads
    before branches); for applying, lock the institutions to update and give the writes."""
    regions = _Regions(user)
    lookups = {column.field: _choice_lookup(column.choices) for column in COLUMNS if column.kind == CHOICE}
    for row in rows:
        _parse(row, regions, lookups)
    regions.finish()
    registry, seen = _Registry(user), _Seen()
    codes = _Codes({row.code for row in rows if row.code}, registry)
    plan, matches, creates, updates = [], {}, [], []
    new_ids = itertools.count(-1, -1)  # stand-in ids of new institutions until they are written
    for done, row in enumerate(sorted(rows, key=lambda r: (bool(r.parent_name), r.number))):
        progress(done)
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
                matches[row.number] = Match("unchanged", current.pk, current.version, current.name)
                continue
        instance = _validated(row, current, parent, user, registry, codes)
        if row.problems:
            continue
        instance.record_code_confirmation(by=user, before=current)
        if current is None:
            instance.pk = next(new_ids)
            registry.put(instance)
            codes.put(instance)
            creates.append(instance)
            plan.append(_plan_entry(row, "create", []))
            matches[row.number] = Match("create", label=instance.name)
        else:
            registry.put(instance, old=current)
            codes.put(instance, old=current)
            updates.append((instance, current, changed))
            plan.append(_plan_entry(row, "update", changed))
            matches[row.number] = Match("update", current.pk, current.version, current.name)
    progress(len(rows))
    result = check_result(rows, plan, _COLUMN_ORDER)
    write = None
    if for_apply and not result.problems:
        lock_versions(Institution, {current.pk: current.version for _i, current, _c in updates})
        write = functools.partial(_write, creates, updates, user)
    return Plan(rows, result, matches, _COLUMN_ORDER, write)


# Fields an update may set besides the columns that changed: ``clean()`` and the confirmation of a
# check character set them.
_CONFIRMATION_FIELDS = ("credit_code_confirmed", "credit_code_confirmed_by", "credit_code_confirmed_at")


def _write(creates: list[Institution], updates: list[tuple], user, reason: str, progress) -> None:
    """Write the checked rows in bulk, with a history row each under the importer's name: updates
    that need no new row first (a row may free a name a new institution takes), then new heads and
    other new institutions, then new branches and updates that name a head new in this file."""
    new = {}  # stand-in id -> the new institution

    def waits(instance: Institution) -> bool:
        return bool(instance.parent_id and instance.parent_id < 0)

    def update(part, done):
        fields = {name for _i, _c, changed in part for name in changed} | set(_CONFIRMATION_FIELDS)
        for instance, _current, _changed in part:
            if waits(instance):
                instance.parent = new[instance.parent_id]
        objs = [instance for instance, _c, _ch in part]
        return bulk_update_versioned(
            Institution, objs, fields, user=user, reason=reason, progress=progress, done=done
        )

    def create(part, done):
        for instance in part:
            new[instance.pk] = instance
            if waits(instance):
                instance.parent = new[instance.parent_id]
            instance.pk = None
        return bulk_create_with_history(
            Institution, part, user=user, reason=reason, progress=progress, done=done
        )

    done = 0
    if first := [u for u in updates if not waits(u[0])]:
        done = update(first, done)
    if heads := [i for i in creates if not waits(i)]:
        done = create(heads, done)
    if branches := [i for i in creates if waits(i)]:
        done = create(branches, done)
    if later := [u for u in updates if waits(u[0])]:
        update(later, done)


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


def _permitted(batch: ImportBatch, user) -> bool:
    return (
        batch.created_by_id == user.pk
        and can_edit_registry(user)
        and batch.kind == ImportBatch.Kind.INSTITUTIONS
    )


IMPORTER = Importer(
    kind=ImportBatch.Kind.INSTITUTIONS,
    read_rows=read_rows,
    validate=_validate,
    reason=_reason,
    permitted=_permitted,
    changed_code="registry_changed",
    changed_message=gettext_lazy(
        "The registry changed while the file was being processed; nothing was imported. Upload the file "
        "again."
    ),
    changed_since_check=gettext_lazy(
        "The registry has changed since the check and %(count)s problems were found; nothing was "
        "imported. See the list below."
    ),
    recorded_since_check=gettext_lazy(
        "Since the check, “%(what)s” has been registered by someone else, so this row would now change that "
        "institution instead of registering a new one. Nothing was imported: upload the file again to "
        "check it against the registry as it is now."
    ),
    modified_since_check=gettext_lazy(
        "Since the check, someone else has changed or removed “%(what)s”, which this row would change. "
        "Nothing was imported: upload the file again to check it against the registry as it is now."
    ),
    conflict_field=lambda row: "name",
    plan_preview_rows=PLAN_PREVIEW_ROWS,
)


def check_workbook(file, user) -> CheckResult:
    """Read the file and check every row against the registry; nothing is written.

    Raises WorkbookError when the file as a whole is unusable."""
    return IMPORTER.check(read_upload(file), user)


def batch_region(user) -> Region:
    if user.region_id:
        return user.region
    region = Region.objects.filter(parent__isnull=True).order_by("path").first()  # a superuser
    if region is None:
        raise WorkbookError(_("There is no region to import into."), code="no_region")
    return region


def create_batch(*, file, user, original_name: str = "") -> ImportBatch:
    """Check an uploaded workbook (or queue it for a task to check) and keep it, with its problems
    and plan, for the preview.

    A file that cannot be imported at all raises WorkbookError and is not kept."""
    if not can_edit_registry(user):
        raise PermissionDenied
    return IMPORTER.create_batch(file=file, user=user, region=batch_region, original_name=original_name)


def apply_batch(batch: ImportBatch, user) -> dict[str, int]:
    """Apply the batch (see ``Importer.apply_batch``) for its uploader, who must still be allowed
    to edit the registry; returns the counts. ValidationError (nothing written) when the registry
    has changed so that the file no longer passes, or it cannot be applied."""
    if not _permitted(batch, user):
        raise PermissionDenied
    return IMPORTER.apply_batch(batch, user)


def queue_apply(batch: ImportBatch, user) -> None:
    """Hand a large batch to a Celery task to apply (see ``Importer.queue_apply``)."""
    if not _permitted(batch, user):
        raise PermissionDenied
    IMPORTER.queue_apply(batch, user)
