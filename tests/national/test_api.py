"""The reconciliation API: the same rules as the pages (shared services), scoping, Chinese errors, 409."""

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from rest_framework.test import APIClient

from institutions.models import Institution
from national.models import ReconciliationRow, ReconciliationRun
from tests.national.factories import export_bytes, export_rows, registry

pytestmark = pytest.mark.django_db


@pytest.fixture
def made(world):
    return registry(world)


def client_for(user) -> APIClient:
    client = APIClient()
    client.force_authenticate(user)
    return client


def upload(client, rows, **fields):
    data = {"file": SimpleUploadedFile("export.xlsx", export_bytes(rows)), **fields}
    return client.post("/api/v1/national/runs/", data, format="multipart")


def test_upload_runs_a_dry_run_and_reads_its_rows(world, made):
    client = client_for(world.users["district"])
    answer = upload(client, export_rows(made, world), beds_tolerance=10)
    assert answer.status_code == 201, answer.json()
    body = answer.json()
    assert body["counts"]["update"] == 2 and body["counts"]["outside"] == 2 and body["beds_tolerance"] == 10
    rows = client.get(f"/api/v1/national/runs/{body['id']}/rows/", {"kind": "update"}).json()["results"]
    assert {r["institution"] for r in rows} == {made["beds"].pk, made["byname"].pk}
    beds = next(r for r in rows if r["institution"] == made["beds"].pk)
    assert [d["field"] for d in beds["differences"]] == ["filing"]  # 10 more beds are within tolerance


def test_bad_cell_is_a_400_naming_row_and_column(world, made):
    rows = export_rows(made, world)
    rows[1][4] = "十张"
    answer = upload(client_for(world.users["city"]), rows)
    assert answer.status_code == 400
    assert "床位总数" in answer.json()["file"][0] and "4" in answer.json()["file"][0]
    assert not ReconciliationRun.objects.exists()


@pytest.mark.parametrize("role", ["institution", "department"])
def test_other_roles_are_refused(world, made, role):
    assert upload(client_for(world.users[role]), export_rows(made, world)).status_code == 403


def test_decisions_share_the_pages_rules(world, made):
    city = client_for(world.users["city"])
    run = upload(city, export_rows(made, world)).json()
    row = ReconciliationRow.objects.get(run_id=run["id"], institution=made["beds"])
    # the city reads but does not decide
    assert city.post(f"/api/v1/national/rows/{row.pk}/adopt/").status_code == 403
    # another district does not see the row
    assert (
        client_for(world.users["other_district"]).post(f"/api/v1/national/rows/{row.pk}/adopt/").status_code
        == 404
    )
    Institution.objects.filter(pk=made["beds"].pk).update(version=row.institution_version + 1)
    district = client_for(world.users["district"])
    conflict = district.post(f"/api/v1/national/rows/{row.pk}/adopt/")
    assert conflict.status_code == 409 and conflict.json()["code"] == "concurrent_edit"
    kept = district.post(f"/api/v1/national/rows/{row.pk}/national-to-fix/")
    assert kept.status_code == 200 and kept.json()["state"] == "national_to_fix"
    assert district.post(f"/api/v1/national/rows/{row.pk}/national-to-fix/").status_code == 400
