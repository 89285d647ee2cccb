"""Each role's own work on the home page (issue 13): every number, and the filtered list its link
opens shows the same number; nothing out of the user's scope is counted; the home page's queries
do not grow with the data; a GET writes nothing."""

import datetime

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from campaign.models import ItemAnswer
from dashboards.work import LINES, work_for
from hazards import services
from hazards.models import Referral
from institutions.models import Institution, SelfReport
from tests.hazards.factories import advance, notice, record

TODAY = datetime.date(2026, 11, 23)  # time_machine_2026
FOUND = datetime.date(2026, 11, 2)


@pytest.fixture(autouse=True)
def media(settings, tmp_path):
    settings.MEDIA_ROOT = tmp_path


def day(n: int) -> datetime.date:
    return TODAY + datetime.timedelta(days=n)


def hazards_of(institution, by, *, start=0):
    """One of each kind the work counts, and some it must not: returns the hazards by name."""
    listed = {"is_listed": True, "listed_by": "鞍山市人民政府"}
    made = {
        "overdue": record(institution, by, deadline=day(-3), found_on=FOUND),
        "overdue_listed": record(institution, by, deadline=day(-1), found_on=FOUND, **listed),
        "due_today": record(institution, by, deadline=day(0), found_on=FOUND),
        "due_in_7": record(institution, by, deadline=day(7), found_on=FOUND),
        "due_in_8": record(institution, by, deadline=day(8), found_on=FOUND),
        "listed_in_time": record(institution, by, deadline=day(30), found_on=FOUND, **listed),
        "in_progress": record(institution, by, deadline=day(30), found_on=FOUND),
        "to_verify": record(institution, by, deadline=day(30), found_on=FOUND),
        "closed_late": record(institution, by, deadline=day(-10), found_on=FOUND),
        "deleted": record(institution, by, deadline=day(-10), found_on=FOUND),
    }
    made["in_progress"] = advance(made["in_progress"], "in_progress", district=by)
    made["to_verify"] = advance(made["to_verify"], "awaiting_verification", district=by)
    made["closed_late"] = advance(made["closed_late"], "closed", district=by)
    services.hazard_delete(hazard=made["deleted"], reason="重复录入", by=by)
    # Written notices: to housing, unanswered (twice: housing and health on one hazard, counted
    # once for the district), one answered.
    for hazard, department in (
        (made["overdue"], "housing"),
        (made["overdue"], "health"),
        (made["due_in_8"], "housing"),
        (made["in_progress"], "health"),
        (made["to_verify"], "housing"),
    ):
        services.referral_create(
            hazard=hazard, department=department, referred_on=FOUND, note="请依法处理", notice=notice(), by=by
        )
    referral = Referral.objects.get(hazard=made["to_verify"], department="housing")
    referral.replied_on, referral.reply = FOUND, "已处理"
    referral.save()
    return made


@pytest.fixture
def data(world, time_machine_2026):
    """Two districts with the same data; answers and self-reports in both."""
    district, other = world.users["district"], world.users["other_district"]
    own = hazards_of(world.own_institution, district)
    hazards_of(world.other_institution, other)
    items = list(world.campaign.items.order_by("number"))
    county_items = [item for item in items if item.level == "county"][:3]
    city_items = [item for item in items if item.level == "city"][:2]
    tiedong, tiexi, city = world.regions["210302"], world.regions["210303"], world.regions["210300"]
    ItemAnswer.objects.bulk_create(
        [
            ItemAnswer(item=county_items[0], region=tiedong, status="returned"),
            ItemAnswer(item=county_items[1], region=tiedong, status="submitted"),
            ItemAnswer(item=county_items[2], region=tiedong, status="accepted"),
            ItemAnswer(item=county_items[0], region=tiexi, status="returned"),
            ItemAnswer(item=county_items[1], region=tiexi, status="submitted"),
            ItemAnswer(item=county_items[2], region=tiexi, status="submitted"),
            ItemAnswer(item=city_items[0], region=city, status="returned"),
            ItemAnswer(item=city_items[1], region=city, status="draft"),
            ItemAnswer(item=county_items[0], region=world.foreign_region, status="submitted"),
        ]
    )
    second = Institution.objects.create(name="铁东区第二养老院", region=tiedong)
    reports = [
        (world.own_institution, "returned"),
        (second, "submitted"),
        (world.other_institution, "submitted"),
        (world.foreign_institution, "submitted"),
    ]
    for institution, status in reports:
        SelfReport.objects.create(institution=institution, status=status, created_by=world.users["admin"])
    SelfReport.objects.create(institution=second, status="accepted", created_by=world.users["admin"])
    return own


EXPECTED = {
    # 铁东区: its own hazards only (the same set is in 铁西区, never counted here)
    "district": {
        "hazards_overdue": 2,  # overdue, overdue_listed (not the closed one, not the deleted one)
        "hazards_due_soon": 2,  # due today and in 7 days (to_verify is due in 30)
        "hazards_to_verify": 1,
        "referrals_unreplied": 3,  # overdue (two departments: one hazard), due_in_8, in_progress
        "answers_returned": 1,
        "self_reports_to_review": 1,
    },
    # the city: listed hazards of both districts, every answer awaiting review in the city, its own
    # returned answer, every self-report awaiting review in the city
    "city": {
        "hazards_listed_overdue": 2,
        "answers_returned": 1,
        "answers_to_review": 3,
        "self_reports_to_review": 2,
    },
    # 铁东区测试养老院: its own hazards
    "institution": {
        "hazards_overdue": 2,
        "hazards_pending": 6,  # overdue, overdue_listed, due_today, due_in_7, due_in_8, listed_in_time
        "hazards_in_progress": 1,
        "hazards_due_soon": 2,
        "self_report_returned": 1,
    },
    # housing, city-wide: hazards notified to housing in both districts
    "department": {
        "referrals_unreplied": 4,  # overdue and due_in_8 in each district (to_verify was answered)
        "referred_overdue": 2,
    },
}


@pytest.mark.parametrize("role", list(EXPECTED))
def test_each_roles_work_counts_only_what_is_its_own(world, data, role):
    items = work_for(world.users[role])
    assert {item.key: item.count for item in items} == EXPECTED[role]
    assert all(item.tone in ("danger", "warning", "info") for item in items)


@pytest.mark.parametrize("role", list(EXPECTED))
def test_every_number_opens_a_list_showing_that_number(client, world, data, role):
    user = world.users[role]
    client.force_login(user)
    for item in work_for(user):
        response = client.get(item.url)
        assert response.status_code == 200, item.url
        assert shown(response) == item.count, (item.key, item.url)
        body = response.content.decode()
        if item.key != "self_report_returned":
            assert f'data-testid="list-total" data-count="{item.count}"' in body, item.key


def shown(response) -> int:
    """How many the list says it shows: its paginator, else the checklist's or matrix's count, else
    (an institution's self-report page) whether its report is the returned one."""
    context = response.context
    if "page" in context:
        return context["page"].paginator.count
    if "shown" in context:
        return context["shown"]
    report = context["report"]
    return int(report is not None and report.status == SelfReport.Status.RETURNED)


@pytest.mark.parametrize("role", list(EXPECTED))
def test_the_home_page_shows_each_number_with_its_link(client, world, data, role):
    client.force_login(world.users[role])
    body = client.get(reverse("core:home")).content.decode()
    for key, count in EXPECTED[role].items():
        assert f'data-testid="work-{key}" data-count="{count}"' in body, key
    template = (
        "dashboards/home_work.html" if role in ("institution", "department") else "dashboards/dashboard.html"
    )
    assert template in [t.name for t in client.get(reverse("core:home")).templates]


def test_other_districts_and_other_cities_are_never_counted(world, data):
    """铁西区's user sees the same numbers for 铁西区 (its own data), not 铁东区's added to them."""
    counts = {item.key: item.count for item in work_for(world.users["other_district"])}
    assert counts["hazards_overdue"] == 2 and counts["hazards_to_verify"] == 1
    assert counts["answers_returned"] == 1 and counts["self_reports_to_review"] == 1


def test_a_referral_answered_leaves_the_departments_work(world, data):
    referral = Referral.objects.filter(department="housing", replied_on__isnull=True).first()
    services.referral_reply(
        referral=referral, reply="已督促整改", replied_on=TODAY, by=world.users["department"]
    )
    counts = {item.key: item.count for item in work_for(world.users["department"])}
    assert counts["referrals_unreplied"] == 3


def test_the_day_counted_from_can_be_given(world, data):
    counts = {i.key: i.count for i in work_for(world.users["district"], on=day(-2))}
    assert counts["hazards_overdue"] == 1  # only the one 3 days late was late two days ago


def test_every_line_has_a_known_tone_and_role():
    for line in LINES:
        assert line.tone in ("danger", "warning", "info")
        assert set(line.roles) <= {"city", "district", "institution", "department"}


def test_without_a_campaign_there_is_no_answer_line(world, data, monkeypatch):
    """No campaign: the checklist and the matrix answer 404, so no line links to them."""
    monkeypatch.setattr("dashboards.work.current_campaign_for", lambda user: None)
    keys = [item.key for item in work_for(world.users["city"])]
    assert keys == ["hazards_listed_overdue", "self_reports_to_review"]


def test_admin_and_anonymous_have_no_work(world):
    from django.contrib.auth.models import AnonymousUser

    assert work_for(world.users["admin"]) == []
    assert work_for(AnonymousUser()) == []


@pytest.mark.parametrize("role", list(EXPECTED))
def test_the_home_runs_the_same_queries_at_two_data_sizes(client, world, data, role, settings):
    settings.PORTAL_DASHBOARD_CACHE_SECONDS = 0  # the dashboard computed each time (dashboards/cache.py)
    user = world.users[role]
    client.force_login(user)
    client.get(reverse("core:home"))  # sessions and caches warmed up
    with CaptureQueriesContext(connection) as small:
        assert client.get(reverse("core:home")).status_code == 200
    hazards_of(world.own_institution, world.users["district"])
    hazards_of(world.other_institution, world.users["other_district"])
    with CaptureQueriesContext(connection) as large:
        assert client.get(reverse("core:home")).status_code == 200
    assert len(small) == len(large), [q["sql"][:120] for q in large.captured_queries]
    writes = [
        q["sql"]
        for q in large.captured_queries
        if q["sql"].lstrip().upper().startswith(("INSERT", "UPDATE", "DELETE"))
    ]
    assert writes == []  # a GET writes nothing


def test_work_counts_take_one_query_per_model(world, data, django_assert_max_num_queries):
    user = world.users["district"]
    user.__dict__.pop("_scope_subtree", None)
    # the campaign (this year's, none in 2026 here, then the latest: two), the region subtree, then
    # one COUNT per model: hazards, answers, self-reports
    with django_assert_max_num_queries(6):
        work_for(user)
