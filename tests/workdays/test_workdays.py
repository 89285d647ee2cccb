"""Working days (core.workdays): the issue's worked examples by hand, the admin's table before the
library, the loud failure for a year nobody knows, and a constant number of queries."""

import datetime

import pytest
from django.core.management import call_command
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.utils import translation

from core import dates, workdays
from core.models import HolidayDay, HolidayYear

SHANGHAI = datetime.timezone(datetime.timedelta(hours=8))
d = datetime.date.fromisoformat


@pytest.fixture(params=["library", "table"])
def source(request):
    """The same answers from chinesecalendar alone and from the table loaded from the data files."""
    if request.param == "table":
        call_command("load_holidays", verbosity=0)
        assert HolidayYear.objects.filter(year__in=[2021, 2025]).count() == 2
    return request.param


def test_filed_on_26_september_2025_is_due_on_30_october_2025(source):
    # Filed Friday 26 September 2025; counting starts the day after (measure 三: 自备案之日起20个工作日内).
    # The 2025 notice: 1–8 October off (国庆节、中秋节), Sunday 28 September and Saturday 11 October on.
    #   Sat 27 Sep  weekend               –
    #   Sun 28 Sep  make-up working day   1
    #   Mon 29, Tue 30 Sep                2, 3
    #   Wed 1 – Wed 8 Oct  holiday        –
    #   Thu 9, Fri 10 Oct                 4, 5
    #   Sat 11 Oct  make-up working day   6
    #   Sun 12 Oct  weekend               –
    #   Mon 13 – Fri 17 Oct               7 … 11
    #   Mon 20 – Fri 24 Oct               12 … 16
    #   Mon 27, Tue 28, Wed 29 Oct        17, 18, 19
    #   Thu 30 Oct                        20  → due
    assert dates.add_working_days(d("2025-09-26"), 20) == d("2025-10-30")
    assert workdays.add_working_days(d("2025-09-26"), 20) == d("2025-10-30")
    assert workdays.is_workday(d("2025-09-28")) and workdays.is_workday(d("2025-10-11"))
    assert not workdays.is_workday(d("2025-10-08")) and not workdays.is_workday(d("2025-10-12"))


def test_filed_on_28_september_2021_is_due_on_1_november_2021(source):
    # Filed Tuesday 28 September 2021. The 2021 notice: 1–7 October off, Sunday 26 September (before
    # the filing, so not counted) and Saturday 9 October on.
    #   Wed 29, Thu 30 Sep                1, 2
    #   Fri 1 – Thu 7 Oct  holiday        –
    #   Fri 8 Oct                         3
    #   Sat 9 Oct   make-up working day   4
    #   Sun 10 Oct  weekend               –
    #   Mon 11 – Fri 15 Oct               5 … 9
    #   Mon 18 – Fri 22 Oct               10 … 14
    #   Mon 25 – Fri 29 Oct               15 … 19
    #   Sat 30, Sun 31 Oct  weekend       –
    #   Mon 1 Nov                         20  → due
    assert dates.add_working_days(d("2021-09-28"), 20) == d("2021-11-01")


def test_across_the_spring_festival_with_its_make_up_sunday_and_saturday(source):
    # Filed Friday 24 January 2025. The 2025 notice: 28 January – 4 February off (春节, eight days),
    # Sunday 26 January and Saturday 8 February on.
    #   Sat 25 Jan  weekend               –
    #   Sun 26 Jan  make-up working day   1
    #   Mon 27 Jan                        2
    #   Tue 28 Jan – Tue 4 Feb  holiday   –
    #   Wed 5, Thu 6, Fri 7 Feb           3, 4, 5
    #   Sat 8 Feb   make-up working day   6
    #   Sun 9 Feb   weekend               –
    #   Mon 10 – Fri 14 Feb               7 … 11
    #   Mon 17 – Fri 21 Feb               12 … 16
    #   Mon 24, Tue 25, Wed 26 Feb        17, 18, 19
    #   Thu 27 Feb                        20  → due
    assert dates.add_working_days(d("2025-01-24"), 20) == d("2025-02-27")
    # and the working days left, from the filing day to the due date, are the 20 counted
    assert dates.working_days_left(d("2025-02-27"), on=d("2025-01-24")) == 20


def test_counting_starts_the_day_after_and_zero_days_is_the_day_itself():
    assert workdays.add_working_days(d("2025-10-09"), 1) == d("2025-10-10")  # Thu → Fri
    assert workdays.add_working_days(d("2025-10-10"), 1) == d("2025-10-11")  # the make-up Saturday
    assert workdays.add_working_days(d("2025-10-10"), 0) == d("2025-10-10")
    assert workdays.working_days_between(d("2025-10-10"), d("2025-10-10")) == 0


def test_a_year_nobody_knows_fails_loudly_with_a_chinese_message(time_machine):
    time_machine.move_to(datetime.datetime(2026, 12, 1, 9, tzinfo=SHANGHAI), tick=False)
    assert dates.today() == d("2026-12-01")
    # within 2026 the library still answers: Tue 1 Dec + 5 working days = Tue 8 Dec
    assert dates.add_working_days(dates.today(), 5) == d("2026-12-08")
    # filed on Sunday 20 December 2026: the 20th working day falls in 2027, which nobody knows
    with pytest.raises(workdays.UnknownCalendarYear) as raised:
        dates.add_working_days(d("2026-12-20"), 20)
    assert raised.value.year == 2027
    assert isinstance(raised.value, NotImplementedError)  # as chinesecalendar's own error
    with translation.override("zh-hans"):
        assert str(raised.value) == (
            "尚未录入2027年节假日安排，无法按工作日计算期限：请管理员录入国务院办公厅关于2027年部分节假日安排的通知。"
        )
    with pytest.raises(workdays.UnknownCalendarYear):
        workdays.is_workday(d("2027-01-04"))
    # the pages' countdowns show "—" (None), never a count of calendar days
    assert dates.working_days_left(d("2027-01-10"), on=d("2026-12-20")) is None
    assert dates.working_days_left(d("2026-12-31"), on=d("2026-12-20")) == 9


def enter_2027() -> HolidayYear:
    """A 2027 calendar as the admin enters it (test data, not the real notice): New Year's Day
    off, a make-up Saturday on 9 January."""
    year = HolidayYear.objects.create(year=2027, notice="国务院办公厅关于2027年部分节假日安排的通知（测试）")
    HolidayDay.objects.create(calendar=year, day=d("2027-01-01"), name="元旦")
    HolidayDay.objects.create(calendar=year, day=d("2027-01-09"), name="元旦", is_workday=True)
    return year


def test_a_table_entry_fills_a_year_the_library_lacks(time_machine):
    time_machine.move_to(datetime.datetime(2026, 12, 20, 9, tzinfo=SHANGHAI), tick=False)
    with pytest.raises(workdays.UnknownCalendarYear):
        dates.add_working_days(d("2026-12-20"), 20)
    enter_2027()
    # Filed Sunday 20 December 2026:
    #   Mon 21 – Fri 25 Dec               1 … 5
    #   Mon 28 – Thu 31 Dec               6 … 9
    #   Fri 1 Jan 2027  holiday (table)   –
    #   Mon 4 – Fri 8 Jan                 10 … 14
    #   Sat 9 Jan   make-up day (table)   15
    #   Mon 11 – Fri 15 Jan               16 … 20  → due Friday 15 January 2027
    assert dates.add_working_days(d("2026-12-20"), 20) == d("2027-01-15")
    assert dates.working_days_left(d("2027-01-15"), on=d("2026-12-20")) == 20


def test_a_table_entry_overrides_the_library_for_a_year_it_knows():
    # The admin's 2025 lists the National Day holiday but (say, by a correction) no make-up days:
    # the table, not chinesecalendar, decides every day of 2025.
    year = HolidayYear.objects.create(year=2025, notice="国务院办公厅关于2025年部分节假日安排的通知")
    for n in range(1, 9):
        HolidayDay.objects.create(calendar=year, day=datetime.date(2025, 10, n), name="国庆节、中秋节")
    assert not workdays.is_workday(d("2025-09-28"))  # a plain Sunday now
    assert not workdays.is_workday(d("2025-10-11"))  # a plain Saturday now
    assert workdays.is_workday(d("2025-01-28"))  # Spring Festival not in this table: a Tuesday
    # Filed Friday 26 September 2025: Mon 29, Tue 30 Sep (1, 2); Thu 9, Fri 10 Oct (3, 4); 13–17 Oct
    # (5–9); 20–24 (10–14); 27–31 (15–19); Monday 3 November is the 20th.
    assert dates.add_working_days(d("2025-09-26"), 20) == d("2025-11-03")
    # deleting the year gives the library back
    year.delete()
    assert dates.add_working_days(d("2025-09-26"), 20) == d("2025-10-30")


def test_the_queries_of_add_working_days_do_not_grow_with_the_span():
    call_command("load_holidays", verbosity=0)
    counts = []
    for span in (20, 1500):  # about a month, and about six years (2020 to 2026)
        workdays.forget()
        with CaptureQueriesContext(connection) as queries:
            due = dates.add_working_days(d("2020-01-02"), span)
            dates.working_days_left(due, on=d("2020-01-02"))
            workdays.is_workday(due)
        counts.append(len(queries))
    assert counts == [1, 1]  # the whole table, once
    with CaptureQueriesContext(connection) as queries:  # kept: none
        dates.add_working_days(d("2020-01-02"), 1500)
    assert len(queries) == 0


def test_an_edit_is_seen_at_once_and_another_process_sees_it_by_the_token():
    assert workdays.is_workday(d("2025-10-09"))
    year = HolidayYear.objects.create(year=2025, notice="国务院办公厅关于2025年部分节假日安排的通知")
    day = HolidayDay.objects.create(calendar=year, day=d("2025-10-09"), name="测试")
    assert not workdays.is_workday(d("2025-10-09"))
    day.delete()
    assert workdays.is_workday(d("2025-10-09"))
    # another process: its copy carries an old token; once it looks at the shared token it reads again
    stale = workdays.Calendar(frozenset({2025}), {d("2025-10-09"): False}, token="old")
    workdays._kept.calendar, workdays._kept.checked_at = stale, 0.0
    assert workdays.is_workday(d("2025-10-09"))
