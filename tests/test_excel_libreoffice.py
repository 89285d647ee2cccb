"""The formula-injection check with a real spreadsheet program: LibreOffice Calc opens the portal's
exports holding hostile text and shows that text, not the result of a formula.

`tests/test_excel_formulas.py` reads the XML; this one asks the program a user opens the file
with. Every sheet is converted to CSV (LibreOffice's filter option ``-1``: one file per sheet), so a
formula Calc had evaluated would show its result (``2`` for ``=1+1``, ``点我`` for the link).
"""

import csv
import io
from pathlib import Path

import pytest
from openpyxl import load_workbook

from core.excel import cell_text
from tests.office import convert
from tests.test_excel_formulas import get_workbook, hostile_world

# Text CSV, comma, double quote, UTF-8 (76), from line 1, …, every sheet into its own file (-1).
CSV_FILTER = "csv:Text - txt - csv (StarCalc):44,34,76,1,,0,false,true,false,false,false,-1"

HOSTILE = [
    '=HYPERLINK("http://evil.example/","点我")',
    "=CMD|' /C calc'!A0",
    "=1+1",
    "+1+1",
    "-2+3",
    "@SUM(1,2)",
    "=1+1\ufffe第二段\uffff",  # XML's non-characters: Calc dropped every row after them
]


def calc_sheets(content: bytes, tmp_path: Path) -> dict[str, list[list[str]]]:
    """Every sheet of the workbook `content` as LibreOffice Calc shows it: sheet name -> rows."""
    tmp_path.mkdir(parents=True)
    out = convert(content, tmp_path, "export.xlsx", to=CSV_FILTER, outdir=tmp_path / "csv")
    return {
        path.stem.removeprefix("export-"): list(csv.reader(path.open(encoding="utf-8", newline="")))
        for path in out.glob("*.csv")
    }


@pytest.mark.parametrize("value", HOSTILE)
def test_libreoffice_shows_hostile_text_as_text(world, client, value, tmp_path, time_machine_2026):
    """Every text cell of both exports reads in Calc exactly as the portal wrote it."""
    hostile_world(world, value)
    client.force_login(world.users["district"])
    for name in ("institutions:export", "hazards:export"):
        content = get_workbook(client, name)
        shown = calc_sheets(content, tmp_path / name.replace(":", "-"))
        book = load_workbook(io.BytesIO(content))
        assert set(shown) == set(book.sheetnames), name
        hostile_cells = 0
        for sheet in book.worksheets:
            rows = shown[sheet.title]
            for row in sheet.iter_rows():
                for cell in row:
                    if isinstance(cell.value, str):
                        in_calc = rows[cell.row - 1][cell.column - 1]
                        assert in_calc == cell.value, (name, sheet.title, cell.coordinate, in_calc)
                        hostile_cells += cell.value == cell_text(value)
        assert hostile_cells >= 3, (name, value)  # the address, the description, the phone …
