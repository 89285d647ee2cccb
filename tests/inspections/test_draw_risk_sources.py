"""The draw's risk facts and exclusions read issue 17's records (measure 十一 and 十三): complaints
in the last 12 months, a dishonesty record in force, an enforcement order in the last 12 months,
and a 停业整顿 order in force keeping the institution out of the draw while it stands."""

import datetime

import pytest
from django.urls import reverse

from inspections import directory
from inspections.draw import run_draw
from tests.complaints.factories import raw as complaint
from tests.credit.factories import code
from tests.credit.factories import record as credit_record
from tests.enforcement.factories import order
from tests.inspections import factories

pytestmark = pytest.mark.django_db

FREEZE = datetime.date(2026, 11, 23)
D = datetime.date


@pytest.fixture
def setup(world):
    factories.directories(world)
    institutions = factories.more_institutions(world, 5)
    return world, institutions


def _objects(world):
    draw = factories.draft(world)
    inputs = directory.build_inputs(draw, frozen_on=FREEZE)
    return {o.name: o for o in inputs.objects}, inputs


def test_complaints_in_the_last_twelve_months_count(setup):
    world, (a, b, *_rest) = setup
    by = world.users["district"]
    complaint(a, by, received_on=D(2025, 11, 23))  # the first day of the period: counts
    complaint(a, by, received_on=D(2026, 11, 1))
    complaint(a, by, received_on=D(2025, 11, 22))  # a day too early
    complaint(b, by, received_on=D(2026, 11, 24))  # after the freeze: not in a frozen input
    objects, _inputs = _objects(world)
    assert objects[a.name].risk.complaints == 2
    assert objects[b.name].risk.complaints == 0


def test_dishonesty_in_force_on_the_freeze_day(setup):
    world, (a, b, c, *_rest) = setup
    for n, institution in enumerate((a, b, c)):
        institution.credit_code = code(body=f"DR{n:07d}")
        institution.save()
    credit_record(world, a.credit_code, decided_on=D(2026, 1, 5), institution=a)
    credit_record(world, b.credit_code, decided_on=D(2025, 1, 5), expires_on=D(2026, 11, 22), institution=b)
    credit_record(world, c.credit_code, kind="good", decided_on=D(2026, 1, 5), institution=c)
    objects, _inputs = _objects(world)
    assert objects[a.name].risk.dishonesty is True
    assert objects[b.name].risk.dishonesty is False  # expired the day before
    assert objects[c.name].risk.dishonesty is False  # a good-faith record is not dishonesty


def test_an_enforcement_order_of_the_period_is_a_violation(setup):
    world, (a, b, *_rest) = setup
    order(world, a, kind="rectify", issued_on=D(2026, 3, 1))
    order(world, b, kind="rectify", issued_on=D(2025, 3, 1))  # more than 12 months before
    objects, _inputs = _objects(world)
    assert objects[a.name].risk.violation is True
    assert objects[b.name].risk.violation is False


def test_a_suspended_institution_is_listed_but_never_drawn_until_lifted(setup):
    world, (a, b, *_rest) = setup
    order(world, a, kind="suspend", issued_on=D(2026, 10, 1))
    order(world, b, kind="suspend", issued_on=D(2026, 9, 1), lifted_on=D(2026, 11, 20))  # lifted: drawable
    objects, inputs = _objects(world)
    assert objects[a.name].excluded_because == directory.SUSPENDED
    assert objects[b.name].excluded_because == ""
    # over many seeds the suspended institution is never drawn; the others are
    drawn_names = set()
    for seed in range(60):
        result = run_draw(inputs, f"{seed:020d}")
        drawn_names |= {row["name"] for row in result["drawn"]}
        excluded = {row["name"]: row for row in result["excluded"]}
        assert excluded[a.name]["reasons"][0]["code"] == "directory_exclusion"
        assert excluded[a.name]["reasons"][0]["text"] == "停业整顿中"
    assert a.name not in drawn_names
    assert b.name in drawn_names


def test_the_objects_directory_page_shows_the_facts_and_the_badge(setup, client):
    world, (a, b, c, *_rest) = setup
    by = world.users["district"]
    today = datetime.date.today()
    complaint(a, by, received_on=today - datetime.timedelta(days=3))
    order(world, b, kind="suspend", issued_on=today - datetime.timedelta(days=1))
    client.force_login(world.users["city"])
    page = client.get(reverse("inspections:objects")).content.decode()
    rows = {row.split("</td>")[0]: row for row in page.split('data-testid="object-row"')[1:]}
    row_a = next(r for k, r in rows.items() if a.name in k)
    row_b = next(r for k, r in rows.items() if b.name in k)
    row_c = next(r for k, r in rows.items() if c.name in k)
    assert 'data-testid="complaints">1<' in row_a
    assert "suspension-badge" in row_b and "suspension-badge" not in row_a
    assert "badge text-bg-warning" in row_b and "badge text-bg-warning" not in row_c  # 有执法措施
    assert 'data-testid="complaints">0<' in row_c
