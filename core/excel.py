"""What every Excel exchange of the portal shares: reading what people type and paste into cells,
opening an uploaded workbook safely, and the look of a header row.

A workbook is a data-exchange format between the bureaus: its sheet names, headers, instructions
and 是/否 are Chinese whatever language the user reads the portal in, and a choice cell holds the
choice's Chinese label (the label under ``translation.override("zh-hans")``). Reading accepts the
English label and the stored value too, so a file keeps importing if a label's wording changes.

The institution list (``institutions.excel``) and the hazard ledger (``hazards.excel``) build on it.
Their workbooks are written in openpyxl's write-only mode through `SheetWriter`: rows stream to a
temporary file as they are written, each cell styled as it is written, so an export of a province's
ledger takes flat memory.
"""

from __future__ import annotations

import datetime
import io
import re
import unicodedata
import zipfile
from dataclasses import dataclass
from decimal import Decimal

from django.conf import settings
from django.core.exceptions import ValidationError
from django.utils import translation
from django.utils.functional import Promise
from django.utils.translation import gettext as _
from openpyxl import Workbook, load_workbook
from openpyxl.cell import Cell
from openpyxl.compat import safe_string
from openpyxl.styles import Alignment, Border, Font, PatternFill
from openpyxl.styles.cell_style import StyleArray
from openpyxl.utils import get_column_letter, range_boundaries

from core import archives

MAX_BYTES_DEFAULT = 5 * 1024 * 1024
# A workbook is a zip: the decompression limits (zip bombs) are core.archives', shared with evidence.
MAX_UNPACKED_BYTES = archives.MAX_UNPACKED_BYTES
# Rows counted before giving up on a huge sheet (the message then says "more than").
COUNT_LIMIT = 100_000
YES, NO = "是", "否"
TRUE_WORDS = {"是", "y", "yes", "true", "1", "√", "✓", "✔", "有", "对"}
FALSE_WORDS = {"否", "n", "no", "false", "0", "×", "✗", "✘", "无", "不是"}

HEADER_FILL = PatternFill("solid", fgColor="DCE6F1")
REQUIRED_FONT = Font(bold=True, color="C00000")
HEADER_FONT = Font(bold=True)
DATE_FORMAT = "yyyy-mm-dd"
DATETIME_FORMAT = "yyyy-mm-dd hh:mm"
TITLE_FONT = Font(bold=True, size=14)


class WorkbookError(ValidationError):
    """The file as a whole cannot be imported (not a workbook, empty, wrong headers, too big)."""


class CellError(Exception):
    def __init__(self, message, code):
        super().__init__(message)
        self.message, self.code = message, code


# Normalising what people type and paste ---------------------------------------------------------

_FULL_WIDTH = {
    code: code - 0xFEE0 for code in (*range(0xFF10, 0xFF1A), *range(0xFF21, 0xFF3B), *range(0xFF41, 0xFF5B))
}
_INVISIBLE = dict.fromkeys(map(ord, "\u200b\u200c\u200d\u2060\ufeff"))
_SPACES = re.compile(r"\s+")
# A space between two Chinese characters (or full-width punctuation) is always a typing slip.
_CJK = "\u3000-\u303f\u3400-\u4dbf\u4e00-\u9fff\uf900-\ufaff\uff00-\uffef"
_CJK_SPACE = re.compile(f"(?<=[{_CJK}]) (?=[{_CJK}])")
_DATE = re.compile(
    r"(\d{4})\s*[-/.年]\s*(\d{1,2})\s*[-/.月]\s*(\d{1,2})\s*日?"
    r"(?:[ T]\d{1,2}:\d{2}(?::\d{2})?)?"  # a time after the date is ignored
)


def clean_text(value) -> str:
    """A cell as text: full-width digits and letters made ASCII; leading, trailing and doubled
    spaces (also ideographic and non-breaking ones) and spaces between Chinese characters removed;
    an integral float without its ".0"."""
    if value is None:
        return ""
    if isinstance(value, float) and value.is_integer():
        value = int(value)
    elif isinstance(value, datetime.datetime):
        value = value.date() if value.time() == datetime.time() else value
    text = str(value).translate(_FULL_WIDTH).translate(_INVISIBLE)
    text = _SPACES.sub(" ", text).strip()
    return _CJK_SPACE.sub("", text)


def clean_multiline(value) -> str:
    """Like `clean_text`, line by line: a long text (a description, measures) keeps its line
    breaks; blank lines at the start and end are dropped."""
    if value is None:
        return ""
    if not isinstance(value, str):
        return clean_text(value)
    lines = [clean_text(line) for line in value.replace("\r\n", "\n").replace("\r", "\n").split("\n")]
    return "\n".join(lines).strip("\n")


def _key(text: str) -> str:
    """How two spellings of a header or choice are compared."""
    return "".join(unicodedata.normalize("NFKC", text).split()).casefold()


def header_key(text) -> str:
    return _key(clean_text(text))


def _pairs(choices) -> list[tuple]:
    """(value, label) pairs of a TextChoices class or of a plain choices sequence."""
    return list(getattr(choices, "choices", choices))


def choice_label(choices, value) -> str:
    """The Chinese label of a stored choice value."""
    if not value:
        return ""
    with translation.override("zh-hans"):
        return str(dict(_pairs(choices)).get(value, value))


def choice_labels(choices) -> list[str]:
    with translation.override("zh-hans"):
        return [str(label) for _value, label in _pairs(choices)]


def _choice_lookup(choices) -> dict[str, str]:
    """Normalised spelling -> stored value, for the English and Chinese labels and the values."""
    pairs = _pairs(choices)
    lookup = {}
    for language in ("en", "zh-hans"):  # Chinese last: it wins if spellings collide
        with translation.override(language):
            for value, label in pairs:
                lookup[_key(str(label))] = value
    for value, _label in pairs:
        lookup[_key(value)] = value
    return lookup


def parse_choice(text: str, lookup: dict[str, str], choices):
    """The stored value a choice cell's (non-blank) text names; `lookup` is the choices'
    `_choice_lookup`."""
    if _key(text) in lookup:
        return lookup[_key(text)]
    raise CellError(
        _("“%(value)s” is not one of: %(choices)s.")
        % {"value": text, "choices": "、".join(choice_labels(choices))},
        "invalid_choice",
    )


def parse_bool(value) -> bool:
    if value is None or isinstance(value, bool):
        return bool(value)
    if isinstance(value, int | float) and value in (0, 1):
        return bool(value)
    text = clean_text(value).casefold()
    if text == "":
        return False
    if text in TRUE_WORDS:
        return True
    if text in FALSE_WORDS:
        return False
    raise CellError(_("Write 是 or 否, not “%(value)s”.") % {"value": clean_text(value)}, "invalid_bool")


def parse_date(value) -> datetime.date | None:
    if value is None:
        return None
    if isinstance(value, datetime.datetime):
        return value.date()
    if isinstance(value, datetime.date):
        return value
    text = clean_text(value)
    if text == "":
        return None
    match = _DATE.fullmatch(text)
    if match:
        try:
            return datetime.date(*map(int, match.groups()))
        except ValueError:
            pass
    raise CellError(
        _("“%(value)s” is not a date: enter a date, or text such as 2020-09-30.") % {"value": text},
        "invalid_date",
    )


# Writing cells -----------------------------------------------------------------------------------

# A cell typed with one of these first characters is (or starts) a formula in Excel or LibreOffice:
# = + - @, also in their full-width forms, and a tab or line break in front of one.
FORMULA_LEADS = frozenset("=+-@\t\r\n＝＋－＠")


# What XML 1.0 cannot hold (its ``Char`` production): the C0 controls but tab, LF and CR, the
# surrogates, and the non-characters U+FFFE and U+FFFF. openpyxl's own ILLEGAL_CHARACTERS_RE only
# knows the controls: a U+FFFF pasted into an address made every export unreadable (Excel reports a
# damaged file, LibreOffice silently drops the rows after it).
XML_ILLEGAL_RE = re.compile("[\x00-\x08\x0b\x0c\x0e-\x1f\ud800-\udfff\ufffe\uffff]")


def cell_text(text: str) -> str:
    """`text` as a workbook cell can carry it: the characters XML 1.0 cannot hold (`XML_ILLEGAL_RE`:
    control characters but tab and line breaks, surrogates, U+FFFE and U+FFFF) dropped, and a
    carriage return (CR LF, or CR alone) made the line feed Excel itself uses inside a cell (XML reads
    a bare CR back as LF anyway)."""
    text = XML_ILLEGAL_RE.sub("", text)
    return text.replace("\r\n", "\n").replace("\r", "\n")


def _as_text(value):
    """(value as a cell holds it, whether it is text, whether it needs ``quotePrefix``): the one
    decision both writers (`write_cell`, `SheetWriter`) take for every value."""
    if isinstance(value, Promise):
        value = str(value)
    if isinstance(value, str):
        value = cell_text(value)
        return value, True, value[:1] in FORMULA_LEADS
    return value, False, False


def write_cell(cell, value):
    """Put `value` in the openpyxl `cell` and return the cell. Every cell a portal workbook holds is
    written through here (or `append_row`), or, in a write-only workbook, by `SheetWriter.write_row`,
    which takes the same decision (`_as_text`).

    A str (or lazy translation) is always written as text (``t="inlineStr"``), never as a formula,
    whatever its first character: openpyxl would otherwise store ``=HYPERLINK(…)`` or
    ``=CMD|' /C calc'!A0`` as a live ``<f>`` formula. Text starting with one of `FORMULA_LEADS` is
    also marked ``quotePrefix`` (what Excel does for a typed leading apostrophe), so that editing the
    cell in Excel or LibreOffice keeps it text. The value read back is the text as given (see
    `cell_text` for control characters and CR). Numbers, dates, booleans and None are written as
    they are: they come from typed model fields, not from what a user typed into text."""
    value, text, quoted = _as_text(value)
    cell.value = value
    if text:
        cell.data_type = "s"  # after the value: assigning "=…" sets the formula type
        if quoted:
            cell.quotePrefix = True
    return cell


def append_row(sheet, values) -> int:
    """Write `values` (see `write_cell`) in the row below the last one of `sheet`, from column A, as
    ``sheet.append`` would; returns the row's number."""
    row = sheet._current_row + 1  # where Worksheet.append writes
    for column, value in enumerate(values, start=1):
        write_cell(sheet.cell(row=row, column=column), value)
    sheet._current_row = row  # also for an empty `values`, as Worksheet.append
    return row


# Writing workbooks that stream ---------------------------------------------------------------------


@dataclass(frozen=True)
class CellStyle:
    """How a written cell looks: font, fill, alignment, number format, border (None: the default). A
    `SheetWriter` registers each style with the workbook once and gives every cell of that style the
    same style record, so styling costs nothing per cell beyond choosing the style."""

    font: Font | None = None
    fill: PatternFill | None = None
    alignment: Alignment | None = None
    number_format: str | None = None
    border: Border | None = None  # the acceptance workbook's ruled tables


TEXT_FORMAT = "@"  # Excel's "text" number format: phones and codes typed later stay text too
HEADER_STYLE = CellStyle(
    HEADER_FONT, HEADER_FILL, Alignment(wrap_text=True, vertical="center", horizontal="center")
)
REQUIRED_HEADER_STYLE = CellStyle(REQUIRED_FONT, HEADER_FILL, HEADER_STYLE.alignment)
TITLE_STYLE = CellStyle(TITLE_FONT)


def streaming_workbook() -> Workbook:
    """A write-only workbook (openpyxl's ``write_only=True``): each row goes to a temporary file as
    it is written, so memory stays flat whatever the number of rows. Its sheets are `SheetWriter`s."""
    return Workbook(write_only=True)


def save_workbook(workbook: Workbook, output=None) -> bytes | None:
    """Save `workbook` to `output` (a path or a binary file), or return its bytes without one."""
    if output is not None:
        workbook.save(output)
        return None
    buffer = io.BytesIO()
    workbook.save(buffer)
    return buffer.getvalue()


class _StyledCell(Cell):
    """A cell whose index in the workbook's cell styles is known when it is made (`SheetWriter`
    registers each style once): openpyxl would otherwise look it up again for every cell it writes.
    Read only when the cell has a style."""

    __slots__ = ("style_id",)


def _placed_cells(cells, _row):
    """The cells of a `SheetWriter` row, as WriteOnlyWorksheet._values_to_row would yield them."""
    return [cell for cell in cells if cell is not None]


_NUMBERS = frozenset((int, float, Decimal))  # written as numbers (data type "n", Cell's default)
_DATES = frozenset((datetime.date, datetime.datetime))


class SheetWriter:
    """One sheet of a `streaming_workbook`, written row by row: the write-only counterpart of
    `append_row`, and the only way the portal writes a row into one.

    Every value is written as `write_cell` writes it: a str (or lazy translation) as inline text,
    never a formula, marked ``quotePrefix`` when it starts with one of `FORMULA_LEADS`, with what XML
    cannot hold dropped (`cell_text`); numbers, dates and booleans as they are. Each cell gets its
    style as the row is written (write-only rows are never visited again): `append` takes one
    `CellStyle` per column (or None), and a styled cell is written even when it is empty, so a
    column's text format or alignment covers its blank cells too.

    openpyxl writes the sheet's head when the first row comes — column widths, frozen panes, sheet
    properties (fit to page) — so set those first (`columns`, `sheet.freeze_panes`,
    `sheet.sheet_properties`); what follows the rows — merged cells (`merge`), auto filter, data
    validations (`validate`), print and page setup, header and footer — may be set until the
    workbook is saved."""

    def __init__(self, workbook: Workbook, title: str, index: int | None = None):
        self.sheet = workbook.create_sheet(title, index)
        self.rows = 0  # rows written so far: the last row's number
        self._arrays: dict = {}
        # openpyxl turns each appended value into a cell (`_values_to_row`), trying Cell.value first
        # and falling back on the exception it raises for a cell. Our rows are cells already, placed
        # in their row and column: they go to the sheet's XML writer as they are.
        self.sheet._values_to_row = _placed_cells

    def columns(self, widths, number_formats=None) -> None:
        """Column widths (and, for cells typed in later, number formats), from column A; before
        the first row."""
        number_formats = number_formats or [None] * len(widths)
        for index, (width, number_format) in enumerate(zip(widths, number_formats, strict=True), start=1):
            dimension = self.sheet.column_dimensions[get_column_letter(index)]
            dimension.width = width
            if number_format:
                dimension.number_format = number_format

    def _style_array(self, style: CellStyle | None, quoted: bool) -> tuple[StyleArray, int]:
        """The style record of `style` (with quotePrefix when `quoted`) and its index in the
        workbook's cell styles, registered once. Looked up by
        the style object's identity (hashing fonts and alignments per cell would cost more than
        writing the cell); the style is kept alive with its record."""
        key = (id(style), quoted)
        found = self._arrays.get(key)
        if found is not None:
            return found[1:]
        probe = Cell(self.sheet)
        if style is not None:
            if style.font is not None:
                probe.font = style.font
            if style.fill is not None:
                probe.fill = style.fill
            if style.alignment is not None:
                probe.alignment = style.alignment
            if style.number_format is not None:
                probe.number_format = style.number_format
            if style.border is not None:
                probe.border = style.border
        if quoted:
            probe.quotePrefix = True
        array = probe._style or StyleArray()
        found = self._arrays[key] = (style, array, self.sheet.parent._cell_styles.add(array))
        return found[1:]

    def write_row(self, values, styles=None, *, height=None, style_blanks=True) -> int:
        """Write `values` as the next row, cell i styled `styles[i]` (a `CellStyle` or None; `styles`
        may be shorter than `values`); `height` in points. An empty value with a style is written as
        a styled blank cell unless `style_blanks` is false (a report, where nobody types into it).
        Returns the row's number."""
        row = self.rows + 1
        if height:
            # The row's attributes as the sheet's writer reads them when the row goes out (a plain
            # mapping), dropped right after: a RowDimension per row would keep every row of a
            # province's workbook in memory, and cost more to make than the row's cells.
            self.sheet.row_dimensions[row] = {"ht": safe_string(height), "customHeight": "1"}
        cells = []
        styles = styles or ()
        for index, value in enumerate(values):
            style = styles[index] if index < len(styles) else None
            if value is None and (style is None or not style_blanks):
                cells.append(None)
                continue
            cell = _StyledCell(self.sheet, row=row, column=index + 1)
            value, text, quoted = _as_text(value)
            if text:
                cell._value = value  # never through Cell.value, which makes "=…" a formula
                cell.data_type = "s"
            elif type(value) in _NUMBERS:
                cell._value = value  # what Cell.value does for these, without its type checks
            elif type(value) in _DATES and style is not None and style.number_format:
                cell._value = value  # the style gives the date format Cell.value would set
                cell.data_type = "d"
            elif value is not None:
                cell.value = value
            if style is not None or quoted:
                # Shared by every cell of the style: the record is only read when the row is written.
                cell._style, cell.style_id = self._style_array(style, quoted)
            elif cell._style is not None:  # Cell.value gave it a number format (a date, a time)
                cell.style_id = self.sheet.parent._cell_styles.add(cell._style)
            cells.append(cell)
        self.sheet.append(cells)
        if height:
            del self.sheet.row_dimensions[row]
        self.rows = row
        return row

    def merge(self, reference: str) -> None:
        """Merge the cells of `reference` ("A1:J1"); the first cell's value is what shows."""
        self.sheet.merged_cells.add(reference)

    def validate(self, validation) -> None:
        """Add a data validation (a dropdown, a number check) to the sheet."""
        self.sheet.data_validations.dataValidation.append(validation)


# Writing templates ---------------------------------------------------------------------------------


def write_options(writer: SheetWriter, lists: dict[int, tuple[str, list[str]]], width: int) -> None:
    """A template's hidden sheet of dropdown lists: column i (0-based, of `width`) holds `lists[i]`
    (header, values): the header in row 1, the values below; columns without a list stay empty."""
    depth = max((len(values) for _header, values in lists.values()), default=0)
    writer.write_row([lists[i][0] if i in lists else None for i in range(width)])
    for offset in range(depth):
        writer.write_row(
            [lists[i][1][offset] if i in lists and offset < len(lists[i][1]) else None for i in range(width)]
        )


def write_instructions(
    writer: SheetWriter, lines, columns, options, kind_help: dict, first_width: int
) -> None:
    """A template's instructions sheet (`writer`, before any row): the general `lines` (the first
    one a title), then a table of the `columns` (header, 必填, help, else `kind_help` of the
    column's kind, and `options(column)`); the table's first column is `first_width` wide."""
    writer.columns([first_width, 10, 70, 60])
    for number, line in enumerate(lines):
        writer.write_row([line], [TITLE_STYLE] if number == 0 else None)
    writer.write_row([])
    header = CellStyle(HEADER_FONT, HEADER_FILL)
    writer.write_row(["列名", "是否必填", "填写说明", "可选值"], [header] * 4)
    wrapped = [CellStyle(alignment=Alignment(wrap_text=True, vertical="top"))] * 4
    for column in columns:
        values = options(column)
        help_text = column.help or kind_help.get(column.kind, "")
        writer.write_row(
            [column.header, "必填" if column.required else "", help_text, "、".join(values or [])], wrapped
        )


# Reading uploads ---------------------------------------------------------------------------------


def max_bytes() -> int:
    return getattr(settings, "PORTAL_IMPORT_MAX_BYTES", MAX_BYTES_DEFAULT)


def _megabytes(size: int) -> str:
    return f"{size / 1024 / 1024:.1f}".rstrip("0").rstrip(".")


def check_size(size: int) -> None:
    if size > max_bytes():
        raise WorkbookError(
            _("The file is %(size)s MB, more than the %(max)s MB one import can take.")
            % {"size": _megabytes(size), "max": _megabytes(max_bytes())},
            code="too_large",
        )


def read_upload(file) -> bytes:
    """The bytes of an upload (or bytes as they are), refused when larger than `max_bytes()`."""
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


def _open_workbook(data: bytes):
    if not data:
        raise WorkbookError(_("The file is empty."), code="empty_file")
    if data[:8] == b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1":  # OLE2: .xls, or an encrypted .xlsx
        raise WorkbookError(
            _(
                "The file is an old Excel 97-2003 workbook (.xls) or is protected by a password. Open it in "
                "Excel, remove any password, save it as an Excel workbook (.xlsx) and upload that."
            ),
            code="xls",
        )
    not_a_workbook = WorkbookError(
        _(
            "The file is not an Excel workbook (.xlsx), or it is damaged. Open it in Excel, save it as an "
            "Excel workbook (.xlsx) and upload that; the template shows the columns."
        ),
        code="not_xlsx",
    )
    if data[:4] != b"PK\x03\x04":
        raise not_a_workbook
    try:
        archives.check_zip_file(io.BytesIO(data))
    except archives.ArchiveTooLarge as refusal:
        raise WorkbookError(
            _("The workbook cannot be read: %(reason)s") % {"reason": refusal.message}, code="too_large"
        ) from None
    except (zipfile.BadZipFile, ValueError, OSError, EOFError) as error:
        raise not_a_workbook from error
    try:
        return load_workbook(io.BytesIO(data), read_only=True, data_only=True)
    except Exception as error:  # openpyxl raises whatever the damaged part provokes
        raise not_a_workbook from error


def recorded_rows(data: bytes) -> int | None:
    """The most rows any sheet of the workbook says it uses (its `<dimension>`, header and title
    rows included), read without reading a cell (milliseconds, where reading 5,000 rows takes a
    second); None when a sheet records none. Only a hint — writers get it wrong (`read_table` does
    not trust it) — used to hand a large file to the background check without reading it first.
    Raises WorkbookError as `read_table` does for a file that is not a workbook."""
    workbook = _open_workbook(data)
    try:
        sizes = [worksheet.max_row for worksheet in workbook.worksheets]
    finally:
        workbook.close()
    return None if not sizes or None in sizes else max(sizes)


def map_headers(headers, known: dict[str, str], labels: dict[str, str], optional=()) -> dict[int, str]:
    """Column index -> field for a header row; a WorkbookError naming missing, unknown or repeated
    headers. `known`: header key -> field; `labels`: field -> header as written; fields in
    `optional` may be missing."""
    mapping, unknown, repeated = {}, [], []
    for index, header in enumerate(headers):
        key = header_key(header)
        if not key:
            continue
        name = known.get(key)
        if name is None:
            unknown.append(clean_text(header))
        elif name in mapping.values():
            repeated.append(labels[name])
        else:
            mapping[index] = name
    missing = [
        header for name, header in labels.items() if name not in mapping.values() and name not in optional
    ]
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


# Merged cells ------------------------------------------------------------------------------------

# A <mergeCell ref="B3:B5"/> element, with any namespace prefix; in a cell's text "<" is escaped,
# so only the element itself matches.
_MERGE_CELL = re.compile(rb"""<(?:[\w.-]+:)?mergeCell\s[^>]*?\bref\s*=\s*["']([^"']*)["']""")
_CHUNK = 1024 * 1024
# Ranges named in one refusal at most; the message says how many more there are.
MERGED_NAMED = 5


def merged_ranges(worksheet) -> list[tuple[str, int, int, int, int]]:
    """(reference such as "B3:B5", first column, first row, last column, last row), 1-based, of
    each merged range of a read-only `worksheet`. openpyxl's read-only mode does not read them, so
    they come from the sheet's XML part (``<mergeCells>`` after the rows), scanned as bytes: a
    second XML parse of a large sheet would double the time of reading it."""
    ranges, tail = [], b""
    with worksheet._get_source() as source:
        while chunk := source.read(_CHUNK):
            text = tail + chunk
            last = 0
            for match in _MERGE_CELL.finditer(text):
                last = match.end()
                reference = match.group(1).decode("ascii", "replace").upper()
                try:
                    bounds = range_boundaries(reference)
                except (TypeError, ValueError):
                    continue  # not a cell range: nothing Excel would show merged
                if None not in bounds:
                    ranges.append((reference, *bounds))
            tail = text[max(last, len(text) - 512) :]  # an element cut by the chunk's end
    return ranges


def merged_fills(ranges, header_row: int, mapping: dict[int, str], labels: dict[str, str], unique=()):
    """How the data rows below `header_row` read the merged `ranges` (see `merged_ranges`):
    {first row: [(column index, last row)]}, each range's top-left value to be repeated in the rows
    below it, as Excel shows it (a district's ledger merges an institution's cells down over its
    hazards). `mapping`, `labels`: as for `map_headers`.

    A WorkbookError naming the ranges when reading them so would be a guess: a range across several
    columns (which column is the value's?), a range from the header row into the data, or a range
    down a column in `unique` (a field that identifies its row: a number, a credit code). Ranges
    that touch no column of the import (a title above the header row) do not matter."""
    fills: dict[int, list[tuple[int, int]]] = {}
    refused = []
    for reference, first_column, first_row, last_column, last_row in ranges:
        if last_row <= header_row:
            continue
        fields = [mapping[c - 1] for c in range(first_column, last_column + 1) if c - 1 in mapping]
        if not fields:
            continue
        columns = "、".join(labels[name] for name in fields)
        if first_row <= header_row:
            refused.append(
                _(
                    "%(range)s is a merged cell reaching from the header row into the rows below it: unmerge "
                    "it and keep the header in one row."
                )
                % {"range": reference}
            )
        elif last_column > first_column:
            refused.append(
                _(
                    "%(range)s is a merged cell across several columns (%(columns)s): which column its "
                    "value belongs to is unclear. Unmerge it and write each value in its own column."
                )
                % {"range": reference, "columns": columns}
            )
        elif fields[0] in unique:
            refused.append(
                _(
                    "%(range)s is a merged cell: each row needs its own “%(column)s”. Unmerge it and write "
                    "the value in every row."
                )
                % {"range": reference, "column": columns}
            )
        elif last_row > first_row:
            fills.setdefault(first_row, []).append((first_column - 1, last_row))
    if refused:
        more = len(refused) - MERGED_NAMED
        messages = refused[:MERGED_NAMED]
        if more > 0:
            messages.append(_("%(count)s more merged cells are like these.") % {"count": more})
        raise WorkbookError(" ".join(messages), code="merged_cells")
    return fills


def read_table(
    data: bytes,
    *,
    sheet: str,
    known: dict[str, str],
    labels: dict[str, str],
    anchor: str,
    max_rows: int,
    empty_message: str,
    no_rows_message: str,
    optional=(),
    unique=(),
) -> list[tuple[int, dict]]:
    """(Excel row number, {field: raw cell value}) for each non-blank data row of the sheet named
    `sheet` (else the first sheet). The header row is the first of the top ten rows holding the
    header `anchor` (a title row above it is tolerated); see `map_headers` for the other arguments.

    A cell merged down over several rows is read, in each of them, as the range's top-left value
    (what Excel shows); `merged_fills` refuses the merges that would be a guess, among them any down
    a field of `unique`. Whether a row is blank is decided on its own cells: a merged range running
    on past the data adds no rows."""
    workbook = _open_workbook(data)
    try:
        worksheet = workbook[sheet] if sheet in workbook.sheetnames else workbook.worksheets[0]
        merged = merged_ranges(worksheet)
        worksheet.reset_dimensions()  # some writers record a wrong used range; read what is there
        cells = worksheet.iter_rows(values_only=True)
        top = []
        for values in cells:
            top.append(values)
            if len(top) == 10:
                break
        if not any(clean_text(value) for values in top for value in values):
            raise WorkbookError(empty_message, code="empty")
        anchor_key = header_key(anchor)
        header_index = next(
            (i for i, values in enumerate(top) if any(header_key(v) == anchor_key for v in values)), None
        )
        if header_index is None:
            header_index = next(i for i, values in enumerate(top) if any(clean_text(v) for v in values))
        mapping = map_headers(top[header_index], known, labels, optional)
        fills = merged_fills(merged, header_index + 1, mapping, labels, unique) if merged else {}
        down: dict[int, tuple[int, object]] = {}  # column index -> (last row, top-left value)
        rows, count = [], 0
        number = header_index + 1

        def data_rows():
            yield from top[header_index + 1 :]
            yield from cells

        for values in data_rows():
            number += 1
            for index, last_row in fills.get(number, ()):
                down[index] = (last_row, values[index] if index < len(values) else None)
            blank = not any(clean_text(value) for value in values)
            if down:
                values = list(values)
                for index, (last_row, value) in list(down.items()):
                    if number > last_row:
                        del down[index]
                        continue
                    values.extend([None] * (index + 1 - len(values)))
                    values[index] = value
            if blank:
                continue
            count += 1
            if count <= max_rows:
                rows.append(
                    (number, {name: values[i] if i < len(values) else None for i, name in mapping.items()})
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
    if count > max_rows:
        raise WorkbookError(
            _(
                "The file has %(rows)s rows of data, more than the %(max)s rows one import can take. "
                "Split it into several files."
            )
            % {"rows": count if count < COUNT_LIMIT else f"{COUNT_LIMIT}+", "max": max_rows},
            code="too_many_rows",
        )
    if not rows:
        raise WorkbookError(no_rows_message, code="no_rows")
    return rows
