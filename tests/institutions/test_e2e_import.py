"""In a real browser: a district clerk uploads a workbook with mistakes, reads the problems by row
and column, fixes the file, uploads it again, imports it and finds the institutions in the list."""

import datetime

import pytest
from django.urls import reverse
from openpyxl import Workbook
from playwright.sync_api import Page, expect

from institutions import excel, uscc
from institutions.models import FilingStatus, Institution, Nature, RegistrationForm
from tests.conftest import PASSWORD

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

NAMES = ["铁东区晚晴养老院", "铁东区福寿老年公寓", "铁东区康宁护理院"]


@pytest.fixture(autouse=True)
def media(settings, tmp_path):
    settings.MEDIA_ROOT = tmp_path / "media"


def write_workbook(path, rows: list[dict]):
    book = Workbook()
    sheet = book.active
    sheet.title = excel.SHEET
    sheet.append([column.header for column in excel.COLUMNS])
    for cells in rows:
        sheet.append([cells.get(column.field) for column in excel.COLUMNS])
    book.save(path)
    return path


def rows(*, fixed: bool) -> list[dict]:
    common = {
        "region": "铁东区",
        "nature": excel.choice_label(Nature, Nature.PRIVATE),
        "registration_form": excel.choice_label(RegistrationForm, RegistrationForm.SOCIAL_ORGANISATION),
        "filing_status": excel.choice_label(FilingStatus, FilingStatus.FILED),
        "filed_on": datetime.date(2020, 6, 1),
        "beds": 80,
        "nursing_beds": 30,
        "residents": 50,
    }
    codes = [uscc.generate(division="210302", body=f"MA0{n:06d}") for n in range(3)]
    made = [{**common, "name": name, "credit_code": code} for name, code in zip(NAMES, codes, strict=True)]
    if not fixed:
        made[0]["credit_code"] = codes[0][:-1] + ("0" if codes[0][-1] != "0" else "1")  # mistyped
        made[1]["nursing_beds"] = 120  # more nursing beds than beds
        made[2]["region"] = "铁西区"  # another district's institution
    return made


def test_district_clerk_fixes_a_workbook_and_imports_it(live_server, world, page: Page, artifacts, tmp_path):
    page.goto(f"{live_server.url}{reverse('accounts:login')}")
    page.get_by_label("用户名").fill("tiedong")
    page.get_by_label("密码").fill(PASSWORD)
    page.get_by_role("button", name="登录").click()
    expect(page.get_by_test_id("user-menu")).to_be_visible()

    page.goto(f"{live_server.url}{reverse('institutions:import')}")
    expect(page.get_by_test_id("template-link")).to_be_visible()
    not_a_workbook = tmp_path / "名单.xlsx"
    not_a_workbook.write_text("机构名称,所属区域\n铁东区晚晴养老院,铁东区\n", encoding="utf-8")
    page.locator("input[type=file]").set_input_files(not_a_workbook)
    page.get_by_test_id("import-upload-form").locator("button[type=submit]").click()
    expect(page.get_by_test_id("upload-errors")).to_be_visible()
    page.screenshot(path=artifacts / "import-upload-refused.png", full_page=True)

    page.locator("input[type=file]").set_input_files(
        write_workbook(tmp_path / "机构名单.xlsx", rows(fixed=False))
    )
    page.get_by_test_id("import-upload-form").locator("button[type=submit]").click()

    problems = page.get_by_test_id("import-problems")
    expect(problems).to_be_visible()
    expect(problems.locator("tbody tr")).to_have_count(3)
    for excel_row, header in ((2, "统一社会信用代码"), (3, "护理型床位数"), (4, "所属区域")):
        line = problems.locator(f"tbody tr[data-row='{excel_row}']")
        expect(line.locator("td").nth(0)).to_have_text(str(excel_row))
        expect(line.locator("td").nth(1)).to_have_text(header)
    expect(problems).to_contain_text("铁西区")
    expect(page.get_by_test_id("apply-button")).to_have_count(0)
    page.screenshot(path=artifacts / "import-preview-errors.png", full_page=True)
    assert not Institution.objects.filter(name__in=NAMES).exists()

    page.goto(f"{live_server.url}{reverse('institutions:import')}")
    page.locator("input[type=file]").set_input_files(
        write_workbook(tmp_path / "机构名单-改.xlsx", rows(fixed=True))
    )
    page.get_by_test_id("import-upload-form").locator("button[type=submit]").click()
    expect(page.get_by_test_id("count-create")).to_have_text("3")
    expect(page.get_by_test_id("import-problems")).to_have_count(0)
    page.screenshot(path=artifacts / "import-preview-ready.png", full_page=True)
    page.get_by_test_id("apply-button").click()

    expect(page).to_have_url(f"{live_server.url}{reverse('institutions:list')}")
    table = page.get_by_test_id("institution-table")
    for name in NAMES:
        expect(table).to_contain_text(name)
    assert Institution.objects.filter(name__in=NAMES, region=world.regions["210302"]).count() == 3
