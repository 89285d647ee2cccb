"""The incident and drill pages: scoping, forms (Chinese errors naming the field), double submit,
constant query counts."""

import datetime

import pytest
from django.urls import reverse
from django.utils import timezone

from emergencies.models import Drill, Incident, IncidentNotification
from emergencies.rules import HalfYear
from tests.conftest import make_user
from tests.emergencies import factories
from tests.submissions import with_token

pytestmark = pytest.mark.django_db


def _incident_post(world, **changes):
    return {
        "institution": world.own_institution.pk,
        "kind": "food_poisoning",
        "occurred_on": (timezone.localdate() - datetime.timedelta(days=1)).isoformat(),
        "occurred_time": "12:30",
        "description": "午餐后六名老人腹泻呕吐",
        **changes,
    }


def test_institution_records_an_incident_and_enters_each_recipient(world, client):
    client.force_login(world.users["institution"])
    page = client.get(reverse("emergencies:incident_create"))
    assert page.status_code == 200
    data = with_token(client, _incident_post(world, institution=world.other_institution.pk))
    # another institution cannot be chosen (the choice is the user's own)
    assert client.post(reverse("emergencies:incident_create"), data).status_code == 200
    assert not Incident.objects.exists()
    data = with_token(client, _incident_post(world))
    response = client.post(reverse("emergencies:incident_create"), data)
    incident = Incident.objects.get()
    assert response.status_code == 302
    # the same submission again (a double click): the same answer, one incident
    again = client.post(reverse("emergencies:incident_create"), data)
    assert again.status_code == 302 and again["Location"] == response["Location"]
    assert Incident.objects.count() == 1
    assert incident.notifications.count() == 4
    detail = client.get(response["Location"])
    body = detail.content.decode()
    assert detail.status_code == 200
    assert body.count('data-testid="notification-form"') == 4
    assert "市场监督管理部门" in body and "疾病预防控制机构" in body
    assert body.count('data-state="overdue"') == 4  # a day ago, nobody told
    market = incident.notifications.get(recipient="market")
    local = timezone.localtime(incident.occurred_at)
    told = local + datetime.timedelta(hours=3)
    post = with_token(
        client,
        {
            f"n{market.pk}-notified_on": told.date().isoformat(),
            f"n{market.pk}-notified_time": f"{told:%H:%M}",
            f"n{market.pk}-note": "电话12315",
            f"n{market.pk}-expected_version": 1,
        },
    )
    assert client.post(reverse("emergencies:notification_save", args=[market.pk]), post).status_code == 302
    market.refresh_from_db()
    assert market.notified_at == told and market.version == 2
    body = client.get(response["Location"]).content.decode()
    assert 'data-recipient="market" data-state="late"' in body
    assert "迟报" in body


def test_bad_input_is_refused_in_chinese_naming_the_field(world, client):
    client.force_login(world.users["district"])
    future = (timezone.localdate() + datetime.timedelta(days=2)).isoformat()
    cases = [
        ({"occurred_time": "25:00"}, "发生时间：请按“时:分”"),
        ({"occurred_on": "2026-13-01"}, "发生日期："),
        ({"occurred_on": future}, "发生时间：不能晚于现在"),
        ({"kind": ""}, "事件类型：此项为必填项"),
        ({"description": " "}, "事件经过：此项为必填项"),
    ]
    for changes, field in cases:
        response = client.post(
            reverse("emergencies:incident_create"), with_token(client, _incident_post(world, **changes))
        )
        assert response.status_code == 200
        body = response.content.decode()
        assert field in body, changes
        assert "invalid-feedback" in body
    assert not Incident.objects.exists()
    incident = factories.incident(world, kind="injury")
    police = incident.notifications.get(recipient="police")
    before = timezone.localtime(incident.occurred_at) - datetime.timedelta(hours=1)
    response = client.post(
        reverse("emergencies:notification_save", args=[police.pk]),
        with_token(
            client,
            {
                f"n{police.pk}-notified_on": before.date().isoformat(),
                f"n{police.pk}-notified_time": f"{before:%H:%M}",
                f"n{police.pk}-expected_version": 1,
            },
        ),
    )
    assert response.status_code == 400
    assert "告知时间：不能早于事件发生时间" in response.content.decode()
    police.refresh_from_db()
    assert police.notified_at is None
    # the drill form
    response = client.post(
        reverse("emergencies:drill_create"),
        with_token(
            client,
            {
                "institution": world.own_institution.pk,
                "kind": "drill",
                "topic": "fire",
                "held_on": future,
                "participants": "0",
            },
        ),
    )
    body = response.content.decode()
    assert response.status_code == 200
    assert "参加人数：请填写不小于1的数字" in body
    assert not Drill.objects.exists()


def test_stale_notification_form_is_refused_with_input_kept(world, client):
    incident = factories.incident(world, kind="injury")
    police = incident.notifications.get(recipient="police")
    IncidentNotification.objects.filter(pk=police.pk).update(version=2)
    client.force_login(world.users["district"])
    told = timezone.localtime(incident.occurred_at) + datetime.timedelta(minutes=30)
    response = client.post(
        reverse("emergencies:notification_save", args=[police.pk]),
        with_token(
            client,
            {
                f"n{police.pk}-notified_on": told.date().isoformat(),
                f"n{police.pk}-notified_time": f"{told:%H:%M}",
                f"n{police.pk}-note": "报110",
                f"n{police.pk}-expected_version": 1,
            },
        ),
    )
    assert response.status_code == 400
    assert "报110" in response.content.decode()


def test_scoping_of_incidents(world, client):
    own = factories.incident(world, kind="injury")
    other = factories.incident(world, world.other_institution, kind="production_safety")
    foreign = factories.incident(world, world.foreign_institution, kind="outbreak")
    police = make_user("gongan", "department", region=world.regions["210300"], department="police")
    health = make_user("weijian", "department", region=world.regions["210300"], department="health")
    expected = {
        "city": {own, other},
        "district": {own},
        "other_district": {other},
        "institution": {own},
        "department": set(),  # housing: told of none
        "admin": {own, other, foreign},
    }
    for role, incidents in expected.items():
        client.force_login(world.users[role])
        body = client.get(reverse("emergencies:incidents")).content.decode()
        shown = {
            i for i in (own, other, foreign) if reverse("emergencies:incident_detail", args=[i.pk]) in body
        }
        assert shown == incidents, role
    for user, incidents in ((police, {own}), (health, set())):
        client.force_login(user)
        body = client.get(reverse("emergencies:incidents")).content.decode()
        shown = {
            i for i in (own, other, foreign) if reverse("emergencies:incident_detail", args=[i.pk]) in body
        }
        assert shown == incidents
        assert client.get(reverse("emergencies:incident_detail", args=[other.pk])).status_code == 404
    client.force_login(police)
    page = client.get(reverse("emergencies:incident_detail", args=[own.pk]))
    assert page.status_code == 200 and 'data-testid="notification-form"' not in page.content.decode()


def test_city_sees_open_incidents_of_the_city(world, client):
    open_one = factories.incident(world, kind="injury")
    closed = factories.incident(world, world.other_institution, kind="injury")
    for n in closed.notifications.all():
        n.notified_at = closed.occurred_at
        n.save()
    Incident.objects.filter(pk=closed.pk).update(closed_at=timezone.now(), closing_note="已处置")
    client.force_login(world.users["city"])
    body = client.get(reverse("emergencies:incidents") + "?open=1").content.decode()
    assert reverse("emergencies:incident_detail", args=[open_one.pk]) in body
    assert reverse("emergencies:incident_detail", args=[closed.pk]) not in body
    # the city reads, it does not enter notifications
    assert (
        'data-testid="notification-form"'
        not in client.get(reverse("emergencies:incident_detail", args=[open_one.pk])).content.decode()
    )


def test_drill_with_evidence_and_missing_page(world, client, settings, tmp_path):
    settings.MEDIA_ROOT = tmp_path
    from django.core.files.uploadedfile import SimpleUploadedFile

    from tests.emergencies.test_pages import _pdf

    client.force_login(world.users["institution"])
    today = timezone.localdate()
    data = with_token(
        client,
        {
            "institution": world.own_institution.pk,
            "kind": "drill",
            "topic": "fire",
            "held_on": today.isoformat(),
            "participants": "35",
            "note": "夜间疏散",
            "files": [SimpleUploadedFile("签到表.pdf", _pdf(), content_type="application/pdf")],
        },
    )
    response = client.post(reverse("emergencies:drill_create"), data)
    assert response.status_code == 302, response.content.decode()[:2000]
    drill = Drill.objects.get()
    assert drill.participants == 35
    listing = client.get(response["Location"]).content.decode()
    assert "签到表.pdf" in listing
    client.force_login(world.users["city"])
    page = client.get(reverse("emergencies:missing"))
    body = page.content.decode()
    assert page.status_code == 200
    assert world.own_institution.name in body  # no awareness activity yet
    assert world.other_institution.name in body
    assert 'data-testid="missing-drill">1<' in body
    assert 'data-testid="missing-awareness">2<' in body
    bad = client.get(reverse("emergencies:missing") + "?half=2026-9")
    assert bad.status_code == 200 and "半年" in bad.content.decode()
    past = HalfYear.of(today).previous()
    body = client.get(reverse("emergencies:missing") + f"?half={past}").content.decode()
    assert 'data-testid="missing-drill">2<' in body


def _pdf() -> bytes:
    return (
        b"%PDF-1.4\n1 0 obj<</Type/Catalog/Pages 2 0 R>>endobj\n2 0 obj<</Type/Pages/Kids[3 0 R]/Count 1>>endobj\n"
        b"3 0 obj<</Type/Page/Parent 2 0 R/MediaBox[0 0 200 200]>>endobj\ntrailer<</Root 1 0 R>>\n%%EOF\n"
    )


# Queries per page (the header's session, user and review queues included), the same at both sizes.
# Each + the 停业整顿 badge's ids (issue 17 item 6, one query per page).
EXPECTED_QUERIES = {
    "emergencies:incidents": 10,
    "emergencies:drills": 10,  # + the listed drills' evidence files (one query)
    "emergencies:missing": 9,
    "emergencies:incident_detail": 10,
}


@pytest.mark.parametrize("extra", [0, 12])
def test_pages_run_constant_queries(world, client, extra):
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    institutions = [world.own_institution]
    for n in range(extra):
        institutions.append(
            type(world.own_institution).objects.create(
                name=f"铁东区加{n}", region=world.own_institution.region
            )
        )
    first = None
    for i, institution in enumerate(institutions):
        incident = factories.incident(
            world, institution, kind=("injury", "outbreak")[i % 2], by=world.users["district"]
        )
        first = first or incident
        factories.drill(institution, timezone.localdate(), kind=("drill", "awareness")[i % 2])
    client.force_login(world.users["district"])
    client.get(reverse("emergencies:incidents"))
    client.get(reverse("emergencies:drills"))  # the content type of drills, cached per process
    counts = {}
    for name, args in (
        ("emergencies:incidents", []),
        ("emergencies:drills", []),
        ("emergencies:missing", []),
        ("emergencies:incident_detail", [first.pk]),
    ):
        with CaptureQueriesContext(connection) as context:
            assert client.get(reverse(name, args=args)).status_code == 200
        counts[name] = len(context)
    assert counts == EXPECTED_QUERIES


def test_district_tells_every_recipient_then_closes_and_a_repeat_changes_nothing(world, client):
    incident = factories.incident(world, kind="production_safety")
    client.force_login(world.users["district"])
    detail = reverse("emergencies:incident_detail", args=[incident.pk])
    assert 'data-testid="close-form"' in client.get(detail).content.decode()
    told = timezone.localtime(incident.occurred_at) + datetime.timedelta(minutes=40)
    for n in incident.notifications.all():
        data = with_token(
            client,
            {
                f"n{n.pk}-notified_on": told.date().isoformat(),
                f"n{n.pk}-notified_time": f"{told:%H:%M}",
                f"n{n.pk}-expected_version": 1,
            },
        )
        url = reverse("emergencies:notification_save", args=[n.pk])
        assert client.post(url, data).status_code == 302
        assert client.post(url, data).status_code == 302  # the same submission again: replayed
        n.refresh_from_db()
        assert n.version == 2 and n.state(timezone.now()) == "on_time"
    response = client.post(
        reverse("emergencies:incident_close", args=[incident.pk]),
        with_token(client, {"note": "", "expected_version": 1}),
    )
    assert response.status_code == 400 and "处置情况：此项为必填项" in response.content.decode()
    response = client.post(
        reverse("emergencies:incident_close", args=[incident.pk]),
        with_token(client, {"note": "现场已处置，无人员伤亡", "expected_version": 1}),
    )
    assert response.status_code == 302
    incident.refresh_from_db()
    assert incident.closed_at is not None and incident.closed_by == world.users["district"]
    body = client.get(detail).content.decode()
    assert "现场已处置" in body
    assert 'data-testid="notification-form"' not in body and 'data-testid="close-form"' not in body
    # the institution's user cannot close
    client.force_login(world.users["institution"])
    other = factories.incident(world, kind="injury")
    response = client.post(
        reverse("emergencies:incident_close", args=[other.pk]),
        with_token(client, {"note": "x", "expected_version": 1}),
    )
    assert response.status_code == 403
