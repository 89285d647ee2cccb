"""Importing the institution list: problems by row and column, scope, all-or-nothing, idempotence."""

import datetime
import hashlib
import io
import random
from decimal import Decimal

import pytest
from django.core.exceptions import PermissionDenied, ValidationError
from django.db import IntegrityError
from django.urls import reverse
from django.utils import translation
from openpyxl import Workbook

from core.models import ImportBatch
from institutions import excel, uscc
from institutions.models import (
    FilingStatus,
    Institution,
    LegalPersonStatus,
    Nature,
    RegistrationForm,
)
from tests.institutions.excel_helpers import (
    FIELDS,
    HEADERS,
    code,
    label,
    numeric_code,
    problems_by_place,
    row,
    upload,
    uploaded_batch,
    with_exact_number,
    workbook,
)
from tests.submissions import with_token

# Problems, row by row and column by column ------------------------------------------------------


def test_each_problem_is_reported_with_its_row_and_column(world, district):
    tiedong = world.regions["210302"]
    registered = code(900)
    Institution.objects.create(
        name="铁东区既有养老院",
        region=tiedong,
        credit_code=registered,
        nature="private",
        registration_form="social_organisation",
        filing_status="unfiled",
    )
    good = row("铁东区甲养老院", credit_code=code(1))
    bad_check_digit = code(2)[:-1] + ("1" if code(2)[-1] != "1" else "2")
    data = workbook(
        good,  # row 2
        row("铁东区乙养老院", credit_code=bad_check_digit),  # 3
        row("铁东区丙养老院", credit_code=code(3), region="不存在区"),  # 4
        row("铁东区甲养老院", credit_code=code(4)),  # 5: same region and name as row 2
        row(
            "铁东区丁养老院", credit_code=code(5), star_rating=7, star_rated_on=datetime.date(2020, 9, 1)
        ),  # 6
        row("铁东区戊养老院", credit_code=code(6), beds=10, nursing_beds=20),  # 7
        row("", credit_code=code(7)),  # 8: no name
        row("铁东区己养老院", credit_code=code(8), nature=None),  # 9: no operating nature
        row("铁东区庚养老院", credit_code=code(1)),  # 10: same code as row 2, not a branch
        row("铁东区辛养老院", credit_code=registered),  # 11: code of another registered institution
        row("铁东区壬养老院", credit_code=code(9), beds="很多", nursing_beds=0),  # 12
        row("铁东区癸养老院", credit_code=code(10), integrated_care="可能"),  # 13
        row("铁东区子养老院", credit_code=code(11), filed_on="去年"),  # 14
        row("铁东区丑养老院", credit_code=code(12), nature="公私合营"),  # 15
        row("铁东区寅养老院", credit_code=code(13), disabled_residents=-1),  # 16
    )
    result = excel.check_workbook(data, district)
    found = problems_by_place(result)

    expected = {
        (3, "credit_code"),
        (4, "region"),
        (5, "name"),
        (6, "star_rating"),
        (7, "nursing_beds"),
        (8, "name"),
        (9, "nature"),
        (10, "credit_code"),
        (11, "credit_code"),
        (12, "beds"),
        (13, "integrated_care"),
        (14, "filed_on"),
        (15, "nature"),
        (16, "disabled_residents"),
    }
    assert set(found) == expected
    assert all(p["column"] == excel.BY_FIELD[p["field"]].header for p in result.problems)
    assert [p["row"] for p in result.problems] == sorted(p["row"] for p in result.problems)
    assert found[(4, "region")]["code"] == "unknown_region"
    assert found[(5, "name")]["code"] == "duplicate_in_file"
    assert found[(6, "star_rating")]["code"] == "max_value"
    assert found[(8, "name")]["code"] == "blank"
    assert found[(9, "nature")]["code"] == "blank"
    assert found[(10, "credit_code")]["code"] == "duplicate_in_file"
    assert found[(12, "beds")]["code"] == "invalid_int"
    assert found[(13, "integrated_care")]["code"] == "invalid_bool"
    assert found[(14, "filed_on")]["code"] == "invalid_date"
    assert found[(15, "nature")]["code"] == "invalid_choice"
    assert found[(16, "disabled_residents")]["code"] == "min_value"
    with pytest.raises(ValidationError) as invalid:
        uscc.validate(bad_check_digit)
    assert found[(3, "credit_code")]["message"].startswith(invalid.value.messages[0])
    assert "校验位已人工核实" in found[(3, "credit_code")]["message"]  # how to confirm a pre-2016 code
    assert "铁东区既有养老院" in found[(11, "credit_code")]["message"]
    assert found[(7, "nursing_beds")]["message"] == translation.gettext(
        "Nursing-type beds (%(nursing)s) cannot exceed total beds (%(beds)s)."
    ) % {"nursing": 20, "beds": 10}
    # Only the good row is planned; nothing was written.
    assert result.counts == {"create": 1, "update": 0, "unchanged": 0}
    assert not Institution.objects.filter(name="铁东区甲养老院").exists()


def test_the_models_cross_field_rules_apply_to_imported_rows(world, district):
    data = workbook(
        row(
            "铁东区甲", filing_status=label(FilingStatus, FilingStatus.UNFILED)
        ),  # unfiled with a filing date
        row("铁东区乙", is_special_hardship="是"),  # special hardship without legal-person status
        row("铁东区丙", nature=label(Nature, Nature.PUBLIC), fire_gov_funds=3),  # fire funds of a public one
    )
    found = problems_by_place(excel.check_workbook(data, district))
    assert set(found) == {(2, "filed_on"), (3, "legal_person_status"), (4, "fire_gov_funds")}


def test_a_scientific_notation_code_gets_the_credit_code_modules_explanation(world, district):
    found = problems_by_place(excel.check_workbook(workbook(row(credit_code=9.12103001234568e17)), district))
    with pytest.raises(ValidationError) as invalid:
        uscc.validate(9.12103001234568e17)
    assert invalid.value.code == "scientific_notation"
    assert found[(2, "credit_code")]["message"] == invalid.value.messages[0]


# Normalising ----------------------------------------------------------------------------------------


def test_full_width_characters_spaces_and_number_cells_are_normalised(world, district):
    full_width_code = code(21).translate({ord(c): ord(c) + 0xFEE0 for c in "0123456789ABCDEFGHJKLMNPQRTUWXY"})
    digits = numeric_code()
    data = workbook(
        row(
            " 铁东区　阳光  养老院 ",
            credit_code=f" {full_width_code[:6]}-{full_width_code[6:]} ",
            beds="１２０",
            nursing_beds=30.0,
            star_rating="３",
            star_rated_on="2020-09-30",
            filed_on="2020/5/1",
            integrated_care="√",
            ext_meal="Y",
            ext_bath="N",
            region="210302",
            phone="（０４１２）２４３２ ３６８",  # full-width, parentheses, a space: normalised
            fire_gov_funds="1.5",
            fire_safety_status=label(excel.FireSafetyStatus, "compliant"),
        ),
        row("铁东区数字代码养老院", credit_code=int(digits), nature="private", area="Rural"),
    )
    data = with_exact_number(data, "B3", digits)
    assert excel.read_rows(data)[1].cells["credit_code"] == int(digits)
    result = excel.check_workbook(data, district)
    assert result.problems == []
    batch = excel.create_batch(file=data, user=district, original_name="a.xlsx")
    excel.apply_batch(batch, district)

    sunny = Institution.objects.get(name="铁东区阳光养老院")
    assert sunny.credit_code == code(21)
    assert (sunny.beds, sunny.nursing_beds, sunny.star_rating) == (120, 30, 3)
    assert sunny.star_rated_on == datetime.date(2020, 9, 30)
    assert sunny.filed_on == datetime.date(2020, 5, 1)
    assert (sunny.integrated_care, sunny.ext_meal, sunny.ext_bath) == (True, True, False)
    assert sunny.region == world.regions["210302"]
    assert sunny.phone == "0412-2432368"
    assert sunny.fire_gov_funds == Decimal("1.5")
    numbered = Institution.objects.get(name="铁东区数字代码养老院")
    assert numbered.credit_code == digits
    assert (numbered.nature, numbered.area) == ("private", "rural")


def test_a_title_row_above_the_headers_and_blank_rows_are_tolerated(world, district):
    book = Workbook()
    sheet = book.active
    sheet.append(["铁东区养老机构名单"])
    sheet.append(HEADERS)
    sheet.append([])
    sheet.append([row().get(name) for name in FIELDS])
    output = io.BytesIO()
    book.save(output)
    result = excel.check_workbook(output.getvalue(), district)
    assert result.problems == []
    assert result.plan[0]["row"] == 4


# Scope --------------------------------------------------------------------------------------------


def test_district_user_cannot_import_rows_for_another_region(world, district):
    data = workbook(
        row("甲", region="铁西区"), row("乙", region="210303"), row("丙", region="中山区"), row("丁")
    )
    found = problems_by_place(excel.check_workbook(data, district))
    assert {key: p["code"] for key, p in found.items()} == {
        (2, "region"): "outside_region",
        (3, "region"): "outside_region",
        (4, "region"): "outside_region",
    }


def test_city_staff_may_import_for_any_unit_of_the_city(world, city):
    data = workbook(row("甲", region="铁西区"), row("乙", region="海城市", credit_code=code(31, "210381")))
    result = excel.check_workbook(data, city)
    assert result.problems == []
    assert result.counts["create"] == 2


def test_district_user_cannot_update_another_regions_institution_by_its_code(world, district):
    tiexi = world.regions["210303"]
    Institution.objects.create(
        name="铁西区甲",
        region=tiexi,
        credit_code=code(40, "210303"),
        nature="private",
        registration_form="social_organisation",
        filing_status="unfiled",
    )
    result = excel.check_workbook(workbook(row("铁西区甲", credit_code=code(40, "210303"))), district)
    assert {(p["row"], p["field"]) for p in result.problems} == {(2, "credit_code")}
    assert Institution.objects.get(name="铁西区甲").region == tiexi


def test_district_user_cannot_preview_or_apply_another_users_batch(client, world, district):
    other = world.users["other_district"]
    client.force_login(other)
    batch = uploaded_batch(
        upload(client, workbook(row("铁西区乙", region="铁西区", credit_code=code(41, "210303"))))
    )
    for viewer in (district, world.users["city"]):
        client.force_login(viewer)
        assert client.get(reverse("institutions:import_preview", args=[batch.pk])).status_code == 404
        assert (
            client.post(reverse("institutions:import_apply", args=[batch.pk]), with_token(client)).status_code
            == 404
        )
    assert not Institution.objects.filter(name="铁西区乙").exists()


def test_an_administrator_may_use_every_step(client, world):
    admin = world.users["admin"]
    client.force_login(admin)
    assert client.get(reverse("institutions:import_template")).status_code == 200
    assert client.get(reverse("institutions:export")).status_code == 200
    batch = uploaded_batch(upload(client, workbook(row(), row("中山区甲", region="210202"))))
    assert batch.errors == [] and batch.created_by == admin
    assert client.get(reverse("institutions:import_preview", args=[batch.pk])).status_code == 200
    assert (
        client.post(reverse("institutions:import_apply", args=[batch.pk]), with_token(client)).status_code
        == 302
    )
    assert Institution.objects.get(name="中山区甲").region == world.foreign_region


def test_only_the_uploader_may_apply_a_batch(world, district):
    batch = excel.create_batch(file=workbook(row()), user=district)
    with pytest.raises(PermissionDenied):
        excel.apply_batch(batch, world.users["city"])
    with pytest.raises(PermissionDenied):
        excel.create_batch(file=workbook(row()), user=world.users["institution"])
    assert not Institution.objects.filter(name="铁东区阳光养老院").exists()


@pytest.mark.parametrize("viewer", ["institution", "department"])
def test_other_roles_cannot_import_or_export(client, world, viewer):
    client.force_login(world.users[viewer])
    for name in ("import", "import_template", "export"):
        assert client.get(reverse(f"institutions:{name}")).status_code == 403


def test_anonymous_users_are_sent_to_log_in(client, world):
    response = client.get(reverse("institutions:export"))
    assert response.status_code == 302
    assert response["Location"].startswith(reverse("accounts:login"))


# Upload, preview and apply through the pages ------------------------------------------------------


def test_upload_keeps_the_file_under_a_random_name_and_shows_the_plan(client, world, district):
    client.force_login(district)
    data = workbook(row("铁东区甲养老院", credit_code=code(1)), row("铁东区乙养老院", credit_code=code(2)))
    batch = uploaded_batch(upload(client, data, name="我的名单.xlsx"))
    assert batch.kind == "institutions"
    assert (batch.region, batch.created_by, batch.original_name) == (
        world.regions["210302"],
        district,
        "我的名单.xlsx",
    )
    assert "我的名单" not in batch.file.name and batch.file.name.endswith(".xlsx")
    assert batch.file.read() == data
    assert batch.sha256 == hashlib.sha256(data).hexdigest()
    assert (batch.row_count, batch.errors, batch.status) == (2, [], ImportBatch.Status.PREVIEW)
    assert batch.summary["counts"] == {"create": 2, "update": 0, "unchanged": 0}

    page = client.get(reverse("institutions:import_preview", args=[batch.pk]))
    assert page.status_code == 200
    html = page.content.decode()
    assert 'data-testid="apply-button"' in html and "铁东区乙养老院" in html

    response = client.post(reverse("institutions:import_apply", args=[batch.pk]), with_token(client))
    assert response.status_code == 302 and response["Location"] == reverse("institutions:list")
    assert Institution.objects.filter(name__in=["铁东区甲养老院", "铁东区乙养老院"]).count() == 2
    batch.refresh_from_db()
    assert batch.status == ImportBatch.Status.APPLIED and batch.applied_at is not None


def test_a_file_with_one_bad_row_writes_nothing_and_cannot_be_applied(client, world, district):
    client.force_login(district)
    data = workbook(
        row("铁东区甲", credit_code=code(1)),
        row("铁东区乙", credit_code="123"),
        row("铁东区丙", credit_code=code(3)),
    )
    batch = uploaded_batch(upload(client, data))
    assert [(p["row"], p["field"]) for p in batch.errors] == [(3, "credit_code")]
    page = client.get(reverse("institutions:import_preview", args=[batch.pk])).content.decode()
    assert 'data-testid="import-problems"' in page and 'data-testid="apply-button"' not in page
    assert 'data-row="3" data-field="credit_code"' in page

    response = client.post(
        reverse("institutions:import_apply", args=[batch.pk]), with_token(client), follow=True
    )
    assert response.status_code == 200
    assert translation.gettext("This file has problems: fix them in the file and upload it again.") in [
        str(m) for m in response.context["messages"]
    ]
    assert not Institution.objects.filter(name__in=["铁东区甲", "铁东区乙", "铁东区丙"]).exists()


def test_a_failure_while_applying_rolls_back_every_row(world, district, monkeypatch):
    """The rows are written in bulk; a failure after the institutions were inserted (here: while
    their history rows are written) leaves none of them, nor any history."""
    from simple_history import utils

    data = workbook(*(row(f"铁东区第{n}养老院", credit_code=code(50 + n)) for n in range(3)))
    batch = excel.create_batch(file=data, user=district, original_name="x.xlsx")
    history = Institution.history.count()
    original = utils.bulk_create_with_history
    written = []

    def write_then_fail(objs, model, **kwargs):
        written.extend(original(objs, model, **kwargs))
        raise IntegrityError("duplicate key value violates unique constraint")

    monkeypatch.setattr(utils, "bulk_create_with_history", write_then_fail)
    with pytest.raises(ValidationError) as failed:
        excel.apply_batch(batch, district)
    monkeypatch.undo()
    assert failed.value.code == "registry_changed"
    assert len(written) == 3
    assert not Institution.objects.filter(name__startswith="铁东区第").exists()
    assert Institution.history.count() == history
    batch.refresh_from_db()
    assert batch.status == ImportBatch.Status.PREVIEW


def test_a_registry_change_after_the_check_is_caught_when_applying(world, district):
    batch = excel.create_batch(file=workbook(row("铁东区甲", credit_code=code(1))), user=district)
    Institution.objects.create(
        name="铁东区抢先",
        region=world.regions["210302"],
        credit_code=code(1),
        nature="private",
        registration_form="social_organisation",
        filing_status="unfiled",
    )
    with pytest.raises(ValidationError) as failed:
        excel.apply_batch(batch, district)
    assert failed.value.code == "problems"
    batch.refresh_from_db()
    assert [(p["row"], p["field"]) for p in batch.errors] == [(2, "credit_code")]
    assert not Institution.objects.filter(name="铁东区甲").exists()


def test_a_batch_is_applied_once(world, district):
    batch = excel.create_batch(file=workbook(row()), user=district)
    excel.apply_batch(batch, district)
    with pytest.raises(ValidationError) as again:
        excel.apply_batch(batch, district)
    assert again.value.code == "applied"
    assert Institution.objects.filter(name="铁东区阳光养老院").count() == 1


def test_apply_needs_post(client, district):
    client.force_login(district)
    batch = excel.create_batch(file=workbook(row()), user=district)
    assert client.get(reverse("institutions:import_apply", args=[batch.pk])).status_code == 405


def test_a_batch_whose_file_is_gone_gets_a_clear_answer(client, district):
    client.force_login(district)
    batch = excel.create_batch(file=workbook(row()), user=district)
    batch.file.delete(save=True)
    response = client.post(
        reverse("institutions:import_apply", args=[batch.pk]), with_token(client), follow=True
    )
    assert response.status_code == 200
    assert translation.gettext("The uploaded file is no longer available; upload it again.") in [
        str(m) for m in response.context["messages"]
    ]


# Matching, updating, idempotence, history -------------------------------------------------------------


def test_rows_update_the_institution_they_match_and_history_names_the_importer(world, district):
    tiedong = world.regions["210302"]
    by_code = Institution.objects.create(
        name="铁东区甲",
        region=tiedong,
        credit_code=code(1),
        nature="private",
        registration_form="social_organisation",
        filing_status="filed",
        filed_on=datetime.date(2020, 5, 1),
        beds=100,
        nursing_beds=40,
        residents=60,
        disabled_residents=10,
        semi_disabled_residents=10,
        notes="内部备注",
    )
    by_name = Institution.objects.create(
        name="铁东区乙",
        region=tiedong,
        nature="private",
        registration_form="unregistered",
        filing_status="unfiled",
    )
    data = workbook(
        row("铁东区甲", credit_code=code(1), beds=120),
        row(
            "铁东区乙",
            credit_code=None,
            registration_form=label(RegistrationForm, "unregistered"),
            filing_status=label(FilingStatus, "unfiled"),
            filed_on=None,
            beds=8,
            nursing_beds=0,
            residents=5,
            disabled_residents=0,
            semi_disabled_residents=0,
        ),
    )
    batch = excel.create_batch(file=data, user=district, original_name="更新.xlsx")
    assert batch.errors == []
    assert [(e["action"], e["changes"]) for e in batch.summary["plan"]] == [
        ("update", ["床位数"]),
        ("update", ["床位数", "入住老年人数"]),
    ]
    counts = excel.apply_batch(batch, district)
    assert counts == {"create": 0, "update": 2, "unchanged": 0}

    by_code.refresh_from_db()
    assert (by_code.beds, by_code.version, by_code.notes) == (120, 2, "内部备注")
    by_name.refresh_from_db()
    assert (by_name.beds, by_name.residents, by_name.version) == (8, 5, 2)
    record = by_code.history.latest()
    assert record.history_user == district
    assert record.history_type == "~"
    assert record.history_change_reason == translation.gettext("Excel import: %(file)s") % {
        "file": "更新.xlsx"
    }


def test_created_institutions_have_a_history_row_naming_the_importer(world, district):
    batch = excel.create_batch(file=workbook(row()), user=district, original_name="新增.xlsx")
    excel.apply_batch(batch, district)
    record = Institution.objects.get(name="铁东区阳光养老院").history.get()
    assert (record.history_type, record.history_user) == ("+", district)
    assert record.history_change_reason == translation.gettext("Excel import: %(file)s") % {
        "file": "新增.xlsx"
    }


def test_moving_an_institution_onto_a_name_taken_in_its_new_region_is_a_problem(world, city):
    for region, credit_code in (("210302", code(70)), ("210303", code(71, "210303"))):
        Institution.objects.create(
            name="康乐老年公寓",
            region=world.regions[region],
            credit_code=credit_code,
            nature="private",
            registration_form="social_organisation",
            filing_status="unfiled",
        )
    data = workbook(
        row(
            "康乐老年公寓",
            credit_code=code(70),
            region="铁西区",
            filing_status=label(FilingStatus, "unfiled"),
            filed_on=None,
        )
    )
    found = problems_by_place(excel.check_workbook(data, city))
    assert {key: p["code"] for key, p in found.items()} == {(2, "name"): "unique_together"}


def test_a_branch_may_name_a_head_created_in_the_same_file_even_below_it(world, district):
    head_code = uscc.generate(authority="1", org_type="2", division="210302", rng=random.Random(60))
    head = row(
        "铁东区中心敬老院",
        credit_code=head_code,
        nature=label(Nature, Nature.PUBLIC),
        registration_form=label(RegistrationForm, RegistrationForm.PUBLIC_INSTITUTION),
        is_special_hardship="是",
        area=label(excel.Area, "rural"),
        legal_person_status=label(LegalPersonStatus, LegalPersonStatus.INDEPENDENT),
    )
    branch = {
        **head,
        "name": "铁东区某镇敬老院",
        "legal_person_status": label(LegalPersonStatus, "branch"),
        "parent": "铁东区中心敬老院",
    }
    data = workbook(branch, head)
    result = excel.check_workbook(data, district)
    assert result.problems == []
    assert result.counts["create"] == 2
    excel.apply_batch(excel.create_batch(file=data, user=district), district)
    assert Institution.objects.get(name="铁东区某镇敬老院").parent == Institution.objects.get(
        name="铁东区中心敬老院"
    )


def test_a_branch_naming_an_unknown_head_is_a_problem(world, district):
    data = workbook(row("铁东区某镇敬老院", parent="铁东区没有的敬老院"))
    found = problems_by_place(excel.check_workbook(data, district))
    assert found[(2, "parent")]["code"] == "parent_not_found"


def test_importing_the_same_file_twice_changes_nothing_the_second_time(world, district):
    data = workbook(
        row("铁东区甲", credit_code=code(1)), row("铁东区乙", credit_code=code(2), beds=50, nursing_beds=5)
    )
    excel.apply_batch(excel.create_batch(file=data, user=district), district)
    history, versions = (
        Institution.history.count(),
        sorted(Institution.objects.values_list("version", flat=True)),
    )

    again = excel.create_batch(file=data, user=district)
    assert again.errors == []
    assert again.summary["counts"] == {"create": 0, "update": 0, "unchanged": 2}
    assert excel.apply_batch(again, district) == {"create": 0, "update": 0, "unchanged": 2}
    assert Institution.history.count() == history
    assert sorted(Institution.objects.values_list("version", flat=True)) == versions


def test_checking_a_file_writes_nothing(world, district):
    history, count = Institution.history.count(), Institution.objects.count()
    excel.check_workbook(
        workbook(row("铁东区甲", credit_code=code(1)), row("铁东区乙", credit_code=code(2))), district
    )
    assert (Institution.history.count(), Institution.objects.count()) == (history, count)
