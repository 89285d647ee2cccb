"""Issue 18, the supervision records through the API: draws, inspection records, complaints and
credit records — scope and roles as the pages, the complainant as the pages show it, the complaint
intake refused by the page and the API alike, ?on= dates, constant queries, a token."""

import datetime

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from rest_framework.test import APIClient

from accounts.tokens import issue_token
from complaints import services as complaint_services
from complaints.models import Complaint
from core import dates
from inspections import records
from inspections.models import Finding, Inspection, InspectionItem
from tests.complaints import factories as complaint_factories
from tests.credit.factories import D, code, record
from tests.inspections import factories as inspection_factories
from tests.submissions import with_token

pytestmark = pytest.mark.django_db
RECEIVED = datetime.date(2025, 9, 26)


def api(world, role) -> APIClient:
    client = APIClient()
    client.force_authenticate(world.users[role])
    return client


# Draws -------------------------------------------------------------------------------------------


def test_a_drawn_draw_reads_with_its_institutions_and_inspectors_through_a_token(world):
    inspection_factories.directories(world)
    draw = inspection_factories.drawn(world)
    _row, raw = issue_token(user=world.users["district"], name="脚本", days=30)
    client = APIClient()
    listed = client.get("/api/v1/draws/", HTTP_AUTHORIZATION=f"Bearer {raw}")
    assert listed.status_code == 200
    assert [d["id"] for d in listed.json()["results"]] == [draw.pk]
    detail = client.get(f"/api/v1/draws/{draw.pk}/", HTTP_AUTHORIZATION=f"Bearer {raw}").json()
    assert detail["status"] == "drawn" and detail["drawn"]
    first = detail["drawn"][0]
    assert first["rank"] == 1 and first["name"] and first["inspectors"]
    assert {"name", "department"} == set(first["inspectors"][0])  # no phone, no certificate number
    assert inspection_factories.PHONE not in str(detail)


def test_draws_are_scoped_and_refused_to_other_roles(world):
    inspection_factories.directories(world)
    draw = inspection_factories.drawn(world)  # scope 铁东区
    assert api(world, "other_district").get(f"/api/v1/draws/{draw.pk}/").status_code == 404
    assert api(world, "other_district").get("/api/v1/draws/").json()["results"] == []
    for role in ("institution", "department"):
        assert api(world, role).get("/api/v1/draws/").status_code == 403


# Inspection records ------------------------------------------------------------------------------


def _record(world, institution=None):
    inspection_factories.directories(world, inspectors=0)
    return records.inspection_create(
        institution=institution or world.own_institution,
        kind="routine",
        inspected_on=dates.today(),
        inspectors=[],
        items=list(InspectionItem.objects.filter(code="A01")),
        by=world.users["city"],
    )


def test_an_institution_reads_its_record_once_concluded_and_cannot_conclude(world):
    inspection = _record(world)
    institution = api(world, "institution")
    assert institution.get(f"/api/v1/inspections/{inspection.pk}/").status_code == 404
    district = api(world, "district")
    refused = district.post(
        f"/api/v1/inspections/{inspection.pk}/conclude/",
        {"conclusion": "qualified", "summary": "良好"},
        format="json",
    )
    assert refused.status_code == 400 and "conclusion" in refused.json()  # points unanswered
    inspection.findings.update(answer=Finding.Answer.COMPLIES)
    done = district.post(
        f"/api/v1/inspections/{inspection.pk}/conclude/",
        {"conclusion": "qualified", "summary": "良好"},
        format="json",
    )
    assert done.status_code == 200 and done.json()["concluded_on"] == dates.today().isoformat()
    seen = institution.get(f"/api/v1/inspections/{inspection.pk}/").json()
    assert seen["conclusion"] == "qualified" and seen["findings"][0]["answer"] == "complies"
    assert seen["draw"] is None
    assert institution.post(f"/api/v1/inspections/{inspection.pk}/conclude/", {}).status_code == 403


def test_inspection_records_filter_and_stay_in_scope(world):
    own = _record(world)
    other = _record(world, world.other_institution)
    listed = api(world, "district").get("/api/v1/inspections/", {"institution": own.institution_id})
    assert [r["id"] for r in listed.json()["results"]] == [own.pk]
    assert api(world, "district").get(f"/api/v1/inspections/{other.pk}/").status_code == 404
    bad = api(world, "district").get("/api/v1/inspections/", {"inspected_from": "昨天"})
    assert bad.status_code == 400 and "inspected_from" in bad.json()


# Complaints --------------------------------------------------------------------------------------


def test_the_complainant_is_masked_in_the_list_full_for_staff_and_withheld_from_departments(world):
    complaint = complaint_factories.complaint(
        world.own_institution, world.users["district"], received_on=RECEIVED
    )
    district = api(world, "district")
    row = district.get("/api/v1/complaints/").json()["results"][0]
    assert row["complainant"] == {"name": "张*", "contact": "138****5678", "shown": True}
    full = district.get(f"/api/v1/complaints/{complaint.pk}/").json()
    assert full["complainant"]["contact"] == "13812345678"
    assert full["deadline"] == complaint_services.default_deadline(RECEIVED).isoformat()
    complaint_services.complaint_route(
        complaint=complaint,
        department="housing",
        expected_version=complaint.version,
        by=world.users["district"],
    )
    department = api(world, "department")
    body = department.get(f"/api/v1/complaints/{complaint.pk}/")
    assert body.status_code == 200 and body.json()["complainant"]["shown"] is False
    assert "张三" not in body.content.decode() and "5678" not in body.content.decode()
    assert "5678" not in department.get("/api/v1/complaints/").content.decode()
    assert api(world, "institution").get("/api/v1/complaints/").status_code == 403
    assert api(world, "other_district").get(f"/api/v1/complaints/{complaint.pk}/").status_code == 404


INTAKE = {
    "channel": "hotline",
    "category": "service",
    "content": "护工夜间无人值守。",
    "complainant_name": "王五",
    "complainant_contact": "13700001111",
}


@pytest.mark.parametrize(
    "role,change,status,field",
    [
        ("district", {"received_on": "2999-01-01"}, 400, "received_on"),  # in the future
        ("district", {"institution": "other"}, 400, "institution"),  # outside the district
        ("district", {"category": ""}, 400, "category"),
        ("department", {}, 403, None),  # departments do not take complaints in
    ],
)
def test_the_page_and_the_api_refuse_the_same_intake(client, world, role, change, status, field):
    data = {**INTAKE, "received_on": RECEIVED.isoformat(), "institution": world.own_institution.pk, **change}
    if data["institution"] == "other":
        data["institution"] = world.other_institution.pk
    client.force_login(world.users[role])
    page = client.post(reverse("complaints:create"), with_token(client, data))
    answer = api(world, role).post("/api/v1/complaints/", data, format="json")
    assert page.status_code == answer.status_code == status
    if field:
        assert field in answer.json() and field in page.context["form"].errors
        assert any("\u4e00" <= ch <= "\u9fff" for ch in answer.json()[field][0])
    assert not Complaint.objects.exists()


def test_intake_then_route_and_a_stale_version_is_409(world):
    district = api(world, "district")
    data = {**INTAKE, "received_on": RECEIVED.isoformat(), "institution": world.own_institution.pk}
    made = district.post("/api/v1/complaints/", data, format="json")
    assert made.status_code == 201, made.json()
    body = made.json()
    assert body["status"] == "received" and body["complainant"]["name"] == "王五"
    url = f"/api/v1/complaints/{body['id']}/route/"
    routed = district.post(url, {"department": "housing", "version": body["version"]}, format="json")
    assert routed.status_code == 200 and routed.json()["status"] == "handling"
    stale = district.post(url, {"department": "", "version": body["version"]}, format="json")
    assert stale.status_code == 409 and stale.json()["code"] == "concurrent_edit"
    closing = district.post(
        f"/api/v1/complaints/{body['id']}/close/", {"version": routed.json()["version"]}, format="json"
    )
    assert closing.status_code == 400 and {"result", "reply"} <= set(closing.json())


# Credit records ----------------------------------------------------------------------------------


def test_the_standing_of_a_code_on_a_date_and_a_bad_date(world):
    credit_code = code(body="MJ7000001")
    record(
        world,
        credit_code,
        decided_on=D(2026, 1, 5),
        expires_on=D(2026, 6, 30),
        institution=world.own_institution,
    )
    district = api(world, "district")
    url = f"/api/v1/credit/records/by-code/{credit_code}/"
    assert district.get(url, {"on": "2026-03-01"}).json()["standing"] == "dishonest"
    after = district.get(url, {"on": "2026-07-01"}).json()
    assert after["standing"] == "none" and after["records"][0]["in_force"] is False
    bad = district.get("/api/v1/credit/records/", {"on": "2026-13-01"})
    assert bad.status_code == 400 and "查询日期" in bad.json()["on"][0]
    assert district.get(url, {"on": "明天"}).status_code == 400
    assert api(world, "other_district").get(url).status_code == 404
    listed = district.get("/api/v1/credit/records/", {"on": "2026-03-01", "status": "in_force"}).json()
    assert [r["credit_code"] for r in listed["results"]] == [credit_code]


def test_an_institution_reads_only_its_own_credit_records(world):
    own = record(world, code(body="MJ7000002"), decided_on=D(2026, 1, 5), institution=world.own_institution)
    other = record(
        world, code(body="MJ7000003"), decided_on=D(2026, 1, 5), institution=world.other_institution
    )
    institution = api(world, "institution")
    assert [r["id"] for r in institution.get("/api/v1/credit/records/").json()["results"]] == [own.pk]
    assert institution.get(f"/api/v1/credit/records/{other.pk}/").status_code == 404


# Constant queries --------------------------------------------------------------------------------


def _queries(client, url) -> int:
    with CaptureQueriesContext(connection) as captured:
        assert client.get(url).status_code == 200
    return len(captured)


def test_lists_run_a_constant_number_of_queries(world, django_assert_num_queries):
    district = api(world, "district")
    inspection_factories.directories(world, inspectors=0)
    items = list(InspectionItem.objects.filter(code="A01"))
    urls = ["/api/v1/complaints/", "/api/v1/inspections/", "/api/v1/credit/records/", "/api/v1/draws/"]

    def add(n, start):
        for i in range(n):
            complaint_factories.raw(world.own_institution, world.users["district"], received_on=RECEIVED)
            inspection = Inspection.objects.create(
                institution=world.own_institution,
                region_id=world.own_institution.region_id,
                kind="routine",
                inspected_on=dates.today(),
                created_by=world.users["district"],
            )
            inspection.items.set(items)
            record(
                world,
                code(body=f"MJ8{start + i:06d}"),
                decided_on=D(2026, 1, 5),
                institution=world.own_institution,
            )
            inspection_factories.draft(world)

    add(2, 0)
    for url in urls:  # the first request's one-off reads (content types, the calendar)
        district.get(url)
    small = {url: _queries(district, url) for url in urls}
    add(5, 100)
    for url in urls:
        with django_assert_num_queries(small[url]):
            assert district.get(url).status_code == 200
