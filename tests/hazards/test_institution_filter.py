"""The ledger's institution filter at province scale (issue 11): never a list of every visible
institution. A type-ahead text field (name or the start of a credit code) narrows a list of at
most 20 institutions, inside the chosen region and the viewer's scope; without JavaScript the text
filters by itself and the list shows its matches after submitting."""

import re

import pytest
from django.urls import reverse

from hazards.filters import INSTITUTION_CHOICES
from institutions.models import Institution
from tests.hazards.factories import record
from tests.institutions.factories import plain_institution


@pytest.fixture(autouse=True)
def media(settings, tmp_path):
    settings.MEDIA_ROOT = tmp_path


def many(region, count, stem="幸福养老院"):
    return Institution.objects.bulk_create(plain_institution(region, f"{stem}{n:03d}") for n in range(count))


def options(html: str) -> list[str]:
    select = re.search(r'<select name="institution".*?</select>', html, re.S).group(0)
    return re.findall(r"<option[^>]*>([^<]*)</option>", select)


def test_the_ledger_lists_at_most_20_institutions(client, world):
    many(world.own_institution.region, 50)
    client.force_login(world.users["city"])
    html = client.get(reverse("hazards:list")).content.decode()
    shown = options(html)
    assert len(shown) == 1 + INSTITUTION_CHOICES + 1  # "all", 20, "type more"
    assert 'data-testid="institution-search"' in html
    assert re.search(r'<option value="more" disabled>', html)


def test_typing_narrows_the_list_inside_the_viewers_scope(client, world):
    many(world.own_institution.region, 3, "康宁")
    many(world.other_institution.region, 3, "康宁西")
    many(world.foreign_institution.region, 3, "康宁外")
    url = reverse("hazards:institution_options")
    client.force_login(world.users["district"])
    html = client.get(url, {"institution_name": "康宁"}, HTTP_HX_REQUEST="true").content.decode()
    assert options(html)[1:] == ["康宁000", "康宁001", "康宁002"]
    client.force_login(world.users["city"])
    html = client.get(url, {"institution_name": "康宁"}, HTTP_HX_REQUEST="true").content.decode()
    assert len(options(html)) == 1 + 6 and "康宁外" not in html
    # inside the chosen region only
    region = world.other_institution.region.pk
    html = client.get(
        url, {"institution_name": "康宁", "region": region}, HTTP_HX_REQUEST="true"
    ).content.decode()
    assert options(html)[1:] == ["康宁西000", "康宁西001", "康宁西002"]


def test_the_current_choice_is_kept_only_while_it_matches(client, world):
    [chosen] = many(world.own_institution.region, 1, "康宁")
    client.force_login(world.users["district"])
    url = reverse("hazards:institution_options")
    html = client.get(url, {"institution_name": "康", "institution": chosen.pk}).content.decode()
    assert f'<option value="{chosen.pk}" selected>' in html
    html = client.get(url, {"institution_name": "长寿", "institution": chosen.pk}).content.decode()
    assert f'value="{chosen.pk}"' not in html


def test_the_text_filters_without_javascript_and_the_list_shows_its_matches(client, world):
    district = world.users["district"]
    [kangning] = many(world.own_institution.region, 1, "康宁")
    record(kangning, district, description="康宁的隐患")
    record(world.own_institution, district, description="另一家的隐患")
    client.force_login(district)
    response = client.get(reverse("hazards:list"), {"institution_name": "康宁"})
    assert {row["hazard"].description for row in response.context["rows"]} == {"康宁的隐患"}
    assert options(response.content.decode())[1:] == ["康宁000"]
    assert response.context["counts"]["total"] == 1
    # by the start of the credit code too
    code = world.own_institution.credit_code
    if code:
        response = client.get(reverse("hazards:list"), {"institution_name": code[:10]})
        assert {row["hazard"].description for row in response.context["rows"]} == {"另一家的隐患"}


def test_an_institution_is_still_chosen_by_its_number_and_never_outside_scope(client, world):
    district = world.users["district"]
    record(world.own_institution, district, description="本院隐患")
    client.force_login(district)
    response = client.get(reverse("hazards:list"), {"institution": world.own_institution.pk})
    assert {row["hazard"].description for row in response.context["rows"]} == {"本院隐患"}
    assert f'<option value="{world.own_institution.pk}" selected>' in response.content.decode()
    response = client.get(reverse("hazards:list"), {"institution": world.other_institution.pk})
    html = response.content.decode()
    assert world.other_institution.name not in html
    assert response.context["filter"].form.errors["institution"]


def test_the_three_lists_share_the_type_ahead(client, world):
    many(world.own_institution.region, 30)
    client.force_login(world.users["district"])
    html = client.get(reverse("hazards:lists", args=["hazards"])).content.decode()
    assert len(options(html)) == 1 + INSTITUTION_CHOICES + 1
    assert 'data-testid="institution-search"' in html
