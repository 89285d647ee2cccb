import datetime

from django.utils import timezone

from core import dates


def test_days_left_counts_the_deadline_day_as_still_in_time():
    due = datetime.date(2020, 10, 15)
    assert dates.days_left(due, on=datetime.date(2020, 10, 14)) == 1
    assert dates.days_left(due, on=due) == 0
    assert dates.days_left(due, on=datetime.date(2020, 10, 16)) == -1


def test_working_days_skip_the_national_day_holiday_and_count_the_make_up_day():
    # 2020: 1–8 October off, Sunday 27 September and Saturday 10 October were make-up workdays.
    assert dates.working_days_left(datetime.date(2020, 10, 12), on=datetime.date(2020, 9, 30)) == 3
    assert dates.working_days_left(datetime.date(2020, 9, 28), on=datetime.date(2020, 9, 26)) == 2


def test_working_days_are_unknown_beyond_the_calendar_not_guessed():
    assert dates.working_days_left(datetime.date(2099, 1, 10), on=datetime.date(2099, 1, 1)) is None


def test_twenty_working_days_from_a_filing():
    # Filed on Friday 25 September 2020: Sunday 27 September (make-up day) counts, 1–8 October do
    # not, Saturday 10 October does: the 20th working day is Thursday 29 October.
    assert dates.add_working_days(datetime.date(2020, 9, 25), 20) == datetime.date(2020, 10, 29)


def test_same_day_in_a_year_without_29_february():
    assert dates.same_day_in_year(datetime.date(2020, 2, 29), 2021) == datetime.date(2021, 2, 28)
    assert dates.same_day_in_year(datetime.date(2020, 10, 31), 2026) == datetime.date(2026, 10, 31)


def test_today_is_the_shanghai_date_not_the_utc_date(settings):
    assert settings.TIME_ZONE == "Asia/Shanghai"
    utc_evening = datetime.datetime(
        2020, 10, 15, 16, 30, tzinfo=datetime.UTC
    )  # 00:30 on the 16th in Shanghai
    assert timezone.localdate(utc_evening) == datetime.date(2020, 10, 16)
