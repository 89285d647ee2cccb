"""Issue 18: "a test proves the API refuses what the page refuses". Each case of the workflow's
rules (wrong status, wrong role, a missing note, no fresh "after" file, a stale version, outside
the scope) is posted through the hazard page's step form and through the API's ``transition``
action, on two hazards in the same state: both refuse (nothing changes, the API with the page's
own message) or both accept (the same new status)."""

import html

import pytest
from django.test import Client
from django.urls import reverse
from rest_framework.test import APIClient

from hazards import services
from hazards.models import Hazard, HazardEvent
from tests.hazards.factories import advance, photo, record
from tests.submissions import with_token

pytestmark = pytest.mark.django_db


@pytest.fixture(autouse=True)
def media(settings, tmp_path):
    settings.MEDIA_ROOT = tmp_path


def returned_with_old_photo(world, hazard):
    """Reported done with an "after" photo, then returned: that photo no longer proves a second try."""
    district = world.users["district"]
    hazard = advance(hazard, "awaiting_verification", district=district)
    return services.hazard_transition(hazard=hazard, action="return", by=district, note="灭火器仍过期")


def with_after_photo(world, hazard):
    services.evidence_add(hazard=hazard, file=photo(), purpose="after", by=world.users["institution"])
    return hazard


# (name, status the hazard is in, who posts, action, note, extra setup, someone else saved since read)
REFUSED = [
    ("close from 待整改", "pending", "district", "close", "同意销号", None, False),
    ("submit from 待整改", "pending", "institution", "submit", "", None, False),
    ("start twice", "in_progress", "district", "start", "", None, False),
    ("an institution closes", "awaiting_verification", "institution", "close", "整改到位", None, False),
    ("an institution returns", "awaiting_verification", "institution", "return", "不合格", None, False),
    ("the city starts", "pending", "city", "start", "", None, False),
    ("a department closes", "awaiting_verification", "department", "close", "同意", None, False),
    ("close without an opinion", "awaiting_verification", "district", "close", "", None, False),
    ("return without a reason", "awaiting_verification", "district", "return", "   ", None, False),
    ("submit without an after file", "in_progress", "institution", "submit", "", None, False),
    (
        "submit with the returned photo only",
        "pending",
        "institution",
        "submit",
        "",
        returned_with_old_photo,
        0,
    ),
    ("a stale version", "pending", "institution", "start", "", None, True),
    ("a stale version to close", "awaiting_verification", "district", "close", "同意", None, True),
    ("another district", "pending", "other_district", "start", "", None, False),
]
ACCEPTED = [
    ("the institution starts", "pending", "institution", "start", "", None, "in_progress"),
    ("the district starts", "pending", "district", "start", "", None, "in_progress"),
    (
        "submit with an after file",
        "in_progress",
        "institution",
        "submit",
        "",
        with_after_photo,
        "awaiting_verification",
    ),
    (
        "the district closes",
        "awaiting_verification",
        "district",
        "close",
        "现场核查，整改到位",
        None,
        "closed",
    ),
    (
        "the district returns",
        "awaiting_verification",
        "district",
        "return",
        "照片不清晰",
        None,
        "in_progress",
    ),
    (
        "submit again with a new photo",
        "pending",
        "institution",
        "submit",
        "",
        lambda w, h: with_after_photo(w, returned_with_old_photo(w, h)),
        "awaiting_verification",
    ),
]


def hazard_in(world, status, setup):
    district = world.users["district"]
    hazard = advance(record(world.own_institution, district), status, district=district)
    if setup is not None:
        hazard = setup(world, hazard)
    return Hazard.objects.get(pk=hazard.pk)


def through_page(world, who, hazard, action, note, version):
    client = Client()
    client.force_login(world.users[who])
    return client.post(
        reverse("hazards:transition", args=[hazard.pk, action]),
        with_token(client, {"note": note, "expected_version": version}),
    )


def through_api(world, who, hazard, action, note, version):
    client = APIClient()
    client.force_authenticate(world.users[who])
    return client.post(
        f"/api/v1/hazards/{hazard.pk}/transition/",
        {"action": action, "note": note, "version": version},
        format="json",
    )


def state(hazard):
    hazard.refresh_from_db()
    return hazard.status, hazard.version, HazardEvent.objects.filter(hazard=hazard).count()


def messages_of(body: dict) -> list[str]:
    if "detail" in body:
        return [body["detail"]]
    return [message for messages in body.values() for message in messages]


# the page's answer → the API's: a role refused before anything (403), outside the scope (404), a
# rule of the service or the step's form (400; a stale version is 409 in the API)
API_CODE = {403: {403}, 404: {404}, 400: {400, 409}}


@pytest.mark.parametrize(
    ("status", "who", "action", "note", "setup", "stale"),
    [case[1:] for case in REFUSED],
    ids=[case[0] for case in REFUSED],
)
def test_the_api_refuses_what_the_page_refuses(world, status, who, action, note, setup, stale):
    on_page, on_api = hazard_in(world, status, setup), hazard_in(world, status, setup)
    read_page, read_api = on_page.version, on_api.version
    if stale:  # someone else saves the hazard after the version was read
        for hazard in (on_page, on_api):
            services.hazard_update(hazard=hazard, expected_version=hazard.version, by=world.users["district"])
    before_page, before_api = state(on_page), state(on_api)
    page = through_page(world, who, on_page, action, note, read_page)
    answer = through_api(world, who, on_api, action, note, read_api)
    assert page.status_code in API_CODE, page.status_code
    assert answer.status_code in API_CODE[page.status_code], (page.status_code, answer.content)
    assert state(on_page) == before_page and state(on_api) == before_api
    if page.status_code == 400:  # the same rule said the same thing
        body = html.unescape(page.content.decode())
        assert any(message in body for message in messages_of(answer.json())), answer.json()
    if stale:
        assert answer.status_code == 409


@pytest.mark.parametrize(
    ("status", "who", "action", "note", "setup", "target"),
    [case[1:] for case in ACCEPTED],
    ids=[case[0] for case in ACCEPTED],
)
def test_the_api_accepts_what_the_page_accepts(world, status, who, action, note, setup, target):
    on_page, on_api = hazard_in(world, status, setup), hazard_in(world, status, setup)
    page = through_page(world, who, on_page, action, note, on_page.version)
    answer = through_api(world, who, on_api, action, note, on_api.version)
    assert page.status_code == 302
    assert answer.status_code == 200, answer.json()
    assert state(on_page)[0] == state(on_api)[0] == answer.json()["status"] == target
    last_page, last_api = on_page.events.latest("at", "pk"), on_api.events.latest("at", "pk")
    assert (last_page.action, last_page.note, last_page.by) == (last_api.action, last_api.note, last_api.by)
