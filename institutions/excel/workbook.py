"""Writing the workbook (template, export) and opening an uploaded one safely."""

from __future__ import annotations

import io

from openpyxl import Workbook
from openpyxl.styles import Alignment
from openpyxl.utils import get_column_letter
from openpyxl.worksheet.datavalidation import DataValidation

from core.excel import (  # noqa: F401 - re-exported: the institution code reads them from here
    HEADER_FILL,
    HEADER_FONT,
    REQUIRED_FONT,
    _megabytes,
    _open_workbook,
    append_row,
    check_size,
    max_bytes,
    write_cell,
    write_instructions,
)
from institutions.excel.columns import (
    BOOL,
    CHOICE,
    CODE,
    COLUMNS,
    DATE,
    DECIMAL,
    INSTRUCTIONS_SHEET,
    INT,
    KIND_HELP,
    MAX_ROWS,
    NO,
    OPTIONS_SHEET,
    PARENT,
    PHONE,
    REGION,
    SHEET,
    TEXT,
    YES,
    Column,
    choice_label,
    choice_labels,
)
from institutions.models import (
    Institution,
)


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

    append_row(sheet, [column.header for column in COLUMNS])
    for index, column in enumerate(COLUMNS, start=1):
        letter = get_column_letter(index)
        cell = sheet.cell(row=1, column=index)
        cell.font = REQUIRED_FONT if column.required else HEADER_FONT
        cell.fill = HEADER_FILL
        cell.alignment = Alignment(wrap_text=True, vertical="center", horizontal="center")
        sheet.column_dimensions[letter].width = max(column.width, 8)
        if column.kind in (CODE, PHONE, TEXT):
            sheet.column_dimensions[letter].number_format = "@"
        elif column.kind == DATE:
            sheet.column_dimensions[letter].number_format = "yyyy-mm-dd"
        cells = f"{letter}2:{letter}{last_row}"
        values = _column_options(column, regions)
        if values:
            write_cell(options.cell(row=1, column=index), column.header)
            for offset, value in enumerate(values, start=2):
                write_cell(options.cell(row=offset, column=index), value)
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
        append_row(sheet, values)  # text as text, never a formula
    for index, column in enumerate(COLUMNS, start=1):
        if column.kind == DATE:
            for (cell,) in sheet.iter_rows(min_row=2, min_col=index, max_col=index):
                cell.number_format = "yyyy-mm-dd"
        elif column.kind in (CODE, PHONE, TEXT):
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
        "7. 上下合并的单元格（如几个机构共用的“所属区域”）按其中的内容读入合并范围内的每一行；"
        "“机构名称”和“统一社会信用代码”不能合并，也不能把多列左右合并。",
    ]
    write_instructions(
        sheet, general, COLUMNS, lambda column: _column_options(column, regions), KIND_HELP, 30
    )


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
