"""Credit codes and phones of the registry (issue 10, kinds 2 and 4): normalised before any length
check in the form, the import and the services; segments checked against GB 32100 and GB/T 2260 and
against the registration form; a pre-2016 code failing only its check character recorded with a
confirmation that is kept and flagged; duplicate-code messages that never name what the reader
cannot see; phone numbers checked everywhere, and a phone cell that lost its leading 0 said so."""

import io
import re

import pytest
from django.core.exceptions import ValidationError
from django.urls import reverse
from django.utils import translation
from openpyxl import load_workbook

from institutions import excel, uscc
from institutions.models import Institution, RegistrationForm
from tests.conftest import FIELD_CASES
from tests.institutions.excel_helpers import problems_by_place, row, workbook
from tests.institutions.factories import valid_institution
from tests.institutions.test_registry import form_data
from tests.submissions import with_token

# 01-uscc-pre2016-nonconforming.xlsx: an enterprise's code whose check character fails GB 32100.
PRE2016 = "91210302M0001QKT19"
SPACED = "9121 0302-M000 1QKT 19"


@pytest.fixture
def tiedong(world):
    return world.regions["210302"]


def problems(result) -> dict[tuple, list[dict]]:
    found: dict[tuple, list[dict]] = {}
    for problem in result.problems:
        found.setdefault((problem["row"], problem["field"]), []).append(problem)
    return found


def errors_of(institution) -> dict[str, list[ValidationError]]:
    with pytest.raises(ValidationError) as info:
        institution.full_clean()
    return info.value.error_dict


def codes_of(institution, field="credit_code") -> set[str]:
    return {error.code for error in errors_of(institution).get(field, [])}


def enterprise(tiedong, name="铁东区测试乙颐养院", **fields):
    values = {
        "registration_form": RegistrationForm.ENTERPRISE,
        "credit_code": uscc.generate(authority="9", org_type="1", division="210302", body="MA0TEXT01"),
        **fields,
    }
    return valid_institution(tiedong, name, save=False, **values)


# (a) normalised before any length check -----------------------------------------------------------


def test_the_form_accepts_a_code_pasted_with_spaces_and_dashes(client, world, tiedong, district):
    good = uscc.generate(authority="5", org_type="2", division="210302", body="MA0PATE01")
    pasted = f" {good[:4]} {good[4:8]}-{good[8:12]}－{good[12:]} "  # 23 characters
    assert len(pasted) > 18
    institution = valid_institution(tiedong, "铁东区粘贴养老院")
    client.force_login(district)
    page = client.get(reverse("institutions:edit", args=[institution.pk])).content.decode()
    code_input = re.search(r'<input[^>]*name="credit_code"[^>]*>', page).group(0)
    assert "maxlength" not in code_input  # the browser does not cut a pasted code at 18 characters
    response = client.post(
        reverse("institutions:edit", args=[institution.pk]),
        with_token(client, form_data(institution, credit_code=pasted)),
    )
    assert response.status_code == 302, response.context["form"].errors
    institution.refresh_from_db()
    assert institution.credit_code == good


def test_the_create_form_accepts_a_full_width_spaced_code(client, world, tiedong, district):
    good = uscc.generate(authority="5", org_type="2", division="210302", body="MA0PATE02")
    full_width = " ".join(good[i : i + 3] for i in range(0, 18, 3)).translate(
        {ord(c): ord(c) + 0xFEE0 for c in uscc.ALPHABET}
    )
    template = valid_institution(tiedong, "模板", save=False)
    data = form_data(template, name="铁东区新建养老院", credit_code=full_width)
    data.pop("expected_version")
    client.force_login(district)
    response = client.post(reverse("institutions:create"), with_token(client, data))
    assert response.status_code == 302, response.context["form"].errors
    assert Institution.objects.get(name="铁东区新建养老院").credit_code == good


def test_a_model_saved_through_the_service_normalises_too(tiedong, district):
    from institutions import services

    good = uscc.generate(authority="5", org_type="2", division="210302", body="MA0PATE03")
    institution = valid_institution(tiedong, "服务养老院", save=False, credit_code=f"{good[:9]} - {good[9:]}")
    services.institution_create(institution=institution, by=district)
    assert Institution.objects.get(name="服务养老院").credit_code == good


def test_a_too_long_code_gets_one_message_with_its_length(tiedong):
    institution = valid_institution(tiedong, "甲", save=False, credit_code="52210302MA0TEXT01XX")
    messages = [m for e in errors_of(institution)["credit_code"] for m in e.messages]
    assert len(messages) == 1 and "19" in messages[0]


# (b) segments -----------------------------------------------------------------------------------------


def test_an_id_card_number_as_a_social_organisations_code_is_refused_naming_the_segments(tiedong):
    institution = valid_institution(
        tiedong, "铁东区测试甲颐养院", save=False, credit_code="210302198001010839"
    )
    with translation.override("en"):
        errors = errors_of(institution)["credit_code"]
        by_code = {error.code: " ".join(error.messages) for error in errors}
    assert set(by_code) == {"division", "registration_form_mismatch"}
    assert "Characters 3 to 8" in by_code["division"] and "030219" in by_code["division"]
    mismatch = by_code["registration_form_mismatch"]
    assert "21 (foreign affairs" in mismatch and "52 (civil affairs: private non-enterprise unit)" in mismatch


@pytest.mark.parametrize(
    ("registration_form", "authority", "org_type"),
    [
        (RegistrationForm.SOCIAL_ORGANISATION, "9", "1"),  # an enterprise's code on a social organisation
        (RegistrationForm.SOCIAL_ORGANISATION, "5", "1"),  # a social association, not a 民办非企业单位
        (RegistrationForm.PUBLIC_INSTITUTION, "5", "2"),
        (RegistrationForm.PUBLIC_INSTITUTION, "1", "1"),  # a government organ
        (RegistrationForm.ENTERPRISE, "1", "2"),
        (RegistrationForm.ENTERPRISE, "9", "2"),  # an individual business
    ],
)
def test_the_first_two_characters_must_fit_the_registration_form(
    tiedong, registration_form, authority, org_type
):
    wrong = uscc.generate(authority=authority, org_type=org_type, division="210302", body="MA0FRM001")
    institution = valid_institution(
        tiedong, "乙", save=False, registration_form=registration_form, credit_code=wrong
    )
    assert codes_of(institution) == {"registration_form_mismatch"}


@pytest.mark.parametrize(
    ("registration_form", "prefix"),
    [
        (RegistrationForm.SOCIAL_ORGANISATION, "52"),
        (RegistrationForm.PUBLIC_INSTITUTION, "12"),
        (RegistrationForm.ENTERPRISE, "91"),
    ],
)
def test_a_fitting_code_passes(tiedong, registration_form, prefix):
    good = uscc.generate(authority=prefix[0], org_type=prefix[1], division="210381", body="MA0FRM002")
    valid_institution(tiedong, "丙", registration_form=registration_form, credit_code=good)


def test_an_unregistered_institution_may_keep_any_valid_code(tiedong):
    good = uscc.generate(authority="9", org_type="2", division="210302", body="MA0FRM003")
    valid_institution(tiedong, "丁", registration_form=RegistrationForm.UNREGISTERED, credit_code=good)


def test_field_case_02_import_refuses_the_id_card_number_naming_the_segments(world, district):
    data = (FIELD_CASES / "02-uscc-idcard-shaped.xlsx").read_bytes()
    result = excel.check_workbook(data, district)
    found = problems(result)
    assert set(found) == {(2, "credit_code")}
    assert {p["code"] for p in found[(2, "credit_code")]} == {"division", "registration_form_mismatch"}
    assert all(p["column"] == "统一社会信用代码" for p in found[(2, "credit_code")])
    assert not Institution.objects.filter(name="铁东区测试甲颐养院").exists()


# (c) a pre-2016 code that fails only its check character ------------------------------------------


def test_a_failing_check_character_is_refused_unless_confirmed(tiedong, district):
    institution = enterprise(tiedong, credit_code=PRE2016)
    assert codes_of(institution) == {"check_digit"}
    institution.credit_code_confirmed = True
    institution.full_clean()


def test_a_segment_error_cannot_be_confirmed(tiedong):
    institution = valid_institution(
        tiedong, "戊", save=False, credit_code="210302198001010839", credit_code_confirmed=True
    )
    errors = errors_of(institution)
    assert {e.code for e in errors["credit_code"]} == {"division", "registration_form_mismatch"}
    assert {e.code for e in errors["credit_code_confirmed"]} == {"confirmation_not_applicable"}


def test_a_confirmation_on_a_valid_code_is_dropped(tiedong, district):
    institution = enterprise(tiedong, credit_code_confirmed=True, credit_code_confirmed_by=district)
    institution.full_clean()
    assert institution.credit_code_confirmed is False and institution.credit_code_confirmed_by is None


def test_the_form_offers_the_confirmation_only_for_a_check_character_problem(
    client, world, tiedong, district
):
    institution = enterprise(tiedong)
    institution.save()
    client.force_login(district)
    url = reverse("institutions:edit", args=[institution.pk])
    assert 'name="credit_code_confirmed"' not in client.get(url).content.decode()

    segment = client.post(url, with_token(client, form_data(institution, credit_code="210302198001010839")))
    assert segment.status_code == 200
    assert 'name="credit_code_confirmed"' not in segment.content.decode()

    checked = client.post(url, with_token(client, form_data(institution, credit_code=SPACED)))
    assert checked.status_code == 200
    assert 'name="credit_code_confirmed"' in checked.content.decode()
    assert "校验位已人工核实" in checked.context["form"].errors["credit_code"][0]

    confirmed = client.post(
        url, with_token(client, form_data(institution, credit_code=SPACED, credit_code_confirmed="on"))
    )
    assert confirmed.status_code == 302
    institution.refresh_from_db()
    assert institution.credit_code == PRE2016 and institution.credit_code_confirmed
    assert institution.credit_code_confirmed_by == district and institution.credit_code_confirmed_at
    assert institution.history.first().credit_code_confirmed  # kept in the change history

    # Editing the record again keeps the confirmation (the box is shown, ticked) and who gave it.
    page = client.get(url).content.decode()
    assert re.search(r'<input[^>]*name="credit_code_confirmed"[^>]*checked', page)
    stamped = institution.credit_code_confirmed_at
    again = client.post(url, with_token(client, form_data(institution, beds=90, credit_code_confirmed="on")))
    assert again.status_code == 302
    institution.refresh_from_db()
    assert institution.beds == 90 and institution.credit_code_confirmed_at == stamped


def test_a_confirmed_code_is_flagged_in_the_list_the_detail_and_the_export(client, world, tiedong, district):
    institution = enterprise(tiedong, credit_code=PRE2016, credit_code_confirmed=True)
    from institutions import services

    services.institution_create(institution=institution, by=district)
    plain = valid_institution(tiedong, "铁东区普通养老院")
    client.force_login(district)
    listing = client.get(reverse("institutions:list")).content.decode()
    assert listing.count('data-testid="code-confirmed"') == 1
    with translation.override("zh-hans"):  # "校验位不符合GB 32100，已人工核实" (locale/)
        assert translation.gettext("Check digit does not conform to GB 32100, verified manually") in listing
    detail = client.get(reverse("institutions:detail", args=[institution.pk])).content.decode()
    assert 'data-testid="code-confirmed"' in detail and "李秀梅" in detail
    assert (
        'data-testid="code-confirmed"'
        not in client.get(reverse("institutions:detail", args=[plain.pk])).content.decode()
    )
    book = load_workbook(io.BytesIO(client.get(reverse("institutions:export")).content))
    sheet = book[excel.SHEET]
    headers = [cell.value for cell in sheet[1]]
    column = headers.index("校验位已人工核实")
    values = {r[headers.index("机构名称")]: r[column] for r in sheet.iter_rows(min_row=2, values_only=True)}
    assert values["铁东区测试乙颐养院"] == "是" and values["铁东区普通养老院"] == "否"


def test_field_case_01_import_needs_the_confirmation_column(world, district):
    data = (FIELD_CASES / "01-uscc-pre2016-nonconforming.xlsx").read_bytes()
    found = problems(excel.check_workbook(data, district))
    assert set(found) == {(2, "credit_code")}
    assert [p["code"] for p in found[(2, "credit_code")]] == ["check_digit"]
    assert "校验位已人工核实" in found[(2, "credit_code")][0]["message"]

    book = load_workbook(io.BytesIO(data))
    sheet = book[excel.SHEET]
    sheet.cell(row=1, column=sheet.max_column + 1, value="校验位已人工核实")
    sheet.cell(row=2, column=sheet.max_column, value="是")
    output = io.BytesIO()
    book.save(output)
    confirmed = output.getvalue()
    assert excel.check_workbook(confirmed, district).problems == []
    excel.apply_batch(excel.create_batch(file=confirmed, user=district), district)
    institution = Institution.objects.get(name="铁东区测试乙颐养院")
    assert institution.credit_code == PRE2016 and institution.credit_code_confirmed
    assert institution.credit_code_confirmed_by == district

    # The same file again, with or without the column, changes nothing.
    assert excel.check_workbook(confirmed, district).counts["unchanged"] == 1
    assert excel.check_workbook(data, district).counts["unchanged"] == 1


def test_the_import_cannot_confirm_a_segment_error(world, district):
    data = workbook(row("铁东区测试甲颐养院", credit_code="210302198001010839", credit_code_confirmed="是"))
    found = problems(excel.check_workbook(data, district))
    assert {p["code"] for p in found[(2, "credit_code")]} == {"division", "registration_form_mismatch"}
    assert [p["code"] for p in found[(2, "credit_code_confirmed")]] == ["confirmation_not_applicable"]


# (d) duplicate codes never name what the reader cannot see ----------------------------------------


def test_a_duplicate_code_of_another_district_is_not_named(client, world, tiedong, district):
    tiexi = world.regions["210303"]
    hidden = valid_institution(tiexi, "铁西区隐秘养老院")
    mine = valid_institution(tiedong, "铁东区我的养老院")
    client.force_login(district)
    response = client.post(
        reverse("institutions:edit", args=[mine.pk]),
        with_token(client, form_data(mine, credit_code=hidden.credit_code)),
    )
    assert response.status_code == 200
    message = response.context["form"].errors["credit_code"][0]
    assert hidden.credit_code in message
    page = response.content.decode()
    assert "铁西区隐秘养老院" not in page and "铁西区" not in message

    # Imported, the same.
    data = workbook(row("铁东区我的养老院", credit_code=hidden.credit_code))
    result = excel.check_workbook(data, district)
    texts = " ".join(p["message"] for p in result.problems)
    assert "duplicate_code" in {p["code"] for p in result.problems}
    assert "铁西区隐秘养老院" not in texts and "铁西区" not in texts


def test_a_duplicate_code_the_user_can_see_is_named(client, world, tiedong, district):
    neighbour = valid_institution(tiedong, "铁东区邻居养老院")
    mine = valid_institution(tiedong, "铁东区我的养老院")
    city = world.users["city"]
    for user in (district, city):
        client.force_login(user)
        response = client.post(
            reverse("institutions:edit", args=[mine.pk]),
            with_token(client, form_data(mine, credit_code=neighbour.credit_code)),
        )
        assert "铁东区邻居养老院" in response.context["form"].errors["credit_code"][0]


def test_without_a_known_reader_the_duplicate_is_not_named(tiedong):
    other = valid_institution(tiedong, "某养老院")
    institution = valid_institution(tiedong, "另一养老院", save=False, credit_code=other.credit_code)
    messages = " ".join(m for e in errors_of(institution)["credit_code"] for m in e.messages)
    assert "某养老院" not in messages


# Phones ----------------------------------------------------------------------------------------------


def test_the_form_normalises_and_checks_the_phone(client, world, tiedong, district):
    institution = valid_institution(tiedong, "铁东区电话养老院")
    client.force_login(district)
    url = reverse("institutions:edit", args=[institution.pk])
    bad = client.post(url, with_token(client, form_data(institution, phone="4125551234")))
    assert bad.status_code == 200
    assert "0412-5551234" in bad.context["form"].errors["phone"][0]
    good = client.post(url, with_token(client, form_data(institution, phone="（0412）255 1234 转 8")))
    assert good.status_code == 302
    institution.refresh_from_db()
    assert institution.phone == "0412-2551234转8"


def test_a_phone_typed_as_a_number_in_the_import_says_the_zero_was_lost(world, district):
    data = workbook(
        row("铁东区甲养老院", phone=4122432368),
        row("铁东区乙养老院", phone=13841200000),
        row("铁东区丙养老院", phone="0412 2432368"),
        row("铁东区丁养老院", phone="2432368"),
    )
    found = problems_by_place(excel.check_workbook(data, district))
    assert set(found) == {(2, "phone"), (5, "phone")}
    assert found[(2, "phone")]["code"] == "phone_leading_zero"
    assert found[(2, "phone")]["column"] == "联系电话"
    assert "0412-2432368" in found[(2, "phone")]["message"]
    assert found[(5, "phone")]["code"] == "phone_invalid"


def test_the_template_formats_the_phone_and_code_columns_as_text(client, world, district):
    client.force_login(district)
    book = load_workbook(io.BytesIO(client.get(reverse("institutions:import_template")).content))
    sheet = book[excel.SHEET]
    headers = [cell.value for cell in sheet[1]]
    for header in ("联系电话", "统一社会信用代码"):
        letter = sheet.cell(row=1, column=headers.index(header) + 1).column_letter
        assert sheet.column_dimensions[letter].number_format == "@"


def test_an_existing_bad_phone_is_kept_until_the_record_is_edited(tiedong):
    institution = valid_institution(tiedong, "旧号码养老院")
    Institution.objects.filter(pk=institution.pk).update(phone="2432368")  # stored before the check
    institution.refresh_from_db()
    assert institution.phone == "2432368"
    assert {e.code for e in errors_of(institution)["phone"]} == {"phone_invalid"}
