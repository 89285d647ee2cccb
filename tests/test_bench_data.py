"""The bench's generator (bench/generator/, `manage.py bench_data`) at a tiny scale, so it does
not rot: the rows pass the models' own validation, they are scoped like the portal's, the pages
render them, and the anchor page exists only with PORTAL_BENCH."""

import datetime

import pytest
from django.core.management import call_command
from django.test import override_settings
from django.urls import NoReverseMatch, clear_url_caches, reverse

from accounts.models import User
from bench.generator import liaoning_rows
from campaign.models import AnswerEvent, ItemAnswer
from core.models import Evidence, Region
from hazards.models import DeadlineChange, Hazard, HazardEvent, Referral
from institutions.models import Institution

AS_OF = datetime.date(2026, 6, 30)


SMALL = ("--city", "--institutions", "60", "--hazards", "400", "--users", "40", "--as-of", AS_OF.isoformat())


@pytest.fixture
def bench_data(db, settings, tmp_path):
    settings.MEDIA_ROOT = tmp_path
    call_command("bench_data", *SMALL)
    return {user.username: user for user in User.objects.filter(username__startswith="bench-")}


def test_liaoning_has_its_fourteen_cities_and_their_units():
    rows = liaoning_rows()
    cities = [row for row in rows if row["kind"] == "city"]
    assert len(cities) == 13  # plus Anshan, from core/data/regions_anshan.yaml
    assert {"沈阳市", "大连市", "葫芦岛市"} <= {row["name"] for row in cities}
    assert not any(row["name"] in ("市辖区", "市区") for row in rows)
    units = [row for row in rows if row["kind"] != "city"]
    assert 95 <= len(units) <= 120
    assert {
        "code": "210112",
        "name": "浑南区",
        "kind": "district",
        "parent": "210100",
    } in rows  # renamed 2014
    assert all(row["parent"] in {c["code"] for c in cities} for row in units)


def test_the_rows_pass_the_models_validation(bench_data):
    institutions = list(Institution.objects.all())
    assert len(institutions) == 60
    for institution in institutions:
        institution.full_clean()
    hazards = list(Hazard.objects.select_related("institution"))
    assert len(hazards) == 400
    for hazard in hazards:
        hazard.full_clean()
        assert hazard.region_id == hazard.institution.region_id
        assert hazard.found_on <= AS_OF and hazard.deadline >= hazard.found_on
        assert hazard.code.startswith(f"{hazard.region.code}-{hazard.found_on.year}-")
    assert {h.status for h in hazards} == {"pending", "in_progress", "awaiting_verification", "closed"}
    for user in bench_data.values():
        user.full_clean(exclude=["password"])
    assert bench_data["bench-province"].region.code == "210000"
    # the reminder scan's recipients: as many users as asked, every one with an e-mail address,
    # the institution users each bound to an operating home of their own region
    assert len(bench_data) == 40 and all(user.email for user in bench_data.values())
    homes = [user for user in bench_data.values() if user.role == "institution"]
    assert len(homes) > 1 and len({user.institution_id for user in homes}) == len(homes)
    assert all(
        user.institution.is_operating and user.region_id == user.institution.region_id for user in homes
    )
    # the workflow's traces: a closed hazard was verified, one past "in progress" has its after photo
    for hazard in hazards:
        if hazard.status == "closed":
            assert hazard.verified_by_id and hazard.closed_on and hazard.verification_opinion
        if hazard.status in ("awaiting_verification", "closed"):
            assert hazard.evidence.filter(purpose="after").exists()
    for change in DeadlineChange.objects.select_related("hazard"):
        assert change.old_deadline == change.hazard.original_deadline
        assert change.new_deadline == change.hazard.deadline
    for referral in Referral.objects.all():
        assert referral.evidence.filter(purpose="notice").exists()
    assert HazardEvent.objects.filter(action="create").count() == 400
    assert Hazard.history.count() == 400 and Institution.history.count() == 60
    assert Evidence.objects.exists() and ItemAnswer.objects.exists() and AnswerEvent.objects.exists()


def test_a_second_load_is_refused(bench_data):
    from django.core.management.base import CommandError

    with pytest.raises(CommandError):
        call_command("bench_data", "--city", "--institutions", "1", "--hazards", "1")


def test_the_same_seed_gives_the_same_rows(bench_data):
    first = list(
        Hazard.objects.order_by("code").values_list("code", "institution__name", "status", "deadline")
    )
    Evidence.objects.all().delete()
    for model in (AnswerEvent, ItemAnswer, HazardEvent, DeadlineChange, Referral):
        model.objects.all().delete()
    Hazard.history.all().delete()
    Hazard.objects.all().delete()
    User.objects.filter(role="institution").delete()
    Institution.history.all().delete()
    Institution.objects.filter(parent__isnull=False).delete()
    Institution.objects.all().delete()
    User.objects.filter(username__startswith="bench-").delete()
    call_command("bench_data", *SMALL)
    again = list(
        Hazard.objects.order_by("code").values_list("code", "institution__name", "status", "deadline")
    )
    assert first == again


def test_the_data_is_scoped(client, bench_data):
    district = bench_data["bench-district"]
    visible = Hazard.objects.visible_to(district)
    assert visible.exists()
    assert set(visible.values_list("region__code", flat=True)) == {"210302"}
    assert Hazard.objects.exclude(region=district.region).exists()
    city = bench_data["bench-city"]
    assert Hazard.objects.visible_to(city).count() == Hazard.objects.count()
    housing = bench_data["bench-housing"]
    assert set(Hazard.objects.visible_to(housing).values_list("pk", flat=True)) == set(
        Referral.objects.filter(department="housing").values_list("hazard_id", flat=True)
    )
    client.force_login(district)
    response = client.get(reverse("hazards:list"))
    assert response.status_code == 200
    own = visible.live().order_by("pk").first()
    other = Hazard.objects.exclude(region=district.region).live().first()
    body = response.content.decode()
    assert other.code not in body
    assert client.get(reverse("hazards:detail", args=[own.pk])).status_code == 200
    assert client.get(reverse("hazards:detail", args=[other.pk])).status_code == 404
    client.force_login(city)
    for name in ("hazards:list", "institutions:list", "checklist:matrix", "core:home"):
        assert client.get(reverse(name)).status_code == 200, name


@pytest.fixture
def bench_urls(settings):
    """config.urls as loaded with PORTAL_BENCH on."""
    import importlib

    import config.urls

    def load(enabled):
        settings.PORTAL_BENCH = enabled
        importlib.reload(config.urls)
        clear_url_caches()

    yield load
    load(False)


def test_the_anchor_page_exists_only_with_portal_bench(client, bench_data, bench_urls):
    bench_urls(False)
    with pytest.raises(NoReverseMatch):
        reverse("bench:anchor")
    assert client.get("/bench/anchor/").status_code == 404
    bench_urls(True)
    url = reverse("bench:anchor")
    response = client.get(url)
    assert response.status_code == 302 and "/accounts/login/" in response["Location"]
    district = bench_data["bench-district"]
    client.force_login(district)
    with override_settings(DEBUG=False):
        response = client.get(url)
    assert response.status_code == 200
    body = response.content.decode()
    assert district.display_name in body  # the base template's user menu
    assert f">{Institution.objects.filter(region=district.region).count()}<" in body


def test_bench_regions_fit_the_model(db):
    """The province's rows load through the regions service and pass Region.clean()."""
    from core.services import DATA_DIR, regions_load, regions_load_file

    regions_load_file(path=DATA_DIR / "regions_anshan.yaml")
    regions_load(rows=liaoning_rows())
    assert Region.objects.filter(kind="city").count() == 14
    for region in Region.objects.all():
        region.full_clean()
