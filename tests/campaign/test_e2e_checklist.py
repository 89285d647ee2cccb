"""In a real browser: a district answers an item with evidence and submits it; the city returns
it with a reason; the district resubmits; the city accepts; the matrix shows it accepted."""

import pytest
from playwright.sync_api import Page, expect

from tests.hazards.factories import PDF
from tests.institutions.test_e2e_registry import login

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


@pytest.mark.long
def test_an_item_from_answer_to_acceptance(live_server, world, page: Page, artifacts, settings, tmp_path):
    settings.MEDIA_ROOT = tmp_path
    login(page, live_server, "tiedong")
    page.goto(f"{live_server.url}/checklist/")
    page.screenshot(path=artifacts / "checklist.png", full_page=True)
    page.get_by_test_id("item-4").get_by_role("link").first.click()
    page.fill("#id_narrative", "全区8家养老机构均已对照GB 38600开展自查整改，5家达标。")
    page.fill("#id_value_compliant", "5/8")
    page.set_input_files(
        "#id_file", files=[{"name": "达标情况汇总.pdf", "mimeType": "application/pdf", "buffer": PDF}]
    )
    page.get_by_test_id("upload").click()
    expect(page.get_by_test_id("evidence")).to_contain_text("达标情况汇总.pdf")
    # the upload swapped only the evidence card: what was typed is still there
    expect(page.locator("#id_narrative")).to_have_value(
        "全区8家养老机构均已对照GB 38600开展自查整改，5家达标。"
    )
    page.get_by_test_id("submit").click()
    expect(page.get_by_text("已提交").first).to_be_visible()
    page.screenshot(path=artifacts / "checklist-answer.png", full_page=True)

    login(page, live_server, "city")
    page.goto(f"{live_server.url}/checklist/matrix/")
    page.locator("[data-testid=region-210302] td[data-status=submitted] a").click()
    page.fill("#id_reason", "请补充5家达标机构的名单")
    page.get_by_test_id("return").click()
    expect(page.get_by_text("已退回").first).to_be_visible()

    login(page, live_server, "tiedong")
    page.goto(f"{live_server.url}/checklist/items/4/")
    expect(page.get_by_test_id("return-reason")).to_contain_text("请补充5家达标机构的名单")
    page.fill("#id_narrative", "全区8家养老机构均已对照GB 38600开展自查整改，5家达标，名单附后。")
    page.get_by_test_id("submit").click()
    expect(page.get_by_text("已提交").first).to_be_visible()

    login(page, live_server, "city")
    page.goto(f"{live_server.url}/checklist/matrix/")
    page.locator("[data-testid=region-210302] td[data-status=submitted] a").click()
    expect(page.get_by_test_id("narrative")).to_contain_text("名单附后")
    # the registry holds 1 institution of 铁东区, not compliant: 0%（0/1） beside the declared 5/8
    expect(page.get_by_test_id("figures")).to_contain_text("0%（0/1）")
    expect(page.get_by_test_id("differs")).to_have_count(1)
    page.screenshot(path=artifacts / "checklist-review.png", full_page=True)
    page.get_by_test_id("accept").click()
    page.goto(f"{live_server.url}/checklist/matrix/")
    expect(page.locator("[data-testid=region-210302] td[data-status=accepted]")).to_have_count(1)
    expect(page.locator("[data-testid=region-210302] [data-testid=accepted-count]")).to_contain_text("1/")
    page.screenshot(path=artifacts / "checklist-matrix.png", full_page=True)
