"""Issue 18, the registry's API: list (the page's filters, ordering, cursor pagination), detail,
create and change through the page's form and services (403 for roles without the page, 400 in
Chinese, 409 on a stale version), and the record's history; scoping per role (404 outside)."""

import pytest
from django.urls import reverse
from rest_framework.test import APIClient

from accounts.tokens import issue_token
from institutions import services
from institutions.models import Institution
from tests.institutions.factories import code_for, plain_institution, valid_institution

pytestmark = pytest.mark.django_db

LIST = "/api/v1/institutions/"


def client_for(user) -> APIClient:
    client = APIClient()
    client.force_authenticate(user)
    return client


def detail(institution) -> str:
    return f"{LIST}{institution.pk}/"


def names(response) -> set[str]:
    return {row["name"] for row in response.json()["results"]}


def test_each_role_lists_the_institutions_of_its_area(world):
    expected = {
        "city": {"铁东区测试养老院", "铁西区测试养老院"},
        "district": {"铁东区测试养老院"},
        "other_district": {"铁西区测试养老院"},
        "admin": {"铁东区测试养老院", "铁西区测试养老院", "中山区测试养老院"},
    }
    for who, shown in expected.items():
        response = client_for(world.users[who]).get(LIST)
        assert response.status_code == 200, who
        assert names(response) == shown, who
    for who in ("institution", "department"):  # the registry list is not their page
        assert client_for(world.users[who]).get(LIST).status_code == 403


def test_detail_is_404_outside_the_area_and_the_institution_reads_its_own(world):
    district = client_for(world.users["district"])
    body = district.get(detail(world.own_institution)).json()
    assert body["name"] == "铁东区测试养老院" and body["region_code"] == "210302"
    assert {"version", "credit_code", "beds", "nursing_beds", "filing_status", "operating_status"} <= set(
        body
    )
    assert {"legal_person_status", "is_operating"} <= set(body)
    assert district.get(detail(world.other_institution)).status_code == 404
    assert district.get(detail(world.foreign_institution)).status_code == 404
    assert client_for(world.users["city"]).get(detail(world.foreign_institution)).status_code == 404
    own = client_for(world.users["institution"])
    assert own.get(detail(world.own_institution)).status_code == 200
    assert own.get(detail(world.other_institution)).status_code == 404
    assert client_for(world.users["department"]).get(detail(world.own_institution)).status_code == 403


def test_the_registry_pages_filters_and_the_region_code(world):
    tiedong = world.regions["210302"]
    valid_institution(tiedong, "康乐养老院", beds=200, nursing_beds=120)
    valid_institution(tiedong, "停业养老院", operating_status="suspended")
    city = client_for(world.users["city"])
    assert names(city.get(LIST, {"q": "康乐"})) == {"康乐养老院"}
    assert "停业养老院" in names(city.get(LIST, {"operating_status": "suspended"}))
    assert "停业养老院" not in names(city.get(LIST, {"operating": "yes"}))
    assert names(city.get(LIST, {"region_code": "210303"})) == {"铁西区测试养老院"}
    assert city.get(LIST, {"region_code": "210202"}).json()["results"] == []  # 中山区: not the city's
    assert names(city.get(LIST, {"region": world.regions["210303"].pk})) == {"铁西区测试养老院"}
    refused = city.get(LIST, {"operating_status": "closed"})
    assert refused.status_code == 400 and "operating_status" in refused.json()


def test_ordering_and_cursor_pages_visit_every_row_once(world):
    tiedong = world.regions["210302"]
    Institution.objects.bulk_create(
        [plain_institution(tiedong, f"床位{n:02d}养老院") for n in range(7)]
        + [plain_institution(tiedong, f"同名床位{n:02d}") for n in range(3)]
    )
    Institution.objects.filter(name__startswith="床位").update(beds=30)
    client = client_for(world.users["district"])
    seen, url = [], LIST + "?ordering=beds&page_size=3"
    while url:
        body = client.get(url).json()
        seen += [(row["beds"], row["id"]) for row in body["results"]]
        url = body["next"]
    assert len(seen) == len(set(seen)) == 11
    assert seen == sorted(seen)  # by beds, then by id for equal beds
    newest = client.get(LIST).json()["results"]
    assert [row["id"] for row in newest] == sorted((row["id"] for row in newest), reverse=True)


@pytest.mark.parametrize("size", [3, 30])
def test_the_list_runs_a_constant_number_of_queries(world, size, django_assert_num_queries):
    tiedong = world.regions["210302"]
    Institution.objects.bulk_create([plain_institution(tiedong, f"养老院{n:03d}") for n in range(size)])
    client = client_for(world.users["district"])
    client.get(LIST)  # the user's subtree is read once per user object
    with django_assert_num_queries(1):
        response = client.get(LIST, {"page_size": 50})
    assert len(response.json()["results"]) == size + 1


def new_values(world, **extra) -> dict:
    tiedong = world.regions["210302"]
    return {
        "name": "新建养老院",
        "region": tiedong.pk,
        "nature": "private",
        "registration_form": "social_organisation",
        "credit_code": code_for(tiedong),
        "filing_status": "filed",
        "filed_on": "2020-06-01",
        "beds": 80,
        "nursing_beds": 30,
        **extra,
    }


def test_a_district_adds_an_institution_through_the_pages_rules(world):
    district = client_for(world.users["district"])
    response = district.post(LIST, new_values(world), format="json")
    assert response.status_code == 201, response.json()
    body = response.json()
    assert body["version"] == 1 and body["region_code"] == "210302" and body["beds"] == 80
    created = Institution.objects.get(pk=body["id"])
    assert created.history.first().history_user == world.users["district"]
    # the page's rules, in Chinese, per field
    bad = district.post(LIST, new_values(world, name="床位不对", nursing_beds=90), format="json")
    assert bad.status_code == 400 and "护理型床位" in bad.json()["nursing_beds"][0]
    other = district.post(
        LIST, new_values(world, name="铁西的", region=world.regions["210303"].pk), format="json"
    )
    assert other.status_code == 400 and "region" in other.json()
    assert Institution.objects.filter(name__in=["床位不对", "铁西的"]).count() == 0
    for who in ("institution", "department"):
        assert client_for(world.users[who]).post(LIST, new_values(world), format="json").status_code == 403


def test_a_change_needs_the_version_read_and_a_stale_one_answers_409(world):
    institution = valid_institution(world.regions["210302"], "康乐养老院")
    district = client_for(world.users["district"])
    read = district.get(detail(institution)).json()
    missing = district.patch(detail(institution), {"beds": 120}, format="json")
    assert missing.status_code == 400 and "version" in missing.json()
    changed = district.patch(detail(institution), {"beds": 120, "version": read["version"]}, format="json")
    assert changed.status_code == 200, changed.json()
    assert changed.json()["beds"] == 120 and changed.json()["version"] == read["version"] + 1
    assert changed.json()["name"] == "康乐养老院"  # fields not sent keep their values
    stale = district.patch(detail(institution), {"beds": 130, "version": read["version"]}, format="json")
    assert stale.status_code == 409 and stale.json()["code"] == "concurrent_edit"
    institution.refresh_from_db()
    assert institution.beds == 120
    assert (
        district.patch(detail(world.other_institution), {"beds": 1, "version": 1}, format="json").status_code
        == 404
    )
    own = client_for(world.users["institution"])
    assert (
        own.patch(detail(world.own_institution), {"beds": 1, "version": 1}, format="json").status_code == 403
    )


def test_the_history_names_who_changed_what_newest_first_in_pages(world):
    institution = valid_institution(world.regions["210302"], "康乐养老院")
    district = world.users["district"]
    for beds in (110, 120, 130):
        institution.beds = beds
        services.institution_update(
            institution=institution, expected_version=institution.version, by=district
        )
    client = client_for(district)
    first = client.get(f"{detail(institution)}history/", {"page_size": 2}).json()
    assert [row["changes"] for row in first["results"]] == [
        [{"label": "床位数", "old": "120", "new": "130"}],
        [{"label": "床位数", "old": "110", "new": "120"}],
    ]
    assert first["results"][0]["user"] == "李秀梅" and first["results"][0]["kind"] == "~"
    second = client.get(first["next"]).json()
    assert [row["changes"][0]["new"] for row in second["results"][:1]] == ["110"]
    assert second["results"][-1]["kind"] == "+" and second["results"][-1]["changes"] == []
    assert (
        client_for(world.users["institution"]).get(f"{detail(world.own_institution)}history/").status_code
        == 200
    )
    assert client.get(f"{detail(world.foreign_institution)}history/").status_code == 404


def test_a_token_reads_with_its_users_scope(world):
    _token, raw = issue_token(user=world.users["district"], name="区台账同步", days=30)
    client = APIClient()
    response = client.get(LIST, HTTP_AUTHORIZATION=f"Bearer {raw}")
    assert response.status_code == 200 and names(response) == {"铁东区测试养老院"}
    assert client.get(detail(world.other_institution), HTTP_AUTHORIZATION=f"Bearer {raw}").status_code == 404
    assert client.get(LIST).status_code == 401


def test_the_names_resolve(world):
    assert reverse("api:institution-list") == LIST
    assert reverse("api:institution-history", kwargs={"pk": 5}) == f"{LIST}5/history/"
