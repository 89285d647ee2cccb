"""The columns of the ledger import (台账导入) and its template."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from core.excel import NO, YES
from hazards.models import CATEGORIES, Severity, Source, Status

SHEET = "隐患台账"
INSTRUCTIONS_SHEET = "填写说明"
OPTIONS_SHEET = "选项"
MAX_ROWS = 5000
PLAN_PREVIEW_ROWS = 100

# Kinds of column: how a cell is read.
TEXT, LONG_TEXT, CODE, PHONE, REGION, INSTITUTION, CHOICE, BOOL, DATE = (
    "text",
    "long_text",
    "code",
    "phone",
    "region",
    "institution",
    "choice",
    "bool",
    "date",
)


@dataclass(frozen=True)
class Column:
    field: str
    header: str
    kind: str
    help: str = ""
    choices: Any = None  # a TextChoices class or a choices sequence
    required: bool = False
    width: int = 12


COLUMNS: tuple[Column, ...] = (
    Column(
        "code",
        "编号",
        CODE,
        "台账中已有的隐患编号（如210302-2026-0001），可不填：不填时由系统按“区划代码-年份-序号”编号。"
        "填写了系统中已有的编号时，按编号更新该隐患。编号在系统中唯一，请勿填写表格的序号（1、2、3……）。",
        width=18,
    ),
    Column(
        "credit_code",
        "统一社会信用代码",
        TEXT,
        "隐患所在机构的统一社会信用代码，用来在机构名单中找到该机构；“1+N”联合体的分院与总院代码相同，"
        "须同时填写准确的机构名称。请把此列设为“文本”格式。",
        width=22,
    ),
    Column(
        "region",
        "所属区域",
        REGION,
        "机构所在的县（市）区名称或区划代码；只能填写本单位管辖的区域。不填统一社会信用代码时，按“所属区域＋机构名称”找机构。",
        width=12,
    ),
    Column(
        "institution",
        "机构名称",
        INSTITUTION,
        "机构名单中登记的名称。机构须已在机构名单中，且在本单位管辖范围内。",
        required=True,
        width=26,
    ),
    Column("category", "隐患类别", CHOICE, "", CATEGORIES, required=True, width=16),
    Column("severity", "隐患等级", CHOICE, "空白视为“一般”。", Severity, width=8),
    Column("source", "隐患来源", CHOICE, "", Source, required=True, width=16),
    Column("description", "隐患描述", LONG_TEXT, "", required=True, width=40),
    Column("found_on", "发现日期", DATE, "", required=True, width=12),
    Column("measures", "整改措施", LONG_TEXT, "", width=36),
    Column("responsible_unit", "责任单位", TEXT, "", required=True, width=20),
    Column("responsible_person", "责任人", TEXT, "", required=True, width=10),
    Column(
        "responsible_phone",
        "联系电话",
        PHONE,
        "责任人的11位手机号，或带区号的固定电话（如0412-2432368）。请把此列设为“文本”格式，"
        "否则Excel会去掉区号开头的0。",
        width=14,
    ),
    Column(
        "deadline",
        "整改时限",
        DATE,
        "不能早于发现日期。系统中已有的隐患改变整改时限时，系统记录原时限和“导入台账”的原因。",
        required=True,
        width=12,
    ),
    Column(
        "status",
        "整改状态",
        CHOICE,
        "新增的隐患空白视为“待整改”，可以填写“已销号”（历史台账）；系统中已有的隐患空白表示不变，"
        "且不能经导入销号或改变已销号隐患，须在系统中核查销号。",
        Status,
        width=14,
    ),
    Column(
        "is_major_fire",
        "重大火灾隐患",
        BOOL,
        f"填“{YES}”或“{NO}”，空白视为“{NO}”。只有消防安全类隐患可以是重大火灾隐患，须填写认定单位和认定日期。",
        width=10,
    ),
    Column("major_determined_by", "认定单位", TEXT, "认定重大火灾隐患的消防救援机构。", width=18),
    Column("major_determined_on", "认定日期", DATE, "", width=12),
    Column(
        "is_listed",
        "挂牌督办",
        BOOL,
        f"填“{YES}”或“{NO}”，空白视为“{NO}”；填“{YES}”时须填写督办单位。",
        width=10,
    ),
    Column("listed_by", "督办单位", TEXT, "如市人民政府、区人民政府。", width=18),
)
BY_FIELD = {column.field: column for column in COLUMNS}
ORDER = {column.field: index for index, column in enumerate(COLUMNS)}
# Model fields written from a row (the institution is resolved to an object; the code is the key).
VALUE_FIELDS = (
    "category",
    "severity",
    "source",
    "description",
    "found_on",
    "measures",
    "responsible_unit",
    "responsible_person",
    "responsible_phone",
    "deadline",
    "status",
    "is_major_fire",
    "major_determined_by",
    "major_determined_on",
    "is_listed",
    "listed_by",
)
KIND_HELP = {
    DATE: "日期单元格，或“2026-09-30”形式的文本。",
    BOOL: f"“{YES}”或“{NO}”（也可填Y/N、√/×）。",
}
