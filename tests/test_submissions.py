"""Double submits (issue 10, kind 6): every create and step form carries a one-time token
(core/submissions.py), so the same submission posted twice writes once and both answers are the
same; a POST without a valid token of its user is refused with a sentence and writes nothing.

The parametrised test takes every form kind of the portal through its real page: it renders the
page, reads the token the form carries, posts without it (refused), with it (written) and with it
again (nothing more written, the same answer)."""

import json
import os
import re
import subprocess
import sys
import threading

import pytest
from django.db import connection
from django.test import Client
from django.urls import reverse
from django.utils import translation
from django.utils.translation import gettext

from core import submissions
from core.models import SubmissionToken
from hazards import services as hazard_services
from hazards.models import Hazard, HazardEvent
from tests.hazards.factories import hazard_values, record
from tests.submissions import login, snapshot, token_in, tokens_in, with_token

REFUSED = (
    "This form could not be accepted: its one-time submission token is missing or no longer valid, so "
    "nothing was saved. Reload the page and submit it again."
)
ALREADY_SENT = "This form had already been sent; it was saved once. Here is the result."
OTHER_FORM = (
    "This form token was already used for another form, so nothing was saved. Reload the page and try again."
)


@pytest.fixture(autouse=True)
def media(settings, tmp_path):
    settings.MEDIA_ROOT = tmp_path


def zh(text: str) -> str:
    with translation.override("zh-hans"):
        return gettext(text)


def hazard_form_data(world, **changes) -> dict:
    values = hazard_values(world.own_institution, **changes)
    return {**values, "institution": world.own_institution.pk, "deadline": "2026-12-15"}


# The basic promise, on the hazard form -----------------------------------------------------------


def test_the_same_hazard_form_posted_twice_records_one_hazard_and_both_answers_point_to_it(world):
    client = login(world, "district")
    page = client.get(reverse("hazards:create"))
    token = token_in(page, 'data-testid="hazard-form"')
    data = {**hazard_form_data(world), submissions.FIELD: token}
    first = client.post(reverse("hazards:create"), data)
    second = client.post(reverse("hazards:create"), data, follow=True)
    hazard = Hazard.objects.get()
    detail = reverse("hazards:detail", args=[hazard.pk])
    assert first.status_code == 302 and first["Location"] == detail
    assert second.redirect_chain == [(detail, 302)]
    assert zh(ALREADY_SENT) in second.content.decode()
    assert hazard.events.filter(action="create").count() == 1


def test_a_post_without_a_token_is_refused_with_a_sentence_and_writes_nothing(world):
    client = login(world, "district")
    before = snapshot()
    response = client.post(reverse("hazards:create"), hazard_form_data(world))
    assert response.status_code == 400
    assert zh(REFUSED) in response.content.decode()
    assert 'data-testid="submission-refused"' in response.content.decode()
    assert snapshot() == before


@pytest.mark.parametrize(
    "token",
    [
        pytest.param(lambda world: submissions.issue(world.users["other_district"]), id="another-users"),
        pytest.param(lambda world: submissions.issue(world.users["district"])[:-2] + "xx", id="tampered"),
        pytest.param(lambda world: "1.abc", id="unsigned"),
        pytest.param(lambda world: "", id="empty"),
    ],
)
def test_a_token_of_another_user_or_a_forged_one_is_refused(world, token):
    client = login(world, "district")
    response = client.post(
        reverse("hazards:create"), {**hazard_form_data(world), "submission_token": token(world)}
    )
    assert response.status_code == 400 and zh(REFUSED) in response.content.decode()
    assert not Hazard.objects.exists()


def test_an_expired_token_is_refused(world, monkeypatch):
    client = login(world, "district")
    data = with_token(client, hazard_form_data(world))
    monkeypatch.setattr(submissions, "max_age", lambda: -1)  # every token is older than that
    assert client.post(reverse("hazards:create"), data).status_code == 400
    assert not Hazard.objects.exists()


def test_a_token_lives_at_least_as_long_as_the_session(settings):
    settings.SESSION_COOKIE_AGE = 3 * 24 * 60 * 60
    assert submissions.max_age() == settings.SESSION_COOKIE_AGE
    settings.SESSION_COOKIE_AGE = 60
    assert submissions.max_age() == 24 * 60 * 60


def test_a_claimed_token_sent_to_another_form_is_refused(world):
    hazard = record(world.own_institution, world.users["district"])
    client = login(world, "district")
    data = with_token(client, {"reason": "重复录入"})
    assert client.post(reverse("hazards:delete", args=[hazard.pk]), data).status_code == 302
    other = record(world.own_institution, world.users["district"], description="另一处隐患")
    response = client.post(reverse("hazards:delete", args=[other.pk]), data)
    assert response.status_code == 400 and zh(OTHER_FORM) in response.content.decode()
    assert Hazard.objects.live().filter(pk=other.pk).exists()


def test_a_form_with_errors_keeps_nothing_and_may_be_corrected_and_sent_again(world):
    client = login(world, "district")
    page = client.get(reverse("hazards:create"))
    token = token_in(page, 'data-testid="hazard-form"')
    bad = client.post(
        reverse("hazards:create"),
        {**hazard_form_data(world), "deadline": "2026-10-01", "submission_token": token},
    )
    assert bad.status_code == 200 and not Hazard.objects.exists()
    fresh = token_in(bad, 'data-testid="hazard-form"')
    assert fresh != token  # the form shown again carries a new token
    assert not SubmissionToken.objects.exists()  # and the first one was not used up
    good = client.post(reverse("hazards:create"), {**hazard_form_data(world), "submission_token": fresh})
    assert good.status_code == 302 and Hazard.objects.count() == 1


def test_rendering_forms_stores_no_token(world):
    """Tokens are signed, not stored: a page full of forms (a ledger page, a token per step
    button) writes nothing."""
    for n in range(3):
        record(world.own_institution, world.users["district"], description=f"隐患{n}")
    client = login(world, "institution")
    before = snapshot()
    page = client.get(reverse("hazards:list"))
    assert len(set(tokens_in(page))) >= 3
    assert snapshot() == before and not SubmissionToken.objects.exists()


def test_old_claims_are_purged(world, monkeypatch):
    from django.core.management import call_command

    client = login(world, "district")
    hazard = record(world.own_institution, world.users["district"])
    client.post(reverse("hazards:delete", args=[hazard.pk]), with_token(client, {"reason": "重复录入"}))
    assert SubmissionToken.objects.count() == 1
    call_command("purge_submissions")
    assert SubmissionToken.objects.count() == 1  # still young
    monkeypatch.setattr(submissions, "max_age", lambda: -1)
    call_command("purge_submissions")
    assert not SubmissionToken.objects.exists()


# htmx ----------------------------------------------------------------------------------------------


def test_an_htmx_row_step_posted_twice_takes_the_step_once_and_returns_the_same_row(world):
    hazard = record(world.own_institution, world.users["district"])
    client = login(world, "institution")
    page = client.get(reverse("hazards:list"))
    url = reverse("hazards:transition", args=[hazard.pk, "start"])
    token = token_in(page, f'hx-post="{url}"')
    data = {"expected_version": hazard.version, "submission_token": token}
    first = client.post(url, data, HTTP_HX_REQUEST="true")
    second = client.post(url, data, HTTP_HX_REQUEST="true")
    assert first.status_code == second.status_code == 200
    assert second.content == first.content and second["HX-Trigger"] == first["HX-Trigger"] == "hazardsChanged"
    assert HazardEvent.objects.filter(hazard=hazard, action="start").count() == 1
    # the row it returns carries fresh tokens for the next steps
    assert token not in first.content.decode() and tokens_in(first)


def test_a_refused_htmx_post_reloads_the_page_with_the_sentence(world):
    hazard = record(world.own_institution, world.users["district"])
    client = login(world, "institution")
    url = reverse("hazards:transition", args=[hazard.pk, "start"])
    response = client.post(url, {"expected_version": hazard.version}, HTTP_HX_REQUEST="true")
    assert response.status_code == 400 and response["HX-Refresh"] == "true"
    hazard.refresh_from_db()
    assert hazard.status == "pending"
    assert zh(REFUSED) in client.get(reverse("hazards:list")).content.decode()


def test_every_post_form_in_the_templates_renders_a_token():
    """A guard for forms still to come: every <form method="post"> and every hx-post element of
    the templates carries the token, except the login, logout and language forms."""
    from pathlib import Path

    from django.conf import settings

    exempt = ("accounts:logout", "set_language", "accounts/login.html")
    missing = []
    for path in Path(settings.BASE_DIR, "templates").rglob("*.html"):
        text = path.read_text()
        for match in re.finditer(r"<form[^>]*method=\"post\"[^>]*>|<[a-z]+[^>]*hx-post=[^>]*>", text, re.S):
            tag = match.group(0)
            if any(name in tag for name in exempt) or path.name == "login.html":
                continue
            following = text[match.end() : match.end() + 120]
            if "submission_token" not in tag and "{% submission_token %}" not in following:
                missing.append(f"{path.name}: {tag[:80]}")
    assert not missing, missing


# Two at once, on real PostgreSQL -----------------------------------------------------------------


@pytest.mark.django_db(transaction=True)
def test_two_identical_posts_at_once_record_one_hazard(world, monkeypatch):
    """Both requests start together; the first holds its claim for a while inside the service. The
    second's INSERT of the same token waits on the unique index, then answers with the first's
    result."""
    client_a = login(world, "district")
    token = submissions.issue(world.users["district"])
    data = {**hazard_form_data(world), "submission_token": token}
    original = hazard_services.hazard_create
    started = threading.Event()

    def slow_create(**kwargs):
        started.set()
        hazard = original(**kwargs)
        threading.Event().wait(0.8)  # the second request arrives meanwhile
        return hazard

    monkeypatch.setattr(hazard_services, "hazard_create", slow_create)
    responses = {}

    def post(name, client):
        try:
            responses[name] = client.post(reverse("hazards:create"), data)
        finally:
            connection.close()

    client_b = Client()
    client_b.cookies = client_a.cookies  # the same session: a double click
    first = threading.Thread(target=post, args=("first", client_a))
    first.start()
    assert started.wait(10)
    second = threading.Thread(target=post, args=("second", client_b))
    second.start()
    first.join(20)
    second.join(20)
    hazard = Hazard.objects.get()
    detail = reverse("hazards:detail", args=[hazard.pk])
    assert responses["first"].status_code == responses["second"].status_code == 302
    assert responses["first"]["Location"] == responses["second"]["Location"] == detail
    assert SubmissionToken.objects.get().location == detail


# The demo's SQLite -----------------------------------------------------------------------------------

SQLITE_CHECK = """
import json
import threading
import time
from django.db import connection, transaction, OperationalError
from django.db import connections

cursor = connection.cursor()
cursor.execute("CREATE TABLE IF NOT EXISTS busy_check (n integer)")
report = {
    "journal_mode": cursor.execute("PRAGMA journal_mode").fetchone()[0],
    "busy_timeout": cursor.execute("PRAGMA busy_timeout").fetchone()[0],
    "errors": [],
}
connection.close()
barrier = threading.Barrier(3)

def write(n):
    try:
        barrier.wait()
        with transaction.atomic():  # read, think, write: what a form's view does
            c = connection.cursor()
            c.execute("SELECT count(*) FROM busy_check").fetchone()
            time.sleep(0.3)
            c.execute("INSERT INTO busy_check VALUES (%s)", [n])
    except OperationalError as error:
        report["errors"].append(str(error))
    finally:
        connections.close_all()

threads = [threading.Thread(target=write, args=(n,)) for n in range(3)]
for t in threads:
    t.start()
for t in threads:
    t.join()
report["rows"] = connection.cursor().execute("SELECT count(*) FROM busy_check").fetchone()[0]
print(json.dumps(report))
"""


def test_the_demo_sqlite_lets_three_writers_wait_for_each_other(tmp_path):
    """`make run`'s database: WAL, a busy timeout, IMMEDIATE transactions. Three requests that each
    read and then write at the same moment all succeed (before: two got "database is locked")."""
    from django.conf import settings

    env = {**os.environ, "DATABASE_URL": f"sqlite:///{tmp_path / 'demo.db'}", "DJANGO_DEBUG": "1"}
    result = subprocess.run(
        [sys.executable, "manage.py", "shell", "-c", SQLITE_CHECK],
        cwd=settings.BASE_DIR,
        env=env,
        capture_output=True,
        text=True,
        timeout=120,
        check=True,
    )
    report = json.loads(result.stdout.strip().splitlines()[-1])
    assert report["journal_mode"] == "wal" and report["busy_timeout"] >= 10000
    assert report["errors"] == [] and report["rows"] == 3
