"""The training pages: a session recorded and edited, bad input in Chinese, a repeated POST answered
once, version checks, scoping per role, constant list queries."""

import datetime

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse

from core import dates
from tests.submissions import with_token
from tests.trainings.factories import training
from trainings.models import Training

pytestmark = pytest.mark.django_db


@pytest.fixture(autouse=True)
def media(settings, tmp_path):
    settings.MEDIA_ROOT = tmp_path


def _form(world, **changes):
    data = {
        "held_on": (dates.today() - datetime.timedelta(days=2)).isoformat(),
        "kind": "care_worker",
        "title": "养老护理员职业技能提升培训",
        "participants": "45",
        "hours": "6",
        "institutions": [world.own_institution.pk],
        "note": "标准规范、专业技能、安全管理",
    }
    data.update(changes)
    return {k: v for k, v in data.items() if v is not None}


def test_a_session_recorded_once_then_edited_with_a_version_check(world, client):
    client.force_login(world.users["district"])
    data = with_token(client, _form(world))
    first = client.post(reverse("trainings:create"), data)
    again = client.post(reverse("trainings:create"), data)  # the double click
    assert first.status_code == again.status_code == 302
    session = Training.objects.get()
    assert session.region == world.regions["210302"]  # the writer's own region
    assert list(session.institutions.all()) == [world.own_institution]
    edit = reverse("trainings:edit", args=[session.pk])
    ok = client.post(edit, with_token(client, _form(world, participants="50", expected_version=1)))
    assert ok.status_code == 302
    stale = client.post(edit, with_token(client, _form(world, participants="60", expected_version=1)))
    assert stale.status_code == 400
    session.refresh_from_db()
    assert session.participants == 50


def test_evidence_is_attached(world, client):
    client.force_login(world.users["city"])
    sheet = SimpleUploadedFile("签到表.pdf", b"%PDF-1.4\n%%EOF\n", content_type="application/pdf")
    response = client.post(reverse("trainings:create"), with_token(client, _form(world, files=sheet)))
    assert response.status_code == 302, response.context["form"].errors
    session = Training.objects.get()
    assert session.region == world.regions["210300"]
    page = client.get(reverse("trainings:detail", args=[session.pk]))
    assert "签到表.pdf" in page.content.decode()


@pytest.mark.parametrize(
    ("changes", "field"),
    [
        ({"held_on": "2999-01-01"}, "held_on"),
        ({"held_on": "去年"}, "held_on"),
        ({"participants": "0"}, "participants"),
        ({"participants": "很多"}, "participants"),
        ({"hours": "0"}, "hours"),
        ({"kind": ""}, "kind"),
        ({"title": ""}, "title"),
    ],
)
def test_bad_input_is_named_in_chinese(world, client, changes, field):
    client.force_login(world.users["district"])
    response = client.post(reverse("trainings:create"), with_token(client, _form(world, **changes)))
    assert response.status_code == 400
    errors = response.context["form"].errors
    assert field in errors, errors
    assert any("\u4e00" <= c <= "\u9fff" for c in " ".join(errors[field]))
    assert not Training.objects.exists()


def test_a_district_cannot_list_another_districts_institution(world, client):
    client.force_login(world.users["other_district"])
    response = client.post(reverse("trainings:create"), with_token(client, _form(world)))
    assert response.status_code == 400 and "institutions" in response.context["form"].errors


def test_scoping_per_role(world, client):
    city_session = training(
        world.regions["210300"], world.users["city"], institutions=[world.own_institution]
    )
    east = training(world.regions["210302"], world.users["district"])
    west = training(
        world.regions["210303"], world.users["other_district"], institutions=[world.other_institution]
    )
    training(world.foreign_region, world.users["admin"])
    seen = {}
    for viewer in ("city", "district", "other_district", "institution"):
        client.force_login(world.users[viewer])
        seen[viewer] = {t.pk for t in client.get(reverse("trainings:list")).context["trainings"]}
    assert seen["city"] == {city_session.pk, east.pk, west.pk}
    assert seen["district"] == {east.pk}
    assert seen["other_district"] == {west.pk}
    assert seen["institution"] == {city_session.pk}  # the sessions its institution took part in
    client.force_login(world.users["department"])
    assert client.get(reverse("trainings:list")).status_code == 403
    client.force_login(world.users["district"])
    assert client.get(reverse("trainings:detail", args=[west.pk])).status_code == 404
    # the city reads a district's session but does not edit it
    client.force_login(world.users["city"])
    assert client.get(reverse("trainings:detail", args=[east.pk])).status_code == 200
    assert client.get(reverse("trainings:edit", args=[east.pk])).status_code == 403


def test_counts_for_the_supervision_card(world):
    from trainings.services import counts_for

    today = dates.today()
    training(world.regions["210302"], world.users["district"], held_on=today, participants=20)
    training(world.regions["210302"], world.users["district"], held_on=today.replace(year=today.year - 1))
    training(world.regions["210303"], world.users["district"], held_on=today)
    assert counts_for(world.users["district"]) == {"year": 1, "participants": 20, "total": 2}
    assert counts_for(world.users["city"])["year"] == 2


@pytest.mark.parametrize("extra", [0, 15])
def test_list_runs_constant_queries(world, client, django_assert_num_queries, extra):
    for n in range(2 + extra):
        region = world.regions["210302" if n % 2 else "210303"]
        training(region, world.users["district"], institutions=[world.own_institution])
    client.force_login(world.users["city"])
    client.get(reverse("trainings:list"))
    with django_assert_num_queries(EXPECTED_LIST_QUERIES):
        assert client.get(reverse("trainings:list")).status_code == 200


# session, user, region, subtree, count, page, the header (3)
EXPECTED_LIST_QUERIES = 9
