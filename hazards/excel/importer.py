"""Checking an uploaded ledger row by row and applying it all at once; see the package docstring.
What is the ledger's own is here (columns read, institution and hazard matching, rules, numbering,
the bulk writes); the check, the batch and the apply (in one transaction, in a Celery task for a
large file) are run by ``core.excel_import``."""

from __future__ import annotations

import functools
import re
from dataclasses import dataclass
from typing import ClassVar

from django.core.exceptions import PermissionDenied, ValidationError
from django.db import models
from django.db.models import Max, Value
from django.db.models.functions import LPad, Substr
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from core.excel import (
    CellError,
    _choice_lookup,
    _key,
    clean_multiline,
    clean_text,
    parse_bool,
    parse_choice,
    parse_date,
    read_upload,
)
from core.excel_import import (
    WRITE_BATCH,
    CheckResult,
    Importer,
    ImportRow,
    Match,
    Plan,
    Problem,
    RegionLookup,
    bulk_create_with_history,
    bulk_update_versioned,
    check_result,
    lock_versions,
)
from core.models import ImportBatch, Region
from core.roles import Role
from core.validators import phone_from_cell
from hazards.excel.columns import (
    BOOL,
    BY_FIELD,
    CHOICE,
    CODE,
    COLUMNS,
    DATE,
    INSTITUTION,
    LONG_TEXT,
    MAX_ROWS,
    ORDER,
    PHONE,
    PLAN_PREVIEW_ROWS,
    REGION,
    SHEET,
    TEXT,
    VALUE_FIELDS,
)
from hazards.models import DeadlineChange, Hazard, HazardEvent, Status
from institutions import uscc
from institutions.models import Institution

SHORT = 30


def can_import(user) -> bool:
    """District staff import their district's ledger (the batch belongs to their region)."""
    return user.is_authenticated and user.role == Role.DISTRICT and user.region_id is not None


class LedgerProblem(Problem):
    """A problem also said in one sentence (row, column and message), for the preview's tooltip."""

    def as_dict(self) -> dict:
        if self.column:
            text = _("Row %(row)s, “%(column)s”: %(message)s") % {
                "row": self.row,
                "column": self.column,
                "message": self.message,
            }
        else:
            text = _("Row %(row)s: %(message)s") % {"row": self.row, "message": self.message}
        return {**super().as_dict(), "text": text}


@dataclass
class Row(ImportRow):
    code: str = ""
    credit_code: str = ""
    name: str = ""
    region: Region | None = None
    region_outside: str = ""  # the region as written, when it is outside the user's area
    institution: Institution | None = None

    columns: ClassVar[dict] = BY_FIELD
    problem_class: ClassVar[type[Problem]] = LedgerProblem

    def natural_key(self) -> tuple | None:
        values = self.values
        if self.institution is None or not (values.get("found_on") and values.get("category")):
            return None
        if not values.get("description"):
            return None
        return (self.institution.pk, values["found_on"], values["category"], _key(values["description"]))


def natural_key(hazard: Hazard) -> tuple:
    """What identifies a hazard without its number: institution, day found, category, description."""
    return (
        hazard.institution_id,
        hazard.found_on,
        hazard.category,
        _key(clean_multiline(hazard.description)),
    )


# Reading -------------------------------------------------------------------------------------------


# A hazard's number identifies its row: merged down over several rows it is refused, not repeated.
# The institution's cells (credit code, region, name) merged down over its hazards, as districts lay
# ledgers out, are read in every row.
UNIQUE_FIELDS = ("code",)


def read_rows(data: bytes) -> list[Row]:
    """The data rows of the ledger sheet, with their Excel row numbers; blank rows skipped; merged
    cells as ``core.excel.read_table`` reads them."""
    return Row.read(
        data,
        sheet=SHEET,
        anchor=BY_FIELD["description"].header,
        max_rows=MAX_ROWS,
        optional=("code",),
        unique=UNIQUE_FIELDS,
        empty_message=_(
            "The workbook is empty. Fill in the template, one hazard per row below the header row."
        ),
        no_rows_message=_("The workbook has the header row but no hazards below it."),
    )


class _Regions(RegionLookup):
    """The county-level regions of the user's area; the region column may be left empty."""

    def outside(self, row: Row, text: str) -> None:
        row.region_outside = text  # reported with the institution, which it cannot be


class _Institutions:
    """The institutions of the user's area: a row names one by credit code, or by region and name."""

    def __init__(self, user):
        self.by_code: dict[str, list[Institution]] = {}
        self.by_region_name: dict[tuple, Institution] = {}
        self.by_name: dict[str, list[Institution]] = {}
        fields = ("pk", "name", "credit_code", "region_id", "parent_id")
        for institution in Institution.objects.visible_to(user).only(*fields).select_related(None):
            if institution.credit_code:
                self.by_code.setdefault(institution.credit_code, []).append(institution)
            self.by_region_name[(institution.region_id, _key(institution.name))] = institution
            self.by_name.setdefault(_key(institution.name), []).append(institution)

    def resolve_all(self, rows: list[Row]) -> None:
        """Set each row's institution, or report why not. Whether a code or name not in the area
        exists elsewhere is asked once for the whole file (a query each)."""
        by_name, unknown_codes = [], []
        for row in rows:
            found = self._by_code(row)
            if found == "unknown":
                unknown_codes.append(row)
            elif found == "none":
                by_name.append(row)
        if unknown_codes:
            codes = {row.credit_code for row in unknown_codes}
            elsewhere = set(
                Institution.objects.filter(credit_code__in=codes).values_list("credit_code", flat=True)
            )
            for row in unknown_codes:
                if row.credit_code not in elsewhere:
                    by_name.append(row)
                    continue
                row.add(
                    "credit_code",
                    _(
                        "The institution with credit code %(code)s is not in your area: you can only import "
                        "hazards of institutions you supervise."
                    )
                    % {"code": row.credit_code},
                    "outside_area",
                )
        unknown_names = [row for row in by_name if self._by_name(row)]
        if unknown_names:
            names = {row.name for row in unknown_names}
            elsewhere = set(Institution.objects.filter(name__in=names).values_list("name", flat=True))
            for row in unknown_names:
                self._not_found(row, row.name in elsewhere)
        for row in rows:
            self.check_region(row)

    def _by_code(self, row: Row) -> str:
        """ "found" (or reported), "unknown" (a code not in the area) or "none" (no code given)."""
        if not row.credit_code:
            return "none"
        found = self.by_code.get(row.credit_code, [])
        if len(found) > 1:  # a "1+N" consortium: the branches share the head's code
            found = [i for i in found if _key(i.name) == _key(row.name)]
            if len(found) != 1:
                row.add(
                    "institution",
                    _(
                        "Several institutions of a “1+N” consortium share the credit code %(code)s: "
                        "write the name exactly as registered (%(names)s)."
                    )
                    % {
                        "code": row.credit_code,
                        "names": "、".join(i.name for i in self.by_code[row.credit_code]),
                    },
                    "ambiguous_institution",
                )
                return "found"
        if found:
            row.institution = found[0]
            return "found"
        return "unknown"

    def _by_name(self, row: Row) -> bool:
        """Find the row's institution by region and name; True when it is not in the area (whether
        it exists elsewhere decides the message)."""
        name = row.name
        if not name:
            if not row.credit_code:
                row.add(
                    "institution",
                    _("Give the institution's name as registered (or its credit code)."),
                    "required",
                )
            else:
                row.add(
                    "credit_code",
                    _("No institution has the credit code %(code)s.") % {"code": row.credit_code},
                    "unknown_institution",
                )
            return False
        if row.region is not None:
            found = self.by_region_name.get((row.region.pk, _key(name)))
            candidates = [found] if found else []
        elif row.region_outside:
            candidates = []
        else:
            candidates = self.by_name.get(_key(name), [])
        if len(candidates) == 1:
            row.institution = candidates[0]
        elif candidates:
            row.add(
                "institution",
                _("Several institutions are called “%(name)s”: give the region or the credit code.")
                % {"name": name},
                "ambiguous_institution",
            )
        elif row.region_outside:
            self._not_found(row, True)
        else:
            return True
        return False

    @staticmethod
    def _not_found(row: Row, elsewhere: bool) -> None:
        name = row.name
        if row.region_outside or elsewhere:
            row.add(
                "institution",
                _(
                    "“%(name)s” is not an institution of your area: you can only import hazards of "
                    "institutions you supervise."
                )
                % {"name": name},
                "outside_area",
            )
        else:
            where = row.region.name if row.region else _("your area")
            row.add(
                "institution",
                _(
                    "There is no institution “%(name)s” in %(region)s. Check the name, or register the "
                    "institution in the institution list first."
                )
                % {"name": name, "region": where},
                "unknown_institution",
            )

    @staticmethod
    def check_region(row: Row) -> None:
        """An institution found by credit code must lie in the region the row names."""
        institution = row.institution
        if institution is None:
            return
        if (row.region and row.region.pk != institution.region_id) or row.region_outside:
            row.add(
                "region",
                _("“%(name)s” is registered in another region; correct the region or leave it empty.")
                % {"name": institution.name},
                "region_mismatch",
            )


def _ledger_number(value) -> str:
    """The 编号 cell. A ledger number is text (``210302-2026-0001``, or the district's own): a cell
    Excel holds as a number is a row's serial number (1, 2, 3 …) or a number that lost its leading
    zeros or its last digits, so it is refused with the reason, never matched or stored."""
    if isinstance(value, int | float) and not isinstance(value, bool):
        raise CellError(
            _(
                "The cell is formatted as a number (%(value)s), but a ledger number is text such as "
                "210302-2026-0001, and Excel drops a number's leading 0. Leave the column empty if these are "
                "the table's serial numbers; otherwise format the column as text and enter the numbers again."
            )
            % {"value": clean_text(value)},
            "number_cell",
        )
    return clean_text(value).upper()


def _credit_code(value) -> str:
    """The institution's credit code, normalised; one Excel turned into scientific notation (its
    digits lost) is refused with the reason."""
    code = uscc.normalize(value)
    if uscc.looks_scientific(code):
        try:
            uscc.validate(code)
        except ValidationError as error:
            raise CellError(error.messages[0], error.code) from error
    return code


def _phone(value) -> str:
    """A phone cell (``core.validators.phone_from_cell``): a number cell that lost its leading 0 is
    a problem of the cell, said so."""
    try:
        return phone_from_cell(value)
    except ValidationError as error:
        raise CellError(error.messages[0], error.code) from error


def _parse(row: Row, regions: _Regions, lookups: dict) -> None:
    """Cells to values; a cell that cannot be read becomes a problem and the field's default."""
    for column in COLUMNS:
        value = row.cells.get(column.field)
        try:
            if column.kind == CODE:
                row.code = _ledger_number(value)
            elif column.kind == REGION:
                regions.resolve(row, value)
            elif column.kind == INSTITUTION:
                row.name = clean_text(value)
            elif column.field == "credit_code":
                row.credit_code = _credit_code(value)
            elif column.kind == PHONE:
                row.values[column.field] = _phone(value)
            elif column.kind == TEXT:
                row.values[column.field] = clean_text(value)
            elif column.kind == LONG_TEXT:
                row.values[column.field] = clean_multiline(value)
            elif column.kind == CHOICE:
                text = clean_text(value)
                if text == "":
                    row.values[column.field] = None  # the default, or for a status: unchanged
                else:
                    row.values[column.field] = parse_choice(text, lookups[column.field], column.choices)
            elif column.kind == BOOL:
                row.values[column.field] = parse_bool(value)
            elif column.kind == DATE:
                row.values[column.field] = parse_date(value)
        except CellError as error:
            row.add(column.field, error.message, error.code)
            row.values[column.field] = None if column.kind != BOOL else False


# The ledger as the file's earlier rows leave it ----------------------------------------------------


# A number in the portal's own form: the county-level region's division code, the year, a serial.
PORTAL_NUMBER = re.compile(r"^(\d{6})-(\d{4})-(\d+)$")


class _Ledger:
    """The hazards the file's rows may name: by number (anywhere, to tell "not yours" from "new")
    and, among the user's live hazards of the file's institutions, by natural key.

    A number in the portal's form (``210302-2026-0001``) is the region's: one whose division code is
    not a county-level region of the user's area is refused with the same sentence whether a hazard
    holds it or not (the answer must not tell another district's ledger apart from an unused
    number, and a district must not take another's numbering)."""

    def __init__(self, user, rows: list[Row], regions: _Regions):
        self.region_codes = {region.pk: code for code, region in regions.by_code.items()}
        codes = {row.code for row in rows if row.code}
        institution_ids = {row.institution.pk for row in rows if row.institution}
        visible = Hazard.objects.visible_to(user)
        self.visible_codes = set(visible.filter(code__in=codes).values_list("code", flat=True))
        loaded = {hazard.pk: hazard for hazard in Hazard.objects.filter(code__in=codes)}
        self.by_code: dict[str, Hazard] = {hazard.code: hazard for hazard in loaded.values()}
        self.by_key: dict[tuple, Hazard] = {}
        for hazard in visible.live().filter(institution_id__in=institution_ids).order_by("pk"):
            hazard = loaded.setdefault(hazard.pk, hazard)
            self.by_key.setdefault(natural_key(hazard), hazard)
            self.by_code[hazard.code] = hazard
            self.visible_codes.add(hazard.code)

    def put(self, hazard: Hazard, old: Hazard | None = None) -> None:
        if old is not None:
            stale = self.by_key.get(natural_key(old))
            if stale is not None and stale.pk == old.pk:
                del self.by_key[natural_key(old)]
        self.by_key.setdefault(natural_key(hazard), hazard)
        if hazard.code:  # a new hazard without a number is numbered once every row is checked
            self.by_code[hazard.code] = hazard
            self.visible_codes.add(hazard.code)

    def _outside(self, row: Row) -> bool:
        """Whether the row's number is in the portal's form with a division code outside the area."""
        number = PORTAL_NUMBER.match(row.code)
        if number is None or number.group(1) in self.region_codes.values():
            return False
        row.add(
            "code",
            _(
                "The number %(code)s starts with the division code %(prefix)s, which is not a district of "
                "your area: a district imports only its own ledger's numbers. Leave the number empty for "
                "a new hazard and the portal numbers it."
            )
            % {"code": row.code, "prefix": number.group(1)},
            "outside_area",
        )
        return True

    def match(self, row: Row) -> Hazard | None:
        key = row.natural_key()
        if row.code:
            if self._outside(row):
                return None
            hazard = self.by_code.get(row.code)
            if hazard is None:  # a new number; the hazard must not be in the ledger already
                same = self.by_key.get(key) if key else None
                if same is not None:
                    row.add(
                        "code",
                        _(
                            "This hazard is already in the ledger under the number %(code)s: write that "
                            "number, or leave the number empty."
                        )
                        % {"code": same.code},
                        "already_recorded",
                    )
                return None
            if row.code not in self.visible_codes:
                row.add(
                    "code",
                    _(
                        "The number %(code)s belongs to a hazard outside your area; a district imports only "
                        "its own ledger."
                    )
                    % {"code": row.code},
                    "outside_area",
                )
                return None
            if hazard.deleted_at is not None:
                row.add(
                    "code",
                    _("The hazard %(code)s was deleted from the ledger; its number cannot be used again.")
                    % {"code": row.code},
                    "deleted",
                )
                return None
            return hazard
        return self.by_key.get(key) if key else None


class _Seen:
    """What the earlier rows of the file hold: a row repeating one is a problem."""

    def __init__(self):
        self.codes: dict[str, int] = {}
        self.keys: dict[tuple, int] = {}
        self.matched: dict[int, int] = {}  # hazard id -> row number

    def check(self, row: Row) -> None:
        if row.code:
            first = self.codes.setdefault(row.code, row.number)
            if first != row.number:
                row.add("code", _("Row %(row)s has the same number.") % {"row": first}, "duplicate_in_file")
        key = row.natural_key()
        if key:
            first = self.keys.setdefault(key, row.number)
            if first != row.number:
                message = _(
                    "Row %(row)s has the same hazard (same institution, date found, category and description)."
                ) % {"row": first}
                row.add("description", message, "duplicate_in_file")

    def check_match(self, row: Row, current: Hazard | None) -> None:
        if current is None:
            return
        first = self.matched.setdefault(current.pk, row.number)
        if first != row.number:
            message = _("This row and row %(row)s are the same hazard of the ledger (%(code)s).") % {
                "row": first,
                "code": current.code,
            }
            row.add("code" if row.code else "description", message, "duplicate_in_file")


# Checking and applying -----------------------------------------------------------------------------


def _changed_fields(current: Hazard, row: Row) -> list[str]:
    """The columns whose value differs from the stored hazard (text compared as normalised)."""
    changed = []
    if current.institution_id != row.institution.pk:
        changed.append("institution")
    for name in VALUE_FIELDS:
        value = row.values[name]
        stored = getattr(current, name)
        if name == "status" and value is None:
            continue  # a blank status keeps the stored one
        if name == "severity" and value is None:
            value = Hazard._meta.get_field("severity").get_default()
        if BY_FIELD[name].kind == LONG_TEXT:
            stored = clean_multiline(stored)
        elif BY_FIELD[name].kind == TEXT:
            stored = clean_text(stored)
        if stored != value:
            changed.append(name)
    return sorted(changed, key=lambda name: ORDER[name])


def _copy(hazard: Hazard) -> Hazard:
    copy = Hazard(**{f.attname: getattr(hazard, f.attname) for f in Hazard._meta.concrete_fields})
    copy._state.adding = False
    copy._state.db = hazard._state.db
    return copy


# Not validated again per row: the foreign keys were just found (a query each otherwise), and the
# fields the portal sets itself.
_NOT_CLEANED = {"institution", "region", "created_by", "verified_by", "deleted_by", "original_deadline"} | (
    {field.name for field in Hazard._meta.concrete_fields} - set(VALUE_FIELDS) - {"code"}
)


def _full_clean(hazard: Hazard) -> None:
    """``Hazard.full_clean()`` without looking up the foreign keys again; the unique number is
    checked by the ledger (a number found elsewhere is reported, a new one is free)."""
    errors: dict = {}
    exclude = set(_NOT_CLEANED) | (set() if hazard.code else {"code"})
    try:
        hazard.clean_fields(exclude=exclude)
    except ValidationError as error:
        errors = error.update_error_dict(errors)
    try:
        hazard.clean()
    except ValidationError as error:
        errors = error.update_error_dict(errors)
    if errors:
        raise ValidationError(errors)


def _model_problems(row: Row, error: ValidationError) -> None:
    unreadable = row.unreadable
    for name, errors in error.error_dict.items():
        if name in unreadable:
            continue  # the cell itself could not be read; that problem is reported already
        for item in errors:
            code, messages = item.code or "invalid", item.messages
            if code == "null":  # an empty date or choice cell: say "blank", not "null"
                code, messages = "blank", [str(models.Field.default_error_messages["blank"])]
            for message in messages:
                row.add(name if name in BY_FIELD else "", message, code)


def _validated(row: Row, current: Hazard | None) -> Hazard:
    """The hazard as the row would leave it; the model's complaints become the row's problems."""
    hazard = _copy(current) if current is not None else Hazard(code=row.code)
    unreadable = row.unreadable
    for name in VALUE_FIELDS:
        value = row.values[name]
        if current is not None and name in unreadable:
            continue  # an unreadable cell keeps the stored value
        if value is None and name in ("severity", "status"):
            if current is not None:
                continue
            value = Hazard._meta.get_field(name).get_default()
        setattr(hazard, name, value)
    if row.institution is not None:
        hazard.institution = row.institution
        hazard.region_id = row.institution.region_id
    if current is None:
        hazard.original_deadline = hazard.deadline
    try:
        _full_clean(hazard)
    except ValidationError as error:
        _model_problems(row, error)
    return hazard


def _status_rules(row: Row, current: Hazard, changed: list[str]) -> None:
    """An import corrects a hazard that is still open; it does not close one, nor change a closed one
    (closing is the district's verification in the portal, with its opinion)."""
    if current.status == Status.CLOSED:
        row.add(
            "status" if "status" in changed else "",
            _(
                "The hazard %(code)s is closed (销号) in the portal; an import does not change a closed hazard."
            )
            % {"code": current.code},
            "closed",
        )
    elif row.values["status"] == Status.CLOSED:
        row.add(
            "status",
            _(
                "The hazard %(code)s is open in the portal: close it there with “Verify and close”, not by an "
                "import."
            )
            % {"code": current.code},
            "close_by_import",
        )


def _plan_entry(row: Row, action: str, hazard: Hazard, changed: list[str]) -> dict:
    description = " ".join(hazard.description.split())
    return {
        "row": row.number,
        "action": action,
        "code": hazard.code,
        "institution": row.institution.name if row.institution else "",
        "description": description if len(description) <= SHORT else description[: SHORT - 1] + "…",
        "changes": [BY_FIELD[name].header for name in changed],
    }


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
