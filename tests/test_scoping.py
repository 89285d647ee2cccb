"""`visible_to(user)`: the one scoping mechanism, per role."""

import pytest
from django.contrib.auth.models import AnonymousUser
from django.core.exceptions import ValidationError

from accounts.models import User
from campaign.models import Campaign, Milestone
from core.models import Region
from institutions.models import Institution
from tests.conftest import make_user


def names(queryset):
    return set(queryset.values_list("name", flat=True))


def test_city_staff_see_every_unit_of_their_city_and_nothing_outside(world):
    visible = Region.objects.visible_to(world.users["city"])
    assert (
        "铁东区" in names(visible) and "千山风景名胜区" in names(visible) and "鞍山市本级" in names(visible)
    )
    assert not visible.filter(name__in=["大连市", "中山区", "辽宁省"]).exists()
    assert names(Institution.objects.visible_to(world.users["city"])) == {
        "铁东区测试养老院",
        "铁西区测试养老院",
    }


def test_district_staff_see_only_their_unit(world):
    user = world.users["district"]
    assert names(Region.objects.visible_to(user)) == {"铁东区"}
    assert names(Institution.objects.visible_to(user)) == {"铁东区测试养老院"}


def test_institution_staff_see_only_their_institution(world):
    user = world.users["institution"]
    assert names(Institution.objects.visible_to(user)) == {"铁东区测试养老院"}
    assert not Region.objects.visible_to(user).exists()


def test_department_staff_see_no_registry_rows_of_their_own(world):
    # Departments see what is referred to them (later issues); the registry is not referred.
    assert not Institution.objects.visible_to(world.users["department"]).exists()


@pytest.mark.parametrize("viewer", ["city", "district", "other_district", "institution", "department"])
def test_a_city_campaign_reaches_every_unit_of_the_city_but_not_another_city(world, viewer):
    visible = Campaign.objects.visible_to(world.users[viewer])
    assert set(visible.values_list("key", flat=True)) == {"anshan-2020"}
    assert (
        not Milestone.objects.visible_to(world.users[viewer]).filter(campaign=world.foreign_campaign).exists()
    )


def test_superusers_see_everything(world):
    assert Campaign.objects.visible_to(world.users["admin"]).count() == 2
    assert Institution.objects.visible_to(world.users["admin"]).count() == 3


def test_anonymous_and_inactive_users_see_nothing(world):
    assert not Campaign.objects.visible_to(AnonymousUser()).exists()
    user = world.users["district"]
    user.is_active = False
    assert not Institution.objects.visible_to(user).exists()


def test_region_path_is_the_chain_of_codes(regions):
    assert regions["210302"].path == "210000/210300/210302/"
    assert regions["210300-Z01"].ancestor_paths() == [
        "210000/",
        "210000/210300/",
        "210000/210300/210300-Z01/",
    ]


def test_internal_codes_cannot_pass_for_official_ones(regions):
    assert regions["210381"].has_official_code
    for code in ("210300-Z01", "210300-Z02", "210300-S01", "210300-C00"):
        assert not regions[code].has_official_code
    zone = Region(code="210399", name="某开发区", kind=Region.Kind.DEVELOPMENT_ZONE, parent=regions["210300"])
    with pytest.raises(ValidationError) as error:
        zone.full_clean()
    assert "code" in error.value.message_dict


def test_moving_a_region_carries_its_subtree(regions):
    liaoning = regions["210000"]
    other = Region.objects.create(code="220000", name="吉林省", kind="province")
    city = regions["210300"]
    city.parent = other
    city.save()
    assert Region.objects.get(code="210302").path == "220000/210300/210302/"
    city.parent = liaoning
    city.save()
    assert Region.objects.get(code="210302").path == "210000/210300/210302/"


@pytest.mark.parametrize(
    ("role", "bindings", "field"),
    [
        (User.Role.DISTRICT, {}, "region"),
        (User.Role.DISTRICT, {"region": "210300"}, "region"),
        (User.Role.CITY, {"region": "210302"}, "region"),
        (User.Role.DEPARTMENT, {"region": "210300"}, "department"),
        (User.Role.INSTITUTION, {}, "institution"),
    ],
)
def test_a_role_needs_its_binding(regions, role, bindings, field):
    if "region" in bindings:
        bindings["region"] = regions[bindings["region"]]
    with pytest.raises(ValidationError) as error:
        make_user("someone", role, **bindings)
    assert field in error.value.message_dict


def test_the_database_refuses_a_district_user_without_region(regions):
    from django.db import IntegrityError

    with pytest.raises(IntegrityError):
        User.objects.create(username="orphan", role=User.Role.DISTRICT)


def test_institution_staff_take_their_institutions_region(world):
    assert world.users["institution"].region == world.regions["210302"]
