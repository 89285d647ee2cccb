"""The acceptance workbook (issue 14, item 1): its sheets and values as of a measuring date, its
scope, user text as text, and the city's workbook made by a background job for its asker only."""

import datetime
import io
from zoneinfo import ZoneInfo

import pytest
import time_machine
from django.core.files.base import ContentFile
from django.urls import reverse
from openpyxl import load_workbook

from campaign.models import AnswerEvent, ItemAnswer
from core import exports
from core.models import Evidence
from reports import workbook
from tests.hazards.factories import record
from tests.submissions import with_token
from tests.test_excel_formulas import assert_no_formula
from tests.test_url_sweep import get_writing_nothing

SHANGHAI = ZoneInfo("Asia/Shanghai")
AS_OF = "2020-10-31"
XLSX = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
SHA = "9f86d081884c7d659a2feaa0c55ad015a3bf4f1b2b0b822cd15d6c15b0f00a08"


def at(*args):
    return time_machine.travel(datetime.datetime(*args, tzinfo=SHANGHAI), tick=False)


def step(world, answer, action, note=""):
    answer.status = {"submit": "submitted", "return": "returned", "accept": "accepted", "reopen": "returned"}[
        action
    ]
    answer.save()
    AnswerEvent.objects.create(answer=answer, action=action, by=world.users["city"], note=note)


def answer(world, number, region, narrative="", values=None, *actions):
    item_answer = ItemAnswer.objects.create(
        item=world.campaign.items.get(number=number), region=region, narrative=narrative, values=values or {}
    )
    AnswerEvent.objects.create(answer=item_answer, action="save", by=world.users["district"])
    for action in actions:
        step(world, item_answer, action)
    return item_answer


@pytest.fixture
def answers(world):
    """铁东区: item 3 submitted in October with a declared figure and an evidence file, accepted on
    5 November (after the measuring date); item 1 returned with the city's reason; item 2's narrative
    looks like a formula. 铁西区: item 1 accepted in October."""
    tiedong, tiexi = world.regions["210302"], world.regions["210303"]
    with at(2020, 9, 10, 9):
        for n in range(2):
            record(
                world.own_institution,
                world.users["district"],
                description=f"铁东区隐患{n}",
                found_on=datetime.date(2020, 9, 10),
                deadline=datetime.date(2020, 9, 30),
            )
        record(
            world.other_institution,
            world.users["other_district"],
            description="铁西区的隐患",
            found_on=datetime.date(2020, 9, 10),
            deadline=datetime.date(2020, 9, 30),
        )
    with at(2020, 10, 20, 9):
        third = answer(world, 3, tiedong, "建立风险隐患整治台账，挂图作战。", {"found": "2"}, "submit")
        Evidence.objects.create(
            owner=third,
            purpose="answer",
            file=ContentFile(b"%PDF-1.4", name="tz.pdf"),
            original_name="隐患整治台账.pdf",
            mime_type="application/pdf",
            size=8,
            sha256=SHA,
            uploaded_by=world.users["district"],
        )
        first = answer(world, 1, tiedong, "制定了实施方案。", None, "submit")
        step(world, first, "return", note="请补充实施方案印发文件。")
        answer(world, 2, tiedong, "=1+1", None, "submit")
        answer(world, 4, tiedong, "@SUM(A1)", None)
        answer(world, 1, tiexi, "铁西区实施方案。", None, "submit", "accept")
    with at(2020, 11, 5, 9):
        step(world, third, "accept")
    return world


def book_of(content: bytes):
    return load_workbook(io.BytesIO(content))


def column_b(sheet) -> dict[int, str]:
    """{item number: column 2's text} of a unit's item sheet."""
    found = {}
    for first, second in sheet.iter_rows(min_row=4, max_col=2, values_only=True):
        number = int(first.split("、", 1)[0])
        found[number] = second
    return found


def get_unit_workbook(client, world, who, code="210302", as_of=AS_OF):
    client.force_login(world.users[who])
    url = reverse("reports:workbook_region", args=[world.regions[code].pk]) + f"?as_of={as_of}"
    response = get_writing_nothing(client, url)
    assert response.status_code == 200 and response["Content-Type"] == XLSX
    return response


def test_a_units_workbook_holds_its_sheets_items_and_answers_as_of_the_date(client, answers):
    world = answers
    response = get_unit_workbook(client, world, "district")
    assert "%E9%93%81%E4%B8%9C%E5%8C%BA" in response["Content-Disposition"]  # 铁东区…
    book = book_of(response.content)
    assert book.sheetnames == ["汇总", "铁东区", "指标", "隐患清单", "整改清单", "责任清单", "机构名单"]

    sheet = book["铁东区"]
    assert sheet["A1"].value == "2020年养老院服务质量建设调研检查重点工作项目"
    assert sheet["A2"].value == "单位：铁东区" and "2020年10月31日" in sheet["B2"].value
    assert [sheet["A3"].value, sheet["B3"].value] == ["调研检查重点工作项目", "各地落实及有关证明材料"]
    items = [item for item in world.campaign.items.order_by("number") if item.answered_by_county]
    assert [row[0] for row in sheet.iter_rows(min_row=4, max_col=1, values_only=True)] == [
        f"{item.number}、{item.text}" for item in items
    ]  # the items' text exactly as loaded from the seed

    answered = column_b(sheet)
    third = answered[3]
    assert "【状态】已提交" in third  # accepted on 5 November: not as of 31 October
    assert "建立风险隐患整治台账，挂图作战。" in third
    assert "发现的风险隐患：填报 2；系统计算 2" in third  # declared, and computed as of the date
    assert "隐患整治台账.pdf（SHA-256 9f86d081）" in third
    assert "【状态】已退回" in answered[1] and "请补充实施方案印发文件。" in answered[1]
    assert answered[5].startswith("【状态】未填报")

    summary = book["汇总"]
    header = [cell.value for cell in summary[2]]
    assert header[0] == "单位" and header[-1] == "已验收/应答项目"
    row = [cell.value for cell in summary[3]]
    assert row[0] == "铁东区" and row[-1] == f"0/{len(items)}"
    assert row[header.index("3")] == "已提交" and row[header.index("1")] == "已退回"

    indicators = book["指标"]
    assert [c.value for c in indicators[2]] == [
        "单位",
        "指标",
        "目标",
        "对应项目",
        "截止日期",
        "当前数值",
        "状态",
    ]
    assert {c.value for c in indicators["A"][2:]} == {"铁东区"}

    codes = {row[0] for row in book["隐患清单"].iter_rows(min_row=3, values_only=True)}
    descriptions = {row[6] for row in book["隐患清单"].iter_rows(min_row=3, values_only=True)}
    assert len(codes) == 2 and descriptions == {"铁东区隐患0", "铁东区隐患1"}
    names = {row[0] for row in book["机构名单"].iter_rows(min_row=3, values_only=True)}
    assert names == {"铁东区测试养老院"}


def test_today_the_acceptance_shows(client, answers):
    response = get_unit_workbook(client, answers, "city", as_of=datetime.date.today().isoformat())
    text = column_b(book_of(response.content)["铁东区"])[3]
    assert "【状态】已验收" in text


def test_user_text_that_looks_like_a_formula_stays_text(client, answers):
    response = get_unit_workbook(client, answers, "district", as_of=datetime.date.today().isoformat())
    book = assert_no_formula(response.content)
    answered = column_b(book["铁东区"])
    assert "【落实情况】=1+1" in answered[2] and "【落实情况】@SUM(A1)" in answered[4]


def test_the_item_sheet_is_print_ready(answers):
    plan = workbook.plan_for(
        answers.users["city"], answers.regions["210302"], answers.campaign, datetime.date(2020, 10, 31)
    )
    book = book_of(workbook.write_workbook(plan))
    sheet = book["铁东区"]
    assert sheet.page_setup.orientation == "portrait" and sheet.page_setup.paperSize == 9
    assert sheet.print_title_rows == "$2:$3" and sheet.freeze_panes == "A4"
    assert sheet.sheet_properties.pageSetUpPr.fitToPage and sheet.page_setup.fitToWidth == 1
    assert sheet.oddFooter.center.text == "第 &P 页 共 &N 页"
    # every wrapped row is as high as the lines its text takes at the column's width
    for number, row in enumerate(sheet.iter_rows(min_row=4, max_col=2), start=4):
        lines = workbook.text_lines(row[1].value, workbook.ITEM_WIDTHS[1], 10)
        assert sheet.row_dimensions[number].height >= lines * workbook.LINE_POINTS[10]
    for name in ("隐患清单", "机构名单", "汇总"):
        assert book[name].page_setup.orientation == "landscape", name
        assert book[name].auto_filter.ref, name


def test_text_lines_counts_wide_characters_twice():
    assert workbook.text_lines("", 10) == 1
    assert workbook.text_lines("一二三四", 9.5) == 1  # 8 units in 8 units of room
    assert workbook.text_lines("一二三四五", 9.5) == 2
    assert workbook.text_lines("abcdefghij", 9.5) == 2
    assert workbook.text_lines("一\n二", 40) == 2


def test_scope(client, answers):
    world = answers
    client.force_login(world.users["other_district"])
    tiedong = reverse("reports:workbook_region", args=[world.regions["210302"].pk])
    assert get_writing_nothing(client, tiedong).status_code == 404
    city = reverse("reports:workbook_region", args=[world.regions["210300"].pk])
    assert get_writing_nothing(client, city).status_code == 404
    client.force_login(world.users["city"])
    assert (
        get_writing_nothing(
            client, reverse("reports:workbook_region", args=[world.foreign_region.pk])
        ).status_code
        == 404
    )
    # the 铁西区 reader's own workbook holds 铁西区 only
    book = book_of(get_unit_workbook(client, world, "other_district", code="210303").content)
    assert "铁东区" not in book.sheetnames and [c.value for c in book["汇总"]["A"][2:3]] == ["铁西区"]
    assert {row[6] for row in book["隐患清单"].iter_rows(min_row=3, values_only=True)} == {"铁西区的隐患"}


@pytest.mark.parametrize("value", ["abc", "2999-01-01"])
def test_a_bad_measuring_date_is_refused_in_chinese(client, answers, value):
    client.force_login(answers.users["district"])
    url = reverse("reports:workbook_region", args=[answers.regions["210302"].pk]) + f"?as_of={value}"
    response = get_writing_nothing(client, url)
    assert response.status_code == 400
    assert 'data-testid="as-of-error"' in response.content.decode()


def test_the_city_workbook_is_a_job_for_its_asker_only(
    client, answers, eager, django_capture_on_commit_callbacks
):
    world = answers
    client.force_login(world.users["city"])
    url = reverse("reports:workbook_region", args=[world.regions["210300"].pk]) + f"?as_of={AS_OF}"
    offer = get_writing_nothing(client, url)
    assert offer.status_code == 200 and 'data-testid="export-large"' in offer.content.decode()

    with django_capture_on_commit_callbacks(execute=True):
        response = client.post(url, with_token(client))
    assert response.status_code == 302
    job_id = response["Location"].split("/")[2]
    job = exports.get_job(job_id)
    assert job["status"] == exports.DONE and job["done"] == job["total"] > 0
    download = reverse("core:export_download", args=[job_id])
    assert (
        f'href="{download}"'
        in get_writing_nothing(client, reverse("core:export_job", args=[job_id])).content.decode()
    )
    got = get_writing_nothing(client, download)
    assert got.status_code == 200 and got["Content-Type"] == XLSX
    book = book_of(b"".join(got.streaming_content))
    units = [c.value for c in book["汇总"]["A"][2:] if c.value and not c.value.startswith("说明")]
    assert units[:2] == ["铁东区", "铁西区"] and units[-1] == "鞍山市（市级）"
    assert column_b(book["铁西区"])[1].startswith("【状态】已验收")
    assert book["铁东区"]["A1"].value == "2020年养老院服务质量建设调研检查重点工作项目"
    city_items = [
        f"{i.number}、{i.text}" for i in world.campaign.items.order_by("number") if i.answered_by_city
    ]
    assert [
        r[0] for r in book["鞍山市（市级）"].iter_rows(min_row=4, max_col=1, values_only=True)
    ] == city_items
    assert len({row[0] for row in book["隐患清单"].iter_rows(min_row=3, values_only=True)}) == 3

    for other in ("district", "other_district", "admin", "department"):
        client.force_login(world.users[other])
        for name in ("core:export_job", "core:export_status", "core:export_download"):
            assert client.get(reverse(name, args=[job_id])).status_code == 404, (other, name)
