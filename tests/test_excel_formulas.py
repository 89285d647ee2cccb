"""Spreadsheet formula injection: every workbook the portal writes holds a user's text as text.

Each workbook is produced through its real view, with a hostile value in every text a user can
type that the workbook shows (institution and hazard records, region names in the templates' lists,
referral replies, the verifier's name). Read back, no cell of any sheet is a formula (neither in
openpyxl's ``data_type`` nor as an ``<f>`` element in the sheet's XML), every text round-trips, and
text that Excel would take for a formula when the cell is edited carries ``quotePrefix``.
"""

import datetime
import io
import re
import zipfile
from pathlib import Path

import pytest
from django.conf import settings
from django.db import models
from django.urls import reverse
from openpyxl import load_workbook

from accounts.models import User
from core.excel import FORMULA_LEADS, cell_text
from core.models import Region
from hazards import services
from hazards import three_lists as lists
from hazards.models import Hazard, Referral
from institutions import excel as institution_excel
from institutions.models import Institution
from tests.hazards.factories import advance, notice, record
from tests.institutions.factories import valid_institution

XLSX = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"

HOSTILE = [
    '=HYPERLINK("http://evil.example/","点我")',
    "=CMD|' /C calc'!A0",
    "=1+1",
    "+1+1",
    "-2+3",
    "@SUM(1,2)",
    "\t=1+1",
    "\r=1+1",
    "＝1+1",
    "0412345678",  # a landline: stays text, its leading zero kept
    "012345678901234567",  # an all-digit code: text, not a number in scientific notation
]

# Text columns of the institution list, by the model field each shows.
INSTITUTION_TEXT = [
    column.field
    for column in institution_excel.COLUMNS
    if column.kind not in (institution_excel.CHOICE, institution_excel.REGION, institution_excel.PARENT)
    and isinstance(Institution._meta.get_field(column.field), models.CharField | models.TextField)
]
HAZARD_TEXT = [
    "code",
    "description",
    "measures",
    "responsible_unit",
    "responsible_person",
    "responsible_phone",
    "major_determined_by",
    "listed_by",
    "verification_opinion",
]
# The three lists' columns that show one of those texts (or a name) as it is.
LIST_TEXT = {
    "code",
    "region",
    "institution",
    "description",
    "measures",
    "responsible_unit",
    "responsible_person",
    "responsible_phone",
    "listed_by",
    "verified_by",
    "verification_opinion",
}


@pytest.fixture(autouse=True)
def media(settings, tmp_path):
    settings.MEDIA_ROOT = tmp_path / "media"


def formulas_in_xml(content: bytes) -> list[str]:
    """The <f> elements of every worksheet part of the workbook."""
    found = []
    with zipfile.ZipFile(io.BytesIO(content)) as archive:
        for name in archive.namelist():
            if name.startswith("xl/worksheets/") and name.endswith(".xml"):
                found += re.findall(rb"<(?:\w+:)?f[ >/][^<]*", archive.read(name))
    return [item.decode() for item in found]


def assert_no_formula(content: bytes):
    """No formula anywhere; each text cell that Excel would read as a formula when edited is marked
    quotePrefix. Returns the workbook."""
    assert formulas_in_xml(content) == []
    book = load_workbook(io.BytesIO(content))
    for sheet in book.worksheets:
        for row in sheet.iter_rows():
            for cell in row:
                assert cell.data_type != "f", (sheet.title, cell.coordinate, cell.value)
                if isinstance(cell.value, str) and cell.value[:1] in FORMULA_LEADS:
                    assert cell.quotePrefix, (sheet.title, cell.coordinate, cell.value)
    return book


def options_of(book, sheet) -> list:
    """Every value of the (hidden) sheet of dropdown lists."""
    return [cell.value for row in book[sheet].iter_rows() for cell in row]


def get_workbook(client, name) -> bytes:
    response = client.get(reverse(name))
    assert response.status_code == 200, response.content[:500]
    assert response["Content-Type"] == XLSX
    return response.content


def hostile_world(world, value):
    """Every text of 铁东区's institution, its head and a hazard (closed, referred, replied) set to
    `value`, written past the forms' validation as an API or an old import might have stored it."""
    district = world.users["district"]
    tiedong = world.regions["210302"]
    institution = world.own_institution
    head = Institution.objects.create(name="铁东区测试总院", region=tiedong)
    hazard = record(institution, district)
    referral = services.referral_create(
        hazard=hazard,
        department="housing",
        referred_on=datetime.date(2026, 11, 5),
        note="请核查",
        notice=notice(),
        by=district,
    )
    services.referral_reply(
        referral=referral,
        reply="已核查",
        replied_on=datetime.date(2026, 11, 10),
        by=world.users["department"],
    )
    hazard = advance(
        Hazard.objects.get(pk=hazard.pk),
        "closed",
        district=district,
        institution_user=world.users["institution"],
    )
    Institution.objects.filter(pk=institution.pk).update(
        parent=head, **{name: fit(Institution, name, value) for name in INSTITUTION_TEXT}
    )
    Institution.objects.filter(pk=head.pk).update(name=fit(Institution, "name", "总院" + value))
    Hazard.objects.filter(pk=hazard.pk).update(
        is_major_fire=True, is_listed=True, **{name: fit(Hazard, name, value) for name in HAZARD_TEXT}
    )
    Referral.objects.filter(pk=referral.pk).update(reply=value)
    User.objects.filter(pk=district.pk).update(full_name=fit(User, "full_name", value))
    Region.objects.filter(pk=tiedong.pk).update(name=fit(Region, "name", value))
    return Institution.objects.get(pk=institution.pk), Hazard.objects.get(pk=hazard.pk)


def fit(model, name, value: str) -> str:
    """`value` cut to the field's length (a credit code holds 18 characters)."""
    return value[: model._meta.get_field(name).max_length or None]


@pytest.mark.parametrize("value", HOSTILE)
def test_every_workbook_writes_hostile_text_as_text(world, client, value, time_machine_2026):
    institution, hazard = hostile_world(world, value)
    expected = cell_text(value)  # the text as stored, CR made LF (see core.excel.cell_text)
    region = cell_text(Region.objects.get(code="210302").name)
    client.force_login(User.objects.get(pk=world.users["district"].pk))

    # The institution list: export (with its region list) and template (the region list echoed).
    book = assert_no_formula(get_workbook(client, "institutions:export"))
    sheet = book[institution_excel.SHEET]
    headers = [cell.value for cell in sheet[1]]
    rows = [
        dict(zip(headers, values, strict=False)) for values in sheet.iter_rows(min_row=2, values_only=True)
    ]
    (row,) = [row for row in rows if row["机构名称"] == cell_text(institution.name)]
    for column in institution_excel.COLUMNS:
        if column.field in INSTITUTION_TEXT:
            assert row[column.header] == cell_text(getattr(institution, column.field)), column.header
        elif column.kind == institution_excel.REGION:
            assert row[column.header] == region
        elif column.kind == institution_excel.PARENT:
            assert row[column.header] == cell_text(institution.parent.name)
    assert row["地址"] == expected  # a whole hostile value, not only a cut one
    assert {"name", "credit_code", "address", "phone"} <= set(INSTITUTION_TEXT)
    assert region in options_of(book, institution_excel.OPTIONS_SHEET)

    book = assert_no_formula(get_workbook(client, "institutions:import_template"))
    assert region in options_of(book, institution_excel.OPTIONS_SHEET)

    # The ledger: the three lists and the import template.
    book = assert_no_formula(get_workbook(client, "hazards:export"))
    checked = 0
    for three_list in lists.LISTS.values():
        sheet = book[three_list.sheet]
        headers = [cell.value for cell in sheet[2]]
        (values,) = sheet.iter_rows(min_row=3, values_only=True)
        row = dict(zip(headers, values, strict=True))
        for list_column in three_list.columns:
            if list_column.key in LIST_TEXT:
                stored = list_column.value(hazard) if list_column.key != "region" else region
                assert row[list_column.header] == cell_text(stored), (three_list.sheet, list_column.header)
                checked += 1
        if three_list.kind == "responsibility":
            assert row["责任人"] == expected
            assert row["部门回复"] == f"{expected}（2026-11-10）"
        if three_list.kind == "hazards":
            assert row["隐患描述"] == expected
            assert row["重大火灾隐患"].startswith("是（") and row["挂牌督办"].startswith("是（")
    assert checked == sum(len([c for c in t.columns if c.key in LIST_TEXT]) for t in lists.LISTS.values())

    book = assert_no_formula(get_workbook(client, "hazards:import_template"))
    assert region in options_of(book, "选项")


def test_number_looking_text_stays_text_with_its_leading_zero(world, client, time_machine_2026):
    hostile_world(world, "0412345678")
    client.force_login(world.users["city"])
    sheet = load_workbook(io.BytesIO(get_workbook(client, "institutions:export")))[institution_excel.SHEET]
    headers = [cell.value for cell in sheet[1]]
    phone = next(
        row[headers.index("联系电话")]
        for row in sheet.iter_rows(min_row=2)
        if row[headers.index("机构名称")].value == "0412345678"
    )
    assert phone.data_type == "s" and phone.value == "0412345678"
    assert phone.number_format == "@"


@pytest.mark.parametrize(
    "unwritable",
    [
        ("\x07", "\x1b"),  # a bell, an escape: C0 controls
        ("\ufffe", "\uffff"),  # XML's non-characters, pasted from a broken PDF or a mis-decoded file
        ("\x0b", "\x1f\ufffe"),  # a vertical tab (Word's manual line break), a unit separator
    ],
)
def test_characters_xml_cannot_hold_do_not_break_an_export(world, client, unwritable, time_machine_2026):
    """Text XML cannot carry would make the whole workbook unreadable (openpyxl refuses to open it,
    Excel reports damage, LibreOffice drops the rows after it): the character is dropped from every
    text of both exports; a CR becomes the LF Excel uses for a line break."""
    first, second = unwritable
    hostile_world(world, f"=1+1{first}\r\n第二行{second}")
    client.force_login(world.users["district"])
    book = assert_no_formula(get_workbook(client, "hazards:export"))
    sheet = book["隐患清单"]
    headers = [cell.value for cell in sheet[2]]
    (values,) = sheet.iter_rows(min_row=3, values_only=True)
    assert dict(zip(headers, values, strict=True))["隐患描述"] == "=1+1\n第二行"
    book = assert_no_formula(get_workbook(client, "institutions:export"))
    texts = [
        cell.value for row in book.worksheets[0].iter_rows() for cell in row if isinstance(cell.value, str)
    ]
    assert "=1+1\n第二行" in texts
    assert not any(set(text) & {"\x07", "\x1b", "\x0b", "\x1f", "\ufffe", "\uffff"} for text in texts)


def test_an_export_of_hostile_text_imports_back_unchanged(world, client):
    """The round trip the registry relies on: an export imports back with nothing to change, also
    when a text starts like a formula (read back as a formula's missing result, it was blank)."""
    institution = valid_institution(world.regions["210302"], "铁东区公式测试养老院")
    Institution.objects.filter(pk=institution.pk).update(
        address='=HYPERLINK("http://evil.example/","点我")', legal_representative="@张三"
    )
    district = world.users["district"]
    client.force_login(district)
    result = institution_excel.check_workbook(get_workbook(client, "institutions:export"), district)
    (entry,) = [entry for entry in result.plan if entry["name"] == institution.name]
    assert entry["action"] == "unchanged", entry
    assert [p for p in result.problems if p["row"] == entry["row"]] == []


def test_no_module_writes_a_cell_but_through_the_shared_writer():
    """A new workbook writer must use core.excel's writers — `write_cell` / `append_row` in a normal
    workbook, `SheetWriter.write_row` in a write-only one: no module of the portal that imports
    openpyxl sets a cell's value, appends a row (``.append(``, also of a write-only sheet), passes
    value= to sheet.cell or makes cells itself (``Cell(``, ``WriteOnlyCell(``). The bench's anchor
    (bench/) writes bare openpyxl on purpose, to measure against, and never reaches a user."""
    base = Path(settings.BASE_DIR)
    imports = re.compile(r"^(from|import) openpyxl", re.MULTILINE)
    direct = re.compile(
        r"\.append\(|\.cell\([^)]*\bvalue\s*=|\.value\s*=(?!=)|\bWriteOnlyCell\(|(?<![\w.])Cell\("
    )
    offenders, writers = [], []
    for path in base.rglob("*.py"):
        relative = path.relative_to(base)
        if relative.parts[0] in (".venv", "tests", "node_modules", "bench") or relative == Path(
            "core/excel.py"
        ):
            continue
        text = path.read_text(encoding="utf-8")
        if not imports.search(text):
            continue
        writers.append(str(relative))
        offenders += [f"{relative}: {line.strip()}" for line in text.splitlines() if direct.search(line)]
    assert offenders == []
    assert "hazards/excel/workbook.py" in writers and "institutions/excel/workbook.py" in writers


def test_row_heights_are_written_and_no_row_is_kept_in_memory(tmp_path):
    """A write-only sheet keeps nothing per row: the height of each row goes out with the row
    (a province's workbook has 600,000 rows), and the file still has every height."""
    from core.excel import SheetWriter, save_workbook, streaming_workbook

    workbook = streaming_workbook()
    writer = SheetWriter(workbook, "表")
    for number in range(1, 201):
        writer.write_row([f"第{number}行"], height=15 + number % 7 if number % 3 else None)
    assert len(writer.sheet.row_dimensions) == 0
    path = tmp_path / "heights.xlsx"
    save_workbook(workbook, path)
    sheet = load_workbook(path)["表"]
    for number in (1, 2, 3, 100, 200):
        expected = 15 + number % 7 if number % 3 else None
        assert sheet.row_dimensions[number].height == expected, number
        assert sheet.cell(number, 1).value == f"第{number}行"
