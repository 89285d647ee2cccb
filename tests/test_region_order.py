"""Regions come by official code, then the zones, then 市本级 (issue 15 item 6), in every list."""

import re

from django.urls import reverse

from core.models import Region
from core.services import DATA_DIR, regions_load_file

ANSHAN_UNITS = [
    "铁东区",
    "铁西区",
    "立山区",
    "千山区",
    "台安县",
    "岫岩满族自治县",
    "海城市",
    "鞍山高新技术产业开发区",
    "鞍山经济开发区",
    "千山风景名胜区",
    "鞍山市本级",
]


def test_regions_come_by_official_code_then_zones_then_city_level(world):
    names = list(Region.objects.filter(parent__code="210300").values_list("name", flat=True))
    assert names == ANSHAN_UNITS


def test_a_tree_listing_keeps_each_parent_before_its_units(world):
    codes = list(Region.objects.values_list("code", flat=True))
    assert codes.index("210000") < codes.index("210300") < codes.index("210302")
    assert codes.index("210300") < codes.index("210300-C00")
    # 大连市 (210200) and its subtree come before 鞍山市 (210300): cities by code too
    assert codes.index("210200") < codes.index("210300")


def test_the_registrys_region_filter_lists_regions_in_that_order(client, world):
    client.force_login(world.users["city"])
    body = client.get(reverse("institutions:list")).content.decode()
    select = re.search(r'<select name="region".*?</select>', body, re.S).group(0)
    options = [name for name in re.findall(r"<option[^>]*>([^<]+)</option>", select) if name in ANSHAN_UNITS]
    assert options == ANSHAN_UNITS


def test_a_new_zones_place_follows_its_kind_not_its_code(world):
    city = Region.objects.get(code="210300")
    zone = Region.objects.create(
        code="210300-Z03", name="新设开发区", kind="development_zone", parent=city, sort_order=1
    )
    names = list(Region.objects.filter(parent=city).values_list("name", flat=True))
    # after every official unit, before 市本级; first among the zones by its sort order
    assert names.index("海城市") < names.index("新设开发区") < names.index("鞍山高新技术产业开发区")
    assert names[-1] == "鞍山市本级"
    zone.kind = Region.Kind.CITY_LEVEL  # regrouped: after every zone now, by its sort order
    zone.save()
    names = list(Region.objects.filter(parent=city).values_list("name", flat=True))
    assert names[-3:] == ["千山风景名胜区", "新设开发区", "鞍山市本级"]


def test_reloading_the_region_file_keeps_the_order(world):
    regions_load_file(path=DATA_DIR / "regions_anshan.yaml")
    assert list(Region.objects.filter(parent__code="210300").values_list("name", flat=True)) == ANSHAN_UNITS
