"""Exports above the row cap (core/exports.py): a page offers to prepare the file, a POST starts a
Celery job, its page shows the progress (htmx) and then a download that only the asker may use, for
a limited time, holding what the asker may see when the file is made."""

import io
import os
import time
from urllib.parse import quote

import pytest
from django.core.management import call_command
from django.urls import reverse
from openpyxl import load_workbook

from core import exports
from hazards.models import Hazard
from institutions.models import Institution
from tests.hazards.factories import record
from tests.institutions.factories import valid_institution
from tests.submissions import with_token
from tests.test_url_sweep import get_writing_nothing

XLSX = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"


@pytest.fixture(autouse=True)
def media(settings, tmp_path):
    settings.MEDIA_ROOT = tmp_path / "media"


@pytest.fixture
def cap(settings):
    """Two rows download at once; more go to a job."""
    settings.PORTAL_EXPORT_SYNC_ROWS = 2
    return 2


def codes(content: bytes, sheet="隐患清单") -> set[str]:
    book = load_workbook(io.BytesIO(content))
    return {row[0] for row in book[sheet].iter_rows(min_row=3, values_only=True)}


def hazards(world, count, **values):
    return [
        record(world.own_institution, world.users["district"], description=f"隐患{n}", **values)
        for n in range(count)
    ]


def start_job(client, url, django_capture_on_commit_callbacks, send=True) -> str:
    """POST the export's form as its page does; the job's id from the redirect. `send`: the task is
    sent when the request's transaction commits (else it is not sent at all)."""
    with django_capture_on_commit_callbacks(execute=send):
        response = client.post(url, with_token(client))
    assert response.status_code == 302
    job_page = response["Location"]
    assert job_page.startswith("/exports/")
    return job_page.split("/")[2]


def test_up_to_the_cap_the_export_downloads_at_once(world, client, cap):
    made = hazards(world, 2)
    client.force_login(world.users["district"])
    response = client.get(reverse("hazards:export"))
    assert response["Content-Type"] == XLSX
    assert codes(response.content) == {h.code for h in made}


def test_above_the_cap_a_get_offers_a_job_and_writes_nothing(world, client, cap):
    hazards(world, 3)
    client.force_login(world.users["district"])
    response = get_writing_nothing(client, reverse("hazards:export") + "?category=fire")
    assert response.status_code == 200 and response["Content-Type"].startswith("text/html")
    page = response.content.decode()
    assert 'data-testid="export-large"' in page and 'name="submission_token"' in page
    assert f'action="{reverse("hazards:export")}?category=fire"' in page


def test_a_job_runs_and_its_asker_downloads_the_file(
    world, client, cap, eager, django_capture_on_commit_callbacks
):
    own = hazards(world, 3, category="fire")
    hazards(world, 1, category="food")
    theirs = record(world.other_institution, world.users["other_district"], description="铁西区的隐患")
    district = world.users["district"]
    client.force_login(district)
    job_id = start_job(
        client, reverse("hazards:export") + "?category=fire", django_capture_on_commit_callbacks
    )

    page = get_writing_nothing(client, reverse("core:export_job", args=[job_id]))
    assert page.status_code == 200
    body = page.content.decode()
    assert 'data-status="done"' in body and "hx-trigger" not in body  # done: no more polling
    download = reverse("core:export_download", args=[job_id])
    assert f'href="{download}"' in body

    response = get_writing_nothing(client, download)
    assert response.status_code == 200 and response["Content-Type"] == XLSX
    assert quote("风险隐患三个清单-") in response["Content-Disposition"]
    assert response["Cache-Control"] == "private, no-store"
    content = b"".join(response.streaming_content)
    assert codes(content) == {h.code for h in own}  # the filter, the user's scope
    assert theirs.code not in codes(content)
    assert sorted(os.listdir(exports.file_path(exports.get_job(job_id)).parent)) == [f"{job_id}.xlsx"]

    # Nobody else reaches the job, not even a user who sees the same hazards.
    for other in ("city", "other_district", "admin", "department"):
        client.force_login(world.users[other])
        for name in ("core:export_job", "core:export_status", "core:export_download"):
            assert client.get(reverse(name, args=[job_id])).status_code == 404, (other, name)


def test_a_job_holds_what_the_user_may_see_when_it_runs(
    world, client, cap, django_capture_on_commit_callbacks
):
    """The rows are found when the job runs, through the user's scope then: a hazard moved out of
    the district between the request and the run is not in the file."""
    made = hazards(world, 3)
    client.force_login(world.users["district"])
    job_id = start_job(client, reverse("hazards:export"), django_capture_on_commit_callbacks, send=False)
    assert exports.get_job(job_id)["status"] == exports.QUEUED
    status = client.get(reverse("core:export_status", args=[job_id])).content.decode()
    assert 'hx-get="{}"'.format(reverse("core:export_status", args=[job_id])) in status
    assert 'hx-trigger="every 2s"' in status

    Hazard.objects.filter(pk=made[0].pk).update(region=world.regions["210303"])
    exports.run_export(job_id)
    job = exports.get_job(job_id)
    assert job["status"] == exports.DONE and job["total"] == job["done"] == 2
    content = b"".join(client.get(reverse("core:export_download", args=[job_id])).streaming_content)
    assert codes(content) == {made[1].code, made[2].code}


def test_a_user_who_lost_the_role_no_longer_reaches_the_job(
    world, client, cap, eager, django_capture_on_commit_callbacks
):
    hazards(world, 3)
    district = world.users["district"]
    client.force_login(district)
    job_id = start_job(client, reverse("hazards:export"), django_capture_on_commit_callbacks)
    assert client.get(reverse("core:export_download", args=[job_id])).status_code == 200
    type(district).objects.filter(pk=district.pk).update(
        role="institution", institution=world.own_institution
    )
    assert client.get(reverse("core:export_download", args=[job_id])).status_code == 404


def test_a_job_that_fails_says_so(world, client, cap, eager, monkeypatch, django_capture_on_commit_callbacks):
    hazards(world, 3)
    client.force_login(world.users["district"])

    def broken(*args, **kwargs):
        raise RuntimeError("disk full")

    monkeypatch.setattr("hazards.excel.three_lists_workbook", broken)
    job_id = start_job(client, reverse("hazards:export"), django_capture_on_commit_callbacks)
    assert exports.get_job(job_id)["status"] == exports.FAILED
    body = client.get(reverse("core:export_job", args=[job_id])).content.decode()
    assert 'data-status="failed"' in body and "hx-trigger" not in body
    assert client.get(reverse("core:export_download", args=[job_id])).status_code == 404
    assert not list((exports.file_path({"path": "exports"})).glob("*"))  # no half-written file left


def test_jobs_and_files_expire(world, client, cap, eager, settings, django_capture_on_commit_callbacks):
    hazards(world, 3)
    client.force_login(world.users["district"])
    job_id = start_job(client, reverse("hazards:export"), django_capture_on_commit_callbacks)
    path = exports.file_path(exports.get_job(job_id))
    assert path.is_file()
    call_command("purge_exports", stdout=io.StringIO())
    assert path.is_file()  # younger than the keep time

    day_ago = time.time() - 24 * 3600 - 1
    os.utime(path, (day_ago, day_ago))
    settings.PORTAL_EXPORT_KEEP_HOURS = 0  # the job's link has expired too
    assert client.get(reverse("core:export_download", args=[job_id])).status_code == 404
    settings.PORTAL_EXPORT_KEEP_HOURS = 24
    out = io.StringIO()
    call_command("purge_exports", stdout=out)
    assert not path.exists() and "1" in out.getvalue()
    assert client.get(reverse("core:export_download", args=[job_id])).status_code == 404


def test_the_institution_export_takes_the_same_way(
    world, client, cap, eager, django_capture_on_commit_callbacks
):
    for n in range(3):
        valid_institution(world.regions["210302"], f"铁东区导出测试养老院{n}")
    client.force_login(world.users["district"])
    assert Institution.objects.visible_to(world.users["district"]).count() > 2
    response = client.get(reverse("institutions:export"))
    assert response["Content-Type"].startswith("text/html")
    job_id = start_job(client, reverse("institutions:export"), django_capture_on_commit_callbacks)
    content = b"".join(client.get(reverse("core:export_download", args=[job_id])).streaming_content)
    book = load_workbook(io.BytesIO(content))
    names = {row[0] for row in book["机构名单"].iter_rows(min_row=2, values_only=True)}
    assert names == set(
        Institution.objects.visible_to(world.users["district"]).values_list("name", flat=True)
    )


@pytest.mark.django_db(transaction=True)
def test_a_real_worker_writes_the_file_with_progress(world, client, celery_worker, settings):
    settings.PORTAL_EXPORT_SYNC_ROWS = 2
    made = hazards(world, 4)
    client.force_login(world.users["district"])
    response = client.post(reverse("hazards:export"), with_token(client))
    assert response.status_code == 302
    job_id = response["Location"].split("/")[2]
    deadline = time.monotonic() + 60
    while (job := exports.get_job(job_id))["status"] in (exports.QUEUED, exports.RUNNING):
        assert time.monotonic() < deadline, job
        time.sleep(0.2)
    assert job["status"] == exports.DONE and job["done"] == job["total"] == 4
    assert exports.file_path(job).parent.parent == celery_worker.media_root
    content = b"".join(client.get(reverse("core:export_download", args=[job_id])).streaming_content)
    assert codes(content) == {h.code for h in made}
