# ruff: noqa: F811  (the `data` fixture is imported from tests.dashboards.test_work)
"""Each role's review queues in the header with their counts (issue 15 item 5), the three lists in
the ledger's order and the demo's after photos (item 6)."""

import re

import pytest
from django.test import RequestFactory
from django.urls import reverse

from core.evidence import evidence_for
from dashboards.context_processors import navigation
from dashboards.queues import QUEUES, nav_entries
from hazards.demo import _add_after_photo, demo_photo
from hazards.models import Hazard
from institutions.filters import self_report_status_tabs
from tests.dashboards.test_work import EXPECTED, data, hazards_of, media, shown  # noqa: F401
from tests.hazards.factories import advance, record

#: {role: {navigation entry: (work line, count)}}: the queues of EXPECTED's data
QUEUED = {
    "district": {
        "checklist:index": ("answers_returned", 1),
        "institutions:self_report_list": ("self_reports_to_review", 1),
        "hazards:list": ("hazards_to_verify", 1),
    },
    "city": {
        "checklist:matrix": ("answers_to_review", 3),
        "institutions:self_report_list": ("self_reports_to_review", 2),
    },
    "institution": {
        "hazards:list": ("hazards_pending", 6),
        "institutions:self_report": ("self_report_returned", 1),
    },
    "department": {"hazards:list": ("referrals_unreplied", 4)},
}

NAV_LINK = re.compile(r'<a class="nav-link[^"]*"\s+href="([^"]+)">(.*?)</a>', re.S)
BADGE = re.compile(r'data-testid="nav-count">(\d+)<')


def header(body: str) -> dict[str, int | None]:
    """{href: badge number or None} of the header's entries as the page shows them."""
    found = {}
    for href, inside in NAV_LINK.findall(body):
        badge = BADGE.search(inside)
        found[href.replace("&amp;", "&")] = int(badge.group(1)) if badge else None
    return found


def test_every_queue_is_a_work_line_of_its_roles():
    from dashboards.work import LINES

    lines = {line.key: line for line in LINES}
    for queue in QUEUES:
        assert set(queue.roles) <= set(lines[queue.line].roles), queue


@pytest.mark.parametrize("role", list(QUEUED))
def test_each_roles_header_shows_its_queues_with_their_counts(client, world, data, role):
    client.force_login(world.users[role])
    body = client.get(reverse("campaign:list")).content.decode()
    badges = {href: count for href, count in header(body).items() if count is not None}
    entries = {
        entry["url_name"]: entry for entry in nav_entries(world.users[role], RequestFactory().get("/"))
    }
    expected = {}
    for url_name, (line, count) in QUEUED[role].items():
        assert entries[url_name]["count"] == count == EXPECTED[role][line]
        expected[entries[url_name]["url"]] = count
    assert badges == expected


@pytest.mark.parametrize("role", list(QUEUED))
def test_each_badge_opens_a_list_showing_exactly_that_many(client, world, data, role):
    client.force_login(world.users[role])
    badges = header(client.get(reverse("campaign:list")).content.decode())
    for href, count in badges.items():
        if count is None:
            continue
        response = client.get(href)
        assert response.status_code == 200, href
        assert shown(response) == count, href


def test_the_citys_30_items_entry_opens_the_matrix_and_the_districts_its_checklist(client, world, data):
    client.force_login(world.users["city"])
    city = {entry["url_name"] for entry in nav_entries(world.users["city"])}
    assert "checklist:matrix" in city and "checklist:index" not in city
    district = {entry["url_name"] for entry in nav_entries(world.users["district"])}
    assert {"checklist:index", "institutions:self_report_list"} <= district
    assert "checklist:matrix" not in district


def test_an_empty_queue_shows_no_badge_and_opens_the_plain_list(client, world):
    client.force_login(world.users["district"])
    badges = header(client.get(reverse("campaign:list")).content.decode())
    assert all(count is None for count in badges.values())
    assert reverse("institutions:self_report_list") in badges
    assert reverse("hazards:list") in badges  # not the "awaiting verification" filter


def test_a_review_done_leaves_the_queue(client, world, data):
    """Counted afresh for each page: a verification takes the hazard out of the queue at once."""
    district = world.users["district"]
    client.force_login(district)
    ledger = {entry["url_name"]: entry for entry in nav_entries(district, RequestFactory().get("/"))}
    assert ledger["hazards:list"]["count"] == 1
    client.get(reverse("campaign:list"))
    advance(data["to_verify"], "closed", district=district)
    assert header(client.get(reverse("campaign:list")).content.decode())[reverse("hazards:list")] is None


def test_nothing_is_counted_for_a_page_that_does_not_show_the_header(world, data, django_assert_num_queries):
    request = RequestFactory().get("/")
    request.user = (
        type(world.users["district"]).objects.select_related("region").get(pk=world.users["district"].pk)
    )
    with django_assert_num_queries(0):
        context = navigation(request)
    with django_assert_num_queries(3):  # the campaign, the region subtree, every queue's COUNT
        assert len(context["nav_entries"]) > 0
    with django_assert_num_queries(0):  # once per request
        assert nav_entries(request.user, request)[0]["label"]


def test_no_queue_for_anonymous_visitors_and_the_admin(client, world):
    assert "nav-count" not in client.get(reverse("accounts:login")).content.decode()
    client.force_login(world.users["admin"])
    assert "nav-count" not in client.get(reverse("campaign:list")).content.decode()


#: the queues' queries for a user just read: the user's region row, the current campaign (city and
#: district: their answer queues), the region subtree (readers scoped by region), then one query
#: counting every queue
QUERIES = {"district": 4, "city": 4, "institution": 2, "department": 3}


@pytest.mark.parametrize("role", list(QUERIES))
def test_the_queues_cost_the_same_queries_at_two_data_sizes(world, data, role, django_assert_num_queries):

    def counted():
        user = type(world.users[role]).objects.get(pk=world.users[role].pk)  # no region subtree kept
        request = RequestFactory().get("/")
        request.user = user
        with django_assert_num_queries(QUERIES[role]):
            entries = nav_entries(user, request)
        return [entry.get("count") for entry in entries]

    small = counted()
    hazards_of(world.own_institution, world.users["district"])
    hazards_of(world.other_institution, world.users["other_district"])
    large = counted()
    assert small != large or role == "city"  # the data grew (the city's queues are not hazards)


@pytest.mark.parametrize("role", ["district", "city"])
def test_the_self_report_tabs_counts_are_what_each_tab_shows(client, world, data, role):
    client.force_login(world.users[role])
    tabs = self_report_status_tabs(world.users[role])
    assert [value for value, _label, _n in tabs] == ["submitted", "returned", "accepted"]
    for value, _label, count in tabs:
        response = client.get(reverse("institutions:self_report_list"), {"status": value})
        assert response.context["page"].paginator.count == count, value
    assert (
        dict((value, n) for value, _label, n in tabs)["submitted"] == EXPECTED[role]["self_reports_to_review"]
    )
    # the page shows each tab's number on the tab itself
    body = client.get(reverse("institutions:self_report_list")).content.decode()
    for value, _label, count in tabs:
        tab = re.search(rf'data-testid="status-tab-{value}">(.*?)</a>', body, re.S).group(1)
        assert re.search(r'class="badge[^"]*">(\d+)</span>', tab).group(1) == str(count), value


def test_the_matrix_status_pills_count_what_each_shows(client, world, data):
    """The city's matrix: each status pill carries the number of answers that clicking it leaves
    coloured, which is also the "N records" line of the filtered page."""
    client.force_login(world.users["city"])
    body = client.get(reverse("checklist:matrix")).content.decode()
    pills = {
        value: int(count)
        for value, count in re.findall(
            r'data-testid="status-tab-(\w+)">[^<]*<span class="badge[^"]*">(\d+)</span>', body
        )
    }
    assert set(pills) == {"submitted", "returned", "accepted"}  # no draft pill
    assert pills["submitted"] == EXPECTED["city"]["answers_to_review"] == 3
    assert pills["returned"] == 3 and pills["accepted"] == 1  # tiedong, tiexi and the city; tiedong
    for value, count in pills.items():
        page = client.get(reverse("checklist:matrix"), {"status": value}).content.decode()
        shown = int(re.search(r'data-testid="list-total" data-count="(\d+)"', page).group(1))
        coloured = len(re.findall(rf'<td class="cell-{value} text-center"', page))
        assert shown == coloured == count, value


# Order and wording (item 6) -----------------------------------------------------------------------


def test_the_three_lists_put_open_hazards_first_as_the_ledger_does(client, world, time_machine_2026):
    import datetime

    district = world.users["district"]
    early = datetime.date(2026, 11, 1)
    closed = advance(
        record(world.own_institution, district, deadline=early, found_on=early), "closed", district=district
    )
    later = [
        record(world.own_institution, district, deadline=early + datetime.timedelta(days=n), found_on=early)
        for n in (30, 10)
    ]
    client.force_login(district)
    for kind in ("hazards", "rectification", "responsibility"):
        rows = client.get(reverse("hazards:lists", args=[kind])).context["rows"]
        assert [hazard.pk for hazard, _cells in rows] == [later[1].pk, later[0].pk, closed.pk], kind
    # a chosen sort wins
    rows = client.get(reverse("hazards:lists", args=["hazards"]), {"ordering": "deadline"}).context["rows"]
    assert rows[0][0].pk == closed.pk


def test_the_three_lists_workbook_comes_in_the_same_order(world, time_machine_2026):
    import datetime

    from hazards.excel.workbook import export_queryset

    district = world.users["district"]
    early = datetime.date(2026, 11, 1)
    closed = advance(
        record(world.own_institution, district, deadline=early, found_on=early), "closed", district=district
    )
    open_one = record(
        world.own_institution, district, deadline=early + datetime.timedelta(days=5), found_on=early
    )
    rows = list(export_queryset(Hazard.objects.visible_to(district).live()))
    assert [hazard.pk for hazard in rows] == [open_one.pk, closed.pk]


def test_a_hazard_gets_no_after_photo_twice(world, settings, tmp_path):
    settings.MEDIA_ROOT = tmp_path
    district = world.users["district"]
    hazard = advance(record(world.own_institution, district), "in_progress", district=district)
    _add_after_photo(hazard, 1, district)
    with pytest.raises(ValueError, match="attached already"):
        _add_after_photo(hazard, 1, district)
    _add_after_photo(hazard, 2, district)  # the second attempt's photo is another picture
    assert demo_photo(1) != demo_photo(2)
    assert evidence_for(hazard, purpose="after").count() == 2
