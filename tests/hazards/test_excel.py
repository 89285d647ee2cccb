"""The three lists (pages and Excel export) and the import of a district's hazard ledger."""

import datetime
import io
import re
from urllib.parse import quote

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from openpyxl import Workbook, load_workbook

from core.excel import choice_label
from core.models import ImportBatch
from core.roles import Department
from hazards import excel, services
from hazards.models import CATEGORIES, DeadlineChange, Hazard, HazardEvent, Severity, Source, Status
from hazards.three_lists import LISTS
from institutions.models import Institution, LegalPersonStatus
from tests.conftest import make_user
from tests.hazards.factories import advance, notice, record
from tests.institutions.factories import valid_institution
from tests.submissions import with_token

XLSX = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
FIELDS = [column.field for column in excel.COLUMNS]
HEADERS = [column.header for column in excel.COLUMNS]
TODAY = datetime.date(2026, 11, 23)  # the time_machine_2026 fixture's today


@pytest.fixture(autouse=True)
def media(settings, tmp_path):
    settings.MEDIA_ROOT = tmp_path / "media"


@pytest.fixture
def district_client(client, district):
    client.force_login(district)
    return client


def read(content: bytes):
    return load_workbook(io.BytesIO(content))


def sheet_rows(sheet, first=3) -> list[dict]:
    """The data rows of a three-lists sheet (row 1 title, row 2 header) as header -> value."""
    headers = [cell.value for cell in sheet[2]]
    return [
        dict(zip(headers, values, strict=True)) for values in sheet.iter_rows(min_row=first, values_only=True)
    ]


def export(client, **params) -> bytes:
    response = client.get(reverse("hazards:export"), params)
    assert response.status_code == 200, response.content[:500]
    assert response["Content-Type"] == XLSX
    return response.content


# Export ---------------------------------------------------------------------------------------------


def test_the_export_has_three_printable_sheets_with_frozen_headers(
    world, district, district_client, time_machine_2026
):
    record(world.own_institution, district)
    response = district_client.get(reverse("hazards:export"))
    assert response.status_code == 200
    assert quote("风险隐患三个清单-20261123.xlsx") in response["Content-Disposition"]
    book = read(response.content)
    assert book.sheetnames == ["隐患清单", "整改清单", "责任清单"]
    expected_headers = {
        "隐患清单": "编号 所属区域 机构名称 隐患类别 隐患等级 隐患来源 隐患描述 发现日期 重大火灾隐患 挂牌督办",
        "整改清单": "编号 机构名称 隐患描述 整改措施 整改时限 原定时限 整改状态 是否逾期 核查人 核查时间 核查意见 销号日期",
        "责任清单": "编号 机构名称 隐患描述 责任单位 责任人 联系电话 督办单位 告知部门 告知日期 部门回复",
    }
    for three_list in LISTS.values():
        sheet = book[three_list.sheet]
        headers = [cell.value for cell in sheet[2]]
        assert headers == expected_headers[three_list.sheet].split() == [c.header for c in three_list.columns]
        assert "风险隐患整治工作台账" in sheet["A1"].value
        assert all(cell.font.bold and cell.fill.fgColor.rgb.endswith("DCE6F1") for cell in sheet[2])
        assert sheet.freeze_panes == "B3"  # the title and header stay, and the number column
        assert sheet.page_setup.orientation == "landscape"
        assert int(sheet.page_setup.paperSize) == int(sheet.PAPERSIZE_A4) == 9
        assert int(sheet.page_setup.fitToWidth) == 1
        assert sheet.sheet_properties.pageSetUpPr.fitToPage
        assert sheet.print_title_rows.replace("$", "") == "2:2"
        widths = [sheet.column_dimensions[chr(ord("A") + i)].width for i in range(len(headers))]
        assert widths == [c.width for c in three_list.columns]


def test_a_rows_values_show_overdue_extension_and_referrals(world, district, time_machine_2026):
    department = world.users["department"]
    hazard = record(
        world.own_institution,
        district,
        found_on=datetime.date(2026, 10, 8),
        deadline=datetime.date(2026, 11, 10),
        severity=Severity.MAJOR,
        is_major_fire=True,
        major_determined_by="鞍山市消防救援支队",
        major_determined_on=datetime.date(2026, 10, 12),
        is_listed=True,
        listed_by="鞍山市人民政府",
        listed_on=datetime.date(2026, 10, 15),
    )
    hazard = services.hazard_extend(
        hazard=hazard,
        new_deadline=datetime.date(2026, 11, 20),
        reason="需采购防火门",
        by=district,
        expected_version=hazard.version,
    )
    referral = services.referral_create(
        hazard=hazard,
        department="housing",
        referred_on=datetime.date(2026, 10, 16),
        note="请核查房屋结构",
        notice=notice(),
        by=district,
    )
    services.referral_reply(
        referral=referral, reply="已派员核查", replied_on=datetime.date(2026, 10, 20), by=department
    )
    on_time = record(world.own_institution, district, description="厨房燃气报警器失效", category="food")

    book = read(excel.three_lists_workbook(Hazard.objects.filter(pk__in=[hazard.pk, on_time.pk])))
    hazards, rectification, responsibility = (
        {row["编号"]: row for row in sheet_rows(book[name])} for name in ("隐患清单", "整改清单", "责任清单")
    )
    row = hazards[hazard.code]
    assert row["所属区域"] == "铁东区"
    assert row["机构名称"] == "铁东区测试养老院"
    assert row["隐患类别"] == choice_label(CATEGORIES, "fire")
    assert row["隐患等级"] == choice_label(Severity, Severity.MAJOR)
    assert row["发现日期"] == datetime.datetime(2026, 10, 8)  # a real date cell
    assert row["重大火灾隐患"] == "是（鞍山市消防救援支队，2026-10-12）"
    assert row["挂牌督办"] == "是（鞍山市人民政府，2026-10-15）"
    assert hazards[on_time.code]["重大火灾隐患"] == "否"
    assert hazards[on_time.code]["挂牌督办"] == "否"

    row = rectification[hazard.code]
    assert row["整改时限"] == datetime.datetime(2026, 11, 20)
    assert row["原定时限"] == datetime.datetime(2026, 11, 10)  # shown because it was extended
    assert row["是否逾期"] == "是"
    assert row["整改状态"] == choice_label(Status, Status.PENDING)
    assert rectification[on_time.code]["原定时限"] is None
    assert rectification[on_time.code]["是否逾期"] == "否"
    sheet = book["整改清单"]
    deadline_cell = next(c for c in sheet["E"][2:] if c.value == datetime.datetime(2026, 11, 20))
    assert deadline_cell.number_format == "yyyy-mm-dd"

    row = responsibility[hazard.code]
    assert row["责任单位"] == "铁东区测试养老院"
    assert row["责任人"] == "刘建华"
    assert row["督办单位"] == "鞍山市人民政府"
    assert row["告知部门"] == choice_label(Department, Department.HOUSING)
    assert row["告知日期"] == datetime.datetime(2026, 10, 16)
    assert row["部门回复"] == "已派员核查（2026-10-20）"
    assert responsibility[on_time.code]["告知部门"] is None


def test_the_export_holds_the_filtered_set_only(world, district, district_client):
    fire = record(world.own_institution, district, category="fire")
    food = record(world.own_institution, district, category="food", description="后厨生熟不分")
    book = read(export(district_client, category="food"))
    for name in ("隐患清单", "整改清单", "责任清单"):
        assert [row["编号"] for row in sheet_rows(book[name])] == [food.code]
    book = read(export(district_client))
    assert {row["编号"] for row in sheet_rows(book["隐患清单"])} == {fire.code, food.code}


def test_the_export_is_scoped_to_the_viewer(world, district, client):
    own = record(world.own_institution, district)
    tiexi_user = world.users["other_district"]
    theirs = record(world.other_institution, tiexi_user, description="铁西区的隐患")
    referred = record(world.own_institution, district, description="楼梯间墙体裂缝")
    services.referral_create(
        hazard=referred,
        department="housing",
        referred_on=referred.found_on,
        note="",
        notice=notice(),
        by=district,
    )

    def codes(user):
        client.force_login(user)
        return {row["编号"] for row in sheet_rows(read(export(client))["隐患清单"])}

    assert codes(tiexi_user) == {theirs.code}
    assert codes(world.users["department"]) == {referred.code}
    assert codes(world.users["city"]) == {own.code, theirs.code, referred.code}
    assert codes(district) == {own.code, referred.code}
    client.force_login(world.users["institution"])
    assert client.get(reverse("hazards:export")).status_code == 403


# The pages ------------------------------------------------------------------------------------------


@pytest.mark.parametrize("kind", sorted(LISTS))
def test_each_list_page_shows_its_columns_and_keeps_the_filters_in_the_tabs(
    world, district, district_client, kind
):
    hazard = record(world.own_institution, district, category="food", description="后厨生熟不分")
    record(world.own_institution, district, category="fire")
    response = district_client.get(reverse("hazards:lists", args=[kind]), {"category": "food"})
    assert response.status_code == 200
    page = response.content.decode()
    for column in LISTS[kind].columns:
        # the region only for readers who see several regions (a district clerk sees one)
        shown = column.key != "region"
        assert (f'data-column="{column.key}"' in page) is shown, column.key
    assert page.count('data-testid="three-list-row"') == 1
    assert hazard.code in page
    for other in LISTS:
        assert f'href="{reverse("hazards:lists", args=[other])}?category=food"' in page
    assert f'href="{reverse("hazards:export")}?category=food"' in page


def test_the_lists_refuse_unknown_lists_and_institution_users(world, client, district_client):
    assert district_client.get(reverse("hazards:lists", args=["everything"])).status_code == 404
    client.force_login(world.users["institution"])
    assert client.get(reverse("hazards:lists", args=["hazards"])).status_code == 403


def test_a_department_sees_only_the_hazards_referred_to_it(world, district, client):
    record(world.own_institution, district, description="未告知的隐患")
    referred = record(world.own_institution, district, description="楼梯间墙体裂缝")
    services.referral_create(
        hazard=referred,
        department="housing",
        referred_on=referred.found_on,
        note="",
        notice=notice(),
        by=district,
    )
    client.force_login(world.users["department"])
    page = client.get(reverse("hazards:lists", args=["responsibility"])).content.decode()
    assert "楼梯间墙体裂缝" in page
    assert "未告知的隐患" not in page


def _populate(world, district, count, start):
    department = world.users["department"]
    for n in range(start, start + count):
        hazard = record(world.own_institution, district, description=f"隐患{n}")
        if n % 3 == 0:
            referral = services.referral_create(
                hazard=hazard,
                department="housing",
                referred_on=hazard.found_on,
                note="",
                notice=notice(),
                by=district,
            )
            services.referral_reply(
                referral=referral, reply="已处理", replied_on=hazard.found_on, by=department
            )
        if n % 4 == 0:
            advance(hazard, Status.CLOSED, district=district)


def test_the_list_pages_take_the_same_number_of_queries_for_5_and_60_hazards(
    world, district, district_client
):
    def queries(kind):
        with CaptureQueriesContext(connection) as context:
            response = district_client.get(reverse("hazards:lists", args=[kind]), {"ordering": "code"})
        assert response.status_code == 200
        return len(context.captured_queries)

    _populate(world, district, 5, 0)
    few = {kind: queries(kind) for kind in LISTS}
    _populate(world, district, 55, 5)
    assert Hazard.objects.count() == 60
    many = {kind: queries(kind) for kind in LISTS}
    assert many == few


def test_the_export_takes_the_same_number_of_queries_for_5_and_60_hazards(world, district):
    def queries():
        with CaptureQueriesContext(connection) as context:
            excel.three_lists_workbook(Hazard.objects.all())
        return len(context.captured_queries)

    _populate(world, district, 5, 0)
    few = queries()
    _populate(world, district, 55, 5)
    assert queries() == few <= 3


# Import: the template ------------------------------------------------------------------------------


def test_the_template_has_instructions_and_dropdowns(world, district_client):
    response = district_client.get(reverse("hazards:import_template"))
    assert response.status_code == 200
    book = read(response.content)
    assert book.sheetnames == ["隐患台账", "填写说明", "选项"]
    sheet = book["隐患台账"]
    assert [cell.value for cell in sheet[1]] == HEADERS
    assert HEADERS == [
        "编号",
        "统一社会信用代码",
        "所属区域",
        "机构名称",
        "隐患类别",
        "隐患等级",
        "隐患来源",
        "隐患描述",
        "发现日期",
        "整改措施",
        "责任单位",
        "责任人",
        "联系电话",
        "整改时限",
        "整改状态",
        "重大火灾隐患",
        "认定单位",
        "认定日期",
        "挂牌督办",
        "督办单位",
    ]
    assert sheet.freeze_panes == "A2"
    validated = {str(v.sqref).split(":")[0] for v in sheet.data_validations.dataValidation}
    letters = {column.field: chr(ord("A") + i) for i, column in enumerate(excel.COLUMNS)}
    for name in ("category", "severity", "source", "status", "is_major_fire", "is_listed", "region"):
        assert f"{letters[name]}2" in validated
    options = book["选项"]
    assert [c.value for c in options[letters["category"]][1:] if c.value] == [
        choice_label(CATEGORIES, value) for value, _label in CATEGORIES
    ]
    assert [c.value for c in options[letters["region"]][1:] if c.value] == ["铁东区"]
    instructions = " ".join(str(c.value) for c in book["填写说明"]["A"] if c.value)
    assert "风险隐患整治工作台账导入说明" in instructions


def test_only_district_staff_import(world, client):
    for role in ("city", "department", "institution", "admin"):
        client.force_login(world.users[role])
        assert client.get(reverse("hazards:import")).status_code == 403
        assert client.get(reverse("hazards:import_template")).status_code == 403


# Import: checking ------------------------------------------------------------------------------------


def ledger_row(**values) -> dict:
    """A valid row of 铁东区测试养老院, found by region and name."""
    cells = {
        "region": "铁东区",
        "institution": "铁东区测试养老院",
        "category": choice_label(CATEGORIES, "fire"),
        "severity": choice_label(Severity, Severity.GENERAL),
        "source": choice_label(Source, Source.SURVEY),
        "description": "二楼疏散通道堆放杂物",
        "found_on": datetime.date(2026, 9, 1),
        "measures": "清理杂物",
        "responsible_unit": "铁东区测试养老院",
        "responsible_person": "刘建华",
        "responsible_phone": "13841200000",
        "deadline": datetime.date(2026, 12, 31),
    }
    cells.update(values)
    return cells


def ledger(*rows: dict, headers=None) -> bytes:
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


def upload(client, data: bytes, name="铁东区隐患台账.xlsx"):
    return client.post(
        reverse("hazards:import"),
        with_token(client, {"file": SimpleUploadedFile(name, data, content_type=XLSX)}),
    )


def uploaded_batch(response) -> ImportBatch:
    assert response.status_code == 302, response.content.decode()[:3000]
    return ImportBatch.objects.get(pk=int(re.search(r"/import/(\d+)/", response["Location"]).group(1)))


def test_each_problem_is_reported_with_its_row_and_column(world, district):
    tiexi = world.regions["210303"]
    coded_tiexi = valid_institution(tiexi, "铁西区幸福养老院")
    data = ledger(
        ledger_row(),  # 2: good
        ledger_row(description="隐患3", found_on="去年九月"),  # 3
        ledger_row(description="隐患4", institution="铁东区不存在养老院"),  # 4
        ledger_row(
            description="隐患5", region="铁西区", institution="铁西区测试养老院"
        ),  # 5: another district's
        ledger_row(description="隐患6", region="", institution="", credit_code=coded_tiexi.credit_code),  # 6
        ledger_row(description="隐患7", deadline=datetime.date(2026, 8, 1)),  # 7: before the day it was found
        ledger_row(description="隐患8", category="煤气中毒"),  # 8
        ledger_row(description="", is_major_fire="是"),  # 9: no description; major without determination
        ledger_row(description="隐患10", is_listed="是"),  # 10: listed without a supervising body
    )
    result = excel.check_workbook(data, district)
    found = problems_by_place(result)
    assert set(found) == {
        (3, "found_on"),
        (4, "institution"),
        (5, "institution"),
        (6, "credit_code"),
        (7, "deadline"),
        (8, "category"),
        (9, "description"),
        (9, "major_determined_by"),
        (9, "major_determined_on"),
        (10, "listed_by"),
    }
    assert all(p["column"] == excel.BY_FIELD[p["field"]].header for p in result.problems)
    assert found[(3, "found_on")]["code"] == "invalid_date"
    assert found[(4, "institution")]["code"] == "unknown_institution"
    assert found[(5, "institution")]["code"] == "outside_area"
    assert found[(6, "credit_code")]["code"] == "outside_area"
    assert found[(8, "category")]["code"] == "invalid_choice"
    assert found[(9, "description")]["code"] == "blank"
    # Each problem reads as one sentence naming its row and its (Chinese) column.
    text = found[(7, "deadline")]["text"]
    assert "7" in text and "整改时限" in text
    assert found[(7, "deadline")]["message"] in text
    assert [p["row"] for p in result.problems] == sorted(p["row"] for p in result.problems)
    assert result.counts == {"create": 1, "update": 0, "unchanged": 0}
    assert not Hazard.objects.exists()  # a check writes nothing
    assert not HazardEvent.objects.exists()


def test_problems_are_in_chinese_for_a_chinese_reader(world, district):
    from django.utils import translation

    with translation.override("zh-hans"):
        result = excel.check_workbook(ledger(ledger_row(deadline=datetime.date(2026, 8, 1))), district)
    (problem,) = result.problems
    assert problem["column"] == "整改时限"
    assert problem["row"] == 2  # the first data row
    with translation.override("zh-hans"):
        expected = translation.gettext("The deadline cannot be earlier than the day the hazard was found.")
    assert problem["message"] == expected


def test_file_level_problems_are_refused_with_a_message(world, district_client):
    response = upload(district_client, b"not a workbook", name="台账.xlsx")
    assert response.status_code == 200
    assert 'data-testid="upload-errors"' in response.content.decode()
    response = upload(district_client, ledger(ledger_row(), headers=[*HEADERS[:-1], "备注"]))
    assert response.status_code == 200
    assert "督办单位" in response.content.decode()  # the missing column is named
    assert not ImportBatch.objects.exists()


def test_a_file_without_numbers_column_is_accepted(world, district):
    book = Workbook()
    sheet = book.active
    sheet.append(HEADERS[1:])
    sheet.append([ledger_row().get(name) for name in FIELDS[1:]])
    output = io.BytesIO()
    book.save(output)
    result = excel.check_workbook(output.getvalue(), district)
    assert result.problems == []
    assert result.counts["create"] == 1


def test_institutions_are_found_by_credit_code_and_consortium_branches_by_name(world, district):
    tiedong = world.regions["210302"]
    head = valid_institution(tiedong, "铁东区中心敬老院")
    Institution.objects.create(
        name="铁东区中心敬老院分院",
        region=tiedong,
        credit_code=head.credit_code,
        parent=head,
        is_special_hardship=True,
        legal_person_status=LegalPersonStatus.BRANCH,
        nature="public",
        registration_form="public_institution",
        filing_status="filed",
        filed_on=datetime.date(2020, 1, 1),
    )
    single = valid_institution(tiedong, "铁东区康宁养老院")
    data = ledger(
        ledger_row(region="", institution="", credit_code=single.credit_code),  # 2: code alone
        ledger_row(region="", institution="铁东区中心敬老院分院", credit_code=head.credit_code),  # 3
        ledger_row(region="", institution="", credit_code=head.credit_code),  # 4: which of the two?
        ledger_row(
            region="铁西区", institution="", credit_code=single.credit_code, description="另一隐患"
        ),  # 5
    )
    result = excel.check_workbook(data, district)
    assert set(problems_by_place(result)) == {(4, "institution"), (5, "region")}
    assert problems_by_place(result)[(4, "institution")]["code"] == "ambiguous_institution"
    assert [entry["institution"] for entry in result.plan] == ["铁东区康宁养老院", "铁东区中心敬老院分院"]


# Import: applying ------------------------------------------------------------------------------------


def test_nothing_is_saved_when_one_row_is_bad(world, district_client):
    batch = uploaded_batch(upload(district_client, ledger(ledger_row(), ledger_row(found_on="昨天"))))
    assert batch.kind == ImportBatch.Kind.HAZARDS
    assert batch.region == world.regions["210302"]
    page = district_client.get(reverse("hazards:import_preview", args=[batch.pk])).content.decode()
    assert 'data-testid="import-problems"' in page
    assert "发现日期" in page
    assert 'data-testid="apply-button"' not in page
    response = district_client.post(
        reverse("hazards:import_apply", args=[batch.pk]), with_token(district_client)
    )
    assert response.status_code == 302
    assert response["Location"] == reverse("hazards:import_preview", args=[batch.pk])
    assert not Hazard.objects.exists()
    batch.refresh_from_db()
    assert batch.status == ImportBatch.Status.PREVIEW


def test_applying_creates_the_hazards_with_their_events(world, district, district_client):
    data = ledger(
        ledger_row(),
        ledger_row(description="厨房燃气软管老化", category=choice_label(CATEGORIES, "food"), severity=""),
        ledger_row(
            code="210302-2025-0042",
            description="消防控制室无人值守",
            found_on=datetime.date(2025, 3, 1),
            deadline=datetime.date(2025, 4, 1),
            status=choice_label(Status, Status.CLOSED),
            is_major_fire="是",
            major_determined_by="鞍山市消防救援支队",
            major_determined_on=datetime.date(2025, 3, 5),
            is_listed="是",
            listed_by="铁东区人民政府",
        ),
    )
    batch = uploaded_batch(upload(district_client, data))
    assert batch.errors == []
    assert batch.summary["counts"] == {"create": 3, "update": 0, "unchanged": 0}
    page = district_client.get(reverse("hazards:import_preview", args=[batch.pk])).content.decode()
    assert 'data-testid="apply-button"' in page
    assert not Hazard.objects.exists()  # the check was rolled back

    response = district_client.post(
        reverse("hazards:import_apply", args=[batch.pk]), with_token(district_client)
    )
    assert response.status_code == 302
    assert response["Location"] == reverse("hazards:list")
    batch.refresh_from_db()
    assert batch.status == ImportBatch.Status.APPLIED
    hazards = {h.description: h for h in Hazard.objects.all()}
    assert len(hazards) == 3
    historic = hazards["消防控制室无人值守"]
    assert historic.code == "210302-2025-0042"
    assert historic.status == Status.CLOSED
    assert historic.closed_on is None
    assert historic.is_major_fire and historic.listed_by == "铁东区人民政府"
    fresh = hazards["二楼疏散通道堆放杂物"]
    assert fresh.code == "210302-2026-0001"
    assert hazards["厨房燃气软管老化"].code == "210302-2026-0002"
    assert hazards["厨房燃气软管老化"].severity == Severity.GENERAL
    assert fresh.status == Status.PENDING
    assert fresh.created_by == district
    assert fresh.region == world.regions["210302"]
    assert fresh.original_deadline == fresh.deadline == datetime.date(2026, 12, 31)
    assert fresh.version == 1
    for hazard in hazards.values():
        (event,) = hazard.events.all()
        assert event.action == HazardEvent.Action.IMPORT
        assert event.to_status == hazard.status
        assert event.by == district
        assert "铁东区隐患台账.xlsx" in event.note
        assert hazard.history.count() == 1
        assert hazard.history.first().history_user == district


def test_reimporting_the_same_file_writes_nothing(world, district, district_client):
    existing = record(world.own_institution, district, description="配电箱周围堆放可燃物")
    data = ledger(
        ledger_row(),
        ledger_row(code="210302-2025-0042", description="消防控制室无人值守"),
        ledger_row(  # the portal's own hazard, by its number, as it stands
            code=existing.code,
            description=existing.description,
            found_on=existing.found_on,
            deadline=existing.deadline,
            measures=existing.measures,
            responsible_unit=existing.responsible_unit,
            responsible_person=existing.responsible_person,
            responsible_phone=existing.responsible_phone,
            source=choice_label(Source, existing.source),
        ),
    )
    batch = uploaded_batch(upload(district_client, data))
    assert batch.summary["counts"] == {"create": 2, "update": 0, "unchanged": 1}
    district_client.post(reverse("hazards:import_apply", args=[batch.pk]), with_token(district_client))

    def state():
        return (
            sorted(Hazard.objects.values_list("pk", "version", "updated_at")),
            Hazard.history.count(),
            HazardEvent.objects.count(),
            DeadlineChange.objects.count(),
        )

    before = state()
    again = uploaded_batch(upload(district_client, data))
    assert again.errors == []
    assert again.summary["counts"] == {"create": 0, "update": 0, "unchanged": 3}
    page = district_client.get(reverse("hazards:import_preview", args=[again.pk])).content.decode()
    assert 'role="status"' in page  # "this same file was already imported on ..."
    response = district_client.post(
        reverse("hazards:import_apply", args=[again.pk]), with_token(district_client)
    )
    assert response.status_code == 302
    assert state() == before


def test_a_changed_deadline_on_reimport_is_a_recorded_deadline_change(world, district, district_client):
    first = ledger(ledger_row(), ledger_row(description="厨房燃气软管老化"))
    batch = uploaded_batch(upload(district_client, first))
    district_client.post(reverse("hazards:import_apply", args=[batch.pk]), with_token(district_client))
    hazard = Hazard.objects.get(description="二楼疏散通道堆放杂物")
    events = HazardEvent.objects.count()

    changed = ledger(
        ledger_row(deadline=datetime.date(2027, 1, 31), measures="清理杂物，加装防火门"),
        ledger_row(description="厨房燃气软管老化"),
    )
    batch = uploaded_batch(upload(district_client, changed, name="铁东区隐患台账（更新）.xlsx"))
    assert batch.summary["counts"] == {"create": 0, "update": 1, "unchanged": 1}
    (entry,) = [e for e in batch.summary["plan"] if e["action"] == "update"]
    assert entry["changes"] == ["整改措施", "整改时限"]
    assert entry["code"] == hazard.code
    assert not DeadlineChange.objects.exists()  # the check wrote nothing
    district_client.post(reverse("hazards:import_apply", args=[batch.pk]), with_token(district_client))

    hazard.refresh_from_db()
    assert hazard.deadline == datetime.date(2027, 1, 31)
    assert hazard.original_deadline == datetime.date(2026, 12, 31)
    assert hazard.version == 2
    (change,) = DeadlineChange.objects.filter(hazard=hazard)
    assert (change.old_deadline, change.new_deadline) == (
        datetime.date(2026, 12, 31),
        datetime.date(2027, 1, 31),
    )
    assert "铁东区隐患台账（更新）.xlsx" in change.reason
    assert change.changed_by == district
    assert HazardEvent.objects.count() == events + 1
    event = hazard.events.last()
    assert event.action == HazardEvent.Action.IMPORT
    assert "整改时限" in event.note
    assert hazard.history.first().history_user == district


def test_numbers_of_other_areas_and_closed_hazards_are_not_changed_by_an_import(world, district):
    tiexi_user = world.users["other_district"]
    theirs = record(world.other_institution, tiexi_user)
    closed = advance(
        record(world.own_institution, district, description="已销号的隐患"), Status.CLOSED, district=district
    )
    open_ = record(world.own_institution, district, description="尚未整改的隐患")

    def same_as(hazard, **values):
        fields = ("description", "found_on", "deadline", "measures", "responsible_unit", "responsible_person")
        cells = {name: getattr(hazard, name) for name in (*fields, "responsible_phone")}
        return ledger_row(code=hazard.code, **{**cells, **values})

    data = ledger(
        ledger_row(code=theirs.code),  # 2
        same_as(closed, measures="改了措施"),  # 3
        same_as(open_, status=choice_label(Status, Status.CLOSED)),  # 4
        same_as(open_, status=choice_label(Status, Status.IN_PROGRESS)),  # 5: same hazard as row 4
    )
    result = excel.check_workbook(data, district)
    found = problems_by_place(result)
    assert found[(2, "code")]["code"] == "outside_area"
    assert found[(3, "")]["code"] == "closed"
    assert found[(4, "status")]["code"] == "close_by_import"
    assert found[(5, "code")]["code"] == "duplicate_in_file"
    assert result.plan == []
    # A closed hazard as it stands (a historic ledger imported again) is simply unchanged.
    result = excel.check_workbook(ledger(same_as(closed), same_as(open_)), district)
    assert result.problems == []
    assert [e["action"] for e in result.plan] == ["unchanged", "unchanged"]


def test_a_number_of_another_district_is_refused_alike_whether_it_exists_or_not(world, district):
    """A number in the portal's form carrying another district's division code is refused with one
    sentence, whether a hazard holds it or not: the answer tells nothing about another ledger, and a
    district cannot start numbering in another's series (which would then refuse that district's
    own numbers)."""
    theirs = record(world.other_institution, world.users["other_district"])
    unused = f"{theirs.code[:12]}0500"  # 铁西区's series, not taken
    data = ledger(
        ledger_row(code=theirs.code),  # 2
        ledger_row(code=unused, description="另一处隐患"),  # 3
        ledger_row(code="210202-2026-0001", description="第三处隐患"),  # 4: 大连 中山区, another city
        ledger_row(code="999999-2026-0001", description="第四处隐患"),  # 5: no such division
    )
    found = problems_by_place(excel.check_workbook(data, district))
    messages = []
    for row, code in ((2, theirs.code), (3, unused), (4, "210202-2026-0001"), (5, "999999-2026-0001")):
        problem = found[(row, "code")]
        assert problem["code"] == "outside_area", problem
        messages.append(problem["message"].replace(code, "#").replace(code[:6], "$"))
    assert len(set(messages)) == 1, messages
    assert "区县只能导入本辖区台账的编号" in messages[0]
    assert not Hazard.objects.filter(code=unused).exists()


def test_numbering_continues_past_9999(world, district, district_client):
    """An imported ledger that reached 9999 (or a district's high own serial): the portal numbers
    the next hazard 10000, then 10001, never a number already taken."""
    response = upload(district_client, ledger(ledger_row(code="210302-2026-9999")))
    batch = uploaded_batch(response)
    district_client.post(reverse("hazards:import_apply", args=[batch.pk]), with_token(district_client))
    assert Hazard.objects.filter(code="210302-2026-9999").exists()
    first = record(world.own_institution, district, found_on=datetime.date(2026, 10, 1), description="甲")
    second = record(world.own_institution, district, found_on=datetime.date(2026, 10, 2), description="乙")
    assert (first.code, second.code) == ("210302-2026-10000", "210302-2026-10001")


def test_the_same_hazard_twice_in_a_file_is_a_problem(world, district):
    result = excel.check_workbook(ledger(ledger_row(), ledger_row(measures="另一种措施")), district)
    assert problems_by_place(result)[(3, "description")]["code"] == "duplicate_in_file"


def test_a_new_number_for_a_hazard_already_in_the_ledger_is_a_problem(world, district):
    existing = record(
        world.own_institution,
        district,
        found_on=datetime.date(2026, 9, 1),
        description="二楼疏散通道堆放杂物",
    )
    result = excel.check_workbook(ledger(ledger_row(code="TD-2026-001")), district)
    problem = problems_by_place(result)[(2, "code")]
    assert problem["code"] == "already_recorded"
    assert existing.code in problem["message"]


def test_a_batch_belongs_to_its_uploader(world, district_client, client):
    batch = uploaded_batch(upload(district_client, ledger(ledger_row())))
    colleague = make_user("tiedong2", "district", region=world.regions["210302"])
    client.force_login(colleague)
    assert client.get(reverse("hazards:import_preview", args=[batch.pk])).status_code == 404
    client.force_login(world.users["other_district"])
    assert (
        client.post(reverse("hazards:import_apply", args=[batch.pk]), with_token(client)).status_code == 404
    )
    assert not Hazard.objects.exists()


def test_a_title_row_above_the_header_and_blank_required_cells(world, district):
    book = Workbook()
    sheet = book.active
    sheet.append(["铁东区风险隐患整治工作台账"])
    sheet.append(HEADERS)
    sheet.append([ledger_row(found_on=None, category=None).get(name) for name in FIELDS])
    output = io.BytesIO()
    book.save(output)
    found = problems_by_place(excel.check_workbook(output.getvalue(), district))
    assert set(found) == {(3, "found_on"), (3, "category")}
    assert {problem["code"] for problem in found.values()} == {"blank"}


def test_each_page_column_reads_in_chinese_exactly_as_the_sheet_header():
    from django.utils import translation

    from hazards.three_lists import LISTS

    with translation.override("zh-hans"):
        for three_list in LISTS.values():
            assert str(three_list.title) == three_list.sheet
            for column in three_list.columns:
                assert str(column.label) == column.header, (three_list.sheet, column.header)
