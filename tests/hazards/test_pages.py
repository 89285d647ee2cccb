"""The ledger's pages: list with counts and filters, inline steps (HTMX), forms, conflicts."""

import datetime

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from hazards import services
from hazards.models import Hazard, HazardEvent
from tests.hazards.factories import advance, hazard_values, notice, photo, record
from tests.submissions import with_token


@pytest.fixture(autouse=True)
def media(settings, tmp_path):
    settings.MEDIA_ROOT = tmp_path


@pytest.fixture
def today_2026(time_machine_2026):
    """The portal's today is 2026-11-23 (Asia/Shanghai)."""


def login(client, world, who):
    client.force_login(world.users[who])
    return client


def bulk_hazards(world, count, institution=None, start=0, **overrides):
    institution = institution or world.own_institution
    district = world.users["district"]
    rows = []
    for n in range(count):
        values = hazard_values(institution, **overrides)
        rows.append(
            Hazard(
                **values,
                code=f"{institution.region.code}-2025-{start + n + 1:05d}",
                region=institution.region,
                original_deadline=values["deadline"],
                created_by=district,
                status=["pending", "in_progress", "awaiting_verification", "closed"][n % 4],
            )
        )
    Hazard.objects.bulk_create(rows)


def test_list_counts_by_status_overdue_and_listed(client, world, today_2026):
    district = world.users["district"]
    record(world.own_institution, district, deadline=datetime.date(2026, 11, 20))  # overdue
    record(world.own_institution, district)  # due Nov 30
    started = advance(record(world.own_institution, district), "in_progress", district=district)
    record(
        world.own_institution,
        district,
        severity="major",
        is_major_fire=True,
        major_determined_by="鞍山市消防救援支队",
        major_determined_on=datetime.date(2026, 11, 5),
        is_listed=True,
        listed_by="鞍山市人民政府",
    )
    record(world.other_institution, world.users["other_district"])  # not in 铁东区's counts
    response = login(client, world, "district").get(reverse("hazards:list"))
    counts = response.context["counts"]
    assert (
        counts["total"],
        counts["pending"],
        counts["in_progress"],
        counts["overdue"],
        counts["listed"],
    ) == (
        4,
        3,
        1,
        1,
        1,
    )
    assert started.code in response.content.decode()
    body = response.content.decode()
    assert "逾期" in body and "挂牌督办" in body


@pytest.mark.parametrize(
    ("query", "expected"),
    [
        ({"overdue": "yes"}, {"逾期的"}),
        ({"due_within": "7"}, {"七天内到期"}),
        ({"status": "in_progress"}, {"已开始"}),
        ({"q": "七天"}, {"七天内到期"}),
        ({"department": "housing"}, {"移交住建"}),
        ({"is_listed": "yes"}, set()),
        ({"deadline_from": "2027-01-01"}, {"明年到期"}),
        ({"found_from": "2026-11-10", "found_to": "2026-11-12"}, {"已开始"}),
    ],
)
def test_list_filters(client, world, today_2026, query, expected):
    district = world.users["district"]
    record(world.own_institution, district, description="逾期的", deadline=datetime.date(2026, 11, 22))
    record(world.own_institution, district, description="七天内到期", deadline=datetime.date(2026, 11, 30))
    record(world.own_institution, district, description="明年到期", deadline=datetime.date(2027, 2, 1))
    started = record(
        world.own_institution,
        district,
        description="已开始",
        found_on=datetime.date(2026, 11, 11),
        deadline=datetime.date(2026, 12, 20),
    )
    services.hazard_transition(hazard=started, action="start", by=district)
    referred = record(
        world.own_institution,
        district,
        description="移交住建",
        category="building",
        deadline=datetime.date(2026, 12, 20),
    )
    services.referral_create(
        hazard=referred,
        department="housing",
        referred_on=datetime.date(2026, 11, 3),
        note="",
        notice=notice(),
        by=district,
    )
    response = login(client, world, "district").get(reverse("hazards:list"), query)
    assert {row["hazard"].description for row in response.context["rows"]} == expected


def test_the_list_runs_the_same_queries_at_20_and_at_2000_hazards(client, world, today_2026):
    login(client, world, "district")
    bulk_hazards(world, 20)
    with CaptureQueriesContext(connection) as small:
        assert client.get(reverse("hazards:list"), {"overdue": "no"}).status_code == 200
    bulk_hazards(world, 1980, start=20, description="另一批")
    with CaptureQueriesContext(connection) as large:
        response = client.get(reverse("hazards:list"), {"overdue": "no"})
    assert response.context["counts"]["total"] == 2000
    assert len(large) == len(small), [q["sql"][:120] for q in large.captured_queries]
    assert len(large) <= 12


def test_a_quick_step_swaps_the_row_and_refreshes_the_counts(client, world):
    hazard = record(world.own_institution, world.users["district"])
    response = login(client, world, "institution").post(
        reverse("hazards:transition", args=[hazard.pk, "start"]),
        with_token(client, {"expected_version": hazard.version}),
        HTTP_HX_REQUEST="true",
    )
    assert response.status_code == 200
    assert response["HX-Trigger"] == "hazardsChanged"
    body = response.content.decode()
    assert body.lstrip().startswith("<tr") and "整改中" in body
    counts = client.get(reverse("hazards:list"), {"fragment": "counts"}, HTTP_HX_REQUEST="true")
    assert 'data-count="in_progress"><span class="count-value">1<' in counts.content.decode()


def test_a_refused_quick_step_says_why_in_the_row(client, world):
    hazard = advance(
        record(world.own_institution, world.users["district"]),
        "in_progress",
        district=world.users["district"],
    )
    response = login(client, world, "institution").post(
        reverse("hazards:transition", args=[hazard.pk, "submit"]),
        with_token(client, {}),
        HTTP_HX_REQUEST="true",
    )
    assert response.status_code == 200 and "HX-Trigger" not in response
    assert "请先上传" in response.content.decode() or "整改完成" in response.content.decode()
    hazard.refresh_from_db()
    assert hazard.status == "in_progress"


def test_verifying_inline_takes_the_opinion_from_the_prompt(client, world):
    district = world.users["district"]
    hazard = advance(record(world.own_institution, district), "awaiting_verification", district=district)
    response = login(client, world, "district").post(
        reverse("hazards:transition", args=[hazard.pk, "close"]),
        with_token(client, {"expected_version": hazard.version}),
        HTTP_HX_REQUEST="true",
        HTTP_HX_PROMPT="现场核查，整改到位",
    )
    assert response.status_code == 200
    hazard.refresh_from_db()
    assert (hazard.status, hazard.verification_opinion) == ("closed", "现场核查，整改到位")


@pytest.mark.parametrize(
    ("who", "status_code"),
    [("district", 302), ("institution", 400), ("other_district", 404), ("city", 403), ("department", 403)],
)
def test_closing_through_the_page_per_role(client, world, who, status_code):
    district = world.users["district"]
    hazard = advance(record(world.own_institution, district), "awaiting_verification", district=district)
    response = login(client, world, who).post(
        reverse("hazards:transition", args=[hazard.pk, "close"]),
        with_token(client, {"note": "同意销号", "expected_version": hazard.version}),
    )
    assert response.status_code == status_code
    hazard.refresh_from_db()
    assert (hazard.status == "closed") == (who == "district")
    if who == "institution":
        assert "民政" in response.content.decode()


def test_recording_a_hazard_through_the_form(client, world):
    login(client, world, "district")
    page = client.get(reverse("hazards:create"))
    assert world.other_institution.name not in page.content.decode()  # only the district's institutions
    data = {
        **hazard_values(world.own_institution),
        "institution": world.own_institution.pk,
        "deadline": "2026-10-01",
    }
    response = client.post(reverse("hazards:create"), with_token(client, data))
    assert response.status_code == 200 and not Hazard.objects.exists()
    assert "整改时限不能早于" in response.content.decode() or "不能早于发现" in response.content.decode()
    data["deadline"] = "2026-12-15"
    response = client.post(reverse("hazards:create"), with_token(client, data))
    hazard = Hazard.objects.get()
    assert response.status_code == 302 and response["Location"] == reverse("hazards:detail", args=[hazard.pk])
    assert hazard.created_by == world.users["district"] and hazard.status == "pending"


def test_the_second_of_two_concurrent_edits_is_refused_and_keeps_its_input(client, world):
    hazard = record(world.own_institution, world.users["district"])
    login(client, world, "district")
    data = {
        **hazard_values(world.own_institution),
        "institution": world.own_institution.pk,
        "expected_version": 1,
    }
    first = client.post(
        reverse("hazards:edit", args=[hazard.pk]),
        with_token(client, {**data, "measures": "第一位同事的措施"}),
    )
    assert first.status_code == 302
    second = client.post(
        reverse("hazards:edit", args=[hazard.pk]),
        with_token(client, {**data, "measures": "第二位同事的措施"}),
    )
    assert second.status_code == 200
    body = second.content.decode()
    assert "第二位同事的措施" in body and "保存" in body
    hazard.refresh_from_db()
    assert hazard.measures == "第一位同事的措施"


def test_uploading_evidence_through_the_page(client, world):
    hazard = record(world.own_institution, world.users["district"])
    login(client, world, "institution")
    url = reverse("hazards:evidence", args=[hazard.pk])
    response = client.post(url, with_token(client, {"purpose": "after", "file": _html_named_pdf()}))
    assert response.status_code == 400
    assert not hazard.evidence.exists()
    response = client.post(url, with_token(client, {"purpose": "after", "file": photo("../../x.png")}))
    assert response.status_code == 302
    evidence = hazard.evidence.get()
    assert evidence.original_name == "x.png" and "/evidence/" in evidence.file.path.replace("\\", "/")
    assert HazardEvent.objects.filter(hazard=hazard, action="evidence").count() == 1


def _html_named_pdf():
    from django.core.files.uploadedfile import SimpleUploadedFile

    return SimpleUploadedFile(
        "整改报告.pdf", b"<html><script>alert(1)</script></html>", content_type="application/pdf"
    )


def test_referral_and_reply_through_the_pages(client, world):
    hazard = record(world.own_institution, world.users["district"], category="building")
    login(client, world, "district")
    response = client.post(
        reverse("hazards:refer", args=[hazard.pk]),
        with_token(
            client,
            {
                "department": "housing",
                "referred_on": "2026-11-04",
                "note": "请开展建筑安全检查",
                "notice": notice(),
            },
        ),
    )
    assert response.status_code == 302
    referral = hazard.referrals.get()
    login(client, world, "department")
    page = client.get(reverse("hazards:detail", args=[hazard.pk]))
    assert page.status_code == 200 and "书面告知书.pdf" in page.content.decode()
    response = client.post(
        reverse("hazards:reply", args=[referral.pk]),
        with_token(
            client, {f"r{referral.pk}-reply": "已责令限期修复", f"r{referral.pk}-replied_on": "2026-11-06"}
        ),
    )
    assert response.status_code == 302
    referral.refresh_from_db()
    assert referral.reply == "已责令限期修复"


def test_a_deleted_hazard_answers_404(client, world):
    hazard = record(world.own_institution, world.users["district"])
    login(client, world, "district")
    response = client.post(
        reverse("hazards:delete", args=[hazard.pk]), with_token(client, {"reason": "重复录入"})
    )
    assert response.status_code == 302
    assert client.get(reverse("hazards:detail", args=[hazard.pk])).status_code == 404


STEP_SOURCE = {
    "start": "pending",
    "submit": "in_progress",
    "close": "awaiting_verification",
    "return": "awaiting_verification",
}
STEP_ROLES = {
    "start": {"district", "institution"},
    "submit": {"district", "institution"},
    "close": {"district"},
    "return": {"district"},
}


@pytest.mark.parametrize("who", ["district", "institution", "other_district", "city", "department", "admin"])
@pytest.mark.parametrize("action", sorted(STEP_SOURCE))
def test_every_step_through_the_page_per_role(client, world, action, who):
    district = world.users["district"]
    hazard = advance(record(world.own_institution, district), STEP_SOURCE[action], district=district)
    if action == "submit":
        services.evidence_add(hazard=hazard, file=photo(), purpose="after", by=district)
    response = login(client, world, who).post(
        reverse("hazards:transition", args=[hazard.pk, action]),
        with_token(
            client, {"note": "现场核查意见", "expected_version": Hazard.objects.get(pk=hazard.pk).version}
        ),
    )
    hazard.refresh_from_db()
    if who in STEP_ROLES[action]:
        assert response.status_code == 302
        assert hazard.status != STEP_SOURCE[action]
    else:
        # a role without the step is refused before anything (403), a user outside the region
        # does not find the hazard (404), an institution is told why on the page (400)
        assert response.status_code == {"other_district": 404, "institution": 400}.get(who, 403)
        assert hazard.status == STEP_SOURCE[action]
