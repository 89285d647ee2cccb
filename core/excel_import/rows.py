"""The rows of an import and their problems: ``Problem``, ``ImportRow`` (a data row of the sheet,
read by ``core.excel.read_table``), the outcome of a check (``CheckResult``, ``check_result``) and
``RegionLookup`` (a row's region column against the user's area)."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any, ClassVar

from django.db.models import Q
from django.utils.translation import gettext as _

from core.excel import _key, clean_text, header_key, read_table
from core.models import Region

ACTIONS = ("create", "update", "unchanged")


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
class ImportRow:
    """A data row of the sheet: the raw cells, the values read from them and the row's problems.
    A subclass names its columns (field -> column with a ``header``) and adds what it resolves."""

    number: int
    cells: dict[str, Any]  # field -> raw cell value
    values: dict[str, Any] = field(default_factory=dict)
    problems: list[Problem] = field(default_factory=list)

    columns: ClassVar[dict] = {}
    problem_class: ClassVar[type[Problem]] = Problem

    def add(self, field_name: str, message, code: str) -> None:
        column = self.columns[field_name].header if field_name in self.columns else ""
        self.problems.append(self.problem_class(self.number, column, field_name, code, str(message)))

    @classmethod
    def read(cls, data: bytes, *, ignored: tuple[str, ...] = (), **options) -> list:
        """A row for each data row of the upload `data`, read by `core.excel.read_table` (`options`
        give the sheet, anchor, limits and messages) with the headers of the class's columns.
        `ignored`: headers an export adds for the reader (e.g. 停业整顿) that may be present and are
        not read, so that an export imports back unchanged."""
        columns = cls.columns.values()
        skipped = {f"_ignored_{n}": header for n, header in enumerate(ignored)}
        rows = read_table(
            data,
            known={header_key(column.header): column.field for column in columns}
            | {header_key(header): name for name, header in skipped.items()},
            labels={column.field: column.header for column in columns} | skipped,
            optional=(*options.pop("optional", ()), *skipped),
            **options,
        )
        return [cls(number, {k: v for k, v in cells.items() if k not in skipped}) for number, cells in rows]

    @property
    def unreadable(self) -> set[str]:
        """The fields whose cell could not be read (or that already have a problem)."""
        return {problem.field for problem in self.problems}


@dataclass
class CheckResult:
    row_count: int
    problems: list[dict]
    plan: list[dict]
    counts: dict[str, int]


def check_result(rows: list[ImportRow], plan: list[dict], order: dict[str, int]) -> CheckResult:
    """The outcome of a run: the problems by row and in the sheet's column `order`, the plan by row,
    and how many rows each action takes."""
    problems = sorted(
        (problem for row in rows for problem in row.problems),
        key=lambda p: (p.row, order.get(p.field, len(order))),
    )
    plan.sort(key=lambda entry: entry["row"])
    counts = {action: sum(1 for entry in plan if entry["action"] == action) for action in ACTIONS}
    return CheckResult(len(rows), [p.as_dict() for p in problems], plan, counts)


class RegionLookup:
    """The county-level regions of the user's area, by name and by code, for a row's region
    column. A subclass says what a region outside the area means (``outside``). Names that are not
    in the area are looked up together in ``finish`` (one query for the file)."""

    def __init__(self, user):
        self.by_code: dict[str, Region] = {}
        self.by_name: dict[str, list[Region]] = {}
        for region in Region.objects.visible_to(user).county_level():
            self.by_code[region.code.upper()] = region
            self.by_name.setdefault(_key(region.name), []).append(region)
        self._pending: list[tuple[Any, str]] = []

    def blank(self, row) -> None:
        """The row leaves the region empty."""

    def outside(self, row, text: str) -> None:
        """The row names a region that exists, outside the user's area."""
        raise NotImplementedError

    def resolve(self, row, value) -> None:
        """Set ``row.region`` from the cell `value` (a region's name or code), or report why not
        (a name not in the area is reported by ``finish``)."""
        text = clean_text(value)
        if not text:
            self.blank(row)
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
        else:
            self._pending.append((row, text))

    def finish(self) -> None:
        """Report the rows whose region is not one of the area: outside it, or no region at all."""
        pending, self._pending = self._pending, []
        if not pending:
            return
        texts = {text for _row, text in pending}
        found = Region.objects.filter(Q(code__in={text.upper() for text in texts}) | Q(name__in=texts))
        codes, names = set(), set()
        for code, name in found.values_list("code", "name"):
            codes.add(code.upper())
            names.add(name)
        for row, text in pending:
            if text.upper() in codes or text in names:
                self.outside(row, text)
            else:
                row.add(
                    "region",
                    _(
                        "There is no region “%(value)s”. Give the name or code of a county-level unit, as in "
                        "the template's list."
                    )
                    % {"value": text},
                    "unknown_region",
                )
