"""Error pages in Chinese, the campaign pages, and the API's scope and query counts."""

import pytest
from django.test import RequestFactory
from django.urls import reverse

from campaign.services import campaign_copy
from core.views import server_error


def test_missing_page_gets_the_chinese_404(client, world):
    client.force_login(world.users["district"])
    response = client.get("/no-such-page/")
    assert response.status_code == 404
    assert "页面或记录不存在" in response.content.decode()


def test_object_outside_scope_gets_the_same_404_as_a_missing_one(client, world):
    client.force_login(world.users["district"])
    response = client.get(reverse("campaign:detail", kwargs={"pk": world.foreign_campaign.pk}))
    assert response.status_code == 404
    assert "页面或记录不存在" in response.content.decode()
    assert "大连" not in response.content.decode()


def test_server_error_page_is_chinese_and_needs_no_database(db, django_assert_num_queries):
    request = RequestFactory().get("/")
    with django_assert_num_queries(0):
        response = server_error(request)
    assert response.status_code == 500
    assert "系统处理您的请求时出现问题" in response.content.decode()


def test_campaign_page_lists_the_30_items_grouped_by_key_task(client, world):
    client.force_login(world.users["district"])
    body = client.get(reverse("campaign:detail", kwargs={"pk": world.campaign.pk})).content.decode()
    for item in world.campaign.items.all():
        assert item.text in body
    assert "（5）全部完成农村特困供养服务设施法人登记工作" in body
    assert "鞍民发〔2020〕37号" in body


@pytest.mark.long
def test_campaign_pages_run_a_constant_number_of_queries(client, world, django_assert_max_num_queries):
    for year in range(2021, 2035):
        campaign_copy(source=world.campaign, year=year)
    client.force_login(world.users["district"])
    with django_assert_max_num_queries(10):
        assert client.get(reverse("campaign:list")).status_code == 200
    with django_assert_max_num_queries(12):
        assert client.get(reverse("campaign:detail", kwargs={"pk": world.campaign.pk})).status_code == 200


@pytest.mark.parametrize(
    ("viewer", "codes"),
    [
        ("district", {"210302"}),
        ("other_district", {"210303"}),
        ("institution", set()),
        ("department", set()),
    ],
)
def test_region_api_lists_only_the_viewers_regions(client, world, viewer, codes):
    client.force_login(world.users[viewer])
    results = client.get(reverse("api:region-list")).json()["results"]
    assert {row["code"] for row in results} == codes


def test_city_sees_all_its_units_in_the_api_and_flags_internal_codes(client, world):
    client.force_login(world.users["city"])
    rows = {row["code"]: row for row in client.get(reverse("api:region-list")).json()["results"]}
    assert len(rows) == 12  # the city and its 11 county-level units
    assert rows["210381"]["has_official_code"] is True
    assert rows["210300-Z01"]["has_official_code"] is False


@pytest.mark.long
def test_api_lists_run_a_constant_number_of_queries(client, world, django_assert_max_num_queries):
    for year in range(2021, 2035):
        campaign_copy(source=world.campaign, year=year)
    client.force_login(world.users["city"])
    with django_assert_max_num_queries(8):
        data = client.get(reverse("api:milestone-list")).json()
    assert data["count"] == 15 * world.campaign.milestones.count()
    with django_assert_max_num_queries(8):
        data = client.get(reverse("api:campaign-list")).json()
    assert data["count"] == 15 and len(data["results"][0]["items"]) == 30


def test_anonymous_api_request_is_refused(client, world):
    response = client.get(reverse("api:campaign-list"))
    assert response.status_code == 401  # a program is told to authenticate (Bearer), not sent to a login page
    assert response["WWW-Authenticate"] == "Bearer"
