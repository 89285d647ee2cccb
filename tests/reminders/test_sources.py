"""Obligations per source: who still owes what, due when, and to whom (scope)."""

import datetime

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from reminders.models import Rule, Source
from reminders.sources import SOURCES, still_owed
from tests.reminders.conftest import answer, at, d, hazard, milestone, referral, returned_self_report

pytestmark = pytest.mark.django_db


def rule(source) -> Rule:
    return Rule.objects.get(source=source)


def by_subject(obligations):
    return {o.subject: o for o in obligations}


def test_every_source_has_a_function():
    assert set(SOURCES) == set(Source.values)


def test_milestone_per_unit_that_has_not_submitted(world):
    users = world.users
    tiedong, tiexi = world.regions["210302"], world.regions["210303"]
    answer(world, 23, tiexi, "submitted", by=users["other_district"])  # 铁西 has done its part
    with at("2020-08-24"):
        found = by_subject(SOURCES[Source.MILESTONE](d("2020-08-24"), rule(Source.MILESTONE)))
    m = milestone(world, "fire-review-one-case")
    ob = found[f"milestone:{m.pk}:region:{tiedong.pk}"]
    assert ob.due_on == d("2020-08-31")
    assert ob.recipients == {users["district"].pk}
    assert ob.escalate_to == {users["city"].pk}
    assert ob.unit == "铁东区"
    assert "23" in ob.title and "2020-08-31" in ob.title
    assert ob.url == reverse("checklist:answer", kwargs={"number": 23})
    assert f"milestone:{m.pk}:region:{tiexi.pk}" not in found
    # every other county-level unit of Anshan owes it too (no users there: nobody to tell but the city)
    units = {s for s in found if s.startswith(f"milestone:{m.pk}:")}
    assert len(units) == 10
    # the later milestones are outside the window (7 days and a holiday's length); the foreign city's milestone is not ours
    assert all(o.due_on <= d("2020-08-31") for o in found.values())


def test_a_city_milestone_goes_to_the_city(world):
    with at("2020-09-30"):
        found = SOURCES[Source.MILESTONE](d("2020-09-30"), rule(Source.MILESTONE))
    city_plan = milestone(world, "fire-upgrade-city-plan")
    ob = by_subject(found)[f"milestone:{city_plan.pk}:region:{world.regions['210300'].pk}"]
    assert ob.recipients == {world.users["city"].pk}
    # the support-policy list (item 9, both levels) is owed by the city and by every county
    policy_city = milestone(world, "publish-support-policy-list-city")
    policy_county = milestone(world, "publish-support-policy-list-county")
    assert f"milestone:{policy_city.pk}:region:{world.regions['210300'].pk}" in by_subject(found)
    assert f"milestone:{policy_county.pk}:region:{world.regions['210302'].pk}" in by_subject(found)


def test_the_summary_report_milestone_reads_the_reports(world):
    from reports.models import SummaryReport

    tiedong, tiexi = world.regions["210302"], world.regions["210303"]
    SummaryReport.objects.create(
        campaign=world.campaign,
        region=tiexi,
        status="submitted",
        first_submitted_at=datetime.datetime(2020, 10, 19, 2, tzinfo=datetime.UTC),
    )
    found = by_subject(SOURCES[Source.MILESTONE](d("2020-10-20"), rule(Source.MILESTONE)))
    m = milestone(world, "summary-report")
    assert found[f"milestone:{m.pk}:region:{tiedong.pk}"].url == reverse("reports:summary")
    assert f"milestone:{m.pk}:region:{tiexi.pk}" not in found
    joint = milestone(world, "joint-acceptance")  # no items, no data: nobody is reminded yet
    assert not [s for s in found if s.startswith(f"milestone:{joint.pk}:")]


def test_hazards_to_district_and_institution_never_to_others(world, more):
    users = world.users
    near = hazard(world, deadline="2020-09-30", code="210302-2020-0001")
    far = hazard(world, deadline="2020-10-30")
    done = hazard(world, deadline="2020-09-01", status="closed")
    theirs = hazard(world, deadline="2020-09-25", institution=world.other_institution)
    found = by_subject(SOURCES[Source.HAZARD](d("2020-09-23"), rule(Source.HAZARD)))
    ob = found[f"hazard:{near.pk}"]
    assert "210302-2020-0001" in ob.title and "2020-09-30" in ob.title
    assert ob.recipients == {users["district"].pk, more["district2"].pk, users["institution"].pk}
    assert ob.escalate_to == {users["city"].pk, more["city2"].pk}
    assert ob.url == reverse("hazards:detail", kwargs={"pk": near.pk})
    assert f"hazard:{far.pk}" not in found and f"hazard:{done.pk}" not in found
    assert found[f"hazard:{theirs.pk}"].recipients == {
        users["other_district"].pk,
        more["other_institution"].pk,
    }


def test_returned_and_unreviewed_answers(world, more):
    users = world.users
    tiedong, city = world.regions["210302"], world.regions["210300"]
    returned = answer(world, 23, tiedong, "returned", by=users["district"], when="2020-09-01")
    waiting = answer(world, 7, tiedong, "submitted", by=users["district"], when="2020-09-02")
    own = answer(world, 15, city, "submitted", by=users["city"], when="2020-09-02")
    found = by_subject(SOURCES[Source.ANSWER_RETURNED](d("2020-09-03"), rule(Source.ANSWER_RETURNED)))
    ob = found[f"answer:{returned.pk}"]
    assert ob.due_on == d("2020-09-08")  # 5 working days after Tuesday 1 September
    assert ob.recipients == {users["district"].pk, more["district2"].pk}
    assert ob.url == reverse("checklist:answer", kwargs={"number": 23})
    found = by_subject(SOURCES[Source.ANSWER_UNREVIEWED](d("2020-09-03"), rule(Source.ANSWER_UNREVIEWED)))
    assert found[f"answer:{waiting.pk}"].recipients == {users["city"].pk, more["city2"].pk}
    assert found[f"answer:{waiting.pk}"].url == reverse("checklist:review", kwargs={"pk": waiting.pk})
    assert "铁东区" in found[f"answer:{waiting.pk}"].title
    assert found[f"answer:{own.pk}"].recipients == {more["city2"].pk}  # not the one who submitted it


def test_returned_self_report_and_unreplied_referral(world, more):
    users = world.users
    report = returned_self_report(world, when="2020-09-01")
    found = SOURCES[Source.SELF_REPORT_RETURNED](d("2020-09-03"), rule(Source.SELF_REPORT_RETURNED))
    assert [(o.subject, o.recipients, o.due_on) for o in found] == [
        (f"self_report:{report.pk}", {users["institution"].pk}, d("2020-09-08"))
    ]
    h = hazard(world, deadline="2020-12-31")
    housing = referral(world, h, "housing", "2020-09-28")
    health = referral(world, h, "health", "2020-09-28")
    found = by_subject(SOURCES[Source.REFERRAL_UNREPLIED](d("2020-10-09"), rule(Source.REFERRAL_UNREPLIED)))
    # 5 working days after Monday 28 September, across the National Day holiday (27 Sep and 10 Oct worked)
    assert found[f"referral:{housing.pk}"].due_on == d("2020-10-12")
    assert found[f"referral:{housing.pk}"].recipients == {users["department"].pk}
    assert found[f"referral:{health.pk}"].recipients == {more["health"].pk}
    assert found[f"referral:{health.pk}"].url == reverse("hazards:detail", kwargs={"pk": h.pk})


def test_still_owed(world):
    tiedong = world.regions["210302"]
    open_ = hazard(world, deadline="2020-09-30")
    closed = hazard(world, deadline="2020-09-30", status="closed")
    m = milestone(world, "fire-review-one-case")
    pairs = {
        (Source.HAZARD, f"hazard:{open_.pk}"),
        (Source.HAZARD, f"hazard:{closed.pk}"),
        (Source.MILESTONE, f"milestone:{m.pk}:region:{tiedong.pk}"),
        (Source.MILESTONE, "milestone:bogus"),
    }
    assert still_owed(pairs, d("2020-09-01")) == {
        (Source.HAZARD, f"hazard:{open_.pk}"),
        (Source.MILESTONE, f"milestone:{m.pk}:region:{tiedong.pk}"),
    }
    answer(world, 23, tiedong, "submitted", by=world.users["district"])
    assert still_owed(pairs, d("2020-09-01")) == {(Source.HAZARD, f"hazard:{open_.pk}")}


def _make(world, n: int):
    from institutions.models import Institution, SelfReport

    for i in range(n):
        institution = Institution.objects.create(
            name=f"测试养老院{Institution.objects.count()}",
            region=world.regions["210302" if i % 2 else "210303"],
        )
        h = hazard(world, deadline="2020-09-25", institution=institution)
        referral(world, h, "housing", "2020-09-16")
        SelfReport.objects.create(
            institution=institution,
            status="returned",
            values={},
            created_by=world.users["district"],
            reviewed_at=datetime.datetime(2020, 9, 18, 2, tzinfo=datetime.UTC),
        )
    done = set(world.campaign.items.filter(answers__isnull=False).values_list("number", flat=True))
    numbers = [n for n in (3, 4, 6, 7, 8, 10, 11, 13, 14, 16, 17, 19, 20) if n not in done][: max(1, n // 3)]
    for number in numbers:
        answer(
            world, number, world.regions["210302"], "returned", by=world.users["district"], when="2020-09-18"
        )
        answer(
            world,
            number,
            world.regions["210303"],
            "submitted",
            by=world.users["other_district"],
            when="2020-09-18",
        )


# The campaign's and the ledger's sources; supervision's have their own test (test_supervision_sources.py).
@pytest.mark.parametrize(
    "source",
    [
        Source.MILESTONE,
        Source.HAZARD,
        Source.ANSWER_RETURNED,
        Source.ANSWER_UNREVIEWED,
        Source.SELF_REPORT_RETURNED,
        Source.REFERRAL_UNREPLIED,
    ],
)
def test_queries_are_constant_in_the_number_of_subjects(world, source):
    counts = []
    for n in (3, 21):
        _make(world, n)
        with CaptureQueriesContext(connection) as queries:
            found = SOURCES[source](d("2020-09-22"), rule(source))
        assert found
        counts.append(len(queries))
    assert counts[0] == counts[1], counts
