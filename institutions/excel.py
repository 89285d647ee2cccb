"""The institution list as an Excel workbook: template, export, check (preview) and import.

The workbook is a data-exchange format between the bureaus, so its sheet names, headers,
instructions and 是/否 are Chinese whatever language the user reads the portal in (a file
exported in English must import in Chinese, and the other way round). Choice columns hold the
choice's Chinese label (the model's label under ``translation.override("zh-hans")``); the import
also accepts the English label and the stored value, so a file keeps importing if a label's
wording changes.

``notes`` (内部备注) is left out on purpose: it is the district's internal remark, and a
workbook leaves the portal (mail, USB sticks). An import never touches it.

Import is two steps. ``create_batch`` reads the upload, checks every row and stores an
``ImportBatch`` with the problems and the plan (create / update / unchanged). ``apply_batch``
checks the stored file again and applies it in one transaction, all rows or none.

Checking runs the same code as applying, inside a transaction that is always rolled back: rows
are validated by the model's own rules (field validators, ``Institution.clean()``, the unique
constraint; see ``_full_clean``) against the registry *as the earlier rows of the file leave it*
(a branch may name a head institution created a few rows above), so the preview is exactly what
applying will do. Nothing of a check persists. Matching: credit code and name, else region and
name; a matched row equal to the registry is "unchanged" and not saved (no history entry, no
version bump), so importing a file twice, or importing an export, changes nothing.
"""

from __future__ import annotations

import datetime
import hashlib
import io
import re
import unicodedata
import uuid
import zipfile
from dataclasses import dataclass, field
from decimal import Decimal, InvalidOperation
from typing import Any

from django.conf import settings
from django.core.exceptions import NON_FIELD_ERRORS, PermissionDenied, ValidationError
from django.core.files.base import ContentFile
from django.db import IntegrityError, transaction
from django.db.models import Q, UniqueConstraint
from django.utils import timezone, translation
from django.utils.translation import gettext as _
from openpyxl import Workbook, load_workbook
from openpyxl.styles import Alignment, Font, PatternFill
from openpyxl.utils import get_column_letter
from openpyxl.worksheet.datavalidation import DataValidation

from core.concurrency import ConcurrentEditError, save_versioned
from core.models import ImportBatch, Region
from institutions import uscc
from institutions.models import (
    Area,
    FilingStatus,
    FireSafetyStatus,
    Institution,
    LegalPersonStatus,
    MedicalMode,
    Nature,
    OperatingStatus,
    RegistrationForm,
)
from institutions.services import can_edit_registry

SHEET = "机构名单"
INSTRUCTIONS_SHEET = "填写说明"
OPTIONS_SHEET = "选项"
MAX_ROWS = 5000
MAX_BYTES_DEFAULT = 5 * 1024 * 1024
# A workbook is a zip: refuse one that unpacks to more than this (a "zip bomb").
MAX_UNPACKED_BYTES = 200 * 1024 * 1024
# Rows counted before giving up on a huge sheet (the message then says "more than").
COUNT_LIMIT = 100_000
YES, NO = "是", "否"
PLAN_PREVIEW_ROWS = 100

TEXT, CODE, REGION, PARENT, CHOICE, BOOL, INT, DECIMAL, DATE = (
    "text",
    "code",
    "region",
    "parent",
    "choice",
    "bool",
    "int",
    "decimal",
    "date",
)


@dataclass(frozen=True)
class Column:
    field: str
    header: str
    kind: str
    help: str
    choices: Any = None  # the TextChoices of a choice column
    required: bool = False
    width: int = 12


def _bool(name, header, help_text=""):
    return Column(name, header, BOOL, help_text or f"填“{YES}”或“{NO}”，空白视为“{NO}”。", width=10)


# One list: the template, the export and the import all read it.
COLUMNS: tuple[Column, ...] = (
    Column("name", "机构名称", TEXT, "机构的登记名称，同一区域内不可重名。", required=True, width=28),
    Column(
        "credit_code",
        "统一社会信用代码",
        CODE,
        "18位，已登记的机构必填；“1+N”联合体的分支机构填写主体机构的代码。请把此列设为“文本”格式，"
        "否则Excel会把纯数字的代码变成科学计数法而丢失位数。",
        width=22,
    ),
    Column(
        "region",
        "所属区域",
        REGION,
        "县（市）区、开发区的名称或区划代码，只能填写本单位管辖的区域。",
        required=True,
        width=16,
    ),
    Column("address", "地址", TEXT, "", width=30),
    Column("legal_representative", "负责人（法定代表人）", TEXT, "", width=14),
    Column("phone", "联系电话", TEXT, "", width=16),
    Column("nature", "运营性质", CHOICE, "", Nature, required=True, width=16),
    Column("registration_form", "登记形式", CHOICE, "", RegistrationForm, required=True, width=22),
    Column("filing_status", "备案状态", CHOICE, "", FilingStatus, required=True, width=10),
    Column("filed_on", "备案日期", DATE, "已备案的机构必填，未备案的机构不填。", width=12),
    Column("unfiled_found_on", "发现未备案收住老年人日期", DATE, "仅未备案的机构填写。", width=14),
    Column("operating_status", "运营状态", CHOICE, "空白视为“运营中”。", OperatingStatus, width=10),
    _bool("is_special_hardship", "特困人员供养服务设施（敬老院）"),
    Column("area", "城市或农村", CHOICE, "空白视为城市。", Area, width=10),
    Column(
        "legal_person_status",
        "法人登记情况",
        CHOICE,
        "仅特困人员供养服务设施填写，且必须填写。",
        LegalPersonStatus,
        width=22,
    ),
    Column(
        "parent",
        "“1+N”联合体主体机构",
        PARENT,
        "仅“1+N”联合体的分支机构填写：同一区域内主体机构的名称（主体机构可在本表中，也可已在系统中）。",
        width=24,
    ),
    _bool("legal_code_entered", "法人代码已录入全国系统"),
    Column("beds", "床位数", INT, "整数，空白视为0。", width=9),
    Column("nursing_beds", "护理型床位数", INT, "整数，不能多于床位数。", width=9),
    Column("residents", "在住老年人数", INT, "整数。", width=9),
    Column(
        "disabled_residents", "失能老年人数", INT, "整数；失能与部分失能合计不能多于在住老年人数。", width=9
    ),
    Column("semi_disabled_residents", "部分失能老年人数", INT, "整数。", width=9),
    Column("medical_mode", "医疗服务方式", CHOICE, "空白视为“无”。", MedicalMode, width=18),
    _bool("integrated_care", "医养结合"),
    _bool("ext_meal", "对外服务：助餐"),
    _bool("ext_bath", "对外服务：助浴"),
    _bool("ext_cleaning", "对外服务：助洁"),
    _bool("ext_medical", "对外服务：助医"),
    _bool("ext_recreation", "对外服务：文化娱乐"),
    Column("star_rating", "星级", INT, "0到5的整数，0表示未评定（GB/T 37276-2018）。", width=8),
    Column("star_rated_on", "星级评定日期", DATE, "评定了星级的机构必填。", width=12),
    _bool("risk_choking", "防范噎食风险"),
    _bool("risk_medication", "防范食品药品误食风险"),
    _bool("risk_pressure_ulcer", "防范压疮风险"),
    _bool("risk_scald", "防范烫伤风险"),
    _bool("risk_bed_fall", "防范坠床风险"),
    _bool("risk_fall", "防范跌倒风险"),
    _bool("risk_harm", "防范他伤和自伤风险"),
    _bool("risk_wandering", "防范走失风险"),
    _bool("risk_recreation", "防范文娱活动意外风险"),
    _bool(
        "gb38600_compliant", "整体达到GB 38600-2019", f"填“{YES}”或“{NO}”；九项风险均已防范才能填“{YES}”。"
    ),
    Column("risk_assessed_on", "风险评估记录日期", DATE, "", width=12),
    _bool("quality_norm_compliant", "达到服务质量基本规范"),
    Column("fire_safety_status", "消防安全改造情况", CHOICE, "仅民办机构填写。", FireSafetyStatus, width=14),
    Column("fire_gov_funds", "消防改造政府资金（万元）", DECIMAL, "仅民办机构填写，最多两位小数。", width=12),
    Column("fire_own_funds", "消防改造自筹资金（万元）", DECIMAL, "仅民办机构填写，最多两位小数。", width=12),
    Column("national_data_updated_on", "全国系统数据更新日期", DATE, "", width=12),
)
BY_FIELD = {column.field: column for column in COLUMNS}
# Fields written from the sheet; region and parent are resolved to objects.
VALUE_FIELDS = tuple(c.field for c in COLUMNS if c.kind not in (REGION, PARENT))
KIND_HELP = {
    DATE: "日期单元格，或“2020-09-30”形式的文本。",
    BOOL: f"“{YES}”或“{NO}”（也可填Y/N、√/×）。",
}


class WorkbookError(ValidationError):
    """The file as a whole cannot be imported (not a workbook, empty, wrong headers, too big)."""


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
_INTEGER = re.compile(r"[+-]?\d+(?:\.0*)?")
TRUE_WORDS = {"是", "y", "yes", "true", "1", "√", "✓", "✔", "有", "对"}
FALSE_WORDS = {"否", "n", "no", "false", "0", "×", "✗", "✘", "无", "不是"}


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


def _key(text: str) -> str:
    """How two spellings of a header or choice are compared."""
    return "".join(unicodedata.normalize("NFKC", text).split()).casefold()


def header_key(text) -> str:
    return _key(clean_text(text))


def choice_label(choices, value) -> str:
    """The Chinese label of a stored choice value."""
    if not value:
        return ""
    with translation.override("zh-hans"):
        return str(dict(choices.choices).get(value, value))


def choice_labels(choices) -> list[str]:
    with translation.override("zh-hans"):
        return [str(label) for label in choices.labels]


def _choice_lookup(choices) -> dict[str, str]:
    lookup = {}
    for language in ("en", "zh-hans"):  # Chinese last: it wins if spellings collide
        with translation.override(language):
            for value, label in choices.choices:
                lookup[_key(str(label))] = value
    for value in choices.values:
        lookup[_key(value)] = value
    return lookup


class CellError(Exception):
    def __init__(self, message, code):
        super().__init__(message)
        self.message, self.code = message, code


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


def parse_int(value, default=0) -> int:
    if value is None:
        return default
    if isinstance(value, bool):
        raise CellError(_("“%(value)s” is not a whole number.") % {"value": value}, "invalid_int")
    if isinstance(value, int):
        return value
    if isinstance(value, float) and value.is_integer():
        return int(value)
    text = clean_text(value).replace(",", "")
    if text == "":
        return default
    if _INTEGER.fullmatch(text):
        return int(Decimal(text))
    raise CellError(_("“%(value)s” is not a whole number.") % {"value": clean_text(value)}, "invalid_int")


def parse_decimal(value) -> Decimal | None:
    if value is None:
        return None
    if isinstance(value, bool):
        raise CellError(_("“%(value)s” is not a number.") % {"value": value}, "invalid_decimal")
    if isinstance(value, int | float):
        value = repr(value)  # 18.5 -> Decimal("18.5"), not the float's binary digits
    text = clean_text(value).replace(",", "")
    if text == "":
        return None
    try:
        number = Decimal(text)
    except InvalidOperation:
        number = None
    if number is None or not number.is_finite():
        raise CellError(_("“%(value)s” is not a number.") % {"value": clean_text(value)}, "invalid_decimal")
    return number


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


# Writing workbooks ----------------------------------------------------------------------------

HEADER_FILL = PatternFill("solid", fgColor="DCE6F1")
REQUIRED_FONT = Font(bold=True, color="C00000")
HEADER_FONT = Font(bold=True)


def _column_options(column: Column, regions) -> list[str] | None:
    if column.kind == CHOICE:
        return choice_labels(column.choices)
    if column.kind == BOOL:
        return [YES, NO]
    if column.kind == REGION and regions:
        return [region.name for region in regions]
    return None


def _build(rows: list[list], regions=None) -> bytes:
    """A workbook with the list sheet (headers, `rows`, dropdowns), the instructions, the options."""
    regions = list(regions or [])
    workbook = Workbook()
    sheet = workbook.active
    sheet.title = SHEET
    options = workbook.create_sheet(OPTIONS_SHEET)
    options.sheet_state = "hidden"
    last_row = max(MAX_ROWS, len(rows)) + 1

    sheet.append([column.header for column in COLUMNS])
    for index, column in enumerate(COLUMNS, start=1):
        letter = get_column_letter(index)
        cell = sheet.cell(row=1, column=index)
        cell.font = REQUIRED_FONT if column.required else HEADER_FONT
        cell.fill = HEADER_FILL
        cell.alignment = Alignment(wrap_text=True, vertical="center", horizontal="center")
        sheet.column_dimensions[letter].width = max(column.width, 8)
        if column.kind in (CODE, TEXT):
            sheet.column_dimensions[letter].number_format = "@"
        elif column.kind == DATE:
            sheet.column_dimensions[letter].number_format = "yyyy-mm-dd"
        cells = f"{letter}2:{letter}{last_row}"
        values = _column_options(column, regions)
        if values:
            options.cell(row=1, column=index, value=column.header)
            for offset, value in enumerate(values, start=2):
                options.cell(row=offset, column=index, value=value)
            source = f"'{OPTIONS_SHEET}'!${letter}$2:${letter}${len(values) + 1}"
            # A region may also be given by its code, so that list only suggests.
            strict = column.kind != REGION
            validation = DataValidation(
                type="list",
                formula1=source,
                allow_blank=True,
                showErrorMessage=strict,
                errorTitle=column.header,
                error="请从下拉列表中选择。",
            )
        elif column.kind == INT:
            top = 5 if column.field == "star_rating" else 2147483647
            validation = DataValidation(
                type="whole",
                operator="between",
                formula1="0",
                formula2=str(top),
                allow_blank=True,
                showErrorMessage=True,
                errorTitle=column.header,
                error=f"请填写0到{top}之间的整数。",
            )
        elif column.kind == DECIMAL:
            validation = DataValidation(
                type="decimal",
                operator="greaterThanOrEqual",
                formula1="0",
                allow_blank=True,
                showErrorMessage=True,
                errorTitle=column.header,
                error="请填写不小于0的数字。",
            )
        else:
            continue
        validation.add(cells)
        sheet.add_data_validation(validation)
    sheet.row_dimensions[1].height = 45
    sheet.freeze_panes = "B2"

    for values in rows:
        sheet.append(values)
    for index, column in enumerate(COLUMNS, start=1):
        if column.kind == DATE:
            for (cell,) in sheet.iter_rows(min_row=2, min_col=index, max_col=index):
                cell.number_format = "yyyy-mm-dd"
        elif column.kind in (CODE, TEXT):
            for (cell,) in sheet.iter_rows(min_row=2, min_col=index, max_col=index):
                cell.number_format = "@"

    _write_instructions(workbook.create_sheet(INSTRUCTIONS_SHEET, index=1), regions)
    workbook.active = 0
    output = io.BytesIO()
    workbook.save(output)
    return output.getvalue()


def _write_instructions(sheet, regions) -> None:
    general = [
        "养老机构名单导入说明",
        f"1. 在“{SHEET}”工作表中每行填写一个机构，第一行表头请勿修改、删除或调换。",
        f"2. 每次最多导入{MAX_ROWS}行；红色表头的列必须填写。",
        "3. 按“统一社会信用代码＋机构名称”匹配系统中已有的机构，找不到时按“所属区域＋机构名称”匹配："
        "匹配到的机构按本表更新，匹配不到的新增。与系统中完全相同的行不做任何修改。",
        "4. 上传后先显示检查结果，逐行逐列列出问题；全部无误后才能确认导入，"
        "导入时要么全部成功，要么全部不导入。",
        "5. 全角数字和字母、多余空格会自动规范；统一社会信用代码请使用“文本”格式，以免Excel改为科学计数法。",
        "6. 一个机构中本表没有的内容（如内部备注）导入时保持不变。",
    ]
    for line in general:
        sheet.append([line])
    sheet["A1"].font = Font(bold=True, size=14)
    sheet.append([])
    sheet.append(["列名", "是否必填", "填写说明", "可选值"])
    header_row = sheet.max_row
    for cell in sheet[header_row]:
        cell.font = HEADER_FONT
        cell.fill = HEADER_FILL
    for column in COLUMNS:
        options = _column_options(column, regions)
        help_text = column.help or KIND_HELP.get(column.kind, "")
        sheet.append([column.header, "必填" if column.required else "", help_text, "、".join(options or [])])
    for letter, width in zip("ABCD", (30, 10, 70, 60), strict=True):
        sheet.column_dimensions[letter].width = width
    for row in sheet.iter_rows(min_row=header_row + 1):
        for cell in row:
            cell.alignment = Alignment(wrap_text=True, vertical="top")


def template_workbook(regions=None) -> bytes:
    """The empty list with headers, dropdowns and instructions; `regions` fill the region dropdown."""
    return _build([], regions)


def _export_value(institution: Institution, column: Column):
    value = getattr(institution, column.field)
    if column.kind == REGION:
        return institution.region.name
    if column.kind == PARENT:
        return value.name if value else None
    if column.kind == CHOICE:
        return choice_label(column.choices, value) or None
    if column.kind == BOOL:
        return YES if value else NO
    if value == "":
        return None
    return value


def export_workbook(queryset, regions=None) -> bytes:
    """The institutions in the template's columns: an export imports back without a change."""
    queryset = queryset.select_related("region", "parent")
    rows = [[_export_value(institution, column) for column in COLUMNS] for institution in queryset]
    return _build(rows, regions)


# Reading workbooks ----------------------------------------------------------------------------


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
        with zipfile.ZipFile(io.BytesIO(data)) as archive:
            unpacked = sum(info.file_size for info in archive.infolist())
    except (zipfile.BadZipFile, ValueError, OSError) as error:
        raise not_a_workbook from error
    if unpacked > MAX_UNPACKED_BYTES:
        raise WorkbookError(_("The workbook is too large to read."), code="too_large")
    try:
        return load_workbook(io.BytesIO(data), read_only=True, data_only=True)
    except Exception as error:  # openpyxl raises whatever the damaged part provokes
        raise not_a_workbook from error


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
class Row:
    number: int
    cells: dict[str, Any]  # field -> raw cell value
    values: dict[str, Any] = field(default_factory=dict)
    region: Region | None = None
    parent_name: str = ""
    problems: list[Problem] = field(default_factory=list)

    def add(self, field_name: str, message: str, code: str) -> None:
        column = BY_FIELD[field_name].header if field_name in BY_FIELD else ""
        self.problems.append(Problem(self.number, column, field_name, code, str(message)))

    @property
    def name(self) -> str:
        return self.values.get("name", "")

    @property
    def code(self) -> str:
        return self.values.get("credit_code", "")


def _find_header(rows: list[tuple]) -> int | None:
    """The index of the header row: the first of the top rows naming the name column (a title row
    above it is tolerated)."""
    name_key = header_key(BY_FIELD["name"].header)
    for index, values in enumerate(rows):
        if any(header_key(value) == name_key for value in values):
            return index
    return None


def _map_headers(headers: tuple) -> dict[int, str]:
    """Column index -> field; a WorkbookError naming missing, unknown or repeated headers."""
    known = {header_key(column.header): column.field for column in COLUMNS}
    mapping, unknown, repeated = {}, [], []
    for index, header in enumerate(headers):
        key = header_key(header)
        if not key:
            continue
        name = known.get(key)
        if name is None:
            unknown.append(clean_text(header))
        elif name in mapping.values():
            repeated.append(BY_FIELD[name].header)
        else:
            mapping[index] = name
    missing = [column.header for column in COLUMNS if column.field not in mapping.values()]
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


def read_rows(data: bytes) -> list[Row]:
    """The data rows of the list sheet, with their Excel row numbers; blank rows skipped."""
    workbook = _open_workbook(data)
    try:
        sheet = workbook[SHEET] if SHEET in workbook.sheetnames else workbook.worksheets[0]
        sheet.reset_dimensions()  # some writers record a wrong used range; read what is there
        cells = sheet.iter_rows(values_only=True)
        top = []
        for values in cells:
            top.append(values)
            if len(top) == 10:
                break
        if not any(clean_text(value) for values in top for value in values):
            raise WorkbookError(
                _(
                    "The workbook is empty. Fill in the template, one institution per row below the header "
                    "row."
                ),
                code="empty",
            )
        header_index = _find_header(top)
        if header_index is None:
            header_index = next(i for i, values in enumerate(top) if any(clean_text(v) for v in values))
        mapping = _map_headers(top[header_index])
        rows, count = [], 0
        number = header_index + 1

        def data_rows():
            yield from top[header_index + 1 :]
            yield from cells

        for values in data_rows():
            number += 1
            if not any(clean_text(value) for value in values):
                continue
            count += 1
            if count <= MAX_ROWS:
                rows.append(
                    Row(number, {name: values[i] if i < len(values) else None for i, name in mapping.items()})
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
    if count > MAX_ROWS:
        raise WorkbookError(
            _(
                "The file has %(rows)s rows of data, more than the %(max)s rows one import can take. "
                "Split it into several files."
            )
            % {"rows": count if count < COUNT_LIMIT else f"{COUNT_LIMIT}+", "max": MAX_ROWS},
            code="too_many_rows",
        )
    if not rows:
        raise WorkbookError(
            _("The workbook has the header row but no institutions below it."), code="no_rows"
        )
    return rows


# Checking and applying -----------------------------------------------------------------------


class _Regions:
    """The county-level regions a user may import into, by name and by code."""

    def __init__(self, user):
        self.visible = list(Region.objects.visible_to(user).county_level())
        self.by_code = {region.code.upper(): region for region in self.visible}
        self.by_name: dict[str, list[Region]] = {}
        for region in self.visible:
            self.by_name.setdefault(_key(region.name), []).append(region)
        self._exists: dict[str, bool] = {}

    def exists_elsewhere(self, text: str) -> bool:
        if text not in self._exists:
            self._exists[text] = Region.objects.filter(Q(code=text.upper()) | Q(name=text)).exists()
        return self._exists[text]

    def resolve(self, row: Row, value) -> None:
        text = clean_text(value)
        if not text:
            row.add("region", _("Give the region: the name or code of a county-level unit."), "required")
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
        elif self.exists_elsewhere(text):
            row.add(
                "region",
                _(
                    "“%(value)s” is not a county-level unit of your area: you can only import institutions "
                    "of your own region."
                )
                % {"value": text},
                "outside_region",
            )
        else:
            row.add(
                "region",
                _(
                    "There is no region “%(value)s”. Give the name or code of a county-level unit, as in the "
                    "template's list."
                )
                % {"value": text},
                "unknown_region",
            )


def _parse(row: Row, regions: _Regions, lookups: dict) -> None:
    """Cells to model values; a cell that cannot be read becomes a problem and the field's default."""
    for column in COLUMNS:
        value = row.cells.get(column.field)
        model_field = Institution._meta.get_field(column.field)
        try:
            if column.kind == REGION:
                regions.resolve(row, value)
            elif column.kind == PARENT:
                row.parent_name = clean_text(value)
            elif column.kind == CODE:
                row.values[column.field] = uscc.normalize(value)
            elif column.kind == TEXT:
                row.values[column.field] = clean_text(value)
            elif column.kind == CHOICE:
                text = clean_text(value)
                if text == "":
                    row.values[column.field] = model_field.get_default()
                elif _key(text) in lookups[column.field]:
                    row.values[column.field] = lookups[column.field][_key(text)]
                else:
                    raise CellError(
                        _("“%(value)s” is not one of: %(choices)s.")
                        % {"value": text, "choices": "、".join(choice_labels(column.choices))},
                        "invalid_choice",
                    )
            elif column.kind == BOOL:
                row.values[column.field] = parse_bool(value)
            elif column.kind == INT:
                row.values[column.field] = parse_int(value, model_field.get_default())
            elif column.kind == DECIMAL:
                row.values[column.field] = parse_decimal(value)
            elif column.kind == DATE:
                row.values[column.field] = parse_date(value)
        except CellError as error:
            row.add(column.field, error.message, error.code)
            row.values[column.field] = model_field.get_default()


def _copy(institution: Institution) -> Institution:
    fields = Institution._meta.concrete_fields
    copy = Institution(**{f.attname: getattr(institution, f.attname) for f in fields})
    copy._state.adding = False
    copy._state.db = institution._state.db
    return copy


class _Registry:
    """The institutions the user may change, kept current as the file's rows are saved."""

    def __init__(self, user):
        self.by_code_name: dict[tuple, list[Institution]] = {}
        self.by_region_name: dict[tuple, Institution] = {}
        for institution in Institution.objects.visible_to(user):
            self.put(institution)

    def put(self, institution: Institution, old: Institution | None = None) -> None:
        if old is not None:
            self.by_region_name.pop((old.region_id, _key(old.name)), None)
            same = self.by_code_name.get((old.credit_code, _key(old.name)), [])
            same[:] = [other for other in same if other.pk != old.pk]
        self.by_region_name[(institution.region_id, _key(institution.name))] = institution
        if institution.credit_code:
            key = (institution.credit_code, _key(institution.name))
            self.by_code_name.setdefault(key, []).append(institution)

    def match(self, row: Row) -> Institution | None:
        """First by credit code and name, then by region and name."""
        if row.code:
            found = self.by_code_name.get((row.code, _key(row.name)), [])
            in_region = [i for i in found if row.region and i.region_id == row.region.pk]
            if len(in_region) == 1 or len(found) == 1:
                return (in_region or found)[0]
        if row.region:
            return self.by_region_name.get((row.region.pk, _key(row.name)))
        return None


_UNIQUE_CONSTRAINTS = [c for c in Institution._meta.constraints if isinstance(c, UniqueConstraint)]


def _full_clean(instance: Institution) -> None:
    """``Institution.full_clean()`` without two costs that buy nothing here, two thirds of the time
    of a 5,000-row check: the region and head foreign keys are not looked up again (they were just
    found), and the CheckConstraints are not evaluated in Python (Django builds a query annotating
    every field for each): ``clean()`` states the same rules with a message a clerk understands, and
    PostgreSQL enforces them on save. Field validation, ``clean()`` and the unique constraints run
    as in ``full_clean()``."""
    errors: dict = {}
    try:
        instance.clean_fields(exclude={"region", "parent"})
    except ValidationError as error:
        errors = error.update_error_dict(errors)
    try:
        instance.clean()
    except ValidationError as error:
        errors = error.update_error_dict(errors)
    exclude = {name for name in errors if name != NON_FIELD_ERRORS}
    for constraint in _UNIQUE_CONSTRAINTS:
        try:
            constraint.validate(Institution, instance, exclude=exclude)
        except ValidationError as error:
            errors = error.update_error_dict(errors)
    if errors:
        raise ValidationError(errors)


def _model_problems(row: Row, error: ValidationError) -> None:
    unreadable = {problem.field for problem in row.problems}
    if "region" in unreadable:
        unreadable.add("parent")  # the head is looked up in the row's region
    for name, errors in error.error_dict.items():
        for item in errors:
            code = item.code or "invalid"
            if name == NON_FIELD_ERRORS and code == "unique_together":
                name = "name"  # the same name twice in a region
            if name in unreadable:
                continue  # the cell itself could not be read; that problem is reported already
            for message in item.messages:
                row.add(name if name != NON_FIELD_ERRORS else "", message, code)


@dataclass
class CheckResult:
    row_count: int
    problems: list[dict]
    plan: list[dict]
    counts: dict[str, int]


def _changed_fields(current: Institution, row: Row, parent: Institution | None) -> list[str]:
    changed = [name for name in VALUE_FIELDS if getattr(current, name) != row.values[name]]
    if row.region and current.region_id != row.region.pk:
        changed.append("region")
    if current.parent_id != (parent.pk if parent else None):
        changed.append("parent")
    return [column.field for column in COLUMNS if column.field in changed]  # in the sheet's order


class _Seen:
    """What the earlier rows of the file hold: a row repeating one is a problem."""

    def __init__(self):
        self.names: dict[tuple, Row] = {}  # (region id, name) -> first row
        self.codes: dict[str, int] = {}  # credit code of a row that is no branch -> row number
        self.matched: dict[int, int] = {}  # registered institution id -> row number

    def check(self, row: Row) -> None:
        if row.region and row.name:
            first = self.names.setdefault((row.region.pk, _key(row.name)), row)
            if first is not row:
                message = _("Row %(row)s has the same institution in the same region.") % {
                    "row": first.number
                }
                row.add("name", message, "duplicate_in_file")
        if row.code and not row.parent_name:
            first_number = self.codes.setdefault(row.code, row.number)
            if first_number != row.number:
                message = _(
                    "Row %(row)s has the same credit code. Only branches of a “1+N” consortium, with their "
                    "head institution filled in, may share it."
                ) % {"row": first_number}
                row.add("credit_code", message, "duplicate_in_file")

    def check_match(self, row: Row, current: Institution | None) -> None:
        if current is None:
            return
        first_number = self.matched.setdefault(current.pk, row.number)
        if first_number != row.number:
            message = _("This row and row %(row)s are the same institution in the registry (%(name)s).") % {
                "row": first_number,
                "name": current.name,
            }
            row.add("name", message, "duplicate_in_file")


def _find_parent(row: Row, registry: _Registry, seen: _Seen) -> Institution | None:
    """The head institution a branch names: registered, or created by an earlier row."""
    if not (row.parent_name and row.region):
        return None
    key = (row.region.pk, _key(row.parent_name))
    head_row = seen.names.get(key)
    if head_row is not None and head_row.problems:
        message = _(
            "The head institution “%(name)s” is in row %(row)s, which has problems: fix that row first."
        ) % {"name": row.parent_name, "row": head_row.number}
        row.add("parent", message, "parent_has_problems")
        return None
    parent = registry.by_region_name.get(key)
    if parent is None:
        message = _(
            "There is no head institution “%(name)s” in %(region)s, in the registry or in this file."
        ) % {"name": row.parent_name, "region": row.region.name}
        row.add("parent", message, "parent_not_found")
    return parent


def _validated(row: Row, current: Institution | None, parent: Institution | None) -> Institution:
    """The institution as the row would leave it; the model's complaints become the row's problems."""
    instance = _copy(current) if current is not None else Institution()
    unreadable = {problem.field for problem in row.problems}
    for name in VALUE_FIELDS:
        if current is None or name not in unreadable:  # an unreadable cell keeps the current value
            setattr(instance, name, row.values[name])
    if row.region:
        instance.region = row.region
    instance.parent = parent
    try:
        _full_clean(instance)
    except ValidationError as error:
        _model_problems(row, error)
    return instance


def _process(rows: list[Row], user, reason: str) -> CheckResult:
    """Check the rows and save the good ones, heads before branches; run inside a transaction that
    the caller rolls back (a check, or a file with problems) or commits."""
    regions, registry, seen = _Regions(user), _Registry(user), _Seen()
    lookups = {column.field: _choice_lookup(column.choices) for column in COLUMNS if column.kind == CHOICE}
    plan = []
    for row in rows:
        _parse(row, regions, lookups)
    for row in sorted(rows, key=lambda r: (bool(r.parent_name), r.number)):
        seen.check(row)
        parent = _find_parent(row, registry, seen)
        current = registry.match(row)
        seen.check_match(row, current)
        changed = []
        if current is not None and not row.problems:
            changed = _changed_fields(current, row, parent)
            if not changed:
                plan.append(_plan_entry(row, "unchanged", []))
                continue
        instance = _validated(row, current, parent)
        if row.problems:
            continue
        if current is None:
            instance._history_user = user
            instance._change_reason = reason
            instance.save()
            registry.put(instance)
            plan.append(_plan_entry(row, "create", []))
        else:
            save_versioned(instance, expected_version=current.version, by=user, reason=reason)
            registry.put(instance, old=current)
            plan.append(_plan_entry(row, "update", changed))

    problems = sorted(
        (problem for row in rows for problem in row.problems),
        key=lambda p: (p.row, _COLUMN_ORDER.get(p.field, len(COLUMNS))),
    )
    plan.sort(key=lambda entry: entry["row"])
    counts = {action: sum(1 for e in plan if e["action"] == action) for action in ACTIONS}
    return CheckResult(len(rows), [p.as_dict() for p in problems], plan, counts)


_COLUMN_ORDER = {column.field: index for index, column in enumerate(COLUMNS)}
ACTIONS = ("create", "update", "unchanged")


def _plan_entry(row: Row, action: str, changed: list[str]) -> dict:
    return {
        "row": row.number,
        "action": action,
        "name": row.name,
        "region": row.region.name if row.region else "",
        "changes": [BY_FIELD[name].header for name in changed],
    }


class _Rollback(Exception):
    def __init__(self, result: CheckResult):
        self.result = result


def _read(file) -> bytes:
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


def check_workbook(file, user) -> CheckResult:
    """Read the file and check every row against the registry; nothing is kept.

    Raises WorkbookError when the file as a whole is unusable."""
    rows = read_rows(_read(file))
    try:
        with transaction.atomic():
            result = _process(rows, user, reason="")
            raise _Rollback(result)
    except _Rollback as rollback:
        return rollback.result
    except (IntegrityError, ConcurrentEditError) as error:
        raise WorkbookError(_registry_changed_message(), code="registry_changed") from error


def _registry_changed_message() -> str:
    return _(
        "The registry changed while the file was being processed; nothing was imported. Upload the file "
        "again."
    )


def batch_region(user) -> Region:
    if user.region_id:
        return user.region
    region = Region.objects.filter(parent__isnull=True).order_by("path").first()  # a superuser
    if region is None:
        raise WorkbookError(_("There is no region to import into."), code="no_region")
    return region


def create_batch(*, file, user, original_name: str = "") -> ImportBatch:
    """Check an uploaded workbook and keep it, with its problems and plan, for the preview.

    A file that cannot be imported at all raises WorkbookError and is not kept."""
    if not can_edit_registry(user):
        raise PermissionDenied
    data = _read(file)
    result = check_workbook(data, user)
    batch = ImportBatch(
        kind=ImportBatch.Kind.INSTITUTIONS,
        region=batch_region(user),
        created_by=user,
        original_name=(original_name or getattr(file, "name", "") or "workbook.xlsx")[:255],
        sha256=hashlib.sha256(data).hexdigest(),
        row_count=result.row_count,
        errors=result.problems,
        summary=_summary(result),
    )
    batch.file.save(f"{uuid.uuid4().hex}.xlsx", ContentFile(data), save=False)
    batch.save()
    return batch


def _summary(result: CheckResult) -> dict:
    return {"counts": result.counts, "plan": result.plan[:PLAN_PREVIEW_ROWS]}


def apply_batch(batch: ImportBatch, user) -> dict[str, int]:
    """Check the batch's file again and apply it: every row or none. Returns the counts.

    Raises ValidationError (nothing written) when the batch was applied already, has problems,
    or the registry has changed so that the file no longer passes."""
    if batch.created_by_id != user.pk or not can_edit_registry(user):
        raise PermissionDenied
    reason = _("Excel import: %(file)s") % {"file": batch.original_name}
    try:
        with transaction.atomic():
            locked = ImportBatch.objects.select_for_update().get(pk=batch.pk)
            if locked.status == ImportBatch.Status.APPLIED:
                raise ValidationError(_("This file has been imported already."), code="applied")
            if locked.errors:
                raise ValidationError(
                    _("This file has problems: fix them in the file and upload it again."), code="problems"
                )
            try:
                with locked.file.open("rb") as stored:
                    data = stored.read()
            except (OSError, ValueError) as error:
                raise ValidationError(
                    _("The uploaded file is no longer available; upload it again."), code="missing_file"
                ) from error
            result = _process(read_rows(data), user, reason=reason)
            if result.problems:
                raise _Rollback(result)
            locked.status = ImportBatch.Status.APPLIED
            locked.applied_at = timezone.now()
            locked.summary = _summary(result)
            locked.save(update_fields=["status", "applied_at", "summary", "updated_at"])
    except _Rollback as rollback:
        batch.errors = rollback.result.problems
        batch.summary = _summary(rollback.result)
        batch.save(update_fields=["errors", "summary", "updated_at"])
        raise ValidationError(
            _(
                "The registry has changed since the check and %(count)s problems were found; nothing was "
                "imported. See the list below."
            )
            % {"count": len(rollback.result.problems)},
            code="problems",
        ) from None
    except (IntegrityError, ConcurrentEditError) as error:
        raise ValidationError(_registry_changed_message(), code="registry_changed") from error
    batch.refresh_from_db()
    return result.counts
