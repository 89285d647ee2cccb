"""Issue 18 with the portal's rule "a repeated submission never creates twice": a POST to the API
with an ``Idempotency-Key`` runs once; a retry gets the first answer."""

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import get_resolver
from rest_framework.test import APIClient

from core.api import IdempotentPostMixin
from national.models import ReconciliationRun
from tests.national.factories import export_bytes, export_rows, registry

pytestmark = pytest.mark.django_db


def upload(client, rows, key=None, url="/api/v1/national/runs/"):
    headers = {"HTTP_IDEMPOTENCY_KEY": key} if key else {}
    data = {"file": SimpleUploadedFile("export.xlsx", export_bytes(rows))}
    return client.post(url, data, format="multipart", **headers)


@pytest.fixture
def district(world):
    client = APIClient()
    client.force_authenticate(world.users["district"])
    return client


def test_a_retry_with_the_same_key_gets_the_first_answer_and_writes_once(world, district):
    rows = export_rows(registry(world), world)
    first = upload(district, rows, key="run-2026-12-02")
    again = upload(district, rows, key="run-2026-12-02")
    assert first.status_code == again.status_code == 201
    assert again.json()["id"] == first.json()["id"]
    assert again["Idempotent-Replayed"] == "true"
    assert ReconciliationRun.objects.count() == 1
    other = upload(district, rows, key="run-2026-12-02-b")  # another key: another run
    assert other.status_code == 201 and ReconciliationRun.objects.count() == 2


def test_without_a_key_each_post_runs(world, district):
    rows = export_rows(registry(world), world)
    upload(district, rows)
    upload(district, rows)
    assert ReconciliationRun.objects.count() == 2


def test_a_refused_first_attempt_does_not_hold_the_key(world, district):
    rows = export_rows(registry(world), world)
    bad = [list(row) for row in rows]
    bad[1][4] = "十张"
    assert upload(district, bad, key="k1").status_code == 400
    assert upload(district, rows, key="k1").status_code == 201


def test_keys_belong_to_their_user_and_their_path(world, district):
    rows = export_rows(registry(world), world)
    assert upload(district, rows, key="shared").status_code == 201
    city = APIClient()
    city.force_authenticate(world.users["city"])
    assert upload(city, rows, key="shared").status_code == 201  # the city's own key space
    assert ReconciliationRun.objects.count() == 2
    run = ReconciliationRun.objects.first()
    reused = district.post(f"/api/v1/national/runs/{run.pk}/rows/", HTTP_IDEMPOTENCY_KEY="shared")
    assert reused.status_code in (405, 422)


def test_every_api_view_that_accepts_post_runs_once_per_key():
    """A new endpoint that accepts POST without the mixin fails here."""
    missing = []
    for pattern in get_resolver().url_patterns:
        if str(pattern.pattern) != "api/v1/":
            continue
        for route in pattern.url_patterns:
            view = getattr(route.callback, "cls", None)
            actions = getattr(route.callback, "actions", {}) or {}
            if view is not None and "post" in actions and not issubclass(view, IdempotentPostMixin):
                missing.append(f"{route.pattern} {view.__name__}")
    assert not missing, missing
