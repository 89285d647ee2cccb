"""In a real browser: the session ends while the hazard list is open. A row step then takes the whole
page to the login page with a message (not a login form inside the table row), and after logging
in the clerk is back on the list. A step on a hazard that has meanwhile left the ledger shows one
sentence above the page and leaves the row as it was."""

import pytest
from django.contrib.sessions.models import Session
from django.utils import translation
from playwright.sync_api import Page, expect

from hazards import services
from hazards.models import Hazard
from tests.conftest import PASSWORD
from tests.hazards.factories import record
from tests.institutions.test_e2e_registry import login

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


def zh(text: str) -> str:
    with translation.override("zh-hans"):
        return translation.gettext(text)


@pytest.mark.parametrize("how", ["session flushed on the server", "session cookie gone"])
def test_a_row_step_after_the_session_ended_opens_the_login_page(
    live_server, world, page: Page, artifacts, how
):
    hazard = record(world.own_institution, world.users["district"], description="疏散通道堆放杂物")
    login(page, live_server, "tiedong")
    page.goto(f"{live_server.url}/hazards/?status=pending")
    row = page.locator(f"#hazard-{hazard.pk}")
    expect(row.get_by_test_id("step-start")).to_be_visible()

    if how == "session cookie gone":
        page.context.clear_cookies(name="sessionid")
    else:
        Session.objects.all().delete()
    row.get_by_test_id("step-start").click()

    page.wait_for_url("**/accounts/login/?next=*")
    assert page.url.endswith("/accounts/login/?next=%2Fhazards%2F%3Fstatus%3Dpending")
    expect(page.get_by_role("alert")).to_contain_text(zh("Your session has ended. Log in again to continue."))
    expect(page.locator("#id_username")).to_have_count(1)  # one login form: the page's own
    expect(page.locator("table")).to_have_count(0)  # not inside the hazard table
    page.screenshot(path=artifacts / "htmx-session-ended.png", full_page=True)
    hazard.refresh_from_db()
    assert hazard.status == "pending"  # the step was not taken

    page.fill("#id_username", "tiedong")
    page.fill("#id_password", PASSWORD)
    page.click("button[type=submit]")
    page.wait_for_url("**/hazards/?status=pending")
    expect(page.locator(f"#hazard-{hazard.pk}").get_by_test_id("step-start")).to_be_visible()


def test_a_row_step_on_a_hazard_gone_from_the_ledger_shows_one_sentence(live_server, world, page: Page):
    hazard = record(world.own_institution, world.users["district"], description="厨房燃气报警器失灵")
    login(page, live_server, "tiedong")
    page.goto(f"{live_server.url}/hazards/")
    row = page.locator(f"#hazard-{hazard.pk}")
    expect(row.get_by_test_id("step-start")).to_be_visible()

    # A colleague takes it off the ledger meanwhile: the step now answers 404.
    services.hazard_delete(hazard=hazard, reason="重复录入", by=world.users["district"])
    row.get_by_test_id("step-start").click()

    message = page.get_by_test_id("htmx-error")
    expect(message).to_have_text(
        zh("This record no longer exists or is not visible to you. Reload the page.")
    )
    expect(row).to_have_attribute("data-status", "pending")  # the row is left as it was
    expect(row.get_by_test_id("step-start")).to_be_visible()
    assert page.url == f"{live_server.url}/hazards/"
    assert Hazard.objects.get(pk=hazard.pk).status == "pending"
