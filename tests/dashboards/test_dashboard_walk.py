"""Issue 13's first "done when": every number on the city's, the district's and the province's
dashboards opens a list whose count equals it — on the demo (`load_demo`, what `make run` shows)
and on generated data (the bench's generator at a small scale), today and as of a past date."""

import datetime

import pytest
import time_machine
from django.core.management import call_command
from django.db import connection
from django.urls import reverse

from accounts.models import User
from tests.dashboards.test_dashboard import ANSWER, SHANGHAI, answers_shown, list_count, numbers

pytestmark = pytest.mark.django_db


def walk(client, user, as_of=None) -> int:
    """Follow every number of `user`'s home dashboard; returns how many distinct links were walked."""
    client.force_login(user)
    response = client.get(reverse("core:home"), {"as_of": as_of} if as_of else {})
    assert response.status_code == 200
    body = response.content.decode()
    figures = set(numbers(body))
    answers = {(url.replace("&amp;", "&"), int(value)) for url, value in ANSWER.findall(body)}
    assert figures, user.username
    for url, value in figures:
        assert list_count(client, url) == value, (user.username, as_of, url)
    for url, value in answers:
        assert answers_shown(client, url) == value, (user.username, as_of, url)
    return len(figures) + len(answers)


def analyze() -> None:
    """Planner statistics for the rows just loaded (this transaction's own rows count), as a running
    database has them: without, PostgreSQL may pick nested loops for the as-of lists' subqueries."""
    with connection.cursor() as cursor:
        cursor.execute("ANALYZE")


@pytest.fixture
def demo(settings, tmp_path):
    settings.MEDIA_ROOT = tmp_path
    settings.PORTAL_DASHBOARD_CACHE_SECONDS = 0
    call_command("load_demo", verbosity=0)
    analyze()


@pytest.mark.long
def test_every_number_on_the_demo_dashboards(client, demo):
    for as_of in (None, "2020-10-31"):  # one load for both dates: loading the demo takes ~20 s
        walked = sum(
            walk(client, User.objects.get(username=name), as_of) for name in ("city", "tiedong", "province")
        )
        assert walked > 60, as_of


GENERATED_TO = datetime.date(2026, 6, 30)


@pytest.fixture
def generated(settings, tmp_path):
    settings.MEDIA_ROOT = tmp_path
    settings.PORTAL_DASHBOARD_CACHE_SECONDS = 0
    call_command(
        "bench_data",
        "--city",
        "--institutions",
        "60",
        "--hazards",
        "600",
        "--users",
        "20",
        "--as-of",
        GENERATED_TO.isoformat(),
    )
    analyze()


@pytest.mark.long
def test_every_number_on_generated_dashboards(client, generated):
    with time_machine.travel(datetime.datetime(2026, 7, 1, 10, tzinfo=SHANGHAI), tick=False):
        # today for the three roles; as of a past date for the city (the demo's walk follows all three
        # as of a past date too)
        walked = sum(
            walk(client, User.objects.get(username=name))
            for name in ("bench-city", "bench-district", "bench-province")
        )
        assert walked > 60
        assert walk(client, User.objects.get(username="bench-city"), "2025-10-31") > 20
