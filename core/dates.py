"""Dates as the documents mean them: Asia/Shanghai days, inclusive deadlines, Chinese working days."""

import datetime

import chinese_calendar
from django.utils import timezone


def today() -> datetime.date:
    """Today in the portal's time zone (Asia/Shanghai), whatever the server's clock zone."""
    return timezone.localdate()


def days_left(due_on: datetime.date, on: datetime.date | None = None) -> int:
    """Calendar days from `on` (default today) to an inclusive deadline: 0 on the day itself,
    negative once it has passed."""
    return (due_on - (on or today())).days


def working_days_left(due_on: datetime.date, on: datetime.date | None = None) -> int | None:
    """Chinese working days after `on` up to and including `due_on` (statutory holidays off,
    make-up workdays on). None when the calendar does not know the years involved."""
    start = on or today()
    if due_on <= start:
        return 0
    try:
        return len(chinese_calendar.get_workdays(start + datetime.timedelta(days=1), due_on))
    except NotImplementedError:
        return None


def add_working_days(start: datetime.date, count: int) -> datetime.date:
    """The date `count` Chinese working days after `start` (e.g. 20 working days to check a filing)."""
    day = start
    remaining = count
    while remaining > 0:
        day += datetime.timedelta(days=1)
        if chinese_calendar.is_workday(day):
            remaining -= 1
    return day


def same_day_in_year(day: datetime.date, year: int) -> datetime.date:
    """The same month and day in another year; 29 February becomes 28 February."""
    try:
        return day.replace(year=year)
    except ValueError:
        return day.replace(year=year, day=28)


def start_of_day(day: datetime.date) -> datetime.datetime:
    """Midnight at the start of `day` in the site's time zone (Asia/Shanghai), aware."""
    return timezone.make_aware(
        datetime.datetime.combine(day, datetime.time.min), timezone.get_default_timezone()
    )
