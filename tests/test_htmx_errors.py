"""Every htmx element of the portal, when the session has ended, the user lacks the right, the
object is gone or the server fails: the whole page goes to the login page (HX-Redirect, back to
the page after logging in, with a message), or the page shows one sentence — never a login form
or an error page inside a table row, the results or a card (core/htmx.py, static/js/portal.js)."""

import re
from dataclasses import dataclass
from pathlib import Path
from urllib.parse import parse_qs, urlsplit

import pytest
from django.conf import settings
from django.urls import reverse
from django.utils import translation

from core.htmx import error_text
from tests.hazards.factories import notice, record
from tests.submissions import with_token

LOGIN = reverse("accounts:login")
HX_URL = re.compile(r"""hx-(?:get|post|put|patch|delete)="\{% url '([^']+)'""")


@dataclass
class Element:
    """One htmx element: the URL it requests, the page it sits on, and how to build its request."""

    name: str
    method: str
    page: str  # the page's path and query, as htmx sends it in HX-Current-URL
    url: object  # world -> URL
    data: object = None  # (client, world) -> POST data
    forbidden: tuple = ()  # viewers without the right: 403
    out_of_scope: object = None  # (world -> URL, viewer): an object the viewer cannot see: 404


def hazard(world):
    return record(world.own_institution, world.users["district"], description="疏散通道堆放杂物")


def foreign_hazard(world):
    return record(world.other_institution, world.users["other_district"], description="外区隐患")


def step_data(client, world):
    return with_token(client, {"expected_version": "1"}) if client.session.get("_auth_user_id") else {}


def extend_data(client, world):
    data = {"new_deadline": "2030-12-31", "reason": "施工队延期进场", "expected_version": "1"}
    return with_token(client, data) if client.session.get("_auth_user_id") else data


def evidence_data(client, world):
    data = {"file": notice("自查报告.pdf")}
    return with_token(client, data) if client.session.get("_auth_user_id") else data


ELEMENTS = [
    # institutions/list.html: the filter form swaps the results
    Element(
        "institutions:list",
        "get",
        "/institutions/?nature=public",
        lambda w: reverse("institutions:list") + "?nature=public",
        forbidden=("institution", "department"),
    ),
    # hazards/list.html: the filter form swaps the results
    Element(
        "hazards:list",
        "get",
        "/hazards/?status=pending",
        lambda w: reverse("hazards:list") + "?status=pending",
    ),
    # hazards/list.html: the status counts reload after a row step
    Element(
        "hazards:list",
        "get",
        "/hazards/?status=pending",
        lambda w: reverse("hazards:list") + "?fragment=counts&status=pending",
    ),
    # hazards/widgets/institution_search.html: typing refreshes the institution filter's list
    Element(
        "hazards:institution_options",
        "get",
        "/hazards/?status=pending",
        lambda w: reverse("hazards:institution_options") + "?institution_name=养老",
    ),
    # hazards/_row.html: a step button swaps the row
    Element(
        "hazards:transition",
        "post",
        "/hazards/?status=pending",
        lambda w: reverse("hazards:transition", args=[hazard(w).pk, "start"]),
        data=step_data,
        forbidden=("city", "department"),
        out_of_scope=(
            lambda w: reverse("hazards:transition", args=[foreign_hazard(w).pk, "start"]),
            "district",
        ),
    ),
    # hazards/_extend.html: changing the deadline swaps the steps card (issue 15)
    Element(
        "hazards:extend",
        "post",
        "/hazards/",
        lambda w: reverse("hazards:extend", args=[hazard(w).pk]),
        data=extend_data,
        forbidden=("city", "department", "institution"),
        out_of_scope=(lambda w: reverse("hazards:extend", args=[foreign_hazard(w).pk]), "district"),
    ),
    # campaign/_answer_evidence.html: an upload swaps the evidence card
    Element(
        "checklist:evidence",
        "post",
        "/checklist/items/7/",
        lambda w: reverse("checklist:evidence", args=[7]),
        data=evidence_data,
        forbidden=("institution", "department"),
        out_of_scope=(lambda w: reverse("checklist:evidence", args=[7]), "city"),  # not a city item
    ),
]


def export_job(user, job_id):
    """An export job of the three lists asked for by `user`, under a fixed id (its page's URL)."""

    def build(world):
        from core import exports
        from hazards.excel_views import EXPORT

        exports.start(world.users[user], EXPORT, "", job_id=job_id)
        return reverse("core:export_status", args=[job_id])

    return build


def national_row(world):
    from tests.national.sweep import _own_row

    return reverse("national:decide", kwargs=_own_row(world))


def foreign_national_row(world):
    from tests.national.sweep import _foreign_row

    return reverse("national:decide", kwargs=_foreign_row(world))


ELEMENTS += [
    # national/_row.html: a district's decision on a reconciliation row swaps the row (issue 18)
    Element(
        "national:decide",
        "post",
        "/national/",
        national_row,
        data=step_data,
        forbidden=("city", "department", "institution"),
        out_of_scope=(foreign_national_row, "district"),
    ),
    # core/_export_status.html: an export job's page polls its status
    Element(
        "core:export_status",
        "get",
        "/exports/htmx-test-job/",
        export_job("district", "htmx-test-job"),
        out_of_scope=(export_job("other_district", "htmx-other-job"), "district"),
    ),
]
IDS = [f"{number}-{element.name}" for number, element in enumerate(ELEMENTS)]


def zh(text):
    with translation.override("zh-hans"):
        return translation.gettext(text)


@pytest.fixture(autouse=True)
def media(settings, tmp_path):
    settings.MEDIA_ROOT = tmp_path


def send(client, world, element, url=None, current=None):
    url = url or element.url(world)
    headers = {
        "HTTP_HX_REQUEST": "true",
        "HTTP_HX_CURRENT_URL": current or f"http://testserver{element.page}",
    }
    if element.method == "get":
        return client.get(url, **headers)
    return client.post(url, element.data(client, world) if element.data else {}, **headers)


def test_every_htmx_element_of_the_templates_is_covered():
    """A new htmx element (hx-get/hx-post with a URL name) must be added to ELEMENTS."""
    found = set()
    for template in Path(settings.BASE_DIR, "templates").rglob("*.html"):
        found |= set(HX_URL.findall(template.read_text(encoding="utf-8")))
    assert found == {element.name for element in ELEMENTS}


@pytest.mark.parametrize("element", ELEMENTS, ids=IDS)
def test_an_ended_session_takes_the_whole_page_to_the_login_page(client, world, element):
    url = element.url(world)  # built while the objects can still be created
    response = send(client, world, element, url)  # no session: it has ended
    assert response.status_code == 200
    assert not response.has_header("Location")  # the browser's XHR would follow it into the row
    target = urlsplit(response["HX-Redirect"])
    assert target.path == LOGIN
    assert parse_qs(target.query) == {"next": [element.page]}  # back to the page, not the fragment
    assert b"<form" not in response.content
    # The login page then says why.
    page = client.get(response["HX-Redirect"])
    assert zh("Your session has ended. Log in again to continue.") in page.content.decode()
    assert page.context["next"] == element.page


@pytest.mark.parametrize("element", ELEMENTS, ids=IDS)
def test_after_logging_in_again_the_user_is_back_on_the_page(client, world, element):
    response = send(client, world, element)
    login_page = response["HX-Redirect"]
    response = client.post(login_page, {"username": "tiedong", "password": "Test-password-2020"})
    assert response.status_code == 302 and response["Location"] == element.page


@pytest.mark.parametrize("element", [e for e in ELEMENTS if e.forbidden], ids=lambda e: e.name)
def test_a_user_without_the_right_gets_one_sentence_and_no_swap(client, world, element):
    for viewer in element.forbidden:
        client.force_login(world.users[viewer])
        response = send(client, world, element)
        assert response.status_code == 403, viewer
        assert response["HX-Reswap"] == "none"
        assert response["Content-Type"].startswith("text/plain")
        assert response.content.decode() == zh("You do not have permission to do this. Nothing was changed.")


@pytest.mark.parametrize("element", [e for e in ELEMENTS if e.out_of_scope], ids=lambda e: e.name)
def test_an_object_out_of_reach_gets_one_sentence_that_names_nothing(client, world, element):
    build, viewer = element.out_of_scope
    url = build(world)
    client.force_login(world.users[viewer])
    response = send(client, world, element, url)
    assert response.status_code == 404
    assert response["HX-Reswap"] == "none"
    body = response.content.decode()
    assert body == zh("This record no longer exists or is not visible to you. Reload the page.")
    assert "铁西区" not in body and "外区隐患" not in body


@pytest.mark.parametrize("element", ELEMENTS, ids=IDS)
def test_a_server_error_gets_one_sentence_and_no_swap(client, world, element, monkeypatch):
    from django.template.loader import render_to_string as real_render_to_string

    url = element.url(world)
    client.force_login(world.users["district"])

    def broken(template_name, *args, **kwargs):
        if isinstance(template_name, str) and template_name.split("/")[-1].startswith("_"):
            raise RuntimeError("a fragment failed")
        return real_render_to_string(template_name, *args, **kwargs)

    # the fragment views render through django.shortcuts.render; a fragment template fails
    monkeypatch.setattr("django.shortcuts.loader.render_to_string", broken)
    client.raise_request_exception = False
    response = send(client, world, element, url)
    assert response.status_code == 500
    assert response["HX-Reswap"] == "none"
    assert response.content.decode() == zh(
        "The server could not complete this action. Try again later or reload the page."
    )


def test_a_page_url_from_another_site_is_not_used_as_next(client, world):
    element = ELEMENTS[0]
    for current in ("https://evil.example/phish", "javascript:alert(1)", "//evil.example/x"):
        response = send(client, world, element, current=current)
        assert response["HX-Redirect"] == LOGIN


def test_requests_without_htmx_keep_the_usual_answers(client, world):
    response = client.get(reverse("hazards:list"))
    assert response.status_code == 302 and response["Location"].startswith(LOGIN + "?next=")
    client.force_login(world.users["institution"])
    response = client.get(reverse("institutions:list"))
    assert response.status_code == 403 and "text/html" in response["Content-Type"]
    assert not response.has_header("HX-Reswap")


def test_htmx_answers_that_are_not_errors_are_left_alone(client, world):
    client.force_login(world.users["district"])
    response = send(client, world, ELEMENTS[1])
    assert response.status_code == 200 and not response.has_header("HX-Reswap")
    assert not response.has_header("HX-Redirect")


def test_the_sentences_are_chinese():
    with translation.override("zh-hans"):
        for status in (403, 404, 500):
            assert re.search(r"[\u4e00-\u9fff]", error_text(status)), status
