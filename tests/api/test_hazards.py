"""The hazard ledger's API (issue 18): scoping per role, the page's role gates and filters, the
services' rules (400 in Chinese, 409 on a stale version), files with the page's checks, written
notices, a constant number of queries, and a token-authenticated call."""

import datetime

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.db import connection
from django.test.utils import CaptureQueriesContext
from rest_framework.test import APIClient

from accounts.tokens import issue_token
from hazards import services
from hazards.models import Hazard, HazardEvent, Referral
from tests.hazards.factories import advance, hazard_values, notice, photo, record

pytestmark = pytest.mark.django_db

READERS_OF_OWN = ["city", "district", "institution", "admin"]


@pytest.fixture(autouse=True)
def media(settings, tmp_path):
    settings.MEDIA_ROOT = tmp_path


def api(world, who) -> APIClient:
    client = APIClient()
    client.force_authenticate(world.users[who])
    return client


def ids(response) -> set[int]:
    assert response.status_code == 200, response.content
    return {row["id"] for row in response.json()["results"]}


@pytest.fixture
def ledger(world):
    district = world.users["district"]
    own = record(world.own_institution, district)
    late = record(
        world.own_institution, district, deadline=datetime.date(2026, 11, 10), description="逾期未整改"
    )
    other = record(world.other_institution, world.users["other_district"])
    return {"own": own, "late": late, "other": other}


# Reading: scope per role ------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("who", "sees"),
    [
        ("city", {"own", "late", "other"}),
        ("district", {"own", "late"}),
        ("other_district", {"other"}),
        ("institution", {"own", "late"}),
        ("department", set()),  # nothing referred to it yet
        ("admin", {"own", "late", "other"}),
    ],
)
def test_the_list_is_the_readers_scope(world, ledger, who, sees):
    assert ids(api(world, who).get("/api/v1/hazards/")) == {ledger[name].pk for name in sees}


def test_a_department_reads_what_was_referred_to_it(world, ledger):
    services.referral_create(
        hazard=ledger["own"],
        department="housing",
        referred_on=datetime.date(2026, 11, 3),
        note="请核查",
        notice=notice(),
        by=world.users["district"],
    )
    department = api(world, "department")
    assert ids(department.get("/api/v1/hazards/")) == {ledger["own"].pk}
    assert department.get(f"/api/v1/hazards/{ledger['late'].pk}/").status_code == 404
    notices = department.get("/api/v1/referrals/").json()["results"]
    assert [(n["hazard"], n["department"]) for n in notices] == [(ledger["own"].pk, "housing")]
    assert notices[0]["files"][0]["original_name"] == "书面告知书.pdf"


@pytest.mark.parametrize("who", ["other_district", "department"])
def test_a_hazard_outside_the_scope_is_404(world, ledger, who):
    client = api(world, who)
    hazard = ledger["own"]
    assert client.get(f"/api/v1/hazards/{hazard.pk}/").status_code == 404
    assert client.get(f"/api/v1/hazards/{hazard.pk}/evidence/").status_code == 404


def test_the_detail_has_the_timeline_files_and_next_steps(world, ledger):
    hazard = ledger["own"]
    services.evidence_add(
        hazard=hazard, file=photo("整改前.png"), purpose="before", by=world.users["district"]
    )
    body = api(world, "institution").get(f"/api/v1/hazards/{hazard.pk}/").json()
    assert body["code"] == hazard.code and body["status"] == "pending" and body["status_label"] == "待整改"
    assert [event["action"] for event in body["events"]] == ["create", "evidence"]
    assert [(f["purpose"], f["original_name"]) for f in body["evidence"]] == [("before", "整改前.png")]
    assert body["evidence"][0]["download_url"].endswith(
        f"/api/v1/evidence/{body['evidence'][0]['id']}/download/"
    )
    assert [step["action"] for step in body["steps"]] == ["start"]
    assert body["allowed"]["edit"] is False and body["allowed"]["add_evidence"] is True
    assert body["version"] == hazard.version


def test_filters_are_the_pages(world, ledger, time_machine_2026):
    client = api(world, "city")
    assert ids(client.get("/api/v1/hazards/", {"overdue": "yes"})) == {ledger["late"].pk}
    assert ids(client.get("/api/v1/hazards/", {"region": world.regions["210303"].pk})) == {ledger["other"].pk}
    assert ids(client.get("/api/v1/hazards/", {"institution": world.own_institution.pk})) == {
        ledger["own"].pk,
        ledger["late"].pk,
    }
    assert ids(client.get("/api/v1/hazards/", {"status": "pending", "q": "逾期"})) == {ledger["late"].pk}
    bad = client.get("/api/v1/hazards/", {"overdue": "maybe"})
    assert bad.status_code == 400 and "overdue" in bad.json()


def test_a_region_outside_the_scope_is_refused_as_a_filter(world, ledger):
    answer = api(world, "district").get("/api/v1/hazards/", {"region": world.regions["210303"].pk})
    assert answer.status_code == 400 and "region" in answer.json()


def test_ordering_and_cursor_pages_cover_every_hazard_once(world):
    district = world.users["district"]
    made = [
        record(world.own_institution, district, deadline=datetime.date(2026, 12, 1 + n % 3)) for n in range(7)
    ]
    client = api(world, "district")
    seen, url = [], "/api/v1/hazards/?ordering=deadline&page_size=3"
    while url:
        body = client.get(url).json()
        seen += [(row["deadline"], row["id"]) for row in body["results"]]
        url = body["next"]
    assert sorted(seen) == seen and len(seen) == len({i for _d, i in seen}) == len(made)


def test_the_list_runs_the_same_queries_at_two_sizes(world, django_assert_num_queries, time_machine_2026):
    from tests.hazards.test_pages import bulk_hazards

    client = api(world, "district")
    bulk_hazards(world, 5)
    client.get("/api/v1/hazards/")  # the first request of a test caches the content types
    with CaptureQueriesContext(connection) as small:
        assert len(client.get("/api/v1/hazards/", {"overdue": "no"}).json()["results"]) == 5
    bulk_hazards(world, 195, start=5)
    with django_assert_num_queries(len(small)):
        assert len(client.get("/api/v1/hazards/", {"overdue": "no"}).json()["results"]) == 50


def test_a_token_reads_overdue_hazards_with_its_users_scope(world, ledger, time_machine_2026):
    _row, raw = issue_token(user=world.users["district"], name="区县系统对接", days=30)
    client = APIClient()
    answer = client.get("/api/v1/hazards/", {"overdue": "yes"}, HTTP_AUTHORIZATION=f"Bearer {raw}")
    assert ids(answer) == {ledger["late"].pk}
    assert (
        client.get(f"/api/v1/hazards/{ledger['other'].pk}/", HTTP_AUTHORIZATION=f"Bearer {raw}").status_code
        == 404
    )
    assert client.get("/api/v1/hazards/").status_code == 401


# Writing: the page's role gates and the services' rules ------------------------------------------


def payload(world, **overrides):
    values = hazard_values(world.own_institution, **overrides)
    values["institution"] = values["institution"].pk
    return {key: str(value) if isinstance(value, datetime.date) else value for key, value in values.items()}


def test_district_staff_record_a_hazard(world):
    answer = api(world, "district").post("/api/v1/hazards/", payload(world), format="json")
    assert answer.status_code == 201, answer.json()
    hazard = Hazard.objects.get(pk=answer.json()["id"])
    assert hazard.status == "pending" and hazard.created_by == world.users["district"]
    assert answer.json()["code"].startswith("210302-2026-")


def test_recording_with_photos_checks_every_file(world):
    client = api(world, "district")
    data = {**payload(world), "photos": [photo("现场.png"), SimpleUploadedFile("x.pdf", b"<html></html>")]}
    answer = client.post("/api/v1/hazards/", data, format="multipart")
    assert answer.status_code == 400 and "photos" in answer.json()
    assert not Hazard.objects.exists()
    data["photos"] = [photo("现场.png")]
    answer = client.post("/api/v1/hazards/", data, format="multipart")
    assert answer.status_code == 201 and [f["purpose"] for f in answer.json()["evidence"]] == ["before"]


@pytest.mark.parametrize(
    ("who", "code"), [("institution", 403), ("city", 403), ("department", 403), ("admin", 403)]
)
def test_other_roles_do_not_record(world, who, code):
    assert api(world, who).post("/api/v1/hazards/", payload(world), format="json").status_code == code
    assert not Hazard.objects.exists()


def test_bad_input_is_a_chinese_field_message(world):
    client = api(world, "district")
    answer = client.post(
        "/api/v1/hazards/", payload(world, deadline=datetime.date(2026, 10, 1)), format="json"
    )
    assert answer.status_code == 400
    assert "不能早于" in answer.json()["deadline"][0]
    foreign = {**payload(world), "institution": world.other_institution.pk}
    answer = client.post("/api/v1/hazards/", foreign, format="json")
    assert answer.status_code == 400 and "institution" in answer.json()


def test_an_edit_with_a_stale_version_is_409(world, ledger):
    hazard = ledger["own"]
    client = api(world, "district")
    url = f"/api/v1/hazards/{hazard.pk}/"
    first = client.patch(url, {"measures": "第一位同事的措施", "version": hazard.version}, format="json")
    assert first.status_code == 200 and first.json()["version"] == hazard.version + 1
    second = client.patch(url, {"measures": "第二位同事的措施", "version": hazard.version}, format="json")
    assert second.status_code == 409 and second.json()["code"] == "concurrent_edit"
    hazard.refresh_from_db()
    assert hazard.measures == "第一位同事的措施"
    assert client.patch(url, {"measures": "无版本"}, format="json").status_code == 400
    moved = client.patch(url, {"deadline": "2027-01-01", "version": hazard.version}, format="json")
    assert moved.status_code == 400 and "deadline" in moved.json()  # through extend only
    assert (
        api(world, "other_district").patch(url, {"measures": "x", "version": 2}, format="json").status_code
        == 404
    )
    assert (
        api(world, "institution").patch(url, {"measures": "x", "version": 2}, format="json").status_code
        == 403
    )


def test_the_deadline_changes_with_a_reason_and_a_version(world, ledger):
    hazard = ledger["own"]
    client = api(world, "district")
    url = f"/api/v1/hazards/{hazard.pk}/extend/"
    missing = client.post(url, {"new_deadline": "2026-12-20", "reason": "", "version": hazard.version})
    assert missing.status_code == 400 and "reason" in missing.json()
    answer = client.post(
        url, {"new_deadline": "2026-12-20", "reason": "需采购设备", "version": hazard.version}
    )
    assert answer.status_code == 200 and answer.json()["deadline"] == "2026-12-20"
    assert answer.json()["original_deadline"] == "2026-11-30" and answer.json()["is_extended"] is True
    stale = client.post(url, {"new_deadline": "2026-12-25", "reason": "再延期", "version": hazard.version})
    assert stale.status_code == 409


def test_delete_needs_district_staff_and_a_reason(world, ledger):
    hazard = ledger["own"]
    url = f"/api/v1/hazards/{hazard.pk}/"
    assert api(world, "institution").delete(url, {"reason": "重复"}, format="json").status_code == 403
    client = api(world, "district")
    assert client.delete(url, {}, format="json").status_code == 400
    assert client.delete(url, {"reason": "重复录入"}, format="json").status_code == 204
    assert client.get(url).status_code == 404
    assert Hazard.objects.get(pk=hazard.pk).delete_reason == "重复录入"


# Files ------------------------------------------------------------------------------------------


def test_upload_checks_the_file_as_the_page_and_download_sends_it_as_the_page(world, ledger):
    hazard = ledger["own"]
    client = api(world, "institution")
    url = f"/api/v1/hazards/{hazard.pk}/evidence/"
    fake = SimpleUploadedFile(
        "整改报告.pdf", b"<html><script>alert(1)</script></html>", content_type="application/pdf"
    )
    refused = client.post(url, {"purpose": "after", "file": fake}, format="multipart")
    assert (
        refused.status_code == 400
        and "file" in refused.json()
        and "整改报告.pdf" in refused.json()["file"][0]
    )
    bad_purpose = client.post(url, {"purpose": "notice", "file": photo()}, format="multipart")
    assert bad_purpose.status_code == 400 and "purpose" in bad_purpose.json()
    answer = client.post(url, {"purpose": "after", "file": photo("../../整改后.png")}, format="multipart")
    assert answer.status_code == 201, answer.json()
    assert answer.json()["original_name"] == "整改后.png"
    assert HazardEvent.objects.filter(hazard=hazard, action="evidence").count() == 1
    assert [f["id"] for f in client.get(url).json()] == [answer.json()["id"]]
    download = client.get(answer.json()["download_url"])
    assert download.status_code == 200
    assert download["Content-Type"] == "image/png" and download["X-Content-Type-Options"] == "nosniff"
    assert download["Content-Disposition"].startswith("attachment")
    assert "sandbox" in download["Content-Security-Policy"]
    assert b"".join(download.streaming_content).startswith(b"\x89PNG")
    evidence_id = answer.json()["id"]
    for who in ("other_district", "department"):
        assert api(world, who).get(f"/api/v1/evidence/{evidence_id}/download/").status_code == 404
        assert api(world, who).get(f"/api/v1/evidence/{evidence_id}/").status_code == 404
    assert api(world, "city").get(f"/api/v1/evidence/{evidence_id}/").json()["purpose"] == "after"


@pytest.mark.parametrize(("who", "code"), [("city", 403), ("department", 403), ("other_district", 404)])
def test_only_the_hazards_district_and_institution_upload(world, ledger, who, code):
    url = f"/api/v1/hazards/{ledger['own'].pk}/evidence/"
    assert (
        api(world, who).post(url, {"purpose": "after", "file": photo()}, format="multipart").status_code
        == code
    )


def test_a_closed_hazards_files_no_longer_change(world, ledger):
    district = world.users["district"]
    hazard = advance(ledger["own"], "closed", district=district)
    answer = api(world, "district").post(
        f"/api/v1/hazards/{hazard.pk}/evidence/", {"purpose": "after", "file": photo()}, format="multipart"
    )
    assert answer.status_code == 400 and answer.json()["non_field_errors"]


# Written notices --------------------------------------------------------------------------------


def test_district_refers_and_the_department_replies(world, ledger):
    hazard = ledger["own"]
    district = api(world, "district")
    url = f"/api/v1/hazards/{hazard.pk}/refer/"
    data = {"department": "housing", "referred_on": "2026-11-04", "note": "请开展建筑安全检查"}
    missing = district.post(url, data, format="multipart")
    assert missing.status_code == 400 and "notice" in missing.json()
    answer = district.post(url, {**data, "notice": notice()}, format="multipart")
    assert answer.status_code == 201, answer.json()
    again = district.post(url, {**data, "notice": notice()}, format="multipart")
    assert again.status_code == 400 and "department" in again.json()
    referral = Referral.objects.get()
    reply_url = f"/api/v1/referrals/{referral.pk}/reply/"
    assert district.post(reply_url, {"reply": "x", "replied_on": "2026-11-06"}).status_code == 403
    assert (
        api(world, "institution").post(reply_url, {"reply": "x", "replied_on": "2026-11-06"}).status_code
        == 403
    )
    department = api(world, "department")
    early = department.post(reply_url, {"reply": "已责令限期修复", "replied_on": "2026-11-01"})
    assert early.status_code == 400 and "replied_on" in early.json()
    done = department.post(reply_url, {"reply": "已责令限期修复", "replied_on": "2026-11-06"})
    assert done.status_code == 200 and done.json()["reply"] == "已责令限期修复"
    assert ids(department.get("/api/v1/referrals/", {"replied": "yes"})) == {referral.pk}
    assert ids(department.get("/api/v1/referrals/", {"replied": "no"})) == set()
    # an institution never sees the notices between authorities
    assert ids(api(world, "institution").get("/api/v1/referrals/")) == set()
    assert api(world, "other_district").get(f"/api/v1/referrals/{referral.pk}/").status_code == 404
