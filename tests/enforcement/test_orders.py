"""Suspension in force, lifted and ended; the badge; the draws' exclusion hook."""

import datetime

import pytest
from django.template import Context, Template
from django.test import RequestFactory

from core import dates
from enforcement import services
from tests.enforcement.factories import order

pytestmark = pytest.mark.django_db
D = datetime.date


def test_suspended_ids_over_time(world, django_assert_num_queries):
    own, other, foreign = world.own_institution, world.other_institution, world.foreign_institution
    order(world, own, issued_on=D(2026, 5, 1), ends_on=D(2026, 5, 31))  # a term
    order(world, other, issued_on=D(2026, 5, 1), lifted_on=D(2026, 5, 10))  # lifted
    order(world, foreign, kind="rectify", issued_on=D(2026, 5, 1))  # not a suspension
    with django_assert_num_queries(1):
        assert services.suspended_ids(D(2026, 5, 5)) == {own.pk, other.pk}
    assert services.suspended_ids(D(2026, 4, 30)) == set()  # not yet issued
    assert services.suspended_ids(D(2026, 5, 9)) == {own.pk, other.pk}
    assert services.suspended_ids(D(2026, 5, 10)) == {own.pk}  # lifted from that day
    assert services.suspended_ids(D(2026, 5, 31)) == {own.pk}  # the term's last day counts
    assert services.suspended_ids(D(2026, 6, 1)) == set()  # ended
    assert services.is_suspended(own, D(2026, 5, 20))
    assert not services.is_suspended(other.pk, D(2026, 5, 20))
    assert not services.is_suspended(foreign, D(2026, 5, 20))


def test_status_of_an_order_on_a_day(world):
    o = order(world, issued_on=D(2026, 5, 1), ends_on=D(2026, 5, 31))
    assert o.status_on(D(2026, 4, 30)) == "pending"
    assert o.status_on(D(2026, 5, 31)) == "in_force"
    assert o.status_on(D(2026, 6, 1)) == "ended"
    o.lifted_on = D(2026, 5, 15)
    assert o.status_on(D(2026, 5, 15)) == "lifted"


def test_badge_one_query_for_a_whole_list(world, django_assert_num_queries):
    order(world, world.own_institution, issued_on=dates.today())
    template = Template(
        "{% load enforcement_tags %}{% for i in institutions %}[{% suspension_badge i %}]{% endfor %}"
    )
    request = RequestFactory().get("/")
    institutions = [world.own_institution, world.other_institution, world.foreign_institution] * 5
    with django_assert_num_queries(1):
        html = template.render(Context({"request": request, "institutions": institutions}))
    assert html.count('data-testid="suspension-badge"') == 5
    assert "停业整顿" in html
