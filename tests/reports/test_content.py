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
