"""reports/content.py, the one source of the printed outputs' figures (issue 14): measured as of
the date, the annexes hold what stood then."""

import datetime

from hazards.models import Hazard
from reports import content
from tests.campaign.test_indicators import hazard, inst
from tests.dashboards.test_dashboard import at


def test_the_overdue_annex_shows_each_hazards_status_on_the_measuring_date(world):
    tiedong = world.regions["210302"]
    with at(2020, 9, 10, 9):
        home = inst(tiedong, "铁东区颐和养老院")
        late = hazard(
            home,
            world.users["district"],
            found_on=datetime.date(2020, 9, 10),
            deadline=datetime.date(2020, 9, 30),
        )
    with at(2020, 10, 20, 9):
        late.status = Hazard.Status.IN_PROGRESS
        late.save()
    with at(2020, 11, 5, 9):
        late.status, late.closed_on = Hazard.Status.CLOSED, datetime.date(2020, 11, 5)
        late.save()
    with at(2020, 12, 1, 10):
        then = content.summary(world.regions["210300"], world.campaign, datetime.date(2020, 10, 31))
        now = content.summary(world.regions["210300"], world.campaign)
    overdue_then, overdue_now = then.annexes[0], now.annexes[0]
    assert overdue_then.total == 1 and overdue_now.total == 0
    row = overdue_then.rows[0]
    assert (row.code, row.days_overdue, row.status) == (late.code, 31, str(Hazard.Status.IN_PROGRESS.label))


def test_a_units_items_carry_the_citys_review_opinion_as_it_stood_on_the_date(
    world, django_assert_num_queries
):
    from campaign.models import AnswerEvent
    from tests.dashboards.test_dashboard import answer, step

    tiedong = world.regions["210302"]
    with at(2020, 10, 10, 9):
        returned = answer(world, 5, tiedong, "submit")
        accepted = answer(world, 4, tiedong, "submit")
    with at(2020, 10, 12, 9):
        step(world, returned, "return")
        AnswerEvent.objects.filter(answer=returned, action="return").update(note="缺少消防验收证明材料")
        step(world, accepted, "accept")  # accepted without a word: no opinion left
    with at(2020, 10, 20, 9):
        step(world, returned, "submit")  # resubmitted: the reason stays the opinion, no longer a return
    with at(2020, 12, 1, 10):
        then = {
            row.item.number: row
            for row in content.unit_items(tiedong, world.campaign, datetime.date(2020, 10, 15))
        }
        with django_assert_num_queries(5):  # items, milestones, answers, evidence, events
            now = {row.item.number: row for row in content.unit_items(tiedong, world.campaign)}
        before = {
            row.item.number: row
            for row in content.unit_items(tiedong, world.campaign, datetime.date(2020, 10, 11))
        }
    assert then[5].status == "returned" and then[5].return_reason == "缺少消防验收证明材料"
    assert (
        now[5].status == "submitted"
        and now[5].return_reason == ""
        and now[5].opinion.note == "缺少消防验收证明材料"
    )
    assert before[5].opinion is None and before[5].return_reason == ""
    assert then[4].status == "accepted" and then[4].opinion is None and then[4].return_reason == ""
