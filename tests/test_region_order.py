"""Regions come by official code, then the zones, then 市本级 (issue 15 item 6), in every list."""

import re

from django.urls import reverse

from core.models import Region
from core.services import DATA_DIR, regions_load_file
from hazards.forms import HazardForm
from institutions.models import Institution

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


def test_the_registry_lists_institutions_in_the_regions_official_order(client, world):
    """Institution's default order follows the regions' (then the name): the zone's home comes after
    海城市's although its district's path and its name would sort it first."""
    regions = world.regions
    Institution.objects.create(
        name="阿尔法老年公寓", region=Region.objects.get(name="鞍山高新技术产业开发区")
    )
    Institution.objects.create(name="海城市测试养老院", region=Region.objects.get(name="海城市"))
    Institution.objects.create(name="鞍山市本级测试养老院", region=Region.objects.get(name="鞍山市本级"))
    client.force_login(world.users["city"])
    body = client.get(reverse("institutions:list")).content.decode()
    order = [name for name in re.findall(r'data-testid="region-cell">([^<]+)<', body) if name in ANSHAN_UNITS]
    assert order == ["铁东区", "铁西区", "海城市", "鞍山高新技术产业开发区", "鞍山市本级"]
    assert regions["210302"].name == order[0]


def test_a_reader_of_one_unit_gets_no_region_filter_but_its_parameter_still_works(client, world):
    own = world.regions["210302"]
    for who, offered in (("district", False), ("city", True)):
        client.force_login(world.users[who])
        for url in (
            reverse("institutions:list"),
            reverse("hazards:list"),
            reverse("hazards:lists", args=["rectification"]),
        ):
            body = client.get(url).content.decode()
            assert bool(re.search(r'<select name="region"', body)) is offered, (who, url)
            assert ('<label class="form-label small text-secondary mb-1" for="id_region">' in body) is offered
    # a dashboard's link for the district (?region=<own>) still lists its institutions
    client.force_login(world.users["district"])
    response = client.get(reverse("institutions:list"), {"region": own.pk})
    assert [i.name for i in response.context["page"]] == ["铁东区测试养老院"]
    assert f'type="hidden" name="region" value="{own.pk}"' in response.content.decode()


def test_the_hazard_forms_institutions_name_the_region_only_for_several_region_readers(client, world):
    Institution.objects.create(name="康乐老年公寓", region=world.regions["210302"])
    client.force_login(world.users["district"])
    body = client.get(reverse("hazards:create")).content.decode()
    select = re.search(r'<select name="institution".*?</select>', body, re.S).group(0)
    shown = [label for label in re.findall(r"<option[^>]*>([^<]+)</option>", select) if "老" in label]
    assert shown == ["康乐老年公寓", "铁东区测试养老院"]
    # the same form for a reader of several units (the administrator): the region where not named
    field = HazardForm(user=world.users["admin"]).fields["institution"]
    labels = [label for _value, label in field.choices if str(label).startswith(("康乐", "铁"))]
    assert labels == ["康乐老年公寓（铁东区）", "铁东区测试养老院", "铁西区测试养老院"]
