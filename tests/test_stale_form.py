"""A form opened before the user logged in again (in this window or another) carries a stale
security token: its submission is refused, in Chinese, saying nothing was saved and what to do
(core.views.csrf_failure) — a page for a form, one sentence for an htmx element — never Django's
English CSRF page or the htmx "no permission" sentence."""

import re

import pytest
from django.conf import settings
from django.test import Client
from django.urls import reverse

from core.submissions import FIELD
from hazards.models import Hazard
from tests.conftest import PASSWORD
from tests.hazards.factories import record
from tests.submissions import with_token

CSRF_INPUT = re.compile(r'name="csrfmiddlewaretoken" value="([^"]+)"')
ENGLISH_BROWSER = {"HTTP_ACCEPT_LANGUAGE": "en-US,en;q=0.9"}


def log_in(client: Client, username: str) -> None:
    """Log in through the login page, as a browser does (its CSRF cookie first)."""
    client.get(reverse("accounts:login"))
    csrf = client.cookies["csrftoken"].value
    response = client.post(
        reverse("accounts:login"), {"username": username, "password": PASSWORD, "csrfmiddlewaretoken": csrf}
    )
    assert response.status_code == 302, response.content.decode()[:2000]


def stale_page(world, url: str, **headers) -> tuple[Client, str, str]:
    """A browser that opened `url` as the district user and then logged in again (another window,
    after the session ended): the page's CSRF token is stale; its one-time submission token is not."""
    browser = Client(enforce_csrf_checks=True, **headers)
    log_in(browser, world.users["district"].username)
    page = browser.get(url)
    assert page.status_code == 200
    csrf = CSRF_INPUT.search(page.content.decode()).group(1)
    # The session ends (8 hours, or a logout in another window); logging in again rotates the
    # CSRF secret, as Django does at every login.
    del browser.cookies[settings.SESSION_COOKIE_NAME]
    log_in(browser, world.users["district"].username)
    return browser, csrf, with_token(browser)[FIELD]


@pytest.mark.parametrize("headers", [{}, ENGLISH_BROWSER])
def test_a_stale_form_is_refused_in_chinese_with_what_to_do(world, headers):
    url = reverse("hazards:edit", args=[record(world.own_institution, world.users["district"]).pk])
    browser, csrf, token = stale_page(world, url, **headers)
    response = browser.post(
        url,
        {"csrfmiddlewaretoken": csrf, "description": "改过的描述", "submission_token": token},
        HTTP_REFERER=f"http://testserver{url}",
    )
    body = response.content.decode()
    assert response.status_code == 403
    assert "页面已过期" in body and "未保存" in body
    assert f'href="{url}"' in body  # back to the form, reloaded
    assert "CSRF verification failed" not in body and "Forbidden" not in body
    assert Hazard.objects.get().description != "改过的描述"


def test_a_stale_page_links_back_only_to_this_site(world):
    url = reverse("hazards:create")
    browser, csrf, _token = stale_page(world, url)
    response = browser.post(
        url, {"csrfmiddlewaretoken": csrf}, HTTP_REFERER="https://evil.example/hazards/new/"
    )
    assert response.status_code == 403
    assert "evil.example" not in response.content.decode()


@pytest.mark.parametrize("headers", [{}, ENGLISH_BROWSER])
def test_a_stale_htmx_element_says_the_page_expired_not_no_permission(world, headers):
    hazard = record(world.own_institution, world.users["district"])
    detail = reverse("hazards:detail", args=[hazard.pk])
    browser, csrf, token = stale_page(world, detail, **headers)
    response = browser.post(
        reverse("hazards:transition", args=[hazard.pk, "start"]),
        {"expected_version": "1", "submission_token": token},
        HTTP_HX_REQUEST="true",
        HTTP_X_CSRFTOKEN=csrf,
        HTTP_HX_CURRENT_URL=f"http://testserver{detail}",
    )
    assert response.status_code == 403
    assert response["HX-Reswap"] == "none"
    text = response.content.decode()
    assert "页面已过期" in text and "刷新" in text
    assert "没有权限" not in text
    assert Hazard.objects.get().version == hazard.version
