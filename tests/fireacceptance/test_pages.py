"""The 一事一议 pages: a case recorded, submitted, decided and resolved; bad input in Chinese; a
repeated POST answered once; version checks; scoping per role; constant list queries."""

import datetime

import pytest
from django.urls import reverse

from core import dates
from fireacceptance.models import Case, Status
from fireacceptance.services import counts_for
from tests.fireacceptance.factories import case
from tests.submissions import with_token

pytestmark = pytest.mark.django_db


@pytest.fixture(autouse=True)
def media(settings, tmp_path):
    settings.MEDIA_ROOT = tmp_path


def ago(days):
    return (dates.today() - datetime.timedelta(days=days)).isoformat()


def _form(world, **changes):
    data = {"institution": world.own_institution.pk, "problem": "利用学校改建，土地规划手续未办理"}
    data.update(changes)
    return {k: v for k, v in data.items() if v is not None}


def test_a_case_recorded_once_then_submitted_decided_and_resolved(world, client):
    client.force_login(world.users["district"])
    data = with_token(client, _form(world))
    assert client.post(reverse("fireacceptance:create"), data).status_code == 302
    assert client.post(reverse("fireacceptance:create"), data).status_code == 302  # the double click
    found = Case.objects.get()
    assert found.status == Status.PENDING and found.region == world.regions["210302"]
    edit = reverse("fireacceptance:edit", args=[found.pk])
    done = _form(
        world,
        submitted_to="铁东区人民政府",
        submitted_on=ago(30),
        decided_on=ago(20),
        decision="同意按现状补办",
        resolved_on=ago(5),
        resolution="已通过消防审验",
        expected_version=1,
    )
    assert client.post(edit, with_token(client, done)).status_code == 302
    assert client.post(edit, with_token(client, {**done, "problem": "旧版本"})).status_code == 400  # stale
    found.refresh_from_db()
    assert found.status == Status.RESOLVED and found.problem.startswith("利用学校")
    page = client.get(reverse("fireacceptance:detail", args=[found.pk]))
    assert found.get_status_display() in page.content.decode()


@pytest.mark.parametrize(
    ("changes", "field"),
    [
        ({"problem": ""}, "problem"),
        ({"institution": ""}, "institution"),
        ({"submitted_on": "2999-01-01", "submitted_to": "铁东区人民政府"}, "submitted_on"),
        ({"submitted_on": "八月"}, "submitted_on"),
        ({"submitted_on": ago(3)}, "submitted_to"),
        ({"decided_on": ago(3), "decision": "同意"}, "submitted_on"),
        (
            {"submitted_on": ago(3), "submitted_to": "政府", "decided_on": ago(5), "decision": "同意"},
            "decided_on",
        ),
        ({"submitted_on": ago(5), "submitted_to": "政府", "decided_on": ago(3)}, "decision"),
        ({"resolved_on": ago(1)}, "decided_on"),
    ],
)
def test_bad_input_is_named_in_chinese(world, client, changes, field):
    client.force_login(world.users["district"])
    response = client.post(reverse("fireacceptance:create"), with_token(client, _form(world, **changes)))
    assert response.status_code == 400
    errors = response.context["form"].errors
    assert field in errors, errors
    assert any("\u4e00" <= c <= "\u9fff" for c in " ".join(errors[field]))
    assert not Case.objects.exists()


def test_scoping_per_role(world, client):
    own = case(world.own_institution, world.users["district"])
    other = case(world.other_institution, world.users["other_district"])
    case(world.foreign_institution, world.users["admin"])
    seen = {}
    for viewer in ("city", "district", "other_district"):
        client.force_login(world.users[viewer])
        seen[viewer] = {c.pk for c in client.get(reverse("fireacceptance:list")).context["cases"]}
    assert seen == {"city": {own.pk, other.pk}, "district": {own.pk}, "other_district": {other.pk}}
    for viewer in ("institution", "department"):
        client.force_login(world.users[viewer])
        assert client.get(reverse("fireacceptance:list")).status_code == 403
    client.force_login(world.users["district"])
    assert client.get(reverse("fireacceptance:detail", args=[other.pk])).status_code == 404
    assert client.get(reverse("fireacceptance:edit", args=[other.pk])).status_code == 404
    response = client.post(
        reverse("fireacceptance:create"),
        with_token(client, _form(world, institution=world.other_institution.pk)),
    )
    assert response.status_code == 400 and "institution" in response.context["form"].errors
    client.force_login(world.users["city"])  # the city reads; the districts write
    assert client.get(reverse("fireacceptance:create")).status_code == 403


def test_counts_for_the_supervision_card(world):
    today = dates.today()
    case(world.own_institution, world.users["district"])
    case(world.own_institution, world.users["district"], submitted_on=today, submitted_to="政府")
    case(
        world.other_institution,
        world.users["district"],
        submitted_on=today,
        decided_on=today,
        resolved_on=today,
    )
    assert counts_for(world.users["district"]) == {
        "pending": 1,
        "submitted": 1,
        "decided": 0,
        "resolved": 0,
        "open": 2,
    }
    assert counts_for(world.users["city"])["resolved"] == 1


@pytest.mark.parametrize("extra", [0, 15])
def test_list_runs_constant_queries(world, client, django_assert_num_queries, extra):
    for n in range(2 + extra):
        case(world.own_institution if n % 2 else world.other_institution, world.users["district"])
    client.force_login(world.users["city"])
    client.get(reverse("fireacceptance:list"))
    with django_assert_num_queries(EXPECTED_LIST_QUERIES):
        assert client.get(reverse("fireacceptance:list")).status_code == 200


# session, user, region, subtree, count, page, the header (3), the 停业整顿 ids
EXPECTED_LIST_QUERIES = 10
