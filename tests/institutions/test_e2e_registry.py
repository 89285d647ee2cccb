"""In a real browser: a district clerk edits an institution; an institution reports, the district accepts."""

import pytest
from playwright.sync_api import Page, expect

from institutions.models import Institution
from tests.conftest import PASSWORD
from tests.institutions.factories import valid_institution

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


def login(page: Page, live_server, username: str) -> None:
    page.context.clear_cookies()
    page.goto(f"{live_server.url}/accounts/login/")
    page.fill("#id_username", username)
    page.fill("#id_password", PASSWORD)
    page.click("button[type=submit]")
    expect(page.get_by_test_id("user-menu")).to_be_visible()


def test_district_user_filters_the_registry_and_edits_an_institution(
    live_server, world, page: Page, artifacts
):
    institution = valid_institution(world.regions["210302"], "铁东区幸福养老院")
    valid_institution(world.regions["210302"], "铁东区公办福利院", nature="public")
    login(page, live_server, "tiedong")
    page.goto(f"{live_server.url}/institutions/")
    page.select_option("#id_nature", "private")
    expect(page.get_by_test_id("institution-table")).not_to_contain_text("铁东区公办福利院")
    page.screenshot(path=artifacts / "institution-list.png", full_page=True)
    page.get_by_role("link", name="铁东区幸福养老院").click()
    page.locator("a[href$='/edit/']").click()
    page.fill("#id_beds", "150")
    page.fill("#id_nursing_beds", "90")
    page.screenshot(path=artifacts / "institution-form.png", full_page=True)
    page.locator("form[data-testid=institution-form] button[type=submit]").click()
    expect(page.get_by_test_id("history")).to_contain_text("李秀梅")
    expect(page.get_by_test_id("history")).to_contain_text("150")
    page.screenshot(path=artifacts / "institution-detail.png", full_page=True)
    institution.refresh_from_db()
    assert (institution.beds, institution.nursing_beds) == (150, 90)


def test_institution_reports_and_the_district_accepts(live_server, world, page: Page, artifacts):
    home = valid_institution(world.regions["210302"], "铁东区康乐老年公寓")
    user = world.users["institution"]
    user.institution = home
    user.save()

    login(page, live_server, "kangle")
    page.goto(f"{live_server.url}/institutions/self-report/")
    page.fill("#id_residents", "66")
    page.check("#id_ext_meal")
    page.locator("button[name=submit]").click()
    expect(page.get_by_test_id("submitted")).to_be_visible()
    assert Institution.objects.get(pk=home.pk).residents == 60

    login(page, live_server, "tiedong")
    page.goto(f"{live_server.url}/institutions/self-reports/")
    page.locator("a[href*='/self-reports/']").filter(has_text="").last.click()
    expect(page.locator("tr[data-changed]")).to_have_count(2)
    page.screenshot(path=artifacts / "self-report-review.png", full_page=True)
    page.locator("form[action$='/accept/'] button").click()
    expect(page.locator(".alert-success")).to_be_visible()
    home.refresh_from_db()
    assert home.residents == 66 and home.ext_meal
