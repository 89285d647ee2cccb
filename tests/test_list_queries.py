"""Every list page runs the same number of queries with 5 rows as with 60 (issue 11): the ledger as a
district and as a city, the three lists, the institution list, the checklist matrix and the home
page. The numbers are pinned too, so a page that starts to run one more query per request is
noticed here (and the number changed on purpose, with the reason)."""

import datetime

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import timezone

from campaign.models import ItemAnswer
from hazards.models import Hazard
from institutions.models import Institution, SelfReport
from tests.hazards.factories import hazard_values
from tests.institutions.factories import plain_institution

SMALL, LARGE = 5, 60


@pytest.fixture(autouse=True)
def media(settings, tmp_path):
    settings.MEDIA_ROOT = tmp_path


def add_rows(world, count: int, start: int) -> None:
    """`count` more of everything a list shows, in both districts: institutions, hazards (every
    status, some referred and listed) and answers to the 30 items."""
    institutions = Institution.objects.bulk_create(
        plain_institution(region, f"{region.name}养老院{n:03d}")
        for n in range(start, start + count)
        for region in (world.own_institution.region, world.other_institution.region)
    )
    hazards = []
    for n, institution in enumerate(institutions):
        values = hazard_values(institution)
        hazards.append(
            Hazard(
                **values,
                code=f"{institution.region.code}-2025-{start * 2 + n + 1:05d}",
                region=institution.region,
                original_deadline=values["deadline"],
                created_by=world.users["admin"],
                status=["pending", "in_progress", "awaiting_verification", "closed"][n % 4],
                is_listed=n % 3 == 0,
                listed_by="市政府" if n % 3 == 0 else "",
            )
        )
    Hazard.objects.bulk_create(hazards)
    SelfReport.objects.bulk_create(
        SelfReport(
            institution=institution,
            status=["submitted", "returned", "accepted"][n % 3],
            created_by=world.users["admin"],
            submitted_by=world.users["admin"],
            submitted_at=timezone.now(),
        )
        for n, institution in enumerate(institutions)
    )
    from hazards.models import Referral

    Referral.objects.bulk_create(
        Referral(hazard=h, department="housing", referred_on=h.found_on, referred_by=world.users["admin"])
        for h in hazards[::2]
    )
    regions = list(world.regions[code] for code in world.regions if world.regions[code].is_county_level)
    items = list(world.campaign.items.order_by("number"))
    have = set(ItemAnswer.objects.values_list("region_id", "item_id"))
    wanted = [(r, i) for i in items for r in regions if (r.pk, i.pk) not in have][:count]
    ItemAnswer.objects.bulk_create(ItemAnswer(item=i, region=r, status="submitted") for r, i in wanted)


# page, viewer, query string, queries at both sizes (each includes the header's unread-reminder
# count, reminders.context_processors: one COUNT per page)
# The header's review queues (dashboards.queues) add, on every page with the header: the current campaign
# and one query counting all of the role's queues (city and district); one for a department; none
# for the admin. A district user's pages offer no 行政区划 filter (one unit: core.filters.
# hide_region_from_one_region_readers), so they do not read the regions for its choices: one less.
PAGES = [
    # issue 17: + the 停业整顿 badge's ids (one query per page with rows, enforcement_tags)
    ("hazards:list", None, "district", {}, 11),
    ("hazards:list", None, "district", {"status": "pending", "overdue": "no", "is_listed": "yes"}, 9),
    ("hazards:list", None, "city", {}, 12),
    ("hazards:list", None, "city", {"institution_name": "养老院"}, 12),
    ("hazards:list", None, "department", {}, 9),
    ("hazards:list", None, "admin", {}, 8),
    ("hazards:lists", ["hazards"], "district", {}, 11),
    ("hazards:lists", ["responsibility"], "city", {"status": "closed"}, 12),
    ("institutions:list", None, "district", {}, 10),
    ("institutions:list", None, "city", {"ordering": "-beds"}, 11),
    ("checklist:matrix", None, "city", {}, 12),
    # the self-report review list: the page's rows and their count, the status tabs' GROUP BY
    ("institutions:self_report_list", None, "district", {}, 11),
    ("institutions:self_report_list", None, "city", {"status": "returned"}, 11),
    # the home: the calendar's 8, the work cards (dashboards.work: the region subtree, then one
    # COUNT per model: hazards, answers, self-reports) and the dashboard (dashboards.figures): the
    # milestones, institutions and hazards grouped by region, units, publications, answers grouped,
    # referrals, the weekly chart's two GROUP BYs, the next deadlines' milestones, items, units and
    # answers; the city's has its units as rows (the row regions, more publications); the header's
    # queues two more
    ("core:home", None, "district", {}, 23),
    ("core:home", None, "city", {}, 25),
]


def _id(page):
    name, args, viewer, query, _n = page
    return f"{name}-{args[0] if args else ''}-{viewer}-{'&'.join(query)}"


@pytest.mark.parametrize("page", PAGES, ids=[_id(p) for p in PAGES])
def test_every_list_page_runs_the_same_queries_with_5_and_with_60_rows(client, world, page, settings):
    # the dashboards' figures computed on every request (not read from dashboards/cache.py)
    settings.PORTAL_DASHBOARD_CACHE_SECONDS = 0
    name, args, viewer, query, expected = page
    client.force_login(world.users[viewer])
    url = reverse(name, args=args)
    add_rows(world, SMALL, 0)
    client.get(url, query)  # sessions, caches and content types warmed up
    with CaptureQueriesContext(connection) as small:
        assert client.get(url, query).status_code == 200
    add_rows(world, LARGE - SMALL, SMALL)
    with CaptureQueriesContext(connection) as large:
        response = client.get(url, query)
    assert response.status_code == 200
    sql = [q["sql"][:160] for q in large.captured_queries]
    assert len(small) == len(large), sql
    assert len(large) == expected, sql
    if "page" in (response.context or {}):  # the total (summed from the counts on the ledger) is right
        paginator = response.context["page"].paginator
        assert paginator.count == paginator.object_list.count()


def test_the_ledger_runs_no_count_of_its_own_and_no_distinct(client, world):
    """The status counts are one grouped query, and the paginator's total comes from it."""
    add_rows(world, LARGE, 0)
    client.force_login(world.users["city"])
    with CaptureQueriesContext(connection) as captured:
        response = client.get(reverse("hazards:list"), {"status": "in_progress"})
    hazard_counts = [
        q["sql"]
        for q in captured.captured_queries
        if "COUNT(" in q["sql"].upper() and "hazards_hazard" in q["sql"]
    ]
    assert len(hazard_counts) == 1 and "GROUP BY" in hazard_counts[0]
    assert "DISTINCT" not in hazard_counts[0].upper()
    page = response.context["page"]
    assert page.paginator.count == Hazard.objects.filter(status="in_progress").count() == LARGE // 2
    assert len(page.object_list) == 20


@pytest.mark.parametrize(
    "query",
    [
        {"overdue": "yes"},
        {"overdue": "no", "is_listed": "yes"},
        {"status": "closed", "overdue": "no"},
        {"status": "closed", "overdue": "yes"},
        {"is_listed": "no", "status": "awaiting_verification"},
        {"status": "bogus", "overdue": "maybe"},  # refused values filter nothing, as in the list
        {"department": "housing", "overdue": "yes"},
    ],
)
def test_the_ledger_total_summed_from_the_counts_is_the_lists_length(client, world, time_machine_2026, query):
    add_rows(world, 24, 0)
    overdue = list(Hazard.objects.order_by("pk").values_list("pk", flat=True))[::3]
    Hazard.objects.filter(pk__in=overdue).update(deadline=datetime.date(2026, 11, 1))  # before "today"
    client.force_login(world.users["city"])
    response = client.get(reverse("hazards:list"), query)
    paginator = response.context["page"].paginator
    assert paginator.count == paginator.object_list.count()
