"""In a real browser, under the portal's Content-Security-Policy: the main pages, as the main roles,
with their htmx requests, raise no CSP violation; the behaviour that used to be inline handlers (the
language selector, the policy delete confirmation) still works; a PDF preview shows under its
sandboxed policy."""

import io

import pytest
from PIL import Image
from playwright.sync_api import Page, expect

from core import evidence as ev
from disclosure.models import SupportPolicy
from hazards.models import Hazard
from tests.disclosure import factories as disclosure_factories
from tests.hazards.factories import record
from tests.institutions.test_e2e_registry import login

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

# Runs before any page script (Playwright's init scripts are not subject to the page's CSP).
REPORT_VIOLATIONS = """
document.addEventListener("securitypolicyviolation", (event) => {
  console.error(`CSP-VIOLATION ${event.violatedDirective} ${event.blockedURI} ${event.sourceFile}:${event.lineNumber}`);
});
"""


@pytest.fixture
def violations(page: Page) -> list[str]:
    """Every CSP violation the pages report: the event (through the init script) and Chromium's own
    console message ("Refused to …")."""
    found: list[str] = []
    page.add_init_script(REPORT_VIOLATIONS)

    def on_console(message) -> None:
        text = message.text
        if "CSP-VIOLATION" in text or ("Refused to" in text and "Content Security Policy" in text):
            found.append(f"{page.url}: {text}")

    page.on("console", on_console)
    return found


def visit(page: Page, live_server, path: str) -> None:
    response = page.goto(f"{live_server.url}{path}")
    assert response is not None and response.status < 500, path
    assert "default-src 'self'" in (response.header_value("content-security-policy") or ""), path
    page.wait_for_load_state("networkidle")


@pytest.mark.long
def test_the_main_pages_raise_no_csp_violation(live_server, world, page: Page, violations):
    hazard = record(world.own_institution, world.users["district"], description="厨房燃气泄漏报警装置缺失")

    # Anonymous: the public pages and the login page.
    for path in ("/public/", "/public/210302/", "/accounts/login/"):
        visit(page, live_server, path)

    # The district clerk: home, registry (with its htmx filter), ledger, three lists, checklist,
    # an answer page, the summary report, the disclosure management page, a 404.
    login(page, live_server, "tiedong")
    for path in ("/", "/institutions/"):
        visit(page, live_server, path)
    with page.expect_response(lambda response: "/institutions/?" in response.url):
        page.select_option("#id_nature", "private")
    page.wait_for_load_state("networkidle")
    for path in (
        "/hazards/",
        "/hazards/lists/hazards/",
        "/hazards/lists/rectification/",
        "/hazards/lists/responsibility/",
        f"/hazards/{hazard.pk}/",
        "/checklist/",
        "/checklist/items/4/",
        "/reports/summary/",
        "/public/manage/210302/",
        "/institutions/999999/",
    ):
        visit(page, live_server, path)

    # The institution: an htmx row step in the ledger.
    login(page, live_server, "kangle")
    visit(page, live_server, "/hazards/")
    page.locator(f"#hazard-{hazard.pk}").get_by_test_id("step-start").click()
    expect(page.locator(f"#hazard-{hazard.pk}")).to_have_attribute("data-status", "in_progress")
    page.wait_for_load_state("networkidle")
    assert Hazard.objects.get(pk=hazard.pk).status == "in_progress"

    # The city and the administrator (Django's admin runs under the same policy).
    login(page, live_server, "city")
    for path in ("/", "/checklist/matrix/", "/institutions/"):
        visit(page, live_server, path)
    login(page, live_server, "admin")
    for path in (
        "/admin/",
        "/admin/institutions/institution/",
        f"/admin/accounts/user/{world.users['city'].pk}/change/",
    ):
        visit(page, live_server, path)

    assert violations == []


def test_the_listener_sees_what_the_policy_blocks(live_server, world, page: Page, violations):
    """The guard of the tests above: an inline style and an inline handler put into a page are
    blocked and reported."""
    visit(page, live_server, "/accounts/login/")
    page.evaluate(
        """document.body.insertAdjacentHTML("beforeend",
             '<p style="color: red">x</p><img src="/static/none.png" onerror="window.ran = 1">')"""
    )
    page.wait_for_timeout(500)
    assert page.evaluate("window.ran") is None
    assert any("style-src" in text for text in violations), violations
    assert any("script-src" in text for text in violations), violations


def test_the_language_switcher_works_without_inline_handlers(live_server, world, page: Page, violations):
    visit(page, live_server, "/accounts/login/")
    assert page.locator("html").get_attribute("lang") == "zh-hans"
    assert page.locator("#language-select").get_attribute("onchange") is None
    with page.expect_navigation():
        page.select_option("#language-select", "en")
    expect(page.locator("html")).to_have_attribute("lang", "en")
    expect(page.locator("#language-select")).to_have_value("en")
    with page.expect_navigation():
        page.select_option("#language-select", "zh-hans")
    expect(page.locator("html")).to_have_attribute("lang", "zh-hans")
    assert violations == []


def test_the_policy_delete_asks_first(live_server, world, page: Page, violations):
    policy = disclosure_factories.policy(world.regions["210302"], world.users["district"])
    login(page, live_server, "tiedong")
    visit(page, live_server, "/public/manage/210302/")
    asked: list[str] = []

    def answer(dialog, accept: bool) -> None:
        asked.append(dialog.message)
        dialog.accept() if accept else dialog.dismiss()

    page.once("dialog", lambda dialog: answer(dialog, False))
    page.get_by_test_id(f"delete-policy-{policy.pk}").click()
    page.wait_for_timeout(300)
    assert asked == ["确定从清单中删除这项政策吗？"]
    assert SupportPolicy.objects.filter(pk=policy.pk).exists()  # "Cancel" sent nothing

    page.once("dialog", lambda dialog: answer(dialog, True))
    with page.expect_navigation():
        page.get_by_test_id(f"delete-policy-{policy.pk}").click()
    assert asked == ["确定从清单中删除这项政策吗？"] * 2
    expect(page.get_by_test_id(f"delete-policy-{policy.pk}")).to_have_count(0)
    assert not SupportPolicy.objects.filter(pk=policy.pk).exists()
    assert violations == []


def test_a_pdf_preview_shows_under_its_sandboxed_policy(live_server, world, page: Page, settings, tmp_path):
    """Chromium's PDF viewer starts in a document under `sandbox` when the PDF is opened in its own
    tab, as the evidence list opens previews: the viewer's dark toolbar is drawn."""
    from weasyprint import HTML

    settings.MEDIA_ROOT = tmp_path
    hazard = record(world.own_institution, world.users["district"])
    evidence = ev.evidence_attach(
        owner=hazard,
        file=_upload("整改报告.pdf", HTML(string="<h1>整改报告</h1>").write_pdf()),
        purpose="before",
        by=world.users["district"],
    )
    login(page, live_server, "tiedong")
    response = page.goto(f"{live_server.url}/files/{evidence.pk}/preview/", wait_until="commit")
    assert "sandbox" in response.header_value("content-security-policy")
    page.wait_for_timeout(2500)
    shot = Image.open(io.BytesIO(page.screenshot())).convert("L")
    toolbar = shot.crop((0, 0, shot.width, 40))
    dark = sum(toolbar.histogram()[:90])
    assert dark > toolbar.width * 40 * 0.5, "the PDF viewer did not start"


def _upload(name: str, data: bytes):
    from django.core.files.uploadedfile import SimpleUploadedFile

    return SimpleUploadedFile(name, data, content_type="application/pdf")
