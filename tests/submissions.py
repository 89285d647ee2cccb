"""One-time form tokens in tests (core/submissions.py). Every POST of a logged-in user needs one:
a test that posts says so with `with_token(client, data)`, or reads the token the page rendered
with `token_in(response)`."""

import re

from django.apps import apps
from django.contrib.auth import SESSION_KEY
from django.test import Client

from accounts.models import User
from core import submissions

TOKEN_INPUT = re.compile(r'name="submission_token" value="([^"]+)"')
TOKEN_VALS = re.compile(r'"submission_token": "([^"]+)"')


def logged_in_user(client) -> User:
    return User.objects.get(pk=client.session[SESSION_KEY])


def with_token(client, data=None) -> dict:
    """`data` (a dict, or nothing) plus a fresh token for the user logged in on `client`."""
    return {**(data or {}), submissions.FIELD: submissions.issue(logged_in_user(client))}


def tokens_in(response) -> list[str]:
    """Every token the page rendered: hidden inputs and htmx elements' hx-vals, in page order."""
    body = response.content.decode()
    found = [(m.start(), m.group(1)) for pattern in (TOKEN_INPUT, TOKEN_VALS) for m in pattern.finditer(body)]
    return [value for _pos, value in sorted(found)]


def token_in(response, form_marker: str | None = None) -> str:
    """The token of the form that follows `form_marker` in the page (e.g. its action URL), or the
    page's only form's token."""
    body = response.content.decode()
    if form_marker is not None:
        start = body.index(form_marker)
        matches = [m for pattern in (TOKEN_INPUT, TOKEN_VALS) if (m := pattern.search(body, start))]
        return min(matches, key=lambda m: m.start()).group(1)
    tokens = tokens_in(response)
    assert len(tokens) == 1, f"expected one form token on the page, found {len(tokens)}"
    return tokens[0]


# Rows that are not the portal's data: the claims themselves, sessions, login records.
NOT_DATA = {"core.submissiontoken", "sessions.session"}


def snapshot() -> dict[str, int]:
    """Row counts of every table of the portal's data."""
    return {
        model._meta.label_lower: model._default_manager.count()
        for model in apps.get_models()
        if model._meta.label_lower not in NOT_DATA and model._meta.app_label != "axes"
    }


def login(world, who) -> Client:
    client = Client()
    client.force_login(world.users[who])
    return client


def field_value(response, name: str, after: str | None = None) -> str:
    body = response.content.decode()
    start = body.index(after) if after else 0
    return re.compile(rf'name="{name}" value="([^"]*)"').search(body, start).group(1)
