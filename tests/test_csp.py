"""The Content-Security-Policy (django-csp, config/settings.py): on every response, error pages and
the login lockout included; templates need nothing it forbids (inline scripts, styles, handlers)."""

import re
from pathlib import Path

import pytest
from django.conf import settings
from django.test import Client
from django.urls import path, reverse

from config import urls as portal_urls
from tests.conftest import PASSWORD
from tests.test_url_sweep import assert_csp

TEMPLATES = Path(settings.BASE_DIR) / "templates"
APP_TEMPLATES = [path for path in Path(settings.BASE_DIR).glob("*/templates") if ".venv" not in str(path)]

# What the policy blocks in markup: inline <script> (a <script> without src), <style>, style=""
# attributes, on…="" event handlers, javascript: URLs, htmx's hx-on and js: (evaluated) values.
FORBIDDEN = {
    "inline script": re.compile(r"<script(?![^>]*\bsrc=)[^>]*>", re.IGNORECASE),
    "style element": re.compile(r"<style\b", re.IGNORECASE),
    "style attribute": re.compile(r"\sstyle\s*=", re.IGNORECASE),
    "event handler": re.compile(r"\son[a-z]+\s*=", re.IGNORECASE),
    "javascript: URL": re.compile(r"javascript:", re.IGNORECASE),
    "hx-on": re.compile(r"\shx-on", re.IGNORECASE),
    "htmx eval": re.compile(r"""hx-(?:vals|headers)\s*=\s*["']\s*js:""", re.IGNORECASE),
}


# Templates rendered only into PDFs by WeasyPrint on the server (reports/pdf.py), never served to a
# browser: the policy does not apply to them, and their print layout needs <style>.
SERVER_ONLY = TEMPLATES / "reports" / "pdf"


def template_files() -> list[Path]:
    return sorted(
        path
        for root in [TEMPLATES, *APP_TEMPLATES]
        for path in root.rglob("*.html")
        if SERVER_ONLY not in path.parents
    )


def test_the_pdf_templates_are_never_served():
    """What SERVER_ONLY exempts holds: no view renders a PDF template as a page."""
    from reports import pdf_views

    source = Path(pdf_views.__file__).read_text(encoding="utf-8")
    assert '"reports/pdf/' not in source  # a template name, as render() would take it


def test_templates_need_nothing_the_policy_forbids():
    files = template_files()
    assert len(files) > 50
    found = [
        f"{path.relative_to(settings.BASE_DIR)}:{text[: match.start()].count(chr(10)) + 1}: {kind}"
        for path in files
        for text in [path.read_text(encoding="utf-8")]
        for kind, pattern in FORBIDDEN.items()
        for match in pattern.finditer(text)
    ]
    assert found == []


def test_the_forbidden_patterns_find_what_they_should():
    samples = {
        "inline script": "<script>alert(1)</script>",
        "style element": "<style>p{}</style>",
        "style attribute": '<td style="width: 3rem">',
        "event handler": '<select onchange="this.form.submit()">',
        "javascript: URL": '<a href="javascript:void(0)">',
        "hx-on": '<button hx-on:click="x()">',
        "htmx eval": '<div hx-vals="js:{a: 1}">',
    }
    for kind, sample in samples.items():
        assert FORBIDDEN[kind].search(sample), kind
    assert not FORBIDDEN["inline script"].search('<script src="/static/js/portal.js"></script>')
    assert not FORBIDDEN["event handler"].search('<form data-confirm="删除？" class="d-inline">')


@pytest.mark.django_db
def test_base_turns_off_what_htmx_would_need_unsafe_inline_or_eval_for(client):
    html = client.get(reverse("accounts:login")).content.decode()
    assert '"includeIndicatorStyles": false' in html
    assert '"allowEval": false' in html
    assert "data-submit-on-change" in html
    assert html.index("htmx-config") < html.index("htmx.min.js")
    css = (Path(settings.BASE_DIR) / "static/css/portal.css").read_text()
    assert ".htmx-request .htmx-indicator" in css


@pytest.mark.django_db
def test_every_kind_of_page_carries_the_policy(client, world):
    assert_csp(client.get(reverse("accounts:login")), "login")
    assert_csp(client.get("/no-such-page/"), "404 anonymous")
    assert_csp(client.get(reverse("core:home")), "redirect to login")
    client.force_login(world.users["institution"])
    assert_csp(client.get(reverse("institutions:list")), "403")
    assert_csp(client.get(f"{reverse('institutions:list')}999999/"), "404")
    assert_csp(client.get("/api/v1/"), "api")
    client.force_login(world.users["district"])
    response = client.get(reverse("institutions:list"), headers={"HX-Request": "true"})
    assert response.status_code == 200
    assert_csp(response, "htmx fragment")


def broken(request):
    raise RuntimeError("boom")


# The portal's URLs plus one view that fails (for the 500 page), used with pytest.mark.urls.
urlpatterns = [path("boom/", broken), *portal_urls.urlpatterns]
handler403 = getattr(portal_urls, "handler403", None)
handler404 = getattr(portal_urls, "handler404", None)
handler500 = getattr(portal_urls, "handler500", None)


@pytest.mark.urls(__name__)
@pytest.mark.django_db
def test_the_500_page_carries_the_policy():
    response = Client(raise_request_exception=False).get("/boom/")
    assert response.status_code == 500
    assert_csp(response, "500")


@pytest.mark.django_db
def test_the_lockout_page_carries_the_policy(client, world, settings):
    settings.AXES_FAILURE_LIMIT = 2
    url = reverse("accounts:login")
    for _attempt in range(3):
        response = client.post(url, {"username": "tiedong", "password": "wrong" + PASSWORD})
    assert response.status_code == 429
    assert_csp(response, "lockout")
