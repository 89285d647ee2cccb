"""Writing workbooks: the three lists (one workbook, three sheets, ready to print) and the import
template."""

from __future__ import annotations

import io

from django.utils import translation
from openpyxl import Workbook
from openpyxl.styles import Alignment, Font
from openpyxl.utils import get_column_letter
from openpyxl.worksheet.datavalidation import DataValidation

from core import dates
from core.excel import (
    DATE_FORMAT,
    DATETIME_FORMAT,
    HEADER_FILL,
    HEADER_FONT,
    NO,
    REQUIRED_FONT,
    YES,
    append_row,
    choice_labels,
    write_cell,
    write_instructions,
)
from hazards import three_lists
from hazards.excel.columns import (
    BOOL,
    CHOICE,
    CODE,
    COLUMNS,
    DATE,
    INSTRUCTIONS_SHEET,
    KIND_HELP,
    LONG_TEXT,
    MAX_ROWS,
    OPTIONS_SHEET,
    PHONE,
    REGION,
    SHEET,
    TEXT,
    Column,
)

TITLE = "风险隐患整治工作台账"
OVERDUE_FONT = Font(bold=True, color="C00000")
HEADER_ROW = 2  # row 1 is the title


def _save(workbook: Workbook) -> bytes:
    output = io.BytesIO()
    workbook.save(output)
    return output.getvalue()


# The three lists -----------------------------------------------------------------------------------


def _list_sheet(sheet, three_list: three_lists.ThreeList, hazards: list, today) -> None:
    columns = three_list.columns
    last = get_column_letter(len(columns))
    sheet.title = three_list.sheet
    append_row(sheet, [f"{TITLE}——{three_list.sheet}（{today:%Y-%m-%d}导出，共{len(hazards)}条）"])
    sheet.merge_cells(f"A1:{last}1")
    sheet["A1"].font = Font(bold=True, size=14)
    sheet["A1"].alignment = Alignment(horizontal="center", vertical="center")
    sheet.row_dimensions[1].height = 28

    append_row(sheet, [column.header for column in columns])
    for index, column in enumerate(columns, start=1):
        cell = sheet.cell(row=HEADER_ROW, column=index)
        cell.font = HEADER_FONT
        cell.fill = HEADER_FILL
        cell.alignment = Alignment(wrap_text=True, vertical="center", horizontal="center")
        sheet.column_dimensions[get_column_letter(index)].width = column.width
    sheet.row_dimensions[HEADER_ROW].height = 30

    for hazard in hazards:
        append_row(sheet, [three_lists.cell_value(column, hazard) for column in columns])
    for index, column in enumerate(columns, start=1):
        number_format = {three_lists.DATE: DATE_FORMAT, three_lists.DATETIME: DATETIME_FORMAT}.get(
            column.kind
        )
        alignment = Alignment(wrap_text=column.wrap, vertical="top")
        for (cell,) in sheet.iter_rows(min_row=HEADER_ROW + 1, min_col=index, max_col=index):
            cell.alignment = alignment
            if number_format:
                cell.number_format = number_format
            elif column.kind == three_lists.TEXT:
                cell.number_format = "@"
            if column.key == "overdue" and cell.value == YES:
                cell.font = OVERDUE_FONT

    # Header frozen below the title and the number column; printed A4 landscape, one page wide,
    # the header row repeated on every page.
    sheet.freeze_panes = f"B{HEADER_ROW + 1}"
    sheet.auto_filter.ref = f"A{HEADER_ROW}:{last}{max(sheet.max_row, HEADER_ROW)}"
    sheet.page_setup.orientation = "landscape"
    sheet.page_setup.paperSize = sheet.PAPERSIZE_A4
    sheet.page_setup.fitToWidth = 1
    sheet.page_setup.fitToHeight = 0
    sheet.sheet_properties.pageSetUpPr.fitToPage = True
    sheet.print_title_rows = f"{HEADER_ROW}:{HEADER_ROW}"
    sheet.print_options.horizontalCentered = True
    sheet.page_margins.left = sheet.page_margins.right = 0.4
    sheet.page_margins.top = sheet.page_margins.bottom = 0.6
    sheet.oddFooter.center.text = "第 &P 页，共 &N 页"


def three_lists_workbook(queryset) -> bytes:
    """One workbook with the sheets 隐患清单, 整改清单 and 责任清单 of the hazards of `queryset`."""
    hazards = list(three_lists.three_lists_queryset(queryset))
    today = dates.today()
    workbook = Workbook()
    with translation.override("zh-hans"):  # choice labels in Chinese whatever the user reads
        for index, three_list in enumerate(three_lists.LISTS.values()):
            sheet = workbook.active if index == 0 else workbook.create_sheet()
            _list_sheet(sheet, three_list, hazards, today)
    workbook.active = 0
    return _save(workbook)


# The import template -------------------------------------------------------------------------------


def _options(column: Column, regions) -> list[str] | None:
    if column.kind == CHOICE:
        return choice_labels(column.choices)
    if column.kind == BOOL:
        return [YES, NO]
    if column.kind == REGION and regions:
        return [region.name for region in regions]
    return None


def template_workbook(regions=None) -> bytes:
    """The empty ledger with headers, dropdowns for the choices and an instructions sheet;
    `regions` fill the region dropdown."""
    regions = list(regions or [])
    workbook = Workbook()
    sheet = workbook.active
    sheet.title = SHEET
    options = workbook.create_sheet(OPTIONS_SHEET)
    options.sheet_state = "hidden"
    last_row = MAX_ROWS + 1

    append_row(sheet, [column.header for column in COLUMNS])
    for index, column in enumerate(COLUMNS, start=1):
        letter = get_column_letter(index)
        cell = sheet.cell(row=1, column=index)
        cell.font = REQUIRED_FONT if column.required else HEADER_FONT
        cell.fill = HEADER_FILL
        cell.alignment = Alignment(wrap_text=True, vertical="center", horizontal="center")
        sheet.column_dimensions[letter].width = column.width
        if column.kind in (CODE, PHONE, TEXT, LONG_TEXT):
            sheet.column_dimensions[letter].number_format = "@"
        elif column.kind == DATE:
            sheet.column_dimensions[letter].number_format = DATE_FORMAT
        values = _options(column, regions)
        if not values:
            continue
        write_cell(options.cell(row=1, column=index), column.header)
        for offset, value in enumerate(values, start=2):
            write_cell(options.cell(row=offset, column=index), value)
        strict = column.kind != REGION  # a region may also be given by its code
        validation = DataValidation(
            type="list",
            formula1=f"'{OPTIONS_SHEET}'!${letter}$2:${letter}${len(values) + 1}",
            allow_blank=True,
            showErrorMessage=strict,
            errorTitle=column.header,
            error="请从下拉列表中选择。",
        )
        validation.add(f"{letter}2:{letter}{last_row}")
        sheet.add_data_validation(validation)
    sheet.row_dimensions[1].height = 36
    sheet.freeze_panes = "A2"

    _write_instructions(workbook.create_sheet(INSTRUCTIONS_SHEET, index=1), regions)
    workbook.active = 0
    return _save(workbook)


def _write_instructions(sheet, regions) -> None:
    general = [
        "风险隐患整治工作台账导入说明",
        f"1. 在“{SHEET}”工作表中每行填写一条隐患，第一行表头请勿修改、删除或调换。",
        f"2. 每次最多导入{MAX_ROWS}行；红色表头的列必须填写。",
        "3. 隐患所在的机构须已在机构名单中：按“统一社会信用代码”找机构（“1+N”联合体的分院与总院代码相同，"
        "再按机构名称区分），不填代码时按“所属区域＋机构名称”找。只能导入本单位管辖范围内机构的隐患。",
        "4. 填写了“编号”时按编号找系统中已有的隐患；不填编号时，按“机构＋发现日期＋隐患类别＋隐患描述”找。"
        "找到的隐患按本表更新，找不到的新增；与系统中完全相同的行不做任何修改，重复导入同一文件不会产生重复记录。",
        "5. 已有隐患的整改时限有变化时，系统保留原定时限，并记录一次时限调整（原因为“导入台账”）。",
        "6. 上传后先显示检查结果，逐行逐列列出问题；全部无误后才能确认导入，导入时要么全部成功，要么全部不导入。",
        "7. 全角数字和字母、多余空格会自动规范；编号、统一社会信用代码和电话请使用“文本”格式。",
        "8. 同一机构的几条隐患可以把机构的单元格（统一社会信用代码、所属区域、机构名称）上下合并，"
        "合并单元格的内容读入合并范围内的每一行；“编号”不能合并，也不能把多列左右合并。",
    ]
    write_instructions(sheet, general, COLUMNS, lambda column: _options(column, regions), KIND_HELP, 18)
