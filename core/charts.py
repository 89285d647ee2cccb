"""Charts (issue 13): a bar, stacked bar or line chart described in Python, drawn by Apache ECharts
(static/vendor/echarts, the SVG renderer) through static/js/charts.js, with the same numbers in a
real table for readers without JavaScript, screen readers and print.

A page builds a `Chart` and includes the template:

    chart = Chart(
        id="hazards-by-district",
        kind="stacked_bar",
        title=_("Hazards by district"),
        categories=["铁东区", "铁西区"],
        series=[Series(_("Open"), [12, 3], stack="hazards"), Series(_("Closed"), [30, None], stack="hazards")],
        unit=_("items"),
        links=["/hazards/?region=210302", None],
    )

    {% include "core/chart.html" with chart=chart %}

and loads the two scripts in its `{% block extra_js %}` (see templates/core/chart.html).

Shapes and units:

- `id`: a slug ([a-z0-9-], starts with a letter), unique on the page: the figure's
  `data-chart` and its test id (`chart-<id>`, the table's `chart-table-<id>`).
- `kind`: "bar" (one bar per series side by side), "stacked_bar" (the series of one `stack` on top
  of each other; a series without a stack joins the common one) or "line".
- `categories`: the labels of the category axis (regions, months, items), in order.
- `series`: `Series(name, values, stack=None)` or a `(name, values)` / `(name, values, stack)`
  tuple; `values` has one number per category (int, float, Decimal, Fraction; None where there is
  no figure, drawn as a gap and "—" in the table). Every value is in the chart's one `unit`.
- `unit`: what the numbers count ("家", "项", "%"), shown after the values in the table and tooltip
  and as the value axis' name; "" for none.
- `links`: optional, one URL or None per category: clicking the bar (or point, or axis label) of
  a category goes there, and the table links the category's name.
- `horizontal`: bars along the vertical axis, for many or long category names (phones are 390 px
  wide); None (the default) decides: more than 6 categories or a name longer than 5 characters.
  A line chart is never horizontal; its axis labels are rotated on narrow screens instead.
- `category_label`: the heading of the table's first column ("地区", "月份"); "类别" by default.
- `note`: an optional sentence under the chart (the source, the date the figures hold for).

`Chart.as_data()` gives the JSON-safe dict that charts.js reads: every lazy translation turned into
a str, numbers into int or float, the automatic `horizontal` decided.
"""

from __future__ import annotations

import json
import re
from dataclasses import dataclass
from decimal import Decimal
from fractions import Fraction
from numbers import Real
from typing import Literal

from django.utils.translation import pgettext

KINDS = ("bar", "stacked_bar", "line")
ID = re.compile(r"^[a-z][a-z0-9-]*$")
# The automatic horizontal layout: more categories than this, or a longer name, need the width.
MANY_CATEGORIES = 6
LONG_NAME = 5
# The stack of the series of a stacked bar chart that do not name their own.
COMMON_STACK = "total"

Number = int | float | Decimal | Fraction


@dataclass(frozen=True)
class Series:
    """One named row of numbers, one per category of the chart (None: no figure)."""

    name: str
    values: list[Number | None]
    stack: str | None = None


@dataclass
class Chart:
    """A bar, stacked bar or line chart and its data table (see the module's docstring)."""

    id: str
    kind: Literal["bar", "stacked_bar", "line"]
    title: str
    categories: list[str]
    series: list[Series | tuple]
    unit: str = ""
    links: list[str | None] | None = None
    horizontal: bool | None = None
    note: str = ""
    category_label: str = ""

    def __post_init__(self) -> None:
        if not ID.match(self.id or ""):
            raise ValueError(f"chart id {self.id!r}: a slug of a-z, 0-9 and -, starting with a letter")
        if self.kind not in KINDS:
            raise ValueError(f"chart {self.id}: kind {self.kind!r} is not one of {KINDS}")
        self.categories = list(self.categories)
        self.series = [item if isinstance(item, Series) else Series(*item) for item in self.series]
        if not self.series:
            raise ValueError(f"chart {self.id}: no series")
        for item in self.series:
            if len(item.values) != len(self.categories):
                raise ValueError(
                    f"chart {self.id}: series {str(item.name)!r} has {len(item.values)} values "
                    f"for {len(self.categories)} categories"
                )
        if self.links is not None:
            self.links = list(self.links)
            if len(self.links) != len(self.categories):
                raise ValueError(
                    f"chart {self.id}: {len(self.links)} links for {len(self.categories)} categories"
                )

    @property
    def is_horizontal(self) -> bool:
        if self.kind == "line":
            return False
        if self.horizontal is not None:
            return self.horizontal
        return len(self.categories) > MANY_CATEGORIES or any(
            len(str(name)) > LONG_NAME for name in self.categories
        )

    @property
    def category_heading(self) -> str:
        return str(self.category_label or pgettext("chart", "Category"))

    @property
    def value_headings(self) -> list[str]:
        """The table's headings of the series: the name and the unit, "未整改（项）"."""
        if not self.unit:
            return [str(item.name) for item in self.series]
        return [
            pgettext("chart", "%(name)s (%(unit)s)") % {"name": item.name, "unit": self.unit}
            for item in self.series
        ]

    @property
    def has_links(self) -> bool:
        return any(self.links or ())

    def rows(self) -> list[dict]:
        """The data table's rows: a category, its link ("" for none) and its values as the chart
        labels them ("—" for no figure)."""
        links = self.links or [None] * len(self.categories)
        return [
            {
                "category": str(name),
                "link": links[index] or "",
                "values": [display(item.values[index]) for item in self.series],
            }
            for index, name in enumerate(self.categories)
        ]

    def as_data(self) -> dict:
        """What charts.js draws, JSON-safe (`as_json()` writes it into the figure):

        {"id": str, "kind": "bar" | "stacked_bar" | "line", "title": str, "unit": str,
         "note": str, "horizontal": bool, "categories": [str, …],
         "series": [{"name": str, "values": [int | float | None, …], "stack": str | None}, …],
         "links": [str | None, …] (one per category; [] without links),
         "description": str (the aria-label: the title and every figure in words),
         "text": {"no_data": str}}
        """
        stacked = self.kind == "stacked_bar"
        return {
            "id": self.id,
            "kind": self.kind,
            "title": str(self.title),
            "unit": str(self.unit or ""),
            "note": str(self.note or ""),
            "horizontal": self.is_horizontal,
            "categories": [str(name) for name in self.categories],
            "series": [
                {
                    "name": str(item.name),
                    "values": [_number(value) for value in item.values],
                    "stack": (str(item.stack) if item.stack else COMMON_STACK) if stacked else None,
                }
                for item in self.series
            ],
            "links": [str(link) if link else None for link in self.links] if self.has_links else [],
            "description": self.description(),
            "text": {"no_data": pgettext("chart", "No figure")},
        }

    def as_json(self) -> str:
        """`as_data()` as JSON, for the figure's data-chart-json attribute (the template escapes it).
        An attribute, not a json_script block: htmx (allowScriptTags off) drops every <script> of
        the content it swaps in, so a chart in a fragment would lose its data."""
        return json.dumps(self.as_data(), ensure_ascii=False, allow_nan=False)

    def description(self) -> str:
        """What a screen reader says for the drawn chart (its aria-label): the title and every
        figure, "各区县隐患。铁东区：未整改 12项，已整改 30项；铁西区：…。"."""
        rows = []
        for index, name in enumerate(self.categories):
            values = []
            for item in self.series:
                value = item.values[index]
                if value is None:
                    said = pgettext("chart", "No figure")
                elif self.unit:
                    said = pgettext("chart", "%(value)s %(unit)s") % {
                        "value": display(value),
                        "unit": self.unit,
                    }
                else:
                    said = display(value)
                values.append(
                    pgettext("chart", "%(series)s %(value)s") % {"series": item.name, "value": said}
                )
            rows.append(
                pgettext("chart", "%(category)s: %(values)s")
                % {"category": name, "values": pgettext("chart", ", ").join(values)}
            )
        return pgettext("chart", "%(title)s. %(figures)s.") % {
            "title": self.title,
            "figures": pgettext("chart", "; ").join(rows),
        }


def _number(value) -> int | float | None:
    """A value as JSON writes it: int stays int, Decimal and Fraction become int when whole."""
    if value is None:
        return None
    if isinstance(value, bool) or not isinstance(value, Real | Decimal):
        raise TypeError(f"a chart value must be a number or None, not {value!r}")
    if isinstance(value, int):
        return value
    if isinstance(value, Decimal | Fraction) and value == int(value):
        return int(value)
    number = float(value)
    if number != number or number in (float("inf"), float("-inf")):
        raise ValueError(f"a chart value must be finite, not {value!r}")
    return number


def display(value) -> str:
    """A value as the table and the bar labels write it: at most two decimals, no trailing zeros,
    "—" for no figure (charts.js's `formatNumber` does the same)."""
    number = _number(value)
    if number is None:
        return "—"
    if isinstance(number, int):
        return str(number)
    return f"{number:.2f}".rstrip("0").rstrip(".")
