"""Writing the workbook (template, export; write-only, see ``core.excel.SheetWriter``) and opening an
uploaded one safely."""

from __future__ import annotations

from openpyxl.utils import get_column_letter
from openpyxl.worksheet.datavalidation import DataValidation

from core.excel import (  # noqa: F401 - re-exported: the institution code reads them from here
    DATE_FORMAT,
    HEADER_FILL,
    HEADER_FONT,
    HEADER_STYLE,
    REQUIRED_FONT,
    REQUIRED_HEADER_STYLE,
    TEXT_FORMAT,
    CellStyle,
    SheetWriter,
    _megabytes,
    _open_workbook,
    check_size,
    max_bytes,
    save_workbook,
    streaming_workbook,
    write_instructions,
    write_options,
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
    SUSPENDED_HEADER,
    TEXT,
    YES,
    Column,
    choice_label,
    choice_labels,
)
from institutions.models import (
    Institution,
)

# Rows fetched per query: memory stays flat.
CHUNK_ROWS = 2000
# How often (in rows) an export reports its progress.
PROGRESS_EVERY = 1000
# Number formats by kind of column: text for codes and phones (a leading 0 stays), real dates.
FORMATS = {CODE: TEXT_FORMAT, PHONE: TEXT_FORMAT, TEXT: TEXT_FORMAT, DATE: DATE_FORMAT}


def _column_options(column: Column, regions) -> list[str] | None:
    if column.kind == CHOICE:
        return choice_labels(column.choices)
    if column.kind == BOOL:
        return [YES, NO]
    if column.kind == REGION and regions:
        return [region.name for region in regions]
    return None


def _validation(column: Column, letter: str, values) -> DataValidation | None:
    """The column's check in Excel: a dropdown of `values`, or a number range."""
    if values:
        # A region may also be given by its code, so that list only suggests.
        return DataValidation(
            type="list",
            formula1=f"'{OPTIONS_SHEET}'!${letter}$2:${letter}${len(values) + 1}",
            allow_blank=True,
            showErrorMessage=column.kind != REGION,
            errorTitle=column.header,
            error="请从下拉列表中选择。",
        )
    if column.kind == INT:
        top = 5 if column.field == "star_rating" else 2147483647
        return DataValidation(
            type="whole",
            operator="between",
            formula1="0",
            formula2=str(top),
            allow_blank=True,
            showErrorMessage=True,
            errorTitle=column.header,
            error=f"请填写0到{top}之间的整数。",
        )
    if column.kind == DECIMAL:
        return DataValidation(
            type="decimal",
            operator="greaterThanOrEqual",
            formula1="0",
            allow_blank=True,
            showErrorMessage=True,
            errorTitle=column.header,
            error="请填写不小于0的数字。",
        )
    return None


def _build(rows, regions=None, output=None, *, flags: bool = False) -> bytes | None:
    """A workbook with the list sheet (headers, `rows` as they come, dropdowns), the instructions
    and the options: its bytes, or nothing when written to `output` (a path or binary file).
    `flags`: an export, whose rows end with the 停业整顿 cell (`SUSPENDED_HEADER`)."""
    regions = list(regions or [])
    workbook = streaming_workbook()
    writer = SheetWriter(workbook, SHEET)
    instructions = SheetWriter(workbook, INSTRUCTIONS_SHEET)
    options = SheetWriter(workbook, OPTIONS_SHEET)
    options.sheet.sheet_state = "hidden"

    formats = [FORMATS.get(column.kind) for column in COLUMNS]
    widths = [max(column.width, 8) for column in COLUMNS]
    headers = [column.header for column in COLUMNS]
    header_styles = [REQUIRED_HEADER_STYLE if column.required else HEADER_STYLE for column in COLUMNS]
    if flags:
        formats, widths = [*formats, "@"], [*widths, 10]
        headers, header_styles = [*headers, SUSPENDED_HEADER], [*header_styles, HEADER_STYLE]
    writer.columns(widths, formats)
    writer.sheet.freeze_panes = "B2"
    writer.write_row(headers, header_styles, height=45)
    styles = [CellStyle(number_format=number_format) if number_format else None for number_format in formats]
    for values in rows:
        writer.write_row(values, styles)  # text as text, never a formula

    last_row = max(MAX_ROWS + 1, writer.rows)
    lists = {}
    for index, column in enumerate(COLUMNS):
        letter = get_column_letter(index + 1)
        values = _column_options(column, regions)
        if values:
            lists[index] = (column.header, values)
        validation = _validation(column, letter, values)
        if validation is not None:
            validation.add(f"{letter}2:{letter}{last_row}")
            writer.validate(validation)
    write_options(options, lists, len(COLUMNS))
    _write_instructions(instructions, regions)
    return save_workbook(workbook, output)


def _write_instructions(writer: SheetWriter, regions) -> None:
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
        writer, general, COLUMNS, lambda column: _column_options(column, regions), KIND_HELP, 30
    )


def template_workbook(regions=None) -> bytes:
    """The empty list with headers, dropdowns and instructions; `regions` fill the region dropdown."""
    return _build([], regions)


def export_value(institution: Institution, column: Column):
    """What the export's cell of `column` holds for `institution`: the region's and parent's names,
    a choice's Chinese label, 是/否, None for an empty text; otherwise the field's value (a number,
    a date, text). The acceptance workbook's 机构名单 writes the same values."""
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


def export_workbook(queryset, regions=None, *, total=None, progress=None, output=None) -> bytes | None:
    """The institutions in the template's columns (an export imports back without a change): its
    bytes, or nothing when written to `output`. The institutions are fetched `CHUNK_ROWS` at a time;
    `progress(done, total)` is called every `PROGRESS_EVERY` rows and at the end (`total`: the count
    if the caller has it)."""
    if progress and total is None:
        total = queryset.count()

    from enforcement.services import suspended_ids

    suspended = suspended_ids()

    def rows():
        done = 0
        for institution in queryset.select_related("region", "parent").iterator(chunk_size=CHUNK_ROWS):
            flag = YES if institution.pk in suspended else ""
            yield [*(export_value(institution, column) for column in COLUMNS), flag]
            done += 1
            if progress and done % PROGRESS_EVERY == 0:
                progress(done, total)
        if progress:
            progress(done, total)

    return _build(rows(), regions, output, flags=True)
