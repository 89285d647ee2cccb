"""Reading an uploaded ledger row by row: the ledger's ``Row`` (and ``LedgerProblem``), the sheet's
data rows (``read_rows``), a row's region and institution looked up in the user's area, and each
cell parsed by its column's kind. Used by ``hazards.excel.importer``."""

from __future__ import annotations

from dataclasses import dataclass
from typing import ClassVar

from django.core.exceptions import ValidationError
from django.utils.translation import gettext as _

from core.excel import CellError, _key, clean_multiline, clean_text, parse_bool, parse_choice, parse_date
from core.excel_import import ImportRow, Problem, RegionLookup
from core.models import Region
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
    PHONE,
    REGION,
    SHEET,
    TEXT,
)
from hazards.models import Hazard
from institutions import uscc
from institutions.models import Institution


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
