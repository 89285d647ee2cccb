"""The licence pages: a licence recorded through the form, bad input, scoping, the expiring page,
constant queries."""

import datetime

import pytest
from django.urls import reverse

from core import dates
from licences.models import Licence
from tests.hazards.factories import notice
from tests.licences.factories import licence
from tests.submissions import with_token

pytestmark = pytest.mark.django_db


@pytest.fixture(autouse=True)
def media(settings, tmp_path):
    settings.MEDIA_ROOT = tmp_path


def _days(n):
    return dates.today() + datetime.timedelta(days=n)


def _form(world, **changes):
    data = {
        "institution": world.own_institution.pk,
        "kind": "fire",
        "title": "",
        "number": "鞍住建消验字〔2024〕第0012号",
        "issuer": "鞍山市住房和城乡建设局",
        "valid_from": "2024-05-01",
        "valid_to": "",
        "note": "",
        "scans": notice("消防验收意见书.pdf"),
    }
    data.update(changes)
    return {k: v for k, v in data.items() if v is not None}


def _chinese(messages) -> bool:
    return any("\u4e00" <= c <= "\u9fff" for c in " ".join(messages))


def test_an_institution_records_its_licence_once(world, client):
    client.force_login(world.users["institution"])
    data = with_token(client, _form(world))
    response = client.post(reverse("licences:create"), data)
    assert response.status_code == 302, response.content.decode()[:2000]
    again = client.post(reverse("licences:create"), {**data, "scans": notice("消防验收意见书.pdf")})
    assert again.status_code == 302 and again["Location"] == response["Location"]
    item = Licence.objects.get()
    assert (item.department, item.valid_to, item.created_by) == ("housing", None, world.users["institution"])
    page = client.get(response["Location"]).content.decode()
    assert "消防验收意见书.pdf" in page and "长期有效" in page


@pytest.mark.parametrize(
    ("changes", "field"),
    [
        ({"valid_from": "2024-05-01", "valid_to": "2024-04-30"}, "valid_to"),
        ({"valid_from": "去年五月"}, "valid_from"),
        ({"valid_from": "2999-01-01"}, "valid_from"),
        ({"number": "  "}, "number"),
        ({"issuer": ""}, "issuer"),
        ({"kind": "other"}, "title"),
        ({"institution": None}, "institution"),
        ({"scans": None}, "scans"),
    ],
)
def test_bad_input_is_named_in_chinese(world, client, changes, field):
    client.force_login(world.users["district"])
    response = client.post(reverse("licences:create"), with_token(client, _form(world, **changes)))
    assert response.status_code == 400
    errors = response.context["form"].errors
    assert field in errors, errors
    assert _chinese(errors[field]), errors[field]
    assert not Licence.objects.exists()


def test_a_duplicate_number_is_refused_on_the_form(world, client):
    licence(world, number="鞍住建消验字〔2024〕第0012号")
    client.force_login(world.users["district"])
    response = client.post(reverse("licences:create"), with_token(client, _form(world)))
    assert response.status_code == 400
    errors = response.context["form"].errors
    assert "同类型、同编号" in " ".join(errors.get("number", [])), errors


def test_a_stale_edit_keeps_the_input(world, client):
    item = licence(world, valid_to=_days(10))
    client.force_login(world.users["district"])
    item.issuer = "另一人已修改"
    item.version = 2
    item.save()
    response = client.post(
        reverse("licences:edit", args=[item.pk]),
        with_token(
            client, _form(world, expected_version=1, valid_to="2030-01-01", scans=None, number=item.number)
        ),
    )
    assert response.status_code == 400
    assert "其他人" in response.content.decode() or response.context["form"].non_field_errors()
    item.refresh_from_db()
    assert item.valid_to == _days(10)


def test_scoping_per_role(world, client):
    fire = licence(world, kind="fire")
    food = licence(world, kind="food")
    other = licence(world, world.other_institution, kind="fire")
    foreign = licence(world, world.foreign_institution, kind="fire")
    seen = {}
    for viewer in ("city", "district", "other_district", "institution", "department", "admin"):
        client.force_login(world.users[viewer])
        seen[viewer] = {x.pk for x in client.get(reverse("licences:list")).context["licences"]}
    assert seen["city"] == {fire.pk, food.pk, other.pk}
    assert seen["district"] == seen["institution"] == {fire.pk, food.pk}
    assert seen["other_district"] == {other.pk}
    assert seen["department"] == {fire.pk, other.pk}  # housing: the fire acceptance documents
    assert seen["admin"] == {fire.pk, food.pk, other.pk, foreign.pk}
    client.force_login(world.users["department"])
    assert client.get(reverse("licences:detail", args=[food.pk])).status_code == 404
    client.force_login(world.users["other_district"])
    assert client.get(reverse("licences:detail", args=[fire.pk])).status_code == 404
    assert client.get(reverse("licences:edit", args=[fire.pk])).status_code == 404
    client.force_login(world.users["city"])
    assert client.get(reverse("licences:create")).status_code == 403  # the city reads
    client.force_login(world.users["institution"])
    assert client.get(reverse("licences:due")).status_code == 403


def test_list_filters_and_badges(world, client):
    expired = licence(world, valid_from=_days(-800), valid_to=_days(-1))
    soon = licence(world, kind="food", valid_to=_days(30))
    later = licence(world, kind="medical", valid_to=_days(31))
    forever = licence(world, kind="business")
    old = licence(world, kind="filing", valid_from=_days(-900), valid_to=_days(-400))
    newest = licence(world, kind="filing", valid_from=_days(-399))
    client.force_login(world.users["district"])
    for value, expected in (
        ("expired", expired),
        ("expiring", soon),
        ("valid", later),
        ("long_term", [forever, newest]),
        ("renewed", old),
    ):
        response = client.get(reverse("licences:list"), {"status": value})
        expected = expected if isinstance(expected, list) else [expected]
        assert {x.pk for x in response.context["licences"]} == {x.pk for x in expected}, value
    page = client.get(reverse("licences:list")).content.decode()
    for badge in ("30天内到期", "已过期", "长期有效", "已换证"):
        assert badge in page
    response = client.get(reverse("licences:list"), {"q": world.own_institution.name[:3], "kind": "food"})
    assert [x.pk for x in response.context["licences"]] == [soon.pk]
    assert client.get(reverse("licences:list"), {"status": "坏", "region": "x"}).status_code == 200


def test_the_due_page_per_region(world, client):
    own_expired = licence(world, valid_to=_days(-3))
    own_soon = licence(world, kind="food", valid_to=_days(0))
    other_soon = licence(world, world.other_institution, valid_to=_days(29))
    licence(world, world.other_institution, kind="food", valid_to=_days(31))
    licence(world, world.foreign_institution, valid_to=_days(-3))
    client.force_login(world.users["city"])
    response = client.get(reverse("licences:due"))
    counts = {r.name: (r.expiring, r.expired) for r in response.context["regions"]}
    assert counts == {"铁东区": (1, 1), "铁西区": (1, 0)}
    assert [x.pk for x in response.context["licences"]] == [own_expired.pk, own_soon.pk, other_soon.pk]
    tiexi = world.other_institution.region_id
    response = client.get(reverse("licences:due"), {"region": tiexi, "which": "expiring"})
    assert [x.pk for x in response.context["licences"]] == [other_soon.pk]
    response = client.get(reverse("licences:due"), {"which": "expired"})
    assert [x.pk for x in response.context["licences"]] == [own_expired.pk]
    client.force_login(world.users["district"])
    response = client.get(reverse("licences:due"))
    assert {r.name for r in response.context["regions"]} == {"铁东区"}
    assert [x.pk for x in response.context["licences"]] == [own_expired.pk, own_soon.pk]
    # another district's region in the query string shows nothing of it
    assert not client.get(reverse("licences:due"), {"region": tiexi}).context["licences"]


def _many(world, n):
    for i in range(n):
        licence(
            world,
            world.own_institution if i % 2 else world.other_institution,
            kind=("fire", "food", "medical", "business")[i % 4],
            valid_from=_days(-400 - i),
            valid_to=_days(-5 + i),
            number=f"N{i:05d}",
        )


@pytest.mark.parametrize("extra", [0, 20])
def test_list_and_due_run_constant_queries(world, client, django_assert_num_queries, extra):
    _many(world, 4 + extra)
    client.force_login(world.users["city"])
    client.get(reverse("licences:list"))
    with django_assert_num_queries(EXPECTED_LIST_QUERIES):
        assert client.get(reverse("licences:list")).status_code == 200
    with django_assert_num_queries(EXPECTED_DUE_QUERIES):
        assert client.get(reverse("licences:due")).status_code == 200


# session, user, region, subtree, the header (3), count, page, the region filter, the 停业整顿 ids
EXPECTED_LIST_QUERIES = 11
# session, user, region, subtree, the header (3), counts per region, regions, count, page, 停业整顿 ids
EXPECTED_DUE_QUERIES = 12
