"""Merged cells in the workbooks districts send (field case 09): a cell merged down over several
rows is read in each of them as its top-left value, in every import; a merge that would be a guess
(across columns, down a column that identifies its row, from the header into the data) is refused
with a message naming the range."""

import datetime
import io
import re

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse
from openpyxl import Workbook

from core.excel import WorkbookError
from core.models import ImportBatch
from hazards import excel as ledger_excel
from hazards.models import Hazard
from institutions import excel as registry_excel
from institutions.models import Institution
from tests.conftest import FIELD_CASES
from tests.hazards.test_excel import ledger_row
from tests.institutions.excel_helpers import row as institution_row
from tests.submissions import with_token

XLSX = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
LEDGER_FIELDS = [column.field for column in ledger_excel.COLUMNS]
REGISTRY_FIELDS = [column.field for column in registry_excel.COLUMNS]


@pytest.fixture(autouse=True)
def media(settings, tmp_path):
    settings.MEDIA_ROOT = tmp_path / "media"


def merged_book(sheet_name, fields, headers, rows, merges, title=None) -> bytes:
    """A workbook of `rows` (dicts by field) under `headers`, with the ranges in `merges` merged
    (as Excel does: only the top-left cell keeps its value); `title` puts a title row above."""
    book = Workbook()
    sheet = book.active
    sheet.title = sheet_name
    if title:
        sheet.append([title])
        sheet.merge_cells(start_row=1, start_column=1, end_row=1, end_column=len(headers))
    sheet.append(headers)
    for cells in rows:
        sheet.append([cells.get(name) for name in fields])
    for reference in merges:
        sheet.merge_cells(reference)
    output = io.BytesIO()
    book.save(output)
    return output.getvalue()


def ledger_book(rows, merges, title=None) -> bytes:
    headers = [column.header for column in ledger_excel.COLUMNS]
    return merged_book(ledger_excel.SHEET, LEDGER_FIELDS, headers, rows, merges, title)


def registry_book(rows, merges) -> bytes:
    headers = [column.header for column in registry_excel.COLUMNS]
    return merged_book(registry_excel.SHEET, REGISTRY_FIELDS, headers, rows, merges)


def letter(fields, name) -> str:
    return "ABCDEFGHIJKLMNOPQRSTUVWXYZ"[fields.index(name)]


def import_ledger(user, data: bytes, name="台账.xlsx") -> ImportBatch:
    """Check (the preview) and apply, as the upload and apply views do."""
    batch = ledger_excel.create_batch(
        file=SimpleUploadedFile(name, data, content_type=XLSX), user=user, original_name=name
    )
    assert batch.errors == [], batch.errors
    ledger_excel.apply_batch(batch, user)
    return batch


# The field case --------------------------------------------------------------------------------------


def test_the_field_case_gives_three_hazards_for_the_institution_merged_over_them(world, client):
    district = world.users["district"]
    institution = Institution.objects.create(
        name="铁东区安康老年公寓", region=world.regions["210302"], credit_code="52210302MJ377KPTD0"
    )
    data = (FIELD_CASES / "09-ledger-merged-institution-cells.xlsx").read_bytes()

    rows = ledger_excel.read_rows(data)
    assert [row.number for row in rows] == [3, 4, 5]
    for row in rows:  # B3:B5, C3:C5 and D3:D5 are read in each row
        assert row.cells["credit_code"] == "52210302MJ377KPTD0"
        assert row.cells["region"] == "铁东区"
        assert row.cells["institution"] == "铁东区安康老年公寓"

    client.force_login(district)
    response = client.post(
        reverse("hazards:import"),
        with_token(client, {"file": SimpleUploadedFile("09.xlsx", data, content_type=XLSX)}),
    )
    assert response.status_code == 302, response.content.decode()[:3000]
    batch = ImportBatch.objects.get(pk=int(re.search(r"/import/(\d+)/", response["Location"]).group(1)))
    assert batch.errors == []
    assert batch.summary["counts"] == {"create": 3, "update": 0, "unchanged": 0}
    assert not Hazard.objects.exists()  # the check was rolled back
    ledger_excel.apply_batch(batch, district)

    hazards = Hazard.objects.filter(institution=institution).order_by("description")
    assert sorted(h.description for h in hazards) == ["F5 床头呼叫器损坏", "F5 浴室无防滑垫", "F5 配电箱无门"]
    categories = {h.description: h.category for h in hazards}
    assert categories["F5 配电箱无门"] == "fire"
    assert categories["F5 床头呼叫器损坏"] == categories["F5 浴室无防滑垫"] != "fire"
    assert all(h.found_on == datetime.date(2026, 10, 17) for h in hazards)


# Variants: other columns, the other import, ranges that run on -----------------------------------


def test_merged_cells_in_other_ledger_columns_are_read_in_every_row(world):
    """The responsible unit and person, the deadline and the measures merged down over two hazards."""
    district = world.users["district"]
    rows = [
        ledger_row(description="疏散通道堆放杂物"),
        ledger_row(description="安全出口指示灯损坏", responsible_unit=None, responsible_person=None),
    ]
    for name in ("responsible_unit", "responsible_person", "deadline", "measures"):
        rows[1][name] = None
    merges = [
        f"{letter(LEDGER_FIELDS, name)}2:{letter(LEDGER_FIELDS, name)}3"
        for name in (
            "responsible_unit",
            "responsible_person",
            "deadline",
            "measures",
            "institution",
            "region",
        )
    ]
    import_ledger(district, ledger_book(rows, merges))
    hazards = Hazard.objects.order_by("description")
    assert hazards.count() == 2
    for hazard in hazards:
        assert hazard.responsible_unit == "铁东区测试养老院"
        assert hazard.responsible_person == "刘建华"
        assert hazard.deadline == datetime.date(2026, 12, 31)
        assert hazard.measures == "清理杂物"
        assert hazard.institution == world.own_institution


def test_a_merged_range_running_past_the_data_adds_no_rows(world):
    district = world.users["district"]
    column = letter(LEDGER_FIELDS, "institution")
    data = ledger_book(
        [ledger_row(description="一"), ledger_row(description="二", institution=None)],
        [f"{column}2:{column}9"],
        title=None,
    )
    rows = ledger_excel.read_rows(data)
    assert [row.number for row in rows] == [2, 3]
    import_ledger(district, data)
    assert Hazard.objects.count() == 2


def test_a_title_merged_across_the_columns_above_the_header_is_no_problem(world):
    district = world.users["district"]
    column = letter(LEDGER_FIELDS, "institution")
    data = ledger_book(
        [ledger_row(description="一"), ledger_row(description="二", institution=None)],
        [f"{column}3:{column}4"],
        title="铁东区风险隐患整治工作台账",
    )
    import_ledger(district, data)
    assert Hazard.objects.filter(institution=world.own_institution).count() == 2


def test_the_institution_import_reads_a_region_merged_down_over_its_institutions(world):
    district = world.users["district"]
    column = letter(REGISTRY_FIELDS, "region")
    rows = [institution_row("铁东区合并一院"), institution_row("铁东区合并二院", region=None)]
    batch = registry_excel.create_batch(
        file=SimpleUploadedFile(
            "机构.xlsx", registry_book(rows, [f"{column}2:{column}3"]), content_type=XLSX
        ),
        user=district,
        original_name="机构.xlsx",
    )
    assert batch.errors == []
    registry_excel.apply_batch(batch, district)
    merged = Institution.objects.filter(name__startswith="铁东区合并")
    assert merged.count() == 2
    assert {institution.region for institution in merged} == {world.regions["210302"]}


# Refused: the message names the range -----------------------------------------------------------


def refusal(read_rows, data) -> str:
    with pytest.raises(WorkbookError) as caught:
        read_rows(data)
    assert caught.value.code == "merged_cells"
    return " ".join(caught.value.messages)


def test_a_ledger_number_merged_down_is_refused_naming_the_range(world):
    column = letter(LEDGER_FIELDS, "code")
    data = ledger_book(
        [ledger_row(code="210302-2025-0001", description="一"), ledger_row(description="二")],
        [f"{column}2:{column}3"],
    )
    message = refusal(ledger_excel.read_rows, data)
    assert f"{column}2:{column}3" in message and "编号" in message


@pytest.mark.parametrize("field", ["credit_code", "name"])
def test_an_institution_identifier_merged_down_is_refused_naming_the_range(world, field):
    column = letter(REGISTRY_FIELDS, field)
    rows = [institution_row("铁东区甲院"), {**institution_row("铁东区乙院"), field: None}]
    message = refusal(registry_excel.read_rows, registry_book(rows, [f"{column}2:{column}3"]))
    assert f"{column}2:{column}3" in message
    assert registry_excel.BY_FIELD[field].header in message


def test_a_range_merged_across_columns_is_refused_naming_the_range(world):
    first, last = letter(LEDGER_FIELDS, "responsible_unit"), letter(LEDGER_FIELDS, "responsible_person")
    data = ledger_book([ledger_row(responsible_person=None)], [f"{first}2:{last}2"])
    message = refusal(ledger_excel.read_rows, data)
    assert f"{first}2:{last}2" in message and "责任单位" in message and "责任人" in message

    column = letter(REGISTRY_FIELDS, "address")
    rows = [institution_row("铁东区甲院", address="幸福路1号")]
    message = refusal(registry_excel.read_rows, registry_book(rows, [f"{column}2:{chr(ord(column) + 1)}3"]))
    assert f"{column}2:{chr(ord(column) + 1)}3" in message


def test_a_range_from_the_header_into_the_data_is_refused(world):
    column = letter(LEDGER_FIELDS, "measures")
    message = refusal(ledger_excel.read_rows, ledger_book([ledger_row()], [f"{column}1:{column}2"]))
    assert f"{column}1:{column}2" in message


def test_the_upload_page_shows_the_refusal(world, client):
    client.force_login(world.users["district"])
    column = letter(LEDGER_FIELDS, "code")
    data = ledger_book([ledger_row(code="X-1"), ledger_row(description="二")], [f"{column}2:{column}3"])
    response = client.post(
        reverse("hazards:import"),
        with_token(client, {"file": SimpleUploadedFile("台账.xlsx", data, content_type=XLSX)}),
    )
    assert response.status_code == 200
    assert f"{column}2:{column}3" in response.content.decode()
    assert not ImportBatch.objects.exists()


def test_merged_ranges_are_all_found_however_the_sheet_is_cut_into_chunks(world, monkeypatch):
    """The sheet's XML is scanned in chunks: a <mergeCell> cut by a chunk's end is found once."""
    from core import excel as core_excel

    column = letter(LEDGER_FIELDS, "institution")
    rows = [
        ledger_row(description=f"隐患{n}", institution=None if n % 2 else "铁东区测试养老院")
        for n in range(40)
    ]
    merges = [f"{column}{n}:{column}{n + 1}" for n in range(2, 42, 2)]
    data = ledger_book(rows, merges)
    expected = ledger_excel.read_rows(data)
    assert all(row.cells["institution"] == "铁东区测试养老院" for row in expected)
    for size in (7, 50, 333):
        monkeypatch.setattr(core_excel, "_CHUNK", size)
        workbook = core_excel._open_workbook(data)
        found = core_excel.merged_ranges(workbook.worksheets[0])
        workbook.close()
        assert sorted(reference for reference, *_ in found) == sorted(merges)
        assert [row.cells for row in ledger_excel.read_rows(data)] == [row.cells for row in expected]
