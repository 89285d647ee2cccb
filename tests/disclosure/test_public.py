"""The public disclosure pages (items 7–9): open to anyone, and showing only what may be public."""

import datetime
import json

import pytest
from django.urls import reverse
from django.utils import translation

from disclosure import services
from disclosure.models import ITEM_9_QUOTE, KEY_TASK_3_QUOTE, Publication
from institutions.models import (
    FilingStatus,
    Institution,
    LegalPersonStatus,
    Nature,
    OperatingStatus,
    RegistrationForm,
)
from tests.conftest import SEEDS
from tests.disclosure import factories
from tests.disclosure.factories import PRIVATE
from tests.submissions import with_token

Kind = Publication.Kind
SEED = SEEDS / "000_caaf96290dec4cf6.txt"


def publish_all(region, by):
    return [services.publication_publish(region=region, kind=kind, by=by) for kind in Kind.values]


def region_url(code: str) -> str:
    return reverse("disclosure:region", kwargs={"code": code})


# Open to anyone --------------------------------------------------------------------------------


def test_public_pages_need_no_login(client, world):
    publish_all(world.regions["210302"], world.users["district"])
    for url in (reverse("disclosure:index"), region_url("210302"), region_url("210300")):
        response = client.get(url)
        assert response.status_code == 200, url
        assert "_auth_user_id" not in client.session


def test_region_page_is_titled_with_the_region(client, world):
    body = client.get(region_url("210302")).content.decode()
    with translation.override("zh-hans"):
        assert (
            f"<title>{translation.gettext('Eldercare institution information disclosure')} · 铁东区" in body
        )


def test_unknown_region_code_answers_404(client, world):
    assert client.get(region_url("999999")).status_code == 404


def test_province_has_no_disclosure_page(client, world):
    assert client.get(region_url("210000")).status_code == 404


def test_index_lists_every_county_level_unit_with_its_latest_dates(client, world):
    publication = services.publication_publish(
        region=world.regions["210302"], kind=Kind.FILED, by=world.users["district"]
    )
    body = client.get(reverse("disclosure:index")).content.decode()
    for name in ("鞍山市", "铁东区", "铁西区", "海城市", "鞍山市本级"):
        assert name in body
    assert region_url("210300-Z01") in body
    assert publication.published_on.isoformat() in body


def test_city_page_shows_only_the_policy_list_and_links_its_units(client, world):
    response = client.get(region_url("210300"))
    assert [public_list.kind for public_list in response.context["lists"]] == [Kind.POLICIES]
    assert region_url("210303") in response.content.decode()


def test_legal_basis_is_quoted_word_for_word_from_the_seed(client, world):
    seed = "".join(SEED.read_text(encoding="utf-8").split()) if SEED.exists() else None
    if seed is not None:
        assert KEY_TASK_3_QUOTE in seed
        assert ITEM_9_QUOTE in seed
    body = client.get(region_url("210302")).content.decode()
    assert body.count(KEY_TASK_3_QUOTE) == 2  # above the two institution lists
    assert body.count(ITEM_9_QUOTE) == 1  # above the policy list


# Only public fields ----------------------------------------------------------------------------


@pytest.fixture
def private_world(world):
    """铁东区 with a filed and an unfiled institution full of private values, all lists published."""
    tiedong = world.regions["210302"]
    factories.institution(tiedong, "铁东区福寿养老院", star_rating=3, star_rated_on="2020-03-01", **PRIVATE)
    factories.unfiled(tiedong, "铁东区无证托老所", unfiled_found_on=datetime.date(2020, 7, 9), **PRIVATE)
    factories.policy(tiedong, world.users["district"], file=factories.pdf())
    publish_all(tiedong, world.users["district"])
    return world


def private_texts() -> list[str]:
    return [str(value) for value in PRIVATE.values()]


def test_no_private_field_reaches_a_public_page(client, private_world):
    for url in (reverse("disclosure:index"), region_url("210302"), region_url("210300")):
        body = client.get(url).content.decode()
        for text in private_texts():
            assert text not in body, f"{text!r} leaks at {url}"
    body = client.get(region_url("210302")).content.decode()
    assert "铁东区福寿养老院" in body and "铁东区无证托老所" in body
    assert "2020-07-09" in body  # the date an unfiled institution was found is public (not personal)
    assert "李秀梅" not in body  # who clicked "publish" is not public either


def test_no_private_field_reaches_a_snapshot(private_world):
    snapshots = json.dumps([p.snapshot for p in Publication.objects.all()], ensure_ascii=False)
    for text in private_texts():
        assert text not in snapshots
    columns = {p.kind: set().union(*(row.keys() for row in p.snapshot)) for p in Publication.objects.all()}
    assert columns[Kind.FILED] == {"name", "address", "nature", "beds", "star_rating", "registered", "filed"}
    assert columns[Kind.UNFILED] == {"name", "address", "found_on", "registered", "filed"}
    assert columns[Kind.POLICIES] == {
        "id", "title", "issuing_body", "issued_on", "url", "file_name", "file_sha256"
    }  # fmt: skip


def test_filed_list_shows_nature_beds_and_stars(client, private_world):
    body = client.get(region_url("210302")).content.decode()
    assert "3 ★" in body
    row = Publication.objects.get(kind=Kind.FILED).snapshot[0]
    assert row == {
        "name": "铁东区福寿养老院",
        "address": "铁东区某路1号",
        "nature": Nature.PRIVATE,
        "beds": 60,
        "star_rating": 3,
        "registered": True,
        "filed": True,
    }


# Who is on which list ----------------------------------------------------------------------------


def test_filed_and_unfiled_lists_hold_the_right_institutions(world):
    tiedong, tiexi = world.regions["210302"], world.regions["210303"]
    factories.institution(tiedong, "已登记已备案")
    factories.institution(tiedong, "已登记未备案", filing_status=FilingStatus.UNFILED, filed_on=None)
    factories.institution(tiedong, "停业整顿中", operating_status=OperatingStatus.SUSPENDED)
    factories.unfiled(tiedong, "未登记未备案")
    factories.unfiled(tiedong, "已停业的黑养老院", operating_status=OperatingStatus.SUSPENDED)
    factories.institution(tiedong, "已注销", operating_status=OperatingStatus.DEREGISTERED)
    factories.unfiled(tiedong, "已注销的黑养老院", operating_status=OperatingStatus.DEREGISTERED)
    factories.institution(
        tiedong,
        "已转为互助养老设施的敬老院",
        nature=Nature.PUBLIC,
        registration_form=RegistrationForm.PUBLIC_INSTITUTION,
        is_special_hardship=True,
        legal_person_status=LegalPersonStatus.CONVERTED,
    )
    factories.institution(tiexi, "铁西区的机构")

    filed = services.publication_publish(region=tiedong, kind=Kind.FILED, by=world.users["district"])
    unfiled = services.publication_publish(region=tiedong, kind=Kind.UNFILED, by=world.users["district"])

    # Only operating institutions (Institution.objects.operating()): suspended, deregistered and
    # converted ones are on neither list, as they are in no indicator (item 7 and 8 count the same rows).
    assert {row["name"] for row in filed.snapshot} == {"已登记已备案", "已登记未备案"}
    assert {row["name"] for row in unfiled.snapshot} == {"已登记未备案", "未登记未备案"}
    # Registered but not filed is on both lists, as the issue defines them; the status column says why.
    both = next(row for row in unfiled.snapshot if row["name"] == "已登记未备案")
    assert both["registered"] and not both["filed"]


# Publishing --------------------------------------------------------------------------------------


def test_publishing_records_the_date_and_the_user(world):
    before = datetime.datetime.now(datetime.UTC)
    publication = services.publication_publish(
        region=world.regions["210302"], kind=Kind.FILED, by=world.users["district"]
    )
    assert publication.published_by == world.users["district"]
    assert before <= publication.published_at <= datetime.datetime.now(datetime.UTC)
    assert (
        publication.published_on
        == publication.published_at.astimezone(datetime.timezone(datetime.timedelta(hours=8))).date()
    )


def test_publication_date_cannot_be_set_by_hand(world):
    for name in ("published_at", "published_by", "snapshot"):
        assert not Publication._meta.get_field(name).editable


def test_every_click_is_a_new_publication_and_the_page_shows_the_latest(client, world):
    tiedong = world.regions["210302"]
    kangle = factories.institution(tiedong, "铁东区康乐老年公寓")
    client.force_login(world.users["district"])
    url = reverse("disclosure:publish", kwargs={"code": "210302", "kind": Kind.FILED})

    assert client.post(url, with_token(client)).status_code == 302
    first = Publication.objects.get()
    Publication.objects.filter(pk=first.pk).update(
        published_at=datetime.datetime(2020, 10, 9, 9, 0, tzinfo=datetime.UTC)
    )
    kangle.name = "铁东区康乐老年公寓（新址）"
    kangle.save()
    client.logout()
    assert "（新址）" not in client.get(region_url("210302")).content.decode()  # the snapshot, not live data

    client.force_login(world.users["district"])
    assert client.post(url, with_token(client)).status_code == 302
    assert Publication.objects.filter(region=tiedong, kind=Kind.FILED).count() == 2
    client.logout()
    response = client.get(region_url("210302"))
    body = response.content.decode()
    assert "（新址）" in body
    filed = next(public_list for public_list in response.context["lists"] if public_list.kind == Kind.FILED)
    assert filed.publication == Publication.objects.filter(kind=Kind.FILED).first()  # the latest
    assert "2020-10-09 17:00" in body  # the earlier one, in Beijing time, under the list


def test_publish_needs_post(client, world):
    client.force_login(world.users["district"])
    url = reverse("disclosure:publish", kwargs={"code": "210302", "kind": Kind.FILED})
    assert client.get(url).status_code == 405
    assert not Publication.objects.exists()


def test_city_publishes_its_own_policy_list_but_no_institution_list(client, world):
    client.force_login(world.users["city"])
    ok = reverse("disclosure:publish", kwargs={"code": "210300", "kind": Kind.POLICIES})
    assert client.post(ok, with_token(client)).status_code == 302
    wrong = reverse("disclosure:publish", kwargs={"code": "210300", "kind": Kind.FILED})
    assert client.post(wrong, with_token(client)).status_code == 404
    assert list(Publication.objects.values_list("region__code", "kind")) == [("210300", Kind.POLICIES)]


def test_city_staff_may_publish_for_a_unit_of_their_city(client, world):
    client.force_login(world.users["city"])
    url = reverse("disclosure:publish", kwargs={"code": "210303", "kind": Kind.UNFILED})
    assert client.post(url, with_token(client)).status_code == 302
    assert Publication.objects.get().published_by == world.users["city"]


def test_manage_page_compares_the_list_now_with_the_list_published(client, world):
    tiedong = world.regions["210302"]
    factories.institution(tiedong, "甲养老院")
    services.publication_publish(region=tiedong, kind=Kind.FILED, by=world.users["district"])
    factories.institution(tiedong, "乙养老院")
    client.force_login(world.users["district"])
    response = client.get(reverse("disclosure:manage_region", kwargs={"code": "210302"}))
    filed = next(card for card in response.context["cards"] if card["kind"] == Kind.FILED)
    assert (filed["changes"].added, filed["changes"].removed, filed["changes"].changed) == (1, 0, 0)
    assert {row["name"] for row in filed["rows"]} == {"甲养老院", "乙养老院"}


# Query counts ------------------------------------------------------------------------------------


@pytest.mark.parametrize("count", [30, 300])
def test_public_region_page_runs_a_constant_number_of_queries(
    client, world, count, django_assert_max_num_queries
):
    tiedong = world.regions["210302"]
    Institution.objects.bulk_create(
        Institution(
            region=tiedong,
            name=f"机构{n:03d}",
            nature=Nature.PRIVATE,
            registration_form=RegistrationForm.ENTERPRISE if n % 3 else RegistrationForm.UNREGISTERED,
            filing_status=FilingStatus.FILED if n % 3 else FilingStatus.UNFILED,
            beds=n,
        )
        for n in range(count)
    )
    for n in range(count // 10):
        factories.policy(tiedong, world.users["district"], title=f"政策{n}", file=factories.pdf())
    for _ in range(3):
        publish_all(tiedong, world.users["district"])
    with django_assert_max_num_queries(4):
        response = client.get(region_url("210302"))
    assert response.status_code == 200
    assert response.content.decode().count("机构") >= count


def test_index_runs_a_constant_number_of_queries(client, world, django_assert_max_num_queries):
    for code in ("210302", "210303", "210381"):
        publish_all(world.regions[code], world.users["city"])
    with django_assert_max_num_queries(2):
        assert client.get(reverse("disclosure:index")).status_code == 200
