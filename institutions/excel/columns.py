"""The workbook's columns and how a cell's text becomes a value (shared by export and import)."""

from __future__ import annotations

import re
from dataclasses import dataclass
from decimal import Decimal, InvalidOperation
from typing import Any

from django.utils.translation import gettext as _

from core.excel import (  # noqa: F401 - re-exported: the institution code reads them from here
    COUNT_LIMIT,
    FALSE_WORDS,
    MAX_BYTES_DEFAULT,
    MAX_UNPACKED_BYTES,
    NO,
    TRUE_WORDS,
    YES,
    CellError,
    WorkbookError,
    _choice_lookup,
    _key,
    choice_label,
    choice_labels,
    clean_text,
    header_key,
    parse_bool,
    parse_date,
)
from institutions.models import (
    Area,
    FilingStatus,
    FireSafetyStatus,
    LegalPersonStatus,
    MedicalMode,
    Nature,
    OperatingStatus,
    RegistrationForm,
)

SHEET = "机构名单"
INSTRUCTIONS_SHEET = "填写说明"
OPTIONS_SHEET = "选项"
MAX_ROWS = 5000
PLAN_PREVIEW_ROWS = 100

TEXT, CODE, PHONE, REGION, PARENT, CHOICE, BOOL, INT, DECIMAL, DATE = (
    "text",
    "code",
    "phone",
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
        "18位，已登记的机构必填；“1+N”联合体的分院填写总院的代码。请把此列设为“文本”格式，"
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
    Column(
        "phone",
        "联系电话",
        PHONE,
        "11位手机号，或带区号的固定电话（如0412-2432368，可加“转分机号”）。请把此列设为“文本”格式，"
        "否则Excel会去掉区号开头的0。",
        width=16,
    ),
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
        "“1+N”联合体总院",
        PARENT,
        "仅“1+N”联合体的分院填写：同一区域内总院的名称（总院可在本表中，也可已在系统中）。",
        width=24,
    ),
    _bool("legal_code_entered", "法人代码已录入全国系统"),
    Column(
        "legal_code_entered_on",
        "法人代码录入全国系统日期",
        DATE,
        "已登记法人（独立法人或“1+N”分院）的特困人员供养服务设施填写；填写日期时上一列须填“是”。"
        "第13、14项按此日期判断是否在期限内完成。",
        width=12,
    ),
    Column("beds", "床位数", INT, "整数，空白视为0。", width=9),
    Column("nursing_beds", "护理型床位数", INT, "整数，不能多于床位数。", width=9),
    Column("residents", "入住老年人数", INT, "整数。", width=9),
    Column(
        "disabled_residents",
        "失能入住老年人数",
        INT,
        "整数；失能与部分失能合计不能多于入住老年人数。",
        width=9,
    ),
    Column("semi_disabled_residents", "部分失能入住老年人数", INT, "整数。", width=9),
    Column("medical_mode", "医疗服务方式", CHOICE, "空白视为“无”。", MedicalMode, width=18),
    _bool("integrated_care", "医养结合"),
    _bool("ext_meal", "对外服务：助餐"),
    _bool("ext_bath", "对外服务：助浴"),
    _bool("ext_cleaning", "对外服务：助洁"),
    _bool("ext_medical", "对外服务：助医"),
    _bool("ext_recreation", "对外服务：助乐"),
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
    _bool(
        "credit_code_confirmed",
        "校验位已人工核实",
        f"仅用于2016年前发放、校验位不符合GB 32100的代码：已对照登记证书核实代码无误时填“{YES}”。"
        f"其他错误（位数、登记管理部门、机构类别、行政区划码）不能这样确认。空白视为“{NO}”；本列可以没有。",
    ),
)
BY_FIELD = {column.field: column for column in COLUMNS}

#: The export's last column, after the template's (issue 17 item 6: an institution under a 停业整顿
#: order in force is flagged in every export): “是” or blank on the day of the export. Not a field:
#: the import accepts the column and does not read it, so an export imports back unchanged.
SUSPENDED_HEADER = "停业整顿"
# Fields written from the sheet; region and parent are resolved to objects.
VALUE_FIELDS = tuple(c.field for c in COLUMNS if c.kind not in (REGION, PARENT))
KIND_HELP = {
    DATE: "日期单元格，或“2020-09-30”形式的文本。",
    BOOL: f"“{YES}”或“{NO}”（也可填Y/N、√/×）。",
}


# Normalising what people type and paste: see core.excel ------------------------------------------

_INTEGER = re.compile(r"[+-]?\d+(?:\.0*)?")


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
