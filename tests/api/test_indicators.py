"""Issue 18, the indicators' API: the figures `campaign.indicators.compute_many` gives the dashboards
and the checklist, as of a date, for the reader's regions; 400 in Chinese naming ``as_of`` or
``item``; 404 for a region outside the area; a constant number of queries."""

import datetime

import pytest
from rest_framework.test import APIClient

from accounts.tokens import issue_token
from campaign import indicators
from institutions.models import Institution
from tests.institutions.factories import plain_institution

pytestmark = pytest.mark.django_db

URL = "/api/v1/indicators/"


def client_for(user) -> APIClient:
    client = APIClient()
    client.force_authenticate(user)
    return client


def test_the_figures_are_those_the_pages_compute_as_of_the_date(world):
    Institution.objects.bulk_create(
        [plain_institution(world.regions["210302"], f"养老院{n}") for n in range(3)]
    )
    response = client_for(world.users["city"]).get(
        URL, {"as_of": "2020-10-31", "region": "210302", "item": 20}
    )
    assert response.status_code == 200, response.json()
    body = response.json()
    assert body["campaign"] == "anshan-2020" and body["as_of"] == "2020-10-31"
    assert body["computable"] == sorted(indicators.COMPUTABLE)
    [row] = body["results"]
    expected = indicators.compute(
        world.campaign, world.regions["210302"], 20, as_of=datetime.date(2020, 10, 31)
    )
    assert row["region_code"] == "210302" and row["item"] == 20 and row["met"] == expected.met
    assert [(f["key"], f["display"]) for f in row["figures"]] == [
        (f.key, f.display()) for f in expected.figures
    ]


def test_each_reader_gets_the_regions_of_its_area(world):
    city = client_for(world.users["city"]).get(URL, {"item": 8}).json()["results"]
    codes = {row["region_code"] for row in city}
    assert {"210300", "210302", "210303"} <= codes and "210202" not in codes
    district = client_for(world.users["district"]).get(URL, {"item": 8}).json()["results"]
    assert {row["region_code"] for row in district} == {"210302"}
    assert client_for(world.users["district"]).get(URL, {"region": "210303"}).status_code == 404
    assert client_for(world.users["city"]).get(URL, {"region": "210202"}).status_code == 404
    for who in ("institution", "department"):
        assert client_for(world.users[who]).get(URL).status_code == 403


@pytest.mark.parametrize(
    "params, field",
    [
        ({"as_of": "2020-02-30"}, "as_of"),
        ({"as_of": "明天"}, "as_of"),
        ({"as_of": "2999-01-01"}, "as_of"),
        ({"item": 1}, "item"),  # narrative: not computed
        ({"item": "四"}, "item"),
    ],
)
def test_bad_input_is_400_in_chinese_naming_the_field(world, params, field):
    response = client_for(world.users["city"]).get(URL, params)
    assert response.status_code == 400
    message = response.json()[field][0]
    assert any("\u4e00" <= ch <= "\u9fff" for ch in message), message


@pytest.mark.parametrize("size", [2, 20])
def test_a_constant_number_of_queries(world, size, django_assert_num_queries):
    Institution.objects.bulk_create(
        [plain_institution(world.regions["210303"], f"院{n}") for n in range(size)]
    )
    client = client_for(world.users["city"])
    client.get(URL, {"as_of": "2020-10-31"})
    with django_assert_num_queries(QUERIES):
        assert client.get(URL, {"as_of": "2020-10-31"}).status_code == 200


QUERIES = 8  # campaign, regions, milestones, institutions, hazards, units, publications…


def test_a_token_reads_the_indicators(world):
    _token, raw = issue_token(user=world.users["district"], name="指标", days=30)
    response = APIClient().get(URL, {"as_of": "2020-10-31"}, HTTP_AUTHORIZATION=f"Bearer {raw}")
    assert response.status_code == 200 and {r["region_code"] for r in response.json()["results"]} == {
        "210302"
    }
