"""Identifiers of the ledger typed as numbers (issue 10, kind 4): a phone cell that lost its leading 0,
a ledger number held as a number, a credit code in scientific notation; the phone checked in the
form and the services as in the import."""

import pytest
from django.core.exceptions import ValidationError
from django.urls import reverse

from hazards import excel
from hazards.models import Hazard
from tests.conftest import FIELD_CASES
from tests.hazards.factories import hazard_values, record
from tests.hazards.test_excel import ledger, ledger_row, problems_by_place
from tests.institutions.factories import valid_institution
from tests.submissions import with_token


@pytest.fixture(autouse=True)
def today_2026(time_machine_2026):
    return time_machine_2026


def test_field_case_10_a_landline_typed_as_a_number_is_flagged_and_the_mobile_accepted(world, district):
    valid_institution(world.regions["210302"], "铁东区安康老年公寓", credit_code="52210302MJ377KPTD0")
    data = (FIELD_CASES / "10-phone-typed-as-number.xlsx").read_bytes()
    result = excel.check_workbook(data, district)
    found = problems_by_place(result)
    assert set(found) == {(2, "responsible_phone")}
    problem = found[(2, "responsible_phone")]
    assert problem["code"] == "phone_leading_zero"
    assert problem["column"] == "联系电话"
    assert "4125551234" in problem["message"] and "0412-5551234" in problem["message"]
    assert result.counts["create"] == 1  # row 3's mobile, typed as a number too, is fine

    # Row 2 fixed as text: both rows import, the mobile as its 11 digits.
    from io import BytesIO

    from openpyxl import load_workbook

    book = load_workbook(BytesIO(data))
    book.active["M2"] = "0412-5551234"
    output = BytesIO()
    book.save(output)
    fixed = output.getvalue()
    assert excel.check_workbook(fixed, district).problems == []
    excel.apply_batch(excel.create_batch(file=fixed, user=district), district)
    assert sorted(Hazard.objects.values_list("responsible_phone", flat=True)) == [
        "0412-5551234",
        "13812345678",
    ]


@pytest.mark.parametrize(
    ("cell", "expected"),
    [
        (13841200000, "13841200000"),
        ("０４１２－２４３２３６８", "0412-2432368"),
        ("+86 138 4120 0000", "13841200000"),
        ("0412 2432368 转 12", "0412-2432368转12"),
        ("", ""),
    ],
)
def test_phone_cells_are_normalised(world, district, cell, expected):
    result = excel.check_workbook(ledger(ledger_row(responsible_phone=cell)), district)
    assert result.problems == []
    excel.apply_batch(
        excel.create_batch(file=ledger(ledger_row(responsible_phone=cell)), user=district), district
    )
    assert Hazard.objects.get().responsible_phone == expected


@pytest.mark.parametrize(
    ("cell", "code"),
    [
        (4122432368, "phone_leading_zero"),
        (4122432368.0, "phone_leading_zero"),
        ("4122432368", "phone_leading_zero"),  # typed without the 0 in a text cell
        ("2432368", "phone_invalid"),  # no area code
        ("1384120000", "phone_invalid"),  # a mobile short of a digit
        ("13841200000/13841200001", "phone_several"),
    ],
)
def test_bad_phone_cells_are_refused_with_the_reason(world, district, cell, code):
    found = problems_by_place(excel.check_workbook(ledger(ledger_row(responsible_phone=cell)), district))
    assert [(key, problem["code"]) for key, problem in found.items()] == [((2, "responsible_phone"), code)]


@pytest.mark.parametrize("cell", [1, 7.0, 2026001])
def test_a_ledger_number_held_as_a_number_is_refused(world, district, cell):
    found = problems_by_place(excel.check_workbook(ledger(ledger_row(code=cell)), district))
    assert found[(2, "code")]["code"] == "number_cell"
    assert "210302-2026-0001" in found[(2, "code")]["message"]
    assert not Hazard.objects.exists()


def test_a_ledger_number_as_text_is_kept(world, district):
    data = ledger(ledger_row(code="2026001"))
    assert excel.check_workbook(data, district).problems == []
    excel.apply_batch(excel.create_batch(file=data, user=district), district)
    assert Hazard.objects.get().code == "2026001"


def test_a_credit_code_in_scientific_notation_is_explained(world, district):
    found = problems_by_place(
        excel.check_workbook(ledger(ledger_row(credit_code=9.12103001234568e17, institution="")), district)
    )
    assert found[(2, "credit_code")]["code"] == "scientific_notation"


def test_the_template_formats_the_identifier_columns_as_text(world, client, district):
    from openpyxl import load_workbook

    client.force_login(district)
    from io import BytesIO

    book = load_workbook(BytesIO(client.get(reverse("hazards:import_template")).content))
    sheet = book[excel.SHEET]
    headers = [cell.value for cell in sheet[1]]
    for header in ("编号", "统一社会信用代码", "联系电话"):
        letter = sheet.cell(row=1, column=headers.index(header) + 1).column_letter
        assert sheet.column_dimensions[letter].number_format == "@"


def test_the_form_normalises_and_checks_the_phone(client, world, district):
    client.force_login(district)
    data = {**hazard_values(world.own_institution), "institution": world.own_institution.pk}
    bad = client.post(
        reverse("hazards:create"), with_token(client, {**data, "responsible_phone": "4125551234"})
    )
    assert bad.status_code == 200 and not Hazard.objects.exists()
    assert "0412-5551234" in bad.context["form"].errors["responsible_phone"][0]
    good = client.post(
        reverse("hazards:create"), with_token(client, {**data, "responsible_phone": "（0412）555 1234"})
    )
    assert good.status_code == 302
    assert Hazard.objects.get().responsible_phone == "0412-5551234"


def test_the_service_refuses_a_bad_phone(world, district):
    with pytest.raises(ValidationError) as info:
        record(world.own_institution, district, responsible_phone="12345")
    assert "responsible_phone" in info.value.message_dict
