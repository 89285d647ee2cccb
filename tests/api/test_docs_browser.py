"""Issue 18: Swagger UI and Redoc open in a real browser under the portal's Content-Security-Policy,
with the operations listed."""

import pytest
from playwright.sync_api import Page, expect

from tests.institutions.test_e2e_registry import login
from tests.test_csp_browser import REPORT_VIOLATIONS

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


@pytest.mark.long
def test_swagger_ui_and_redoc_show_the_api(live_server, world, page: Page, artifacts):
    found: list[str] = []
    page.add_init_script(REPORT_VIOLATIONS)
    page.on(
        "console",
        lambda message: (
            found.append(message.text)
            if "CSP-VIOLATION" in message.text or "Refused to" in message.text
            else None
        ),
    )
    login(page, live_server, "tiedong")
    page.set_viewport_size({"width": 1280, "height": 900})
    page.goto(f"{live_server.url}/api/v1/docs/")
    expect(page.locator(".opblock").first).to_be_visible(timeout=20000)
    expect(page.get_by_text("养老院服务质量监管平台 API").first).to_be_visible()
    page.screenshot(path=artifacts / "api-swagger-1280.png")
    page.goto(f"{live_server.url}/api/v1/redoc/")
    expect(page.get_by_text("养老院服务质量监管平台 API").first).to_be_visible(timeout=20000)
    page.screenshot(path=artifacts / "api-redoc-1280.png")
    # Redoc's bundle adds one stylesheet while it loads, before its init receives the nonce, starts
    # its search index in a blob: worker (it then indexes in the page) and links Redocly's logo on
    # its CDN: refused by the policy (nothing leaves the intranet); the page works without them.
    # Anything else is a bug.
    known = ("style-src-elem inline", "worker-src blob", "img-src https://cdn.redoc.ly/")
    assert not [text for text in found if not any(k in text for k in known)], found
