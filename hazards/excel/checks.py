"""Checking a ledger's rows against the ledger as the file's earlier rows leave it: ``_Ledger`` (the
hazards a row may name, by number and by natural key), ``_Seen`` (duplicates within the file), what
a row changes, the model's validation of the hazard it would leave and the status rules; and a row's
entry in the preview's plan. Used by ``hazards.excel.importer``."""

from __future__ import annotations

import re

from django.core.exceptions import ValidationError
from django.db import models
from django.utils.translation import gettext as _

from core.excel import clean_multiline, clean_text
from hazards.excel.columns import BY_FIELD, LONG_TEXT, ORDER, TEXT, VALUE_FIELDS
from hazards.excel.rows import Row, _Regions, natural_key
from hazards.models import Hazard, Status

SHORT = 30

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
