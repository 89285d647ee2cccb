"""Excel template, import (check → preview → apply) and export of the institution list."""

import datetime
import hashlib
import io
import random
import re
import zipfile
import zlib
from decimal import Decimal
from urllib.parse import quote

import pytest
from django.core.exceptions import PermissionDenied, ValidationError
from django.core.files.uploadedfile import SimpleUploadedFile
from django.db import IntegrityError
from django.urls import reverse
from django.utils import timezone, translation
from openpyxl import Workbook, load_workbook

from core.models import ImportBatch
from institutions import excel, uscc
from institutions.demo import load_demo_institutions
from institutions.models import (
    FilingStatus,
    Institution,
    LegalPersonStatus,
    Nature,
    RegistrationForm,
)

XLSX = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
FIELDS = [column.field for column in excel.COLUMNS]
HEADERS = [column.header for column in excel.COLUMNS]


@pytest.fixture(autouse=True)
def media(settings, tmp_path):
    settings.MEDIA_ROOT = tmp_path / "media"


def code(n: int, division: str = "210302") -> str:
    return uscc.generate(division=division, rng=random.Random(n))


def numeric_code() -> str:
    """A valid code of 18 digits, as Excel holds it in a number-formatted cell."""
    rng = random.Random(7)
    while True:
        candidate = uscc.generate(division="210302", body="".join(rng.choices("0123456789", k=9)))
        if candidate.isdigit():
            return candidate


def with_exact_number(data: bytes, cell: str, digits: str) -> bytes:
    """The workbook with an 18-digit integer in `cell`, as some writers (not openpyxl, which writes
    a float) store a number-formatted code."""
    source = zipfile.ZipFile(io.BytesIO(data))
    output = io.BytesIO()
    with zipfile.ZipFile(output, "w") as target:
        for item in source.infolist():
            content = source.read(item.filename)
            if item.filename == "xl/worksheets/sheet1.xml":
                content = re.sub(
                    rf'<c r="{cell}" t="n"><v>[^<]*</v>'.encode(),
                    f'<c r="{cell}" t="n"><v>{digits}</v>'.encode(),
                    content,
                )
            target.writestr(item, content)
    return output.getvalue()


def label(choices, value) -> str:
    return excel.choice_label(choices, value)


def row(name="铁东区阳光养老院", **values) -> dict:
    """A valid private care home of 铁东区, as the cells of one row."""
    cells = {
        "name": name,
        "credit_code": code(zlib.crc32(name.encode())),
        "region": "铁东区",
        "nature": label(Nature, Nature.PRIVATE),
        "registration_form": label(RegistrationForm, RegistrationForm.SOCIAL_ORGANISATION),
        "filing_status": label(FilingStatus, FilingStatus.FILED),
        "filed_on": datetime.date(2020, 5, 1),
        "beds": 100,
        "nursing_beds": 40,
        "residents": 60,
        "disabled_residents": 10,
        "semi_disabled_residents": 10,
    }
    cells.update(values)
    return cells


def workbook(*rows: dict, headers=None) -> bytes:
    book = Workbook()
    sheet = book.active
    sheet.title = excel.SHEET
    sheet.append(headers or HEADERS)
    for cells in rows:
        sheet.append([cells.get(name) for name in FIELDS])
    output = io.BytesIO()
    book.save(output)
    return output.getvalue()


def problems_by_place(result) -> dict:
    return {(problem["row"], problem["field"]): problem for problem in result.problems}


def upload(client, data: bytes, name="机构名单.xlsx"):
    return client.post(
        reverse("institutions:import"), {"file": SimpleUploadedFile(name, data, content_type=XLSX)}
    )


def uploaded_batch(response) -> ImportBatch:
    assert response.status_code == 302, response.content.decode()[:2000]
    pk = int(re.search(r"/import/(\d+)/", response["Location"]).group(1))
    return ImportBatch.objects.get(pk=pk)


def read(content: bytes):
    return load_workbook(io.BytesIO(content))


@pytest.fixture
def district(world):
    return world.users["district"]


@pytest.fixture
def city(world):
    return world.users["city"]


# The template -----------------------------------------------------------------------------------


def test_template_has_chinese_headers_dropdowns_and_instructions(client, district):
    client.force_login(district)
    response = client.get(reverse("institutions:import_template"))
    assert response.status_code == 200
    assert response["Content-Type"] == XLSX
    assert response["Content-Disposition"] == f"attachment; filename*=utf-8''{quote('养老机构导入模板.xlsx')}"

    book = read(response.content)
    assert book.sheetnames[:2] == ["机构名单", "填写说明"]
    sheet = book["机构名单"]
    headers = [cell.value for cell in sheet[1]]
    assert headers == HEADERS
    assert all(re.search(r"[\u4e00-\u9fff]", header) for header in headers)
    assert "notes" not in FIELDS
    assert sheet.freeze_panes == "B2"
    assert sheet.column_dimensions["A"].width >= 20

    options = book[excel.OPTIONS_SHEET]
    lists = {}
    for validation in sheet.data_validations.dataValidation:
        if validation.type == "list":
            letter = str(validation.sqref).split(":")[0].rstrip("0123456789")
            column = excel.COLUMNS[headers.index(sheet[f"{letter}1"].value)]
            source = re.match(r"'选项'!\$([A-Z]+)\$2:\$[A-Z]+\$(\d+)", validation.formula1)
            lists[column.field] = [
                options[f"{source.group(1)}{n}"].value for n in range(2, int(source.group(2)) + 1)
            ]
            assert str(validation.sqref).endswith(f"{excel.MAX_ROWS + 1}")
    for column in excel.COLUMNS:
        if column.kind == excel.CHOICE:
            assert lists[column.field] == excel.choice_labels(column.choices)
        elif column.kind == excel.BOOL:
            assert lists[column.field] == ["是", "否"]
    assert lists["region"] == ["铁东区"]  # a district user's template offers its own region only

    instructions = book["填写说明"]
    described = {row[0] for row in instructions.iter_rows(values_only=True)}
    assert set(HEADERS) <= described
    assert any("5000" in str(row[0]) for row in instructions.iter_rows(values_only=True))


def test_city_template_offers_every_unit_of_the_city(client, city, world):
    client.force_login(city)
    book = read(client.get(reverse("institutions:import_template")).content)
    regions = {cell.value for cell in book[excel.OPTIONS_SHEET]["C"][1:]}
    assert {"铁东区", "铁西区", "海城市", "鞍山高新技术产业开发区"} <= regions
    assert "中山区" not in regions


def test_the_workbook_is_chinese_whatever_the_users_language(client, district):
    load_demo_institutions()
    client.force_login(district)
    client.cookies["django_language"] = "en"
    assert client.get(reverse("core:home")).content.decode().count('lang="en"') == 1
    book = read(client.get(reverse("institutions:export")).content)
    assert [cell.value for cell in book[excel.SHEET][1]] == HEADERS
    natures = {
        values[FIELDS.index("nature")] for values in book[excel.SHEET].iter_rows(min_row=2, values_only=True)
    }
    assert natures <= set(excel.choice_labels(Nature)) | {None}


def test_choice_labels_are_those_of_the_chinese_interface_whatever_the_language():
    with translation.override("en"):
        english_request = excel.choice_labels(Nature)
    with translation.override("zh-hans"):
        assert english_request == [str(label) for label in Nature.labels]


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
    assert found[(3, "credit_code")]["message"] == invalid.value.messages[0]
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
            phone=4122432368,
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
    assert sunny.phone == "4122432368"
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
        assert client.post(reverse("institutions:import_apply", args=[batch.pk])).status_code == 404
    assert not Institution.objects.filter(name="铁西区乙").exists()


def test_an_administrator_may_use_every_step(client, world):
    admin = world.users["admin"]
    client.force_login(admin)
    assert client.get(reverse("institutions:import_template")).status_code == 200
    assert client.get(reverse("institutions:export")).status_code == 200
    batch = uploaded_batch(upload(client, workbook(row(), row("中山区甲", region="210202"))))
    assert batch.errors == [] and batch.created_by == admin
    assert client.get(reverse("institutions:import_preview", args=[batch.pk])).status_code == 200
    assert client.post(reverse("institutions:import_apply", args=[batch.pk])).status_code == 302
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

    response = client.post(reverse("institutions:import_apply", args=[batch.pk]))
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

    response = client.post(reverse("institutions:import_apply", args=[batch.pk]), follow=True)
    assert response.status_code == 200
    assert translation.gettext("This file has problems: fix them in the file and upload it again.") in [
        str(m) for m in response.context["messages"]
    ]
    assert not Institution.objects.filter(name__in=["铁东区甲", "铁东区乙", "铁东区丙"]).exists()


def test_a_failure_while_applying_rolls_back_every_row(world, district, monkeypatch):
    data = workbook(*(row(f"铁东区第{n}养老院", credit_code=code(50 + n)) for n in range(3)))
    batch = excel.create_batch(file=data, user=district, original_name="x.xlsx")
    history = Institution.history.count()
    original_save = Institution.save
    saved = []

    def save_then_fail(self, *args, **kwargs):
        saved.append(self.name)
        if len(saved) == 3:
            raise IntegrityError("duplicate key value violates unique constraint")
        return original_save(self, *args, **kwargs)

    monkeypatch.setattr(Institution, "save", save_then_fail)
    with pytest.raises(ValidationError) as failed:
        excel.apply_batch(batch, district)
    monkeypatch.undo()
    assert failed.value.code == "registry_changed"
    assert len(saved) == 3
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
    response = client.post(reverse("institutions:import_apply", args=[batch.pk]), follow=True)
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
        ("update", ["床位数", "在住老年人数"]),
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
    head_code = code(60)
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


# Export ---------------------------------------------------------------------------------------------


def test_export_then_import_changes_nothing(client, world, city):
    load_demo_institutions()
    client.force_login(city)
    response = client.get(reverse("institutions:export"))
    assert response.status_code == 200
    filename = f"养老机构名单-{timezone.localdate():%Y%m%d}.xlsx"
    assert response["Content-Disposition"] == f"attachment; filename*=utf-8''{quote(filename)}"
    history = Institution.history.count()
    batch = uploaded_batch(upload(client, response.content))
    assert batch.errors == []
    total = Institution.objects.visible_to(city).count()
    assert total > 60
    assert batch.summary["counts"] == {"create": 0, "update": 0, "unchanged": total}
    assert excel.apply_batch(batch, city)["unchanged"] == total
    assert Institution.history.count() == history


def test_export_has_the_template_columns_and_readable_values(client, world, district):
    load_demo_institutions()
    client.force_login(district)
    book = read(client.get(reverse("institutions:export")).content)
    sheet = book[excel.SHEET]
    assert [cell.value for cell in sheet[1]] == HEADERS
    rows = [dict(zip(FIELDS, values, strict=True)) for values in sheet.iter_rows(min_row=2, values_only=True)]
    kangle = next(r for r in rows if r["name"] == "铁东区康乐老年公寓")
    institution = Institution.objects.get(name="铁东区康乐老年公寓")
    assert kangle["region"] == "铁东区"
    assert kangle["credit_code"] == institution.credit_code
    assert kangle["nature"] == label(Nature, institution.nature)
    assert kangle["integrated_care"] in ("是", "否")
    assert all(isinstance(r["filed_on"], datetime.datetime) for r in rows if r["filed_on"])
    assert any(r["filed_on"] for r in rows)


def test_export_respects_the_filters_and_the_users_scope(client, world, district):
    load_demo_institutions()
    client.force_login(district)

    def exported(query=""):
        content = client.get(reverse("institutions:export") + query).content
        return {values[0] for values in read(content)[excel.SHEET].iter_rows(min_row=2, values_only=True)}

    own = set(Institution.objects.filter(region=world.regions["210302"]).values_list("name", flat=True))
    assert exported() == own
    private = set(
        Institution.objects.filter(region=world.regions["210302"], nature="private").values_list(
            "name", flat=True
        )
    )
    assert private and private != own
    assert exported("?nature=private") == private
    # Another region's id in the filter is not a way out of the scope.
    assert exported(f"?region={world.regions['210303'].pk}") == own
    assert not any(name.startswith("铁西区") for name in exported(f"?region={world.regions['210303'].pk}"))


# Files that are not what they should be -------------------------------------------------------------


def ten_thousand_rows() -> bytes:
    book = Workbook(write_only=True)
    sheet = book.create_sheet(excel.SHEET)
    sheet.append(HEADERS)
    for n in range(10_000):
        sheet.append([f"养老院{n}"])
    output = io.BytesIO()
    book.save(output)
    return output.getvalue()


def empty_workbook() -> bytes:
    output = io.BytesIO()
    Workbook().save(output)
    return output.getvalue()


def zip_without_workbook() -> bytes:
    output = io.BytesIO()
    with zipfile.ZipFile(output, "w") as archive:
        archive.writestr("readme.txt", "not a workbook")
    return output.getvalue()


GARBAGE = {
    "not_a_workbook": (lambda: b"%PDF-1.4 not a spreadsheet", "not_xlsx"),
    "renamed_text_file": (lambda: "机构名称,所属区域\n甲,铁东区\n".encode(), "not_xlsx"),
    "zip_that_is_no_workbook": (zip_without_workbook, "not_xlsx"),
    "damaged_workbook": (lambda: workbook(row())[:3000], "not_xlsx"),
    "old_xls": (lambda: b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1" + b"\0" * 600, "xls"),
    "empty_workbook": (empty_workbook, "empty"),
    "headers_only": (lambda: workbook(), "no_rows"),
    "wrong_headers": (lambda: workbook(row(), headers=[*HEADERS[:-2], "备注"]), "headers"),
    "ten_thousand_rows": (ten_thousand_rows, "too_many_rows"),
}


@pytest.mark.parametrize("case", sorted(GARBAGE))
def test_a_file_that_cannot_be_imported_gets_a_clear_answer(client, world, district, case):
    make, expected_code = GARBAGE[case]
    data = make()
    with pytest.raises(excel.WorkbookError) as refused:
        excel.check_workbook(data, district)
    assert refused.value.code == expected_code

    client.force_login(district)
    response = upload(client, data, name="名单.xlsx")
    assert response.status_code == 200
    errors = response.context["form"].errors["file"]
    assert errors == refused.value.messages
    assert 'data-testid="upload-errors"' in response.content.decode()
    assert not ImportBatch.objects.exists()


def test_wrong_headers_are_named(world, district):
    with pytest.raises(excel.WorkbookError) as refused:
        excel.check_workbook(workbook(row(), headers=[*HEADERS[:-2], "备注"]), district)
    message = refused.value.messages[0]
    assert HEADERS[-1] in message and HEADERS[-2] in message and "备注" in message


def test_ten_thousand_rows_are_counted_in_the_answer(world, district):
    with pytest.raises(excel.WorkbookError) as refused:
        excel.check_workbook(ten_thousand_rows(), district)
    expected = translation.gettext(
        "The file has %(rows)s rows of data, more than the %(max)s rows one import can take. "
        "Split it into several files."
    ) % {"rows": 10000, "max": 5000}
    assert refused.value.messages == [expected]


def test_a_file_over_the_size_limit_is_refused_before_reading(client, world, district, settings):
    settings.PORTAL_IMPORT_MAX_BYTES = 1024
    client.force_login(district)
    response = upload(client, workbook(row()))
    assert response.status_code == 200
    assert (
        response.context["form"]
        .errors["file"][0]
        .startswith(
            translation.gettext(
                "The file is %(size)s MB, more than the %(max)s MB one import can take."
            ).split("%")[0]
        )
    )
    assert not ImportBatch.objects.exists()


def test_an_upload_without_a_file_is_a_form_error(client, district):
    client.force_login(district)
    response = client.post(reverse("institutions:import"), {})
    assert response.status_code == 200
    assert response.context["form"].errors["file"]


# Pages --------------------------------------------------------------------------------------------


def test_upload_page_links_to_the_template_and_back_to_the_registry(client, district):
    client.force_login(district)
    html = client.get(reverse("institutions:import")).content.decode()
    assert reverse("institutions:import_template") in html
    assert reverse("institutions:list") in html
    assert 'enctype="multipart/form-data"' in html


def test_preview_queries_do_not_grow_with_the_rows(client, world, district, django_assert_max_num_queries):
    client.force_login(district)
    rows = [row(f"铁东区第{n}养老院", credit_code="bad") for n in range(60)]
    rows += [row(f"铁东区好{n}养老院", credit_code=code(100 + n)) for n in range(60)]
    bad = excel.create_batch(file=workbook(*rows), user=district)
    good = excel.create_batch(file=workbook(*rows[60:]), user=district)
    assert len(bad.errors) == 60 and len(good.summary["plan"]) == 60
    for batch in (bad, good):
        with django_assert_max_num_queries(8):
            response = client.get(reverse("institutions:import_preview", args=[batch.pk]))
        assert response.status_code == 200
