"""Dates as the documents mean them: Asia/Shanghai days, inclusive deadlines, Chinese working days."""

import datetime

from django.utils import timezone

from core import workdays


def today() -> datetime.date:
    """Today in the portal's time zone (Asia/Shanghai), whatever the server's clock zone."""
    return timezone.localdate()


def days_left(due_on: datetime.date, on: datetime.date | None = None) -> int:
    """Calendar days from `on` (default today) to an inclusive deadline: 0 on the day itself,
    negative once it has passed."""
    return (due_on - (on or today())).days


def working_days_left(due_on: datetime.date, on: datetime.date | None = None) -> int | None:
    """Chinese working days after `on` (default today) up to and including `due_on` (statutory
    holidays off, make-up workdays on; `core.workdays`): 0 on the day itself or after it. None when
    neither the holiday table nor chinesecalendar knows a year involved (pages show "—" then)."""
    start = on or today()
    if due_on <= start:
        return 0
    try:
        return workdays.working_days_between(start, due_on)
    except workdays.UnknownCalendarYear:
        return None


def add_working_days(start: datetime.date, count: int) -> datetime.date:
    """The date `count` Chinese working days after `start`, counting from the day after it (e.g.
    20 working days to check a filing, measure 三). Raises `core.workdays.UnknownCalendarYear` (a
    NotImplementedError) for a year nobody knows: see `core.workdays`."""
    return workdays.add_working_days(start, count)


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
