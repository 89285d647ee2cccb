"""The data-quality panel (issue 13): each check finds exactly the contradicting records, every
number on the panel opens a list of that length, scope and roles, and a constant number of queries."""

import datetime
import re
from fractions import Fraction

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import timezone

from campaign.indicators.figures import Figure
from campaign.models import ItemAnswer
from core import dates
from core.models import Evidence
from dashboards import quality
from hazards.models import Hazard
from institutions.models import (
    FilingStatus,
    Institution,
    LegalPersonStatus,
    Nature,
    OperatingStatus,
    RegistrationForm,
)
from tests.hazards.factories import advance, record
from tests.institutions.factories import code_for, plain_institution, valid_institution

TODAY = dates.today()
RECENT = TODAY - datetime.timedelta(days=30)


@pytest.fixture(autouse=True)
def media(settings, tmp_path):
    settings.MEDIA_ROOT = tmp_path / "media"


def wrong_check_character(code: str) -> str:
    return code[:-1] + ("0" if code[-1] != "0" else "1")


def ids(queryset) -> set[int]:
    return set(queryset.values_list("pk", flat=True))


class Data:
    """Records of 铁东区 and 铁西区, each contradiction once or twice, with near misses beside them."""

    def __init__(self, world):
        tiedong, tiexi = world.regions["210302"], world.regions["210303"]
        district = world.users["district"]
        self.world = world
        self.expected: dict[str, set[int]] = {key: set() for key in quality.BY_KEY}
        # The world's two institutions are in order (recent national-system data).
        Institution.objects.filter(pk__in=[world.own_institution.pk, world.other_institution.pk]).update(
            national_data_updated_on=RECENT
        )

        def institution(region, name, **fields):
            return valid_institution(region, name, national_data_updated_on=RECENT, **fields)

        self.good = institution(tiedong, "铁东区良好养老院")
        # Registered form "not registered", yet filed.
        unregistered = institution(
            tiexi, "铁西区未登记养老院", registration_form=RegistrationForm.UNREGISTERED, credit_code=""
        )
        self.expected["unregistered-filed"].add(unregistered.pk)
        institution(tiexi, "铁西区未登记未备案", registration_form=RegistrationForm.UNREGISTERED, credit_code="",
                    filing_status=FilingStatus.UNFILED, filed_on=None)  # fmt: skip
        # Special-hardship facilities: pending registration, a branch filed before its head's code was
        # entered, a branch filed after it (in order), a branch whose code is not entered.
        hardship = {
            "nature": Nature.PUBLIC,
            "registration_form": RegistrationForm.PUBLIC_INSTITUTION,
            "is_special_hardship": True,
            "area": "rural",
        }
        pending = institution(
            tiedong,
            "铁东区甲敬老院",
            credit_code=code_for(tiedong, RegistrationForm.PUBLIC_INSTITUTION),
            legal_person_status=LegalPersonStatus.PENDING,
            **hardship,
        )
        head = institution(
            tiedong,
            "铁东区中心敬老院",
            credit_code=code_for(tiedong, RegistrationForm.PUBLIC_INSTITUTION),
            legal_person_status=LegalPersonStatus.INDEPENDENT,
            **hardship,
        )
        branch = {**hardship, "legal_person_status": LegalPersonStatus.BRANCH, "parent": head}
        early = institution(
            tiedong,
            "铁东区乙分院",
            credit_code=head.credit_code,
            filed_on=datetime.date(2020, 5, 1),
            legal_code_entered=True,
            legal_code_entered_on=datetime.date(2020, 6, 1),
            **branch,
        )
        institution(
            tiedong,
            "铁东区丙分院",
            credit_code=head.credit_code,
            filed_on=datetime.date(2020, 6, 1),
            legal_code_entered=True,
            legal_code_entered_on=datetime.date(2020, 6, 1),
            **branch,
        )
        not_entered = institution(tiedong, "铁东区丁分院", credit_code=head.credit_code, **branch)
        self.expected["filed-before-registered"] |= {pending.pk, early.pk, not_entered.pk}
        # Credit codes: a wrong check character unconfirmed (counted) and confirmed (not), a first
        # pair that does not fit the registration form, a malformed code.
        bad = Institution.objects.create(
            name="铁东区校验位错误",
            region=tiedong,
            nature=Nature.PRIVATE,
            registration_form=RegistrationForm.SOCIAL_ORGANISATION,
            filing_status=FilingStatus.UNFILED,
            credit_code=wrong_check_character(code_for(tiedong)),
            national_data_updated_on=RECENT,
        )
        Institution.objects.create(
            name="铁东区校验位已核实",
            region=tiedong,
            nature=Nature.PRIVATE,
            registration_form=RegistrationForm.SOCIAL_ORGANISATION,
            filing_status=FilingStatus.UNFILED,
            credit_code=wrong_check_character(code_for(tiedong)),
            credit_code_confirmed=True,
            national_data_updated_on=RECENT,
        )
        mismatch = Institution.objects.create(
            name="铁西区代码与登记形式不符",
            region=tiexi,
            nature=Nature.PRIVATE,
            registration_form=RegistrationForm.SOCIAL_ORGANISATION,
            filing_status=FilingStatus.UNFILED,
            credit_code=code_for(tiexi, RegistrationForm.ENTERPRISE),
            national_data_updated_on=RECENT,
        )
        malformed = Institution.objects.create(
            name="铁西区代码残缺",
            region=tiexi,
            nature=Nature.PRIVATE,
            registration_form=RegistrationForm.SOCIAL_ORGANISATION,
            filing_status=FilingStatus.UNFILED,
            credit_code="52210303MA0",
            national_data_updated_on=RECENT,
        )
        self.expected["credit-code"] |= {bad.pk, mismatch.pk, malformed.pk}
        # National-system data: never, 366 days ago (counted), exactly 365 days ago (in time).
        never = valid_institution(tiedong, "铁东区从未更新")
        old = valid_institution(
            tiexi, "铁西区一年多未更新", national_data_updated_on=TODAY - datetime.timedelta(days=366)
        )
        valid_institution(
            tiexi, "铁西区刚满一年", national_data_updated_on=TODAY - datetime.timedelta(days=365)
        )
        self.expected["national-data"] |= {never.pk, old.pk}
        # Outside the population: a suspended institution with every institution contradiction.
        Institution.objects.create(
            name="铁东区停业养老院",
            region=tiedong,
            nature=Nature.PRIVATE,
            registration_form=RegistrationForm.UNREGISTERED,
            filing_status=FilingStatus.FILED,
            filed_on=datetime.date(2020, 1, 1),
            credit_code="123",
            operating_status=OperatingStatus.SUSPENDED,
        )

        # Hazards of 铁东区: closed with an after-photo (in order), closed by import without one,
        # closed with its only after-photo removed, a deleted one without; an overdue fire hazard and
        # a food hazard due today.
        def hazard(**fields):
            return record(self.good, district, found_on=TODAY - datetime.timedelta(days=40), **fields)

        advance(hazard(deadline=TODAY + datetime.timedelta(days=5)), "closed", district=district)
        imported = hazard(deadline=TODAY - datetime.timedelta(days=10), category="building")
        Hazard.objects.filter(pk=imported.pk).update(
            status="closed", closed_on=TODAY - datetime.timedelta(days=12)
        )
        removed = advance(hazard(deadline=TODAY, category="building"), "closed", district=district)
        Evidence.objects.filter(owner_id=removed.pk, purpose="after").update(
            removed_at=timezone.now(), removed_by=district
        )
        deleted = hazard(deadline=TODAY, category="building")
        Hazard.objects.filter(pk=deleted.pk).update(status="closed", deleted_at=timezone.now())
        self.expected["closed-without-photo"] |= {imported.pk, removed.pk}
        self.overdue_fire = hazard(deadline=TODAY - datetime.timedelta(days=1), category="fire")
        hazard(deadline=TODAY, category="food")

        # Answers to the 30 items (the 2020 campaign, the current one of the world).
        def answer(region, number, status, **values):
            item = world.campaign.items.get(number=number)
            return ItemAnswer.objects.create(
                item=item, region=region, status=status, narrative="已落实", values=values
            )

        self.expected["done-with-open-hazards"] |= {
            answer(tiedong, 3, "submitted").pk,
            answer(tiedong, 24, "accepted").pk,
        }
        answer(tiedong, 25, "submitted")  # food: due today, not overdue
        answer(tiedong, 27, "draft")  # not handed in
        answer(tiexi, 3, "submitted", found="1")  # no hazard in 铁西区; 1 from 0 is not far
        # Item 4: 铁东区 declares 90% meet GB 38600, the registry says 0%; 铁西区 declares 0%.
        self.expected["declared-figures"].add(answer(tiedong, 4, "submitted", compliant="90%").pk)
        answer(tiexi, 4, "accepted", compliant="0%")
        answer(tiexi, 5, "draft", compliant="99%")  # a draft is not judged


@pytest.fixture
def data(world):
    return Data(world)


def drop_bed_constraint():
    """Let a row with more nursing beds than beds into the table (this test's transaction only)."""
    with connection.cursor() as cursor:
        cursor.execute("SET CONSTRAINTS ALL IMMEDIATE")  # no deferred check pending on the table
        cursor.execute(
            "ALTER TABLE institutions_institution DROP CONSTRAINT institution_nursing_beds_within_beds"
        )


def test_each_check_finds_exactly_the_contradicting_records(data, world):
    drop_bed_constraint()
    beds = Institution.objects.filter(name="铁东区良好养老院")
    beds.update(nursing_beds=120)
    data.expected["nursing-beds"].add(beds.get().pk)
    city = world.users["city"]
    for check in quality.CHECKS:
        assert ids(quality.records(check, city)) == data.expected[check.key], check.key
    result = quality.counts(city)
    assert result.totals == {key: len(found) for key, found in data.expected.items()}
    for region_id, line in result.by_region.items():
        for check in quality.CHECKS:
            in_region = check.model.objects.filter(pk__in=data.expected[check.key], region_id=region_id)
            assert line[check.key] == in_region.count(), (region_id, check.key)


def test_the_nursing_bed_check_reads_zero_while_the_database_refuses_such_rows(data, world):
    assert quality.counts(world.users["city"]).totals["nursing-beds"] == 0


def test_a_district_counts_only_its_own_unit(data, world):
    district = world.users["district"]
    tiedong = world.regions["210302"]
    result = quality.counts(district)
    assert set(result.by_region) == {tiedong.pk}
    for check in quality.CHECKS:
        expected = set(
            check.model.objects.filter(pk__in=data.expected[check.key], region=tiedong).values_list(
                "pk", flat=True
            )
        )
        assert ids(quality.records(check, district)) == expected, check.key


def test_hazards_overdue_on_the_day_judged_make_an_answer_contradict(data, world):
    city = world.users["city"]
    check = quality.BY_KEY["done-with-open-hazards"]
    # The day before the fire hazard's deadline passed, nothing was overdue yet.
    before = TODAY - datetime.timedelta(days=1)
    assert not quality.records(check, city, on=before).exists()
    data.overdue_fire.status = "closed"
    data.overdue_fire.save()
    assert not quality.records(check, city).exists()


@pytest.mark.parametrize(
    ("kind", "computed", "declared", "far"),
    [
        ("count", 100, "110", False),  # 10 apart: not more than 10 %
        ("count", 100, "111", True),
        ("count", 0, "1", False),  # not more than 1 apart
        ("count", 0, "2", True),
        ("count", 5, "1，200", True),
        ("count", 5, "五", False),  # unreadable: the answer page flags it, not this check
        ("amount", "3.50", "3.9", False),
        ("ratio", (1, 2), "51%", False),  # percentage points: 1 is not more than 1
        ("ratio", (1, 2), "56%", True),
        ("ratio", (1, 2), "0.56", True),
        ("ratio", (5, 8), "5/8", False),
        ("ratio", (0, 0), "90%", False),  # not applicable
        ("date", datetime.date(2020, 10, 1), "2020-12-01", False),
    ],
)
def test_a_declared_figure_is_far_beyond_ten_percent_and_one(kind, computed, declared, far):
    from decimal import Decimal

    if kind == "ratio":
        numerator, denominator = computed
        value = Fraction(numerator, denominator) if denominator else None
        figure = Figure("x", "x", value, kind, numerator=numerator, denominator=denominator)
    else:
        figure = Figure("x", "x", Decimal(computed) if kind == "amount" else computed, kind)
    assert quality.is_far(figure, declared) is far


# Pages ------------------------------------------------------------------------------------------

LINK = re.compile(r'<a href="([^"]+)" class="d-block link-dark" data-testid="quality-link">(\d+)</a>')
COUNT = re.compile(r'data-testid="record-count">(\d+)<')


@pytest.mark.parametrize("viewer", ["city", "district", "admin"])
def test_every_number_opens_a_list_of_that_length(client, data, world, viewer):
    client.force_login(world.users[viewer])
    body = client.get(reverse("dashboards:quality")).content.decode()
    links = LINK.findall(body)
    assert links
    for url, number in links:
        page = client.get(url.replace("&amp;", "&"))
        assert page.status_code == 200, url
        assert COUNT.search(page.content.decode()).group(1) == number, url
        assert page.content.decode().count('data-testid="quality-record"') == min(int(number), 20)
    if viewer == "city":
        totals = dict(
            re.findall(
                r'href="/dashboards/quality/([\w-]+)/" class="d-block link-dark" data-testid="quality-link">(\d+)<',
                body,
            )
        )
        assert {key: int(n) for key, n in totals.items()} == {
            key: len(found) for key, found in data.expected.items() if found
        }


def test_the_panel_lists_the_users_units_with_a_total_row_worst_first(client, data, world):
    client.force_login(world.users["city"])
    body = client.get(reverse("dashboards:quality")).content.decode()
    regions = re.findall(r'data-testid="region-row" data-region="(\d+)"', body)
    county_level = world.regions["210300"].children.count()
    assert len(regions) == county_level
    assert regions[:2] == [str(world.regions["210302"].pk), str(world.regions["210303"].pk)]
    assert 'data-testid="total-row"' in body and "大连市" not in body and "中山区" not in body
    # sorted by one column: 铁西区 has the only unregistered, filed institution
    body = client.get(reverse("dashboards:quality"), {"sort": "unregistered-filed"}).content.decode()
    assert re.findall(r'data-testid="region-row" data-region="(\d+)"', body)[0] == str(
        world.regions["210303"].pk
    )


def test_a_district_sees_its_own_unit_only(client, data, world):
    client.force_login(world.users["district"])
    body = client.get(reverse("dashboards:quality")).content.decode()
    assert re.findall(r'data-testid="region-row" data-region="(\d+)"', body) == [
        str(world.regions["210302"].pk)
    ]
    assert "铁西区" not in body
    url = reverse("dashboards:quality_records", args=["unregistered-filed"])
    assert client.get(url, {"region": world.regions["210303"].pk}).status_code == 404
    page = client.get(url)
    assert COUNT.search(page.content.decode()).group(1) == "0"


@pytest.mark.parametrize("region", ["foreign", "nonsense"])
def test_a_region_outside_the_scope_or_unknown_answers_404(client, world, region):
    client.force_login(world.users["city"])
    value = world.foreign_region.pk if region == "foreign" else "x1"
    url = reverse("dashboards:quality_records", args=["credit-code"])
    assert client.get(url, {"region": value}).status_code == 404


def test_an_unknown_check_answers_404(client, world):
    client.force_login(world.users["city"])
    assert client.get(reverse("dashboards:quality_records", args=["no-such-check"])).status_code == 404


@pytest.mark.parametrize("viewer", ["institution", "department"])
def test_institution_and_department_users_are_refused(client, world, viewer):
    client.force_login(world.users[viewer])
    assert client.get(reverse("dashboards:quality")).status_code == 403
    assert client.get(reverse("dashboards:quality_records", args=["credit-code"])).status_code == 403


def test_the_records_link_to_their_own_pages(client, data, world):
    client.force_login(world.users["city"])
    for check in quality.CHECKS:
        body = client.get(reverse("dashboards:quality_records", args=[check.key])).content.decode()
        links = re.findall(r'<a href="([^"]+)" data-testid="record-link">', body)
        assert len(links) == len(data.expected[check.key]), check.key
        for url in links:
            assert client.get(url).status_code == 200, url
    body = client.get(reverse("dashboards:quality_records", args=["declared-figures"])).content.decode()
    assert "90%" in body  # the declared figure beside the computed one


def test_the_records_are_paginated_and_the_count_is_the_whole_list(client, world):
    tiedong = world.regions["210302"]
    Institution.objects.bulk_create([plain_institution(tiedong, f"铁东区第{n:02d}养老院") for n in range(25)])
    client.force_login(world.users["district"])
    url = reverse("dashboards:quality_records", args=["national-data"])
    first = client.get(url).content.decode()
    assert COUNT.search(first).group(1) == "26"  # and the world's own institution
    assert first.count('data-testid="quality-record"') == 20
    second = client.get(url, {"page": 2}).content.decode()
    assert second.count('data-testid="quality-record"') == 6


def add_rows(world, count: int, offset: int) -> None:
    """`count` institutions over the two districts, each with every kind of record the checks read."""
    district = world.users["district"]
    regions = [world.regions["210302"], world.regions["210303"]]
    Institution.objects.bulk_create(
        [plain_institution(regions[n % 2], f"测试养老院{offset + n:03d}") for n in range(count)]
    )
    for n, institution in enumerate(
        Institution.objects.filter(name__startswith="测试养老院").order_by("pk")[offset:]
    ):
        if n % 5 == 0 and institution.region_id == regions[0].pk:
            record(
                institution,
                district,
                found_on=TODAY - datetime.timedelta(days=9),
                deadline=TODAY - datetime.timedelta(days=2),
            )


def test_the_panel_runs_the_same_queries_at_10_and_at_60_institutions(client, world, settings):
    settings.PORTAL_DASHBOARD_CACHE_SECONDS = 0  # the counts themselves, not the cache
    for number, status, values in ((3, "submitted", {"found": "0"}), (4, "accepted", {"compliant": "50%"})):
        ItemAnswer.objects.create(
            item=world.campaign.items.get(number=number),
            region=world.regions["210302"],
            status=status,
            values=values,
        )
    client.force_login(world.users["city"])
    counted = []
    for size, offset in ((10, 0), (50, 10)):
        add_rows(world, size, offset)
        with CaptureQueriesContext(connection) as queries:
            response = client.get(reverse("dashboards:quality"))
        assert response.status_code == 200
        counted.append(len(queries))
    assert Institution.objects.filter(name__startswith="测试养老院").count() == 60
    # session, user, the user's region and subtree; credit codes; institutions, hazards and answers
    # grouped; campaigns; the answers' figures (their answers, and compute_many's milestones,
    # hazards and institutions for items 3 and 4); the regions; the header's unread reminders.
    assert counted[0] == counted[1] == 17, counted  # +2: the header's review queues


def test_the_panel_keeps_its_counts_until_a_record_changes(client, world):
    """dashboards.cache: the second request reads the counts from the cache; an institution saved
    as unregistered but filed (a new history row) is counted by the next request."""
    from institutions.models import FilingStatus, RegistrationForm

    add_rows(world, 4, 0)
    client.force_login(world.users["city"])

    def get():
        with CaptureQueriesContext(connection) as queries:
            response = client.get(reverse("dashboards:quality"))
        return response.context["totals"], len(queries)

    first, computed = get()
    again, from_cache = get()
    assert again == first and from_cache < computed
    home = Institution.objects.filter(name__startswith="测试养老院").first()
    home.registration_form, home.filing_status = RegistrationForm.UNREGISTERED, FilingStatus.FILED
    home.filed_on = datetime.date(2020, 6, 1)
    home.save()
    after, _queries = get()
    counted = {cell["key"]: cell["n"] for cell in after}
    assert (
        counted["unregistered-filed"] == {cell["key"]: cell["n"] for cell in first}["unregistered-filed"] + 1
    )
