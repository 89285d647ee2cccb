"""Writing workbooks: the three lists (one workbook, three sheets, ready to print) and the import
template. Both are write-only workbooks (``core.excel.SheetWriter``): rows stream to disk as they
are written, each cell styled as it is written, so a province's ledger takes flat memory."""

from __future__ import annotations

from django.utils import translation
from openpyxl.styles import Alignment, Font
from openpyxl.utils import get_column_letter
from openpyxl.worksheet.datavalidation import DataValidation
from openpyxl.worksheet.worksheet import Worksheet

from core import dates
from core.excel import (
    DATE_FORMAT,
    DATETIME_FORMAT,
    HEADER_STYLE,
    NO,
    REQUIRED_HEADER_STYLE,
    TEXT_FORMAT,
    YES,
    CellStyle,
    SheetWriter,
    choice_labels,
    save_workbook,
    streaming_workbook,
    write_instructions,
    write_options,
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
from hazards.models import Hazard

TITLE = "风险隐患整治工作台账"
OVERDUE_FONT = Font(bold=True, color="C00000")
TITLE_STYLE = CellStyle(Font(bold=True, size=14), alignment=Alignment(horizontal="center", vertical="center"))
HEADER_ROW = 2  # row 1 is the title
# Rows fetched per query (the referrals of each chunk in one more): memory stays flat.
CHUNK_ROWS = 2000
# How often (in rows) an export reports its progress.
PROGRESS_EVERY = 1000


# The three lists -----------------------------------------------------------------------------------


class HazardCells:
    """One hazard's cells for the list sheets (`three_lists.cell_value`), by column key: each is
    computed once though up to three sheets show it (编号, 机构名称, 隐患描述)."""

    __slots__ = ("_cells", "hazard")

    def __init__(self, hazard: Hazard):
        self.hazard = hazard
        self._cells: dict = {}

    def __getitem__(self, column: three_lists.ListColumn):
        cells = self._cells
        try:
            return cells[column.key]
        except KeyError:
            value = cells[column.key] = three_lists.cell_value(column, self.hazard)
            return value


class ListSheet:
    """One list's sheet: title, header and print setup, then one row per hazard as they come
    (`write`), then `finish`. The acceptance workbook (reports.workbook) writes the same sheets."""

    def __init__(self, workbook, three_list: three_lists.ThreeList, total: int, today):
        self.columns = three_list.columns
        self.widths = [column.width for column in self.columns]
        self.last = get_column_letter(len(self.columns))
        self.writer = writer = SheetWriter(workbook, three_list.sheet)
        sheet = writer.sheet
        # Before the first row: widths, the header frozen below the title and the number column,
        # one page wide.
        writer.columns([column.width for column in self.columns])
        sheet.freeze_panes = f"B{HEADER_ROW + 1}"
        sheet.sheet_properties.pageSetUpPr.fitToPage = True
        writer.write_row(
            [f"{TITLE}——{three_list.sheet}（{today:%Y-%m-%d}导出，共{total}条）"], [TITLE_STYLE], height=28
        )
        writer.merge(f"A1:{self.last}1")
        writer.write_row(
            [column.header for column in self.columns], [HEADER_STYLE] * len(self.columns), height=30
        )
        formats = {
            three_lists.DATE: DATE_FORMAT,
            three_lists.DATETIME: DATETIME_FORMAT,
            three_lists.TEXT: TEXT_FORMAT,
        }
        self.styles = [
            CellStyle(
                alignment=Alignment(wrap_text=column.wrap, vertical="top"),
                number_format=formats.get(column.kind),
            )
            for column in self.columns
        ]
        # The column 是否逾期, and its style when 是: red.
        self.overdue = next(
            (
                (index, CellStyle(OVERDUE_FONT, None, style.alignment, style.number_format))
                for index, (column, style) in enumerate(zip(self.columns, self.styles, strict=True))
                if column.key == "overdue"
            ),
            None,
        )

    def row(self, cells: HazardCells) -> tuple[list, list]:
        """(values, styles) of the hazard's row: 是否逾期 red when 是."""
        values = [cells[column] for column in self.columns]
        styles = self.styles
        if self.overdue and values[self.overdue[0]] == YES:
            styles = list(styles)
            styles[self.overdue[0]] = self.overdue[1]
        return values, styles

    def write(self, cells: HazardCells) -> None:
        """The next row: the hazard of `cells` (shared by the sheets it is written to)."""
        values, styles = self.row(cells)
        self.writer.write_row(values, styles, style_blanks=False)  # a report: nobody types into it

    def finish(self) -> None:
        """After the rows: filter on the header; A4 landscape, one page wide, the header row on
        every printed page, page numbers in the footer."""
        sheet: Worksheet = self.writer.sheet
        sheet.auto_filter.ref = f"A{HEADER_ROW}:{self.last}{max(self.writer.rows, HEADER_ROW)}"
        sheet.page_setup.orientation = "landscape"
        sheet.page_setup.paperSize = Worksheet.PAPERSIZE_A4
        sheet.page_setup.fitToWidth = 1
        sheet.page_setup.fitToHeight = 0
        sheet.print_title_rows = f"{HEADER_ROW}:{HEADER_ROW}"
        sheet.print_options.horizontalCentered = True
        sheet.page_margins.left = sheet.page_margins.right = 0.4
        sheet.page_margins.top = sheet.page_margins.bottom = 0.6
        sheet.oddFooter.center.text = "第 &P 页，共 &N 页"


def export_queryset(queryset):
    """The hazards with what the three lists show (`three_lists.three_lists_queryset`), fetching of
    the joined institution, region and verifier only what the lists show of them: the institution
    row alone has some sixty columns, which would be most of the export's reading time."""
    hazard_fields = [field.name for field in Hazard._meta.concrete_fields]
    return three_lists.three_lists_queryset(queryset).only(
        *hazard_fields,
        "institution__name",
        "region__name",
        "verified_by__full_name",
        "verified_by__first_name",
        "verified_by__last_name",
        "verified_by__username",
    )


def three_lists_workbook(queryset, *, total=None, progress=None, output=None) -> bytes | None:
    """One workbook with the sheets 隐患清单, 整改清单 and 责任清单 of the hazards of `queryset`,
    written in one pass over the hazards (fetched `CHUNK_ROWS` at a time, with their referrals): its
    bytes, or nothing when written to `output` (a path or binary file). `total` is the number of
    hazards if the caller counted them (the title says it); `progress(done, total)` is called every
    `PROGRESS_EVERY` rows and at the end."""
    if total is None:
        total = queryset.count()
    today = dates.today()
    workbook = streaming_workbook()
    done = 0
    with translation.override("zh-hans"):  # choice labels in Chinese whatever the user reads
        sheets = [ListSheet(workbook, three_list, total, today) for three_list in three_lists.LISTS.values()]
        hazards = export_queryset(queryset).iterator(chunk_size=CHUNK_ROWS)
        for hazard in hazards:
            cells = HazardCells(hazard)
            for sheet in sheets:
                sheet.write(cells)
            done += 1
            if progress and done % PROGRESS_EVERY == 0:
                progress(done, total)
    for sheet in sheets:
        sheet.finish()
    if progress:
        progress(done, total)
    return save_workbook(workbook, output)


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
    workbook = streaming_workbook()
    writer = SheetWriter(workbook, SHEET)
    instructions = SheetWriter(workbook, INSTRUCTIONS_SHEET)
    options = SheetWriter(workbook, OPTIONS_SHEET)
    options.sheet.sheet_state = "hidden"
    last_row = MAX_ROWS + 1

    formats = {
        CODE: TEXT_FORMAT,
        PHONE: TEXT_FORMAT,
        TEXT: TEXT_FORMAT,
        LONG_TEXT: TEXT_FORMAT,
        DATE: DATE_FORMAT,
    }
    writer.columns([column.width for column in COLUMNS], [formats.get(column.kind) for column in COLUMNS])
    writer.sheet.freeze_panes = "A2"
    writer.write_row(
        [column.header for column in COLUMNS],
        [REQUIRED_HEADER_STYLE if column.required else HEADER_STYLE for column in COLUMNS],
        height=36,
    )
    lists = {}
    for index, column in enumerate(COLUMNS):
        letter = get_column_letter(index + 1)
        values = _options(column, regions)
        if not values:
            continue
        lists[index] = (column.header, values)
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
        writer.validate(validation)
    write_options(options, lists, len(COLUMNS))

    _write_instructions(instructions, regions)
    return save_workbook(workbook)


def _write_instructions(writer: SheetWriter, regions) -> None:
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
    write_instructions(writer, general, COLUMNS, lambda column: _options(column, regions), KIND_HELP, 18)
