"""The downloadable template of the national export's columns (one example row)."""

from openpyxl import Workbook

from core.excel import append_row, save_workbook
from national.columns import TEMPLATE_HEADERS

EXAMPLE = (
    "铁东区示例养老院",
    "52210302MJ0000001X",
    "210302",
    "已备案",
    "2020-06-30",
    120,
    60,
    "正常运营",
    "",
)


def template_bytes() -> bytes:
    """An .xlsx with the export's header row (the first accepted header of each column) and an
    example row, codes formatted as text."""
    workbook = Workbook()
    sheet = workbook.active
    sheet.title = "养老机构"
    append_row(sheet, TEMPLATE_HEADERS)
    append_row(sheet, EXAMPLE)
    for column in ("B", "C", "I"):
        for cell in sheet[column]:
            cell.number_format = "@"
    for letter in "ABCDEFGHI":
        sheet.column_dimensions[letter].width = 22
    return save_workbook(workbook)
