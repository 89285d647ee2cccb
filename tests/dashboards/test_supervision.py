"""综合监管 (issue 17): one menu entry, a card per record kind the reader's role works with, each
count from the records the reader sees, in a constant number of queries."""

import datetime

import pytest
from django.urls import reverse

from core import dates
from tests.complaints import factories as complaint_factories
from tests.enforcement import factories as order_factories

pytestmark = pytest.mark.django_db
URL = "dashboards:supervision"


def _cards(response) -> dict:
    return {
        str(card.title): {str(label): n for label, n, _alarm in card.lines}
        for card in response.context["cards"]
    }


def test_every_reader_finds_it_in_the_menu(world, client):
    cards = {
        "city": {"双随机抽查", "检查记录", "备案核查期限", "投诉举报"},
        "district": {"双随机抽查", "检查记录", "备案核查期限", "投诉举报"},
        "institution": {"检查结果"},
        "department": {"检查结果", "投诉举报"},
    }
    for role, titles in cards.items():
        client.force_login(world.users[role])
        assert f'href="{reverse(URL)}"' in client.get(reverse("core:home")).content.decode(), role
        assert titles <= set(_cards(client.get(reverse(URL)))), role


def test_cards_per_role_and_counts_in_scope(world, client, monkeypatch):
    monkeypatch.setattr(dates, "today", lambda: datetime.date(2025, 11, 20))
    complaint_factories.raw(
        world.own_institution, world.users["district"], received_on=datetime.date(2025, 10, 1)
    )  # overdue (deadline 2025-10-22)
    complaint_factories.raw(
        world.foreign_institution, world.users["admin"], received_on=datetime.date(2025, 10, 1)
    )
    order_factories.order(world, issued_on=datetime.date(2025, 11, 1))
    client.force_login(world.users["district"])
    cards = _cards(client.get(reverse(URL)))
    assert cards["投诉举报"] == {"未办结": 1, "逾期": 1}  # not 大连市's
    assert cards["执法处置"] == {"执行中的措施": 1}
    client.force_login(world.users["other_district"])
    cards = _cards(client.get(reverse(URL)))
    assert cards["投诉举报"] == {"未办结": 0, "逾期": 0} and cards["执法处置"] == {"执行中的措施": 0}
    client.force_login(world.users["institution"])  # complaints protect the complainant
    cards = _cards(client.get(reverse(URL)))
    assert "投诉举报" not in cards and cards["执法处置"] == {"执行中的措施": 1}


@pytest.mark.parametrize("extra", [0, 6])
def test_constant_queries(world, client, django_assert_num_queries, extra):
    for n in range(1 + extra):
        complaint_factories.raw(
            world.own_institution, world.users["district"], received_on=datetime.date(2025, 10, 1 + n)
        )
        order_factories.order(world, issued_on=datetime.date(2025, 11, 1 + n))
    client.force_login(world.users["district"])
    client.get(reverse(URL))
    with django_assert_num_queries(QUERIES):
        assert client.get(reverse(URL)).status_code == 200


QUERIES = (
    19  # session, user, region subtree, the cards' thirteen counts, the layout's (equal at 1 and 7 rows)
)
