"""The registry list shows and filters the indicators' population (Institution.objects.operating())."""

import pytest
from django.urls import reverse

from institutions.models import LegalPersonStatus, Nature, OperatingStatus
from tests.institutions.factories import valid_institution

NOT_OPERATING = 'data-testid="not-operating"'


@pytest.fixture
def mixed(world):
    tiedong = world.regions["210302"]
    valid_institution(tiedong, "运营中院")
    valid_institution(tiedong, "停业整顿院", operating_status=OperatingStatus.SUSPENDED)
    valid_institution(tiedong, "已注销院", operating_status=OperatingStatus.DEREGISTERED)
    valid_institution(
        tiedong,
        "已转互助敬老院",
        nature=Nature.PUBLIC,
        is_special_hardship=True,
        area="rural",
        legal_person_status=LegalPersonStatus.CONVERTED,
    )
    return tiedong


def names(body: str) -> set[str]:
    return {name for name in ("运营中院", "停业整顿院", "已注销院", "已转互助敬老院") if name in body}


def test_the_list_filters_the_population_in_and_out(client, world, mixed):
    client.force_login(world.users["district"])
    url = reverse("institutions:list")
    assert names(client.get(url, {"region": mixed.pk}).content.decode()) == {
        "运营中院",
        "停业整顿院",
        "已注销院",
        "已转互助敬老院",
    }
    assert names(client.get(url, {"operating": "yes"}).content.decode()) == {"运营中院"}
    assert names(client.get(url, {"operating": "no"}).content.decode()) == {
        "停业整顿院",
        "已注销院",
        "已转互助敬老院",
    }


def test_the_list_marks_each_institution_outside_the_population(client, world, mixed):
    client.force_login(world.users["district"])
    body = client.get(reverse("institutions:list"), {"operating": "no"}, HTTP_HX_REQUEST="true")
    assert body.content.decode().count(NOT_OPERATING) == 3
    body = client.get(reverse("institutions:list"), {"operating": "yes"}, HTTP_HX_REQUEST="true")
    assert NOT_OPERATING not in body.content.decode()


@pytest.mark.parametrize(
    ("name", "marked"),
    [("运营中院", False), ("停业整顿院", True), ("已注销院", True), ("已转互助敬老院", True)],
)
def test_the_detail_page_says_whether_the_institution_is_counted(client, world, mixed, name, marked):
    institution = mixed.institutions.get(name=name)
    client.force_login(world.users["district"])
    body = client.get(reverse("institutions:detail", args=[institution.pk])).content.decode()
    assert (NOT_OPERATING in body) is marked
