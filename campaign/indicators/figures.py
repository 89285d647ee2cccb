"""Figures and indicators: exact ratios, targets, deadlines, and how a figure reads."""

from __future__ import annotations

import datetime
from dataclasses import dataclass
from decimal import ROUND_HALF_UP, Decimal
from fractions import Fraction
from typing import Any

from django.utils.translation import gettext, pgettext_lazy
from django.utils.translation import gettext_lazy as _

from institutions.models import EXTENSION_FIELDS

NOT_APPLICABLE = "—"

COUNT = "count"
RATIO = "ratio"
AMOUNT = "amount"
DATE = "date"
BOOL = "bool"

# The unit of each counted figure (items.py): what is counted. A ratio is entered and shown in %,
# an amount in 万元 (the registry's fire-safety funds are in 10,000 yuan). Issue 15 item 4.
HAZARD_UNIT = pgettext_lazy("unit of a count", "hazards")
INSTITUTION_UNIT = pgettext_lazy("unit of a count", "institutions")
PERSON_UNIT = pgettext_lazy("unit of a count", "persons")
COUNT_UNITS = {
    "found": HAZARD_UNIT,
    "overdue": HAZARD_UNIT,
    "referred": HAZARD_UNIT,
    "in_registry": INSTITUTION_UNIT,
    "entered_late": INSTITUTION_UNIT,
    "entered_undated": INSTITUTION_UNIT,
    "upgrading": INSTITUTION_UNIT,
    "facilities": INSTITUTION_UNIT,
    "offering": INSTITUTION_UNIT,
    **{name: INSTITUTION_UNIT for name in EXTENSION_FIELDS},
    "residents": PERSON_UNIT,
    "disabled_residents": PERSON_UNIT,
}
PERCENT = "%"
TEN_THOUSAND_YUAN = pgettext_lazy("unit of an amount", "10,000 yuan")


# Results -----------------------------------------------------------------------------------------


@dataclass(frozen=True)
class Figure:
    """One figure of an indicator. A ratio keeps its numerator and denominator; its value is the
    exact fraction, or None when the denominator is 0 (not applicable)."""

    key: str
    label: Any  # a lazy translation string
    value: int | Decimal | Fraction | datetime.date | bool | None
    kind: str
    numerator: int | None = None
    denominator: int | None = None

    @property
    def percent(self) -> Decimal | None:
        """The ratio as a percentage rounded half-up to one decimal (for display only)."""
        if self.kind != RATIO or self.value is None:
            return None
        exact = Decimal(self.numerator * 100) / Decimal(self.denominator)
        return exact.quantize(Decimal("0.1"), rounding=ROUND_HALF_UP)

    @property
    def unit(self) -> str:
        """The unit the figure is entered and shown in: "%" for a ratio, 万元 for an amount, what is
        counted for a count (家, 处, 人: `COUNT_UNITS`); "" for a date, yes/no, or an unlisted count."""
        if self.kind == RATIO:
            return PERCENT
        if self.kind == AMOUNT:
            return str(TEN_THOUSAND_YUAN)
        if self.kind == COUNT:
            return str(COUNT_UNITS.get(self.key, ""))
        return ""

    def display(self) -> str:
        """ "62.5%（5/8）", "60%（3/5）", "12", "3.50", "2020-10-15"; "—" when not applicable."""
        if self.value is None:
            return NOT_APPLICABLE
        if self.kind == RATIO:
            return f"{self.percent.normalize():f}%（{self.numerator}/{self.denominator}）"
        if self.kind == AMOUNT:
            return f"{self.value:.2f}"
        if self.kind == DATE:
            return self.value.isoformat()
        if self.kind == BOOL:
            return gettext("Yes") if self.value else gettext("No")
        return str(self.value)

    def matches(self, declared: str) -> bool:
        """Whether a unit's declared figure agrees with this one. A ratio may be written "62.5%",
        "0.625" or "5/8" and agrees within 0.1 percentage point; a count or amount must be equal;
        a date is written 2020-10-15; yes/no as 是/否. Anything unreadable disagrees."""
        text = (declared or "").strip().replace(" ", "").replace("％", "%").replace("，", "")
        if self.value is None or not text:
            return False
        try:
            if self.kind == RATIO:
                if text.endswith("%"):
                    number = Fraction(Decimal(text[:-1])) / 100
                else:
                    number = Fraction(text) if "/" in text else Fraction(Decimal(text))
                return abs(number - Fraction(self.value)) <= Fraction(1, 1000)
            if self.kind == DATE:
                return text == self.value.isoformat()
            if self.kind == BOOL:
                return text in (("是", "yes", "Yes") if self.value else ("否", "no", "No"))
            return Decimal(text) == Decimal(self.value)
        except (ArithmeticError, ValueError, ZeroDivisionError):
            return False


@dataclass
class Indicator:
    """The portal's answer to one item for one region.

    `met`: True or False against the item's target, None when the item sets no target or its
    denominator is empty. `measured_on`: the date the figures are judged at (None: the record as
    it stands). `due_on` and `milestone`: the campaign milestone the item is judged against.
    """

    item: int
    figures: list[Figure]
    met: bool | None = None
    measured_on: datetime.date | None = None
    note: Any = ""
    due_on: datetime.date | None = None
    milestone: str = ""

    def figure(self, key: str) -> Figure:
        return next(figure for figure in self.figures if figure.key == key)


def count(key: str, label, value: int | None) -> Figure:
    return Figure(key=key, label=label, value=value, kind=COUNT)


def ratio(key: str, label, numerator: int, denominator: int) -> Figure:
    value = Fraction(numerator, denominator) if denominator else None
    return Figure(key, label, value, RATIO, numerator=numerator, denominator=denominator)


def amount(key: str, label, value: Decimal | None) -> Figure:
    return Figure(key=key, label=label, value=value, kind=AMOUNT)


def at_least(numerator: int, denominator: int, percent: int) -> bool | None:
    """numerator / denominator ≥ percent %, exactly (no floats); None for an empty denominator."""
    if not denominator:
        return None
    return numerator * 100 >= percent * denominator


def all_of(numerator: int, denominator: int) -> bool | None:
    return at_least(numerator, denominator, 100)


def done_by(day: datetime.date | None, due_on: datetime.date | None) -> bool:
    """Done on or before the (inclusive) deadline; with no deadline, done at all."""
    return day is not None and (due_on is None or day <= due_on)


AS_RECORDED = _("Measured on the record as it stands: the registry keeps no date of completion.")
NO_DEADLINE = _("The campaign sets no deadline for this item: every recorded date counts.")


# What the indicators read -----------------------------------------------------------------------
