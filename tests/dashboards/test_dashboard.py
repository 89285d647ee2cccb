"""The figures dashboards (issue 13): every number links to a list whose count equals it, today
and as of a date; a record changed after the measuring date does not move the figures as of it;
scope; constant queries at two data sizes."""

import datetime
import re
from zoneinfo import ZoneInfo

import pytest
import time_machine
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from campaign.models import AnswerEvent, ItemAnswer
from hazards.models import Hazard
from tests.campaign.test_indicators import COMPLIANT_GB38600, hazard, inst

SHANGHAI = ZoneInfo("Asia/Shanghai")
NUMBER = re.compile(r'<a[^>]*href="([^"]+)"[^>]*data-testid="number" data-value="(\d+)"')
ANSWER = re.compile(r'<a[^>]*href="([^"]+)"[^>]*data-value="(\d+)" data-testid="answer-number"')
TOTAL = re.compile(r'data-testid="list-total" data-count="(\d+)"')


def at(*args):
    return time_machine.travel(datetime.datetime(*args, tzinfo=SHANGHAI), tick=False)


def login(client, world, who):
    client.force_login(world.users[who])
    return client


def numbers(body: str) -> list[tuple[str, int]]:
    return [(url.replace("&amp;", "&"), int(value)) for url, value in NUMBER.findall(body)]


def answers_shown(client, url: str) -> int:
    response = client.get(url)
    assert response.status_code == 200, url
    found = TOTAL.findall(response.content.decode())
    return int(found[0]) if found else 0


def list_count(client, url: str) -> int:
    response = client.get(url)
    assert response.status_code == 200, url
    assert 'data-testid="figure-banner"' in response.content.decode(), url
    return response.context["page"].paginator.count


@pytest.fixture
def records(world):
    """Institutions and hazards in 铁东区 and 千山区, made in September 2020, some changed in
    November (after the measuring date 2020-10-31)."""
    tiedong, qianshan = world.regions["210302"], world.regions["210311"]
    by = world.users["district"]
    with at(2020, 9, 10, 9):
        a = inst(tiedong, "铁东区颐和养老院", **COMPLIANT_GB38600)
        b = inst(qianshan, "千山区松鹤养老院")
        inst(qianshan, "千山区康宁养老院", national_data_updated_on=datetime.date(2020, 10, 20))
        open_one = hazard(a, by, found_on=datetime.date(2020, 9, 10), deadline=datetime.date(2020, 9, 30))
        hazard(b, by, found_on=datetime.date(2020, 9, 10), deadline=datetime.date(2020, 12, 31))
        answers = {
            (4, tiedong): answer(world, 4, tiedong, "submit", "accept"),
            (5, tiedong): answer(world, 5, tiedong, "submit"),
            (4, qianshan): answer(world, 4, qianshan, "submit", "accept"),
            (6, qianshan): answer(world, 6, qianshan, "submit"),
        }
    with at(2020, 11, 5, 9):
        for name, value in COMPLIANT_GB38600.items():
            setattr(b, name, value)
        b.save()
        open_one.status = Hazard.Status.CLOSED
        open_one.closed_on = datetime.date(2020, 11, 5)
        open_one.save()
        step(world, answers[5, tiedong], "accept")
        step(world, answers[6, qianshan], "return")
        answer(world, 7, tiedong, "submit")  # did not exist on 31 October
    return world


STATUS_AFTER = {"submit": "submitted", "return": "returned", "accept": "accepted", "reopen": "returned"}


def step(world, item_answer, action):
    """The answer moved by `action`, with its event, at the (travelled) time."""
    item_answer.status = STATUS_AFTER[action]
    item_answer.save()
    AnswerEvent.objects.create(answer=item_answer, action=action, by=world.users["city"])


def answer(world, number, region, *actions):
    item_answer = ItemAnswer.objects.create(item=world.campaign.items.get(number=number), region=region)
    AnswerEvent.objects.create(answer=item_answer, action="save", by=world.users["district"])
    for action in actions:
        step(world, item_answer, action)
    return item_answer


def dashboard(client, world, region_code="210300", **params):
    region = world.regions[region_code]
    response = client.get(reverse("dashboards:region", args=[region.pk]), params)
    assert response.status_code == 200
    return response


@pytest.mark.long
@pytest.mark.parametrize("as_of", [None, "2020-10-31"])
def test_every_number_links_to_a_list_of_that_many(client, records, as_of):
    login(client, records, "city")
    with at(2020, 12, 1, 10):
        body = dashboard(client, records, **({"as_of": as_of} if as_of else {})).content.decode()
        found = numbers(body)
        assert len(found) > 20
        for url, value in set(found):
            assert list_count(client, url) == value, url
        answers = [(url.replace("&amp;", "&"), int(v)) for url, v in ANSWER.findall(body)]
        assert len(answers) >= 3
        for url, value in set(answers):
            assert answers_shown(client, url) == value, url


def test_a_change_after_the_measuring_date_does_not_move_the_figures(client, records):
    login(client, records, "city")
    with at(2020, 12, 1, 10):
        then = dashboard(client, records, as_of="2020-10-31").context["dashboard"]
        now = dashboard(client, records).context["dashboard"]
    gb_then = next(t for t in then.targets if t.key == "gb38600")
    gb_now = next(t for t in now.targets if t.key == "gb38600")
    assert (gb_then.numerator.value, gb_now.numerator.value) == (1, 2)
    assert then.hazards["closed"].value == 0 and now.hazards["closed"].value == 1
    assert then.hazards["overdue"].value == 1 and now.hazards["overdue"].value == 0
    # the national-system target (30 October) was missed as of 31 October: 1 of 3 updated
    national = next(t for t in then.targets if t.key == "national_data")
    assert national.state == "missed" and (national.numerator.value, national.denominator.value) == (1, 3)


def test_the_city_table_has_its_units_worst_first(client, records):
    login(client, records, "city")
    with at(2020, 10, 31, 10):
        board = dashboard(client, records).context["dashboard"]
    assert board.row_kind == "unit"
    codes = [row.region.code for row in board.rows]
    assert "210302" in codes and "210311" in codes and "210300" not in codes
    # 铁东区 has the overdue hazard: it comes before the units without one
    assert codes.index("210302") < codes.index("210304")


def test_scope(client, records):
    login(client, records, "district")
    dashboard(client, records, "210302")
    for code in ("210300", "210303"):
        response = client.get(reverse("dashboards:region", args=[records.regions[code].pk]))
        assert response.status_code == 404
    login(client, records, "city")
    response = client.get(reverse("dashboards:region", args=[records.foreign_region.pk]))
    assert response.status_code == 404
    for who in ("institution", "department"):
        login(client, records, who)
        response = client.get(reverse("dashboards:region", args=[records.regions["210302"].pk]))
        assert response.status_code == 403


@pytest.mark.parametrize("value", ["2999-01-01", "1999-12-31", "31/10/2020"])
def test_a_bad_measuring_date_is_refused_in_chinese(client, records, value):
    login(client, records, "city")
    response = dashboard(client, records, as_of=value)
    body = response.content.decode()
    assert ('data-testid="as-of-error"' in body and "测量日期" in body) or "日期" in body
    assert response.context["dashboard"].as_of is None


def test_a_figure_link_outside_the_scope_is_not_found(client, records):
    login(client, records, "district")
    tiexi = records.regions["210303"]
    url = reverse("institutions:list") + f"?figure=all&figure_region={tiexi.pk}&campaign=anshan-2020"
    assert client.get(url).status_code == 404
    url = (
        reverse("hazards:list")
        + f"?figure=nonsense&figure_region={records.regions['210302'].pk}&campaign=anshan-2020"
    )
    assert client.get(url).status_code == 404


def test_the_dashboard_runs_the_same_queries_at_two_sizes(client, records):
    login(client, records, "city")

    def count():
        with CaptureQueriesContext(connection) as captured:
            dashboard(client, records, as_of="2020-10-31")
        return len(captured)

    small = count()
    with at(2020, 9, 20, 9):
        for n in range(40):
            home = inst(records.regions["210302" if n % 2 else "210321"], f"测试养老院{n}")
            hazard(
                home,
                records.users["district"],
                found_on=datetime.date(2020, 9, 20),
                deadline=datetime.date(2020, 10, 1),
            )
    assert count() == small


@pytest.mark.long
def test_the_dashboard_runs_the_same_queries_at_10_and_10000_institutions(client, records):
    """Issue 13: constant queries at 10 and at 10,000 institutions (with their history rows, so
    the figures as of a date read them too)."""
    from simple_history.utils import bulk_create_with_history

    from tests.institutions.factories import plain_institution

    login(client, records, "city")
    units = [records.regions[code] for code in ("210302", "210303", "210311", "210321", "210381")]

    def queries(**params):
        with CaptureQueriesContext(connection) as captured:
            dashboard(client, records, **params)
        return len(captured)

    def grow(total):
        from institutions.models import Institution

        start = Institution.objects.count()
        rows = [plain_institution(units[n % len(units)], f"批量养老院{n:05d}") for n in range(start, total)]
        bulk_create_with_history(rows, Institution, batch_size=2000)
        assert Institution.objects.count() == total

    grow(10)
    small = (queries(), queries(as_of="2020-10-31"))
    grow(10_000)
    assert (queries(), queries(as_of="2020-10-31")) == small


def test_the_figures_are_kept_until_the_data_changes(client, records):
    """dashboards/cache.py: the second request reads the figures from the cache; closing a hazard
    (a new history row) changes the data version, and the next request counts afresh."""
    login(client, records, "city")

    def get():
        with CaptureQueriesContext(connection) as captured:
            response = dashboard(client, records)
        return response.context["dashboard"], len(captured)

    with at(2020, 12, 1, 10):
        first, computed = get()
        again, from_cache = get()
        assert from_cache < computed - 5
        assert again.hazards["open"].value == first.hazards["open"].value == 1
        still_open = Hazard.objects.get(status="pending")
        still_open.status = Hazard.Status.CLOSED
        still_open.closed_on = datetime.date(2020, 12, 1)
        still_open.save()
        after, recomputed = get()
    assert after.hazards["open"].value == 0 and after.hazards["closed"].value == 2
    assert recomputed == computed


def test_the_cache_can_be_turned_off(client, records, settings):
    settings.PORTAL_DASHBOARD_CACHE_SECONDS = 0
    login(client, records, "city")
    counts = []
    for _ in range(2):
        with CaptureQueriesContext(connection) as captured:
            dashboard(client, records)
        counts.append(len(captured))
    assert counts[0] == counts[1]


@pytest.mark.parametrize("as_of", [None, "2020-10-31"])
def test_a_district_reader_follows_its_answer_numbers_to_its_checklist(client, records, as_of):
    login(client, records, "district")
    with at(2020, 12, 1, 10):
        body = dashboard(client, records, "210302", **({"as_of": as_of} if as_of else {})).content.decode()
        answers = [(url.replace("&amp;", "&"), int(v)) for url, v in ANSWER.findall(body)]
        assert answers and all(url.startswith(reverse("checklist:index")) for url, _v in answers)
        for url, value in answers:
            assert answers_shown(client, url) == value, url


def test_the_answers_as_of_a_date_come_from_their_events(client, records):
    """Item 5 of 铁东区 was accepted and item 6 of 千山区 returned in November, item 7 of 铁东区
    first answered then: as of 31 October the city counted 2 submitted and 2 accepted, today 1
    submitted, 1 returned and 3 accepted; the matrix as of that date shows the statuses then."""
    login(client, records, "city")
    with at(2020, 12, 1, 10):
        then = dashboard(client, records, as_of="2020-10-31").context["dashboard"]
        now = dashboard(client, records).context["dashboard"]
        assert {s: n.value for s, n in then.answers.items()} == {"submitted": 2, "returned": 0, "accepted": 2}
        assert {s: n.value for s, n in now.answers.items()} == {"submitted": 1, "returned": 1, "accepted": 3}
        matrix = client.get(reverse("checklist:matrix"), {"as_of": "2020-10-31"})
        body = matrix.content.decode()
        assert 'data-testid="as-of-banner"' in body and "2020-10-31" in body
        assert cells(body, "210302") == {4: "accepted", 5: "submitted"}
        assert cells(client.get(reverse("checklist:matrix")).content.decode(), "210302") == {
            4: "accepted",
            5: "accepted",
            7: "submitted",
        }


def cells(body: str, code: str) -> dict[int, str]:
    """{item number: status} of the answers in the matrix's row of the unit `code`."""
    row = re.search(rf'data-testid="region-{code}">(.*?)</tr>', body, re.S).group(1)
    found = re.findall(r'data-status="(\w+)"><a href="[^"]*" title="[^"]*· (\d+) ·', row)
    return {int(number): status for status, number in found}


def test_the_cached_figures_differ_by_reader_and_sort(client, records):
    """The rendered figures are kept per reader kind and sort: the city's view of 铁东区 links its
    answers to the matrix, the district's (read second, from the same data) to its checklist; a
    sort by name after the default order gives the other order."""
    tiedong = records.regions["210302"]
    with at(2020, 12, 1, 10):
        login(client, records, "city")
        city = dashboard(client, records, "210302").content.decode()
        login(client, records, "district")
        district = dashboard(client, records, "210302").content.decode()
        login(client, records, "city")
        worst = dashboard(client, records).content.decode()
        by_name = dashboard(client, records, sort="name").content.decode()
        again = dashboard(client, records).content.decode()
    assert f"region={tiedong.pk}" in city and reverse("checklist:matrix") in city
    assert (
        reverse("checklist:matrix") + "?" not in district
        and reverse("checklist:index") + "?status=" in district
    )

    def order(body):
        return re.findall(r'<tr data-region="(\d+)"', body)

    assert order(by_name) == sorted(order(by_name)) and order(worst) != order(by_name)
    assert order(again) == order(worst)


def test_the_data_version_moves_with_a_milestone_date(records):
    """Milestones carry no updated_at: a due date moved (the calendar and the deadlines shown) must
    still change the version, and moving it back gives the figures of the old version again."""
    from dashboards.cache import data_version

    before = data_version()
    milestone = records.campaign.milestones.order_by("pk").first()
    milestone.due_on += datetime.timedelta(days=1)
    milestone.save()
    moved = data_version()
    assert moved != before
    milestone.due_on -= datetime.timedelta(days=1)
    milestone.save()
    assert data_version() == before
