"""In a real browser: the 铁东区 clerk uploads the national export, reads the dry run, opens the
待同步 list and adopts one row's national values (htmx: the row changes in place); screenshots
of the list at 390, 1280 and 1366 px, with no sideways scrolling."""

import pytest
from playwright.sync_api import Page, expect

from institutions.models import Institution
from tests.dashboards.test_work_browser import screenshots
from tests.institutions.test_e2e_registry import login
from tests.national.factories import export_bytes, export_rows, registry

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


def test_district_reconciles_and_adopts_a_row(live_server, world, page: Page, artifacts, tmp_path):
    made = registry(world)
    path = tmp_path / "金民工程导出.xlsx"
    path.write_bytes(export_bytes(export_rows(made, world)))
    login(page, live_server, "tiedong")
    page.goto(f"{live_server.url}/national/")
    screenshots(page, artifacts, "national-upload")
    page.get_by_test_id("national-upload").locator("input[type=file]").set_input_files(str(path))
    page.get_by_test_id("national-upload").locator("button[type=submit]").click()
    expect(page.get_by_test_id("national-counts").locator("[data-count=update]")).to_have_text("2")
    expect(page.get_by_test_id("national-counts").locator("[data-count=outside]")).to_have_text("2")
    screenshots(page, artifacts, "national-run")
    page.get_by_test_id("national-pending-link").click()
    rows = page.get_by_test_id("national-row")
    expect(rows).to_have_count(5)  # 2 differ, 1 new, 2 missing (缺失 and the world's 铁东区 institution)
    screenshots(page, artifacts, "national-pending")
    row = page.locator("[data-testid=national-row]", has_text="铁东区按名养老院")
    row.get_by_test_id("national-keep").click()
    expect(page.locator("[data-testid=national-row][data-state=national_to_fix]")).to_have_count(1)
    byname = Institution.objects.get(pk=made["byname"].pk)
    assert byname.credit_code == made["byname"].credit_code  # kept ours
