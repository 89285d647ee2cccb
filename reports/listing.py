"""Fixed-width listings: the summary report's annexes (reports.pdf), which can run to
`content.ANNEX_LIMIT` (5,000) rows.

WeasyPrint lays a table out cell by cell and page by page: a 5,000-row table of nine columns takes
about 19 ms a row and more than a gigabyte (bench/README.md, the PDF's anchor), while a paragraph
per row takes about 2 ms. So an annex is a listing: one paragraph per row, set in Noto Sans Mono CJK
SC (a Latin character half the width of a CJK one), its columns padded with spaces to fixed widths,
a value longer than its column wrapped onto the row's next lines inside the column (a long code or
name breaks anywhere, as CJK text does), and the column heads repeated at the top of every page.

Widths are in half-width cells: a CJK (or other wide) character takes two, a Latin letter or digit
one (`char_cells`).
"""

from __future__ import annotations

import unicodedata
from collections.abc import Iterable, Sequence
from dataclasses import dataclass

GAP = "  "  # between two columns: two half-width cells
#: What the listing shows for an empty value: a full-width hyphen, two cells like a CJK character
#: (the em dash is narrower than two cells in Noto Sans Mono CJK, and would shift the columns).
EMPTY = "－"


@dataclass(frozen=True)
class Column:
    """A listing's column: its head and its width in half-width cells; numbers align right."""

    header: str
    width: int
    right: bool = False


@dataclass
class Listing:
    """`head`: the column heads' line(s); `rows`: one text per row, its lines joined by "\\n"
    (rendered with ``white-space: pre``)."""

    head: str
    rows: list[str]
    width: int  # cells of a full line: the columns and the gaps between them


def char_cells(char: str) -> int:
    """Half-width cells `char` takes in Noto Sans Mono CJK: 2 for a wide or full-width character
    and for the ambiguous ones other than letters (·, →, ×, “, …, which the CJK font draws full
    width), 1 otherwise."""
    width = unicodedata.east_asian_width(char)
    if width in ("W", "F"):
        return 2
    if width == "A" and not unicodedata.category(char).startswith("L"):
        return 2
    return 1


def text_cells(text: str) -> int:
    """Half-width cells of `text` on one line."""
    if text.isascii():
        return len(text)
    return sum(char_cells(char) for char in text)


def wrap(text: str, width: int) -> list[str]:
    """`text` in lines of at most `width` cells: each explicit line break starts a line, and a line
    breaks where the next character no longer fits (anywhere: CJK text, codes and numbers alike).
    At least one line ("" for an empty text)."""
    lines = []
    for paragraph in text.split("\n"):
        if text_cells(paragraph) <= width:
            lines.append(paragraph)
            continue
        line, used = [], 0
        for char in paragraph:
            cells = char_cells(char)
            if used + cells > width and line:
                lines.append("".join(line))
                line, used = [], 0
            line.append(char)
            used += cells
        lines.append("".join(line))
    return lines or [""]


def _pad(text: str, width: int, right: bool) -> str:
    room = " " * max(width - text_cells(text), 0)
    return room + text if right else text + room


def _shown(value) -> str:
    if value is None or value == "":
        return EMPTY
    return str(value).replace("—", EMPTY).replace("\r\n", "\n").replace("\t", " ")


def row_text(columns: Sequence[Column], values: Sequence) -> str:
    """One row: each value wrapped to its column, the columns side by side line by line, padded
    with spaces; trailing spaces dropped."""
    cells = [wrap(_shown(value), column.width) for column, value in zip(columns, values, strict=True)]
    height = max(len(lines) for lines in cells)
    lines = []
    for index in range(height):
        parts = [
            _pad(lines_[index] if index < len(lines_) else "", column.width, column.right)
            for column, lines_ in zip(columns, cells, strict=True)
        ]
        lines.append(GAP.join(parts).rstrip())
    return "\n".join(lines)


def listing(columns: Sequence[Column], rows: Iterable[Sequence]) -> Listing:
    """The listing of `rows` (one sequence of values per row, in `columns`' order; None or "" shows
    `EMPTY`)."""
    head = row_text(columns, [column.header for column in columns]).replace(EMPTY, " ")
    width = sum(column.width for column in columns) + len(GAP) * (len(columns) - 1)
    return Listing(head=head, rows=[row_text(columns, values) for values in rows], width=width)
