"""Indicators as of a measuring date (issue 13, item 3): the records as they stood at the end of
that day (Asia/Shanghai), from django-simple-history's rows; a change made after the date does not
move the figure as of it, and a late entry does not rewrite the past."""

import datetime
from zoneinfo import ZoneInfo

import pytest
import time_machine
from django.db import connection
from django.test.utils import CaptureQueriesContext

from campaign.indicators import compute, compute_many
from campaign.indicators.data import Data
from core.asof import as_of_rows, end_of
from hazards.models import Hazard, Referral
from institutions.models import Institution, OperatingStatus
from tests.campaign.test_indicators import COMPLIANT_GB38600, hazard, inst

SHANGHAI = ZoneInfo("Asia/Shanghai")
D = datetime.date
MEASURED = D(2020, 10, 31)


def at(*args):
    """Travel to a Beijing time (the history rows are dated by the clock)."""
    return time_machine.travel(datetime.datetime(*args, tzinfo=SHANGHAI), tick=False)


def test_the_end_of_a_day_is_beijing_midnight():
    assert end_of(D(2020, 10, 31)) == datetime.datetime(2020, 11, 1, tzinfo=SHANGHAI)
    assert end_of(D(2020, 10, 31)).utcoffset() == datetime.timedelta(hours=8)


def test_a_change_after_the_measuring_date_does_not_move_the_figure(campaign, qianshan):
    with at(2020, 10, 20, 9):
        a = inst(qianshan, "千山区幸福养老院")
        b = inst(qianshan, "千山区康乐养老院", **COMPLIANT_GB38600)
    with at(2020, 11, 5, 10):  # after the measuring date: a becomes compliant, b is deregistered
        for name, value in COMPLIANT_GB38600.items():
            setattr(a, name, value)
        a.save()
        b.operating_status = OperatingStatus.DEREGISTERED
        b.save()
    with at(2020, 11, 10, 9):  # created after the measuring date
        inst(qianshan, "千山区夕阳红养老院", **COMPLIANT_GB38600)

    def compliant(**kwargs):
        figure = compute(campaign, qianshan, 4, **kwargs).figure("compliant")
        return figure.numerator, figure.denominator

    assert compliant(as_of=MEASURED) == (1, 2)  # b only, of a and b
    assert compliant() == (2, 2)  # a and the new one; b is gone
    # and the figure as of the date stays put whatever happens later
    with at(2021, 3, 1, 9):
        a.delete()
    assert compliant(as_of=MEASURED) == (1, 2)


def test_a_late_national_system_update_does_not_rewrite_whether_it_was_on_time(campaign, qianshan):
    """Item 30 (data updated in the national system by 30 October): the update recorded on
    5 November, dated 28 October, is not on time as of 31 October; today it counts."""
    with at(2020, 10, 1, 9):
        late = inst(qianshan, "千山区迟报养老院", national_data_updated_on=None)
        on_time = inst(qianshan, "千山区准时养老院", national_data_updated_on=None)
    with at(2020, 10, 29, 15):
        on_time.national_data_updated_on = D(2020, 10, 29)
        on_time.save()
    with at(2020, 11, 5, 15):
        late.national_data_updated_on = D(2020, 10, 28)
        late.save()
    data = Data(campaign, [qianshan], as_of=MEASURED)
    assert data.institutions_in(qianshan)["updated_by_30"] == 1
    assert Data(campaign, [qianshan]).institutions_in(qianshan)["updated_by_30"] == 2


def test_hazards_as_they_stood(campaign, qianshan, user):
    with at(2020, 9, 1, 9):
        home = inst(qianshan, "千山区颐养院")
        open_then = hazard(home, user, found_on=D(2020, 9, 1), deadline=D(2020, 9, 30))
        hazard(home, user, found_on=D(2020, 9, 1), deadline=D(2020, 12, 31))
        Referral.objects.create(
            hazard=open_then, department="housing", referred_on=D(2020, 9, 2), referred_by=user
        )
    with at(2020, 11, 3, 9):  # closed after the measuring date, backdated closing day
        open_then.status = Hazard.Status.CLOSED
        open_then.closed_on = D(2020, 10, 30)
        open_then.save()
        # a hazard entered late, found before the measuring date
        hazard(home, user, found_on=D(2020, 10, 15), deadline=D(2020, 10, 20))
        Referral.objects.create(
            hazard=open_then, department="health", referred_on=D(2020, 10, 1), referred_by=user
        )
    then = Data(campaign, [qianshan], as_of=MEASURED).hazard_totals(qianshan)
    assert then["found"] == 2 and then["closed"] == 0 and then["referred"] == 1
    now = Data(campaign, [qianshan]).hazard_totals(qianshan)
    assert now["found"] == 3 and now["closed"] == 1 and now["referred"] == 1


def test_the_members_of_a_figure_are_the_counted_records(campaign, qianshan, taian):
    with at(2020, 10, 10, 9):
        keep = inst(qianshan, "千山区一号院", **COMPLIANT_GB38600)
        inst(qianshan, "千山区二号院")
        inst(taian, "台安县一号院", **COMPLIANT_GB38600)
    with at(2020, 11, 2, 9):
        inst(qianshan, "千山区三号院", **COMPLIANT_GB38600)
    for as_of in (MEASURED, None):
        data = Data(campaign, [qianshan, taian], as_of=as_of)
        for name in data.institution_conditions:
            members = data.institution_members(qianshan, name)
            assert members.count() == data.institutions_in(qianshan)[name], (as_of, name)
        assert isinstance(data.institution_members(qianshan, "gb38600_compliant").first(), Institution)
    then = Data(campaign, [qianshan], as_of=MEASURED)
    assert list(then.institution_members(qianshan, "gb38600_compliant")) == [keep]
    with pytest.raises(KeyError):
        then.institution_members(qianshan, "no-such-figure")


def test_as_of_rows_skip_deleted_and_later_records(qianshan):
    with at(2020, 10, 1, 9):
        a = inst(qianshan, "千山区甲院")
        b = inst(qianshan, "千山区乙院")
    with at(2020, 10, 31, 23, 59):  # the last minute of the day still counts
        b.delete()
    with at(2020, 11, 1, 0, 0):  # the first minute of the next does not
        inst(qianshan, "千山区丙院")
    ids = set(as_of_rows(Institution, MEASURED).values_list("id", flat=True))
    assert ids == {a.pk}


def test_as_of_figures_run_a_constant_number_of_queries(campaign, qianshan, taian, city):
    def queries():
        with CaptureQueriesContext(connection) as captured:
            compute_many(campaign, [city, qianshan, taian], as_of=MEASURED)
        return len(captured)

    with at(2020, 10, 1, 9):
        inst(qianshan, "千山区甲院")
    small = queries()
    with at(2020, 10, 2, 9):
        for n in range(30):
            home = inst(taian if n % 2 else qianshan, f"测试养老院{n}")
            home.beds = 120
            home.save()
    assert queries() == small
