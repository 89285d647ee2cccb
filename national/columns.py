"""The national system's institution export (全国养老服务信息系统, "金民工程"): its columns, the
header texts accepted for each (a renamed column is still found), and the reading of its rows.

Every cell is read as text and normalised (full-width characters, spaces); a cell that cannot be
read is a ``Problem`` naming the Excel row and the column as headed in the file. Columns the
reconciliation does not use are ignored (the export has dozens)."""

from __future__ import annotations

import datetime
from dataclasses import dataclass, field

from django.core.exceptions import ValidationError
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from core.excel import CellError, WorkbookError, _key, _open_workbook, clean_text, header_key, parse_date
from core.excel_import.rows import Problem
from institutions import uscc
from institutions.models import FilingStatus, OperatingStatus

MAX_ROWS = 20_000
HEADER_ROWS = 10  # the header row is one of the first ten (a title row above it is tolerated)


@dataclass(frozen=True)
class Column:
    field: str
    label: object  # the template's header (a lazy string of the column's Chinese name)
    aliases: tuple[str, ...]  # the header texts accepted, the template's first
    required: bool = False


# canonical field -> the header texts the national system (and its users' renamed copies) use
COLUMNS: tuple[Column, ...] = (
    Column("name", gettext_lazy("Institution name"), ("机构名称", "养老机构名称", "单位名称", "名称"), True),
    Column(
        "credit_code",
        gettext_lazy("Unified social credit code"),
        ("统一社会信用代码", "社会信用代码", "信用代码", "机构统一社会信用代码", "组织机构代码"),
        True,
    ),
    Column(
        "area_code",
        gettext_lazy("Area code"),
        ("行政区划代码", "所在地区代码", "所在地区", "区划代码", "所属区划代码", "地区代码", "行政区划"),
        True,
    ),
    Column("filing", gettext_lazy("Filing status"), ("备案状态", "是否备案", "备案情况")),
    Column("filed_on", gettext_lazy("Filed on"), ("备案日期", "备案时间")),
    Column("beds", gettext_lazy("Beds"), ("床位数", "床位总数", "总床位数", "床位数(张)", "床位数（张）")),
    Column(
        "nursing_beds",
        gettext_lazy("Nursing-type beds"),
        ("护理型床位数", "护理型床位", "护理床位数", "护理型床位数(张)", "护理型床位数（张）"),
    ),
    Column("operating", gettext_lazy("Operating status"), ("运营状态", "营业状态", "经营状态", "机构状态")),
    Column(
        "legal_code",
        gettext_lazy("Legal person's credit code"),
        ("法人统一社会信用代码", "法人登记证号", "法人代码", "法人单位统一社会信用代码", "法人证书号"),
    ),
)
BY_FIELD = {column.field: column for column in COLUMNS}
# The Chinese headers of the template (the first alias of each column).
TEMPLATE_HEADERS = tuple(column.aliases[0] for column in COLUMNS)

FILED_WORDS = {"已备案", "备案", "是", "已完成备案", "y", "yes", "1"}
UNFILED_WORDS = {"未备案", "否", "无", "未完成备案", "n", "no", "0"}
OPERATING_WORDS = {
    OperatingStatus.OPERATING: {"正常", "正常运营", "运营", "运营中", "在营", "营业", "开业", "正常营业"},
    OperatingStatus.SUSPENDED: {"停业", "暂停运营", "暂停营业", "停业整顿", "停运", "歇业"},
    OperatingStatus.DEREGISTERED: {"注销", "已注销", "关闭", "撤销", "已关停"},
}


@dataclass
class NationalRow:
    """A data row of the export: the Excel row number, the values read and its problems."""

    number: int
    headers: dict[str, str]  # field -> the header as written in the file
    values: dict = field(default_factory=dict)
    problems: list[Problem] = field(default_factory=list)

    def add(self, field_name: str, message: str, code: str) -> None:
        self.problems.append(
            Problem(self.number, self.headers.get(field_name, ""), field_name, code, message)
        )


def map_columns(header_cells) -> dict[int, str]:
    """Column index -> field for the export's header row; a WorkbookError naming the required
    columns that are missing (with the header texts accepted) or a column given twice."""
    accepted = {_key(alias): column.field for column in COLUMNS for alias in column.aliases}
    mapping: dict[int, str] = {}
    repeated = []
    for index, header in enumerate(header_cells):
        name = accepted.get(header_key(header))
        if name is None:
            continue
        if name in mapping.values():
            repeated.append(clean_text(header))
        else:
            mapping[index] = name
    messages = []
    missing = [c for c in COLUMNS if c.required and c.field not in mapping.values()]
    if missing:
        messages.append(
            _("The export lacks the required columns: %(columns)s.")
            % {
                "columns": "；".join(
                    _("%(column)s (headed one of %(aliases)s)")
                    % {"column": c.aliases[0], "aliases": "、".join(c.aliases)}
                    for c in missing
                )
            }
        )
    if repeated:
        messages.append(
            _("These columns appear more than once: %(columns)s.") % {"columns": "、".join(repeated)}
        )
    if messages:
        raise WorkbookError(" ".join(messages), code="headers")
    return mapping


def read_export(data: bytes, *, max_rows: int = MAX_ROWS) -> list[NationalRow]:
    """The export's data rows, each read and checked (``NationalRow.problems``). Raises
    WorkbookError when the file is not a readable .xlsx, has no header row with the required
    columns, no data rows or more than `max_rows`."""
    workbook = _open_workbook(data)
    try:
        worksheet = workbook.worksheets[0]
        worksheet.reset_dimensions()
        cells = worksheet.iter_rows(values_only=True)
        top = []
        for values in cells:
            top.append(values)
            if len(top) == HEADER_ROWS:
                break
        names = {_key(alias) for alias in BY_FIELD["name"].aliases}
        header_index = next(
            (i for i, values in enumerate(top) if any(header_key(v) in names for v in values)), None
        )
        if header_index is None:
            if not any(clean_text(v) for values in top for v in values):
                raise WorkbookError(_("The file is empty."), code="empty")
            header_index = next(i for i, values in enumerate(top) if any(clean_text(v) for v in values))
        header_cells = top[header_index]
        mapping = map_columns(header_cells)
        headers = {name: clean_text(header_cells[index]) for index, name in mapping.items()}
        rows: list[NationalRow] = []
        number = header_index + 1

        def data_rows():
            yield from top[header_index + 1 :]
            yield from cells

        for values in data_rows():
            number += 1
            if not any(clean_text(value) for value in values):
                continue
            if len(rows) >= max_rows:
                raise WorkbookError(
                    _("The export has more than %(max)s rows; split it by district.") % {"max": max_rows},
                    code="too_many_rows",
                )
            row = NationalRow(number, headers)
            _read_row(row, {name: values[i] if i < len(values) else None for i, name in mapping.items()})
            rows.append(row)
    except WorkbookError:
        raise
    except Exception as error:  # a damaged sheet surfaces only while it is read
        raise WorkbookError(
            _("The workbook could not be read; it may be damaged. Save it again as .xlsx and upload that."),
            code="not_xlsx",
        ) from error
    finally:
        workbook.close()
    if not rows:
        raise WorkbookError(_("The export has a header row but no institutions below it."), code="no_rows")
    return rows


def _code(row: NationalRow, name: str, value) -> str:
    code = uscc.normalize(value)
    if not code:
        return ""
    try:
        uscc.validate(code)
    except ValidationError as error:
        if error.code != "check_digit":  # a check character failing GB 32100 is matched as it is
            row.add(name, " ".join(error.messages), "invalid_code")
            return ""
    return code


def _count(row: NationalRow, name: str, value) -> int | None:
    if isinstance(value, int | float) and not isinstance(value, bool):
        if float(value).is_integer() and value >= 0:
            return int(value)
    else:
        text = clean_text(value).removesuffix("张")
        if text == "":
            return None
        if text.isdigit():
            return int(text)
        try:
            number = float(text)
        except ValueError:
            number = None
        if number is not None and number.is_integer() and number >= 0:
            return int(number)
    row.add(
        name,
        _("“%(value)s” is not a number of beds: write a whole number such as 120.")
        % {"value": clean_text(value)},
        "invalid_number",
    )
    return None


def _read_row(row: NationalRow, cells: dict) -> None:
    values = row.values
    values["name"] = clean_text(cells.get("name"))
    if not values["name"]:
        row.add("name", _("The institution's name is empty."), "required")
    values["credit_code"] = _code(row, "credit_code", cells.get("credit_code"))
    area = clean_text(cells.get("area_code")).replace(" ", "")
    if not area:
        row.add("area_code", _("The area code is empty."), "required")
    elif not (area.isdigit() and len(area) in (6, 12)):
        row.add(
            "area_code",
            _("“%(value)s” is not an area code: write the 6- or 12-digit administrative division code.")
            % {"value": area},
            "invalid_area_code",
        )
        area = ""
    values["area_code"] = area
    if "filing" in cells:
        text = _key(clean_text(cells["filing"]))
        if text in FILED_WORDS:
            values["filing"] = FilingStatus.FILED.value
        elif text in UNFILED_WORDS:
            values["filing"] = FilingStatus.UNFILED.value
        elif text:
            row.add(
                "filing",
                _("“%(value)s” is not a filing status: write 已备案 or 未备案.")
                % {"value": clean_text(cells["filing"])},
                "invalid_choice",
            )
    if "filed_on" in cells:
        try:
            filed_on = parse_date(cells["filed_on"])
        except CellError as error:
            row.add("filed_on", str(error.message), error.code)
        else:
            values["filed_on"] = filed_on.isoformat() if isinstance(filed_on, datetime.date) else None
    for name in ("beds", "nursing_beds"):
        if name in cells:
            count = _count(row, name, cells[name])
            if count is not None:
                values[name] = count
    if "operating" in cells:
        text = _key(clean_text(cells["operating"]))
        status = next((s for s, words in OPERATING_WORDS.items() if text in words), None)
        if status is not None:
            values["operating"] = status.value
        elif text:
            row.add(
                "operating",
                _("“%(value)s” is not an operating status: write 正常运营, 停业 or 注销.")
                % {"value": clean_text(cells["operating"])},
                "invalid_choice",
            )
    if "legal_code" in cells:
        legal = _code(row, "legal_code", cells["legal_code"])
        if legal:
            values["legal_code"] = legal
