"""The Excel template and the export of the institution list."""

import datetime
import re
from urllib.parse import quote

from django.urls import reverse
from django.utils import timezone, translation

from institutions import excel
from institutions.demo import load_demo_institutions
from institutions.models import (
    Institution,
    Nature,
)
from tests.institutions.excel_helpers import (
    FIELDS,
    HEADERS,
    XLSX,
    label,
    read,
    upload,
    uploaded_batch,
)

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
    assert [cell.value for cell in book[excel.SHEET][1]] == [*HEADERS, excel.SUSPENDED_HEADER]
    natures = {
        values[FIELDS.index("nature")] for values in book[excel.SHEET].iter_rows(min_row=2, values_only=True)
    }
    assert natures <= set(excel.choice_labels(Nature)) | {None}


def test_choice_labels_are_those_of_the_chinese_interface_whatever_the_language():
    with translation.override("en"):
        english_request = excel.choice_labels(Nature)
    with translation.override("zh-hans"):
        assert english_request == [str(label) for label in Nature.labels]


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
    # the template's columns, then 停业整顿 (issue 17: read by people, ignored by the import)
    assert [cell.value for cell in sheet[1]] == [*HEADERS, excel.SUSPENDED_HEADER]
    rows = [
        dict(zip([*FIELDS, "suspended"], values, strict=True))
        for values in sheet.iter_rows(min_row=2, values_only=True)
    ]
    kangle = next(r for r in rows if r["name"] == "铁东区康乐老年公寓")
    assert kangle["suspended"] is None  # no 停业整顿 order: blank
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
