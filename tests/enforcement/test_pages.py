"""The enforcement pages: an order recorded and lifted, bad input, scoping, constant queries."""

import datetime

import pytest
from django.urls import reverse

from core import dates
from enforcement import services
from enforcement.models import EnforcementOrder
from tests.enforcement.factories import order
from tests.hazards.factories import notice
from tests.submissions import with_token

pytestmark = pytest.mark.django_db


@pytest.fixture(autouse=True)
def media(settings, tmp_path):
    settings.MEDIA_ROOT = tmp_path


def _form(world, **changes):
    data = {
        "institution": world.own_institution.pk,
        "kind": "suspend",
        "department": "emergency",
        "issued_on": (dates.today() - datetime.timedelta(days=3)).isoformat(),
        "document_number": "鞍东民停〔2026〕1号",
        "reason": "疏散通道堵塞，停业整顿",
        "document": notice("停业整顿决定书.pdf"),
    }
    data.update(changes)
    return {k: v for k, v in data.items() if v is not None}


def test_a_suspension_recorded_then_lifted(world, client):
    client.force_login(world.users["district"])
    response = client.post(reverse("enforcement:create"), with_token(client, _form(world)))
    assert response.status_code == 302, response.content.decode()[:2000]
    o = EnforcementOrder.objects.get()
    assert services.suspended_ids() == {world.own_institution.pk}
    page = client.get(response["Location"]).content.decode()
    assert "停业整顿决定书.pdf" in page and 'data-testid="suspension-note"' in page
    # lifting: the reason is required, named in Chinese
    lift = reverse("enforcement:lift", args=[o.pk])
    bad = client.post(
        lift, with_token(client, {"expected_version": 1, "lifted_on": dates.today().isoformat()})
    )
    assert bad.status_code == 400 and "lift_note" in bad.context["lift_form"].errors
    ok = client.post(
        lift,
        with_token(
            client,
            {"expected_version": 1, "lifted_on": dates.today().isoformat(), "lift_note": "整改验收合格"},
        ),
    )
    assert ok.status_code == 302
    o.refresh_from_db()
    assert o.lifted_on == dates.today() and o.status == "lifted" and o.lifted_by == world.users["district"]
    assert services.suspended_ids() == set()
    again = client.post(
        lift,
        with_token(
            client, {"expected_version": 2, "lifted_on": dates.today().isoformat(), "lift_note": "再次"}
        ),
    )
    assert again.status_code == 400 and "lifted_on" in again.context["lift_form"].errors


@pytest.mark.parametrize(
    ("changes", "field"),
    [
        ({"kind": "refer_department", "department": ""}, "department"),
        ({"institution": None}, "institution"),
        ({"issued_on": "2999-01-01"}, "issued_on"),
        ({"issued_on": "去年"}, "issued_on"),
        ({"ends_on": "2000-01-01"}, "ends_on"),
        ({"document": None}, "document"),
    ],
)
def test_bad_input_is_named_in_chinese(world, client, changes, field):
    client.force_login(world.users["district"])
    response = client.post(reverse("enforcement:create"), with_token(client, _form(world, **changes)))
    assert response.status_code == 400
    errors = response.context["form"].errors
    assert field in errors, errors
    assert any("\u4e00" <= c <= "\u9fff" for c in " ".join(errors[field]))
    assert not EnforcementOrder.objects.exists()


def test_a_district_cannot_order_another_districts_institution(world, client):
    client.force_login(world.users["other_district"])
    response = client.post(reverse("enforcement:create"), with_token(client, _form(world)))
    assert response.status_code == 400 and "institution" in response.context["form"].errors


def test_scoping_of_the_list(world, client):
    today = dates.today()
    own = order(world, world.own_institution, issued_on=today, department="housing")
    own_untold = order(world, world.own_institution, kind="rectify", issued_on=today)
    other = order(world, world.other_institution, issued_on=today, department="housing")
    order(world, world.foreign_institution, issued_on=today, department="housing")
    seen = {}
    for viewer in ("city", "district", "other_district", "institution", "department"):
        client.force_login(world.users[viewer])
        seen[viewer] = {o.pk for o in client.get(reverse("enforcement:list")).context["orders"]}
    assert seen["city"] == {own.pk, own_untold.pk, other.pk}
    assert seen["district"] == seen["institution"] == {own.pk, own_untold.pk}
    assert seen["other_district"] == {other.pk}
    assert seen["department"] == {own.pk, other.pk}  # only orders naming the housing department
    client.force_login(world.users["institution"])
    assert client.post(reverse("enforcement:lift", args=[own.pk]), with_token(client, {})).status_code == 403


def test_list_filters_by_status(world, client):
    today = dates.today()
    live = order(world, issued_on=today - datetime.timedelta(days=10))
    lifted = order(world, issued_on=today - datetime.timedelta(days=10), lifted_on=today)
    ended = order(
        world, issued_on=today - datetime.timedelta(days=10), ends_on=today - datetime.timedelta(days=1)
    )
    client.force_login(world.users["district"])
    for status, expected in (("in_force", live), ("lifted", lifted), ("ended", ended)):
        response = client.get(reverse("enforcement:list"), {"status": status})
        assert {o.pk for o in response.context["orders"]} == {expected.pk}, status


@pytest.mark.parametrize("extra", [0, 15])
def test_list_runs_constant_queries(world, client, django_assert_num_queries, extra):
    for n in range(2 + extra):
        order(world, world.own_institution if n % 2 else world.other_institution, issued_on=dates.today())
    client.force_login(world.users["city"])
    client.get(reverse("enforcement:list"))
    with django_assert_num_queries(EXPECTED_LIST_QUERIES):
        assert client.get(reverse("enforcement:list"), {"kind": "suspend"}).status_code == 200


# session, user, region, subtree, count, page, the header (3), the region filter, the 停业整顿 ids
EXPECTED_LIST_QUERIES = 11
