"""What every Excel exchange of the portal shares: reading what people type and paste into cells,
opening an uploaded workbook safely, and the look of a header row.

A workbook is a data-exchange format between the bureaus: its sheet names, headers, instructions
and 是/否 are Chinese whatever language the user reads the portal in, and a choice cell holds the
choice's Chinese label (the label under ``translation.override("zh-hans")``). Reading accepts the
English label and the stored value too, so a file keeps importing if a label's wording changes.

The institution list (``institutions.excel``) and the hazard ledger (``hazards.excel``) build on it.
"""

from __future__ import annotations

import datetime
import io
import re
import unicodedata
import zipfile

from django.conf import settings
from django.core.exceptions import ValidationError
from django.utils import translation
from django.utils.functional import Promise
from django.utils.translation import gettext as _
from openpyxl import load_workbook
from openpyxl.styles import Alignment, Font, PatternFill
from openpyxl.utils import range_boundaries

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


def write_cell(cell, value):
    """Put `value` in the openpyxl `cell` and return the cell. Every cell a portal workbook holds is
    written through here (or `append_row`).

    A str (or lazy translation) is always written as text (``t="inlineStr"``), never as a formula,
    whatever its first character: openpyxl would otherwise store ``=HYPERLINK(…)`` or
    ``=CMD|' /C calc'!A0`` as a live ``<f>`` formula. Text starting with one of `FORMULA_LEADS` is
    also marked ``quotePrefix`` (what Excel does for a typed leading apostrophe), so that editing the
    cell in Excel or LibreOffice keeps it text. The value read back is the text as given (see
    `cell_text` for control characters and CR). Numbers, dates, booleans and None are written as
    they are: they come from typed model fields, not from what a user typed into text."""
    if isinstance(value, Promise):
        value = str(value)
    if isinstance(value, str):
        value = cell_text(value)
        cell.value = value
        cell.data_type = "s"  # after the value: assigning "=…" sets the formula type
        if value[:1] in FORMULA_LEADS:
            cell.quotePrefix = True
    else:
        cell.value = value
    return cell


def append_row(sheet, values) -> int:
    """Write `values` (see `write_cell`) in the row below the last one of `sheet`, from column A, as
    ``sheet.append`` would; returns the row's number."""
    row = sheet._current_row + 1  # where Worksheet.append writes
    for column, value in enumerate(values, start=1):
        write_cell(sheet.cell(row=row, column=column), value)
    sheet._current_row = row  # also for an empty `values`, as Worksheet.append
    return row


# Writing templates ---------------------------------------------------------------------------------


def write_instructions(sheet, lines, columns, options, kind_help: dict, first_width: int) -> None:
    """A template's instructions sheet: the general `lines` (the first one a title), then a table of
    the `columns` (header, 必填, help, else `kind_help` of the column's kind, and `options(column)`);
    the table's first column is `first_width` wide."""
    for line in lines:
        append_row(sheet, [line])
    sheet["A1"].font = Font(bold=True, size=14)
    append_row(sheet, [])
    header_row = append_row(sheet, ["列名", "是否必填", "填写说明", "可选值"])
    for cell in sheet[header_row]:
        cell.font = HEADER_FONT
        cell.fill = HEADER_FILL
    for column in columns:
        values = options(column)
        help_text = column.help or kind_help.get(column.kind, "")
        append_row(
            sheet, [column.header, "必填" if column.required else "", help_text, "、".join(values or [])]
        )
    for letter, width in zip("ABCD", (first_width, 10, 70, 60), strict=True):
        sheet.column_dimensions[letter].width = width
    for row in sheet.iter_rows(min_row=header_row + 1):
        for cell in row:
            cell.alignment = Alignment(wrap_text=True, vertical="top")


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
