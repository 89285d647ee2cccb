"""Chinese working days the portal can trust: statutory holidays off, make-up working days (调休上班)
on, from the State Council's yearly notice (国务院办公厅关于YYYY年部分节假日安排的通知).

Measure 三 of the Liaoning 2021 measures (004_1e8d291cb6ab1272.txt) counts filing checks in working
days: "自备案之日起20个工作日内" — so a due date is `add_working_days(filed_on, 20)`, counting from the
day after the filing.

Where a day's answer comes from, in this order:

1. the admin's table (`core.HolidayYear` with its `core.HolidayDay` rows, loaded from
   `core/data/holidays/<year>.yaml` by `manage.py load_holidays` and edited in the admin): when the
   day's year has a `HolidayYear`, a `HolidayDay` row for the date decides (`is_workday`), any other
   day of that year is a working day from Monday to Friday;
2. otherwise the `chinese_calendar` package (chinesecalendar 1.11 knows 2004–2026), which
   transcribes the same notices;
3. otherwise nobody knows: `UnknownCalendarYear` is raised. Calendar days are never counted
   instead.

Speed: the whole table (about 30 rows a year) is read in **one query** and kept in the process
(`calendar()`); a reminder scan over thousands of rows, or a page with a hundred countdowns, reads
it at most once. The copy is dropped when a `HolidayYear` or `HolidayDay` is saved or deleted (the
signals below, in the process that wrote) and other processes (web workers, the Celery worker) see
the change through a generation token in Django's cache (Redis in production), looked at no more
than every `CHECK_EVERY` seconds — a cache read, never a database query. `refresh()` reads the
table afresh now (the nightly reminder scan starts with it).
"""

from __future__ import annotations

import datetime
import time
import uuid
from dataclasses import dataclass, field
from pathlib import Path

import chinese_calendar
import yaml
from django.core.cache import cache
from django.db import connection, transaction
from django.db.models.signals import post_delete, post_save
from django.utils.translation import gettext

from core import yamldata

ONE_DAY = datetime.timedelta(days=1)
#: Seconds between two looks at the shared generation token (edits made in another process).
CHECK_EVERY = 10.0
TOKEN_KEY = "core.workdays.generation"


class UnknownCalendarYear(NotImplementedError):
    """Neither the admin's table nor chinesecalendar knows `year`: working days cannot be counted.

    A NotImplementedError, as chinesecalendar's own, so callers written for it keep working; its
    message is for the page: "尚未录入2027年节假日安排，无法按工作日计算期限：请管理员录入国务院办公厅
    关于2027年部分节假日安排的通知。" (in the active language)."""

    def __init__(self, year: int):
        self.year = year
        super().__init__(year)

    def __str__(self) -> str:
        return gettext(
            "The holidays of %(year)s have not been entered: deadlines in working days cannot be "
            "counted. An administrator must enter the State Council's notice on the holidays of "
            "%(year)s."
        ) % {"year": self.year}


@dataclass(frozen=True)
class Calendar:
    """The admin's table as read at one moment: the years it holds and its days (date → working?)."""

    years: frozenset[int] = frozenset()
    days: dict[datetime.date, bool] = field(default_factory=dict)
    token: str | None = None

    def is_workday(self, day: datetime.date) -> bool:
        """See `is_workday` (module level); raises `UnknownCalendarYear`."""
        if day.year in self.years:
            listed = self.days.get(day)
            return listed if listed is not None else day.weekday() < 5
        try:
            return chinese_calendar.is_workday(day)
        except NotImplementedError:
            raise UnknownCalendarYear(day.year) from None

    def knows(self, year: int) -> bool:
        """Whether working days of `year` can be counted (the table or chinesecalendar has it)."""
        if year in self.years:
            return True
        try:
            chinese_calendar.is_workday(datetime.date(year, 1, 1))
        except NotImplementedError:
            return False
        return True


class _Kept:
    """The process's copy (shared by its threads: runserver starts one per request)."""

    calendar: Calendar | None = None
    checked_at: float = 0.0
    # An edit was made in a transaction not known to be over: once outside any transaction, the
    # copy is read again (a rolled-back edit must not stay in the copy).
    suspect: bool = False


_kept = _Kept()


def _read() -> Calendar:
    """The table in one query (HolidayYear LEFT JOIN HolidayDay)."""
    from core.models import HolidayYear

    years, days = set(), {}
    for year, day, workday in HolidayYear.objects.order_by().values_list(
        "year", "days__day", "days__is_workday"
    ):
        years.add(year)
        if day is not None:
            days[day] = workday
    return Calendar(frozenset(years), days, cache.get(TOKEN_KEY))


def calendar() -> Calendar:
    """The table as this process keeps it: read once (one query), read again after an edit."""
    if _kept.suspect and not connection.in_atomic_block:
        _kept.suspect, _kept.calendar = False, None
    kept = _kept.calendar
    if kept is not None:
        now = time.monotonic()
        if now - _kept.checked_at < CHECK_EVERY:
            return kept
        _kept.checked_at = now
        if cache.get(TOKEN_KEY) == kept.token:
            return kept
    return refresh()


def refresh() -> Calendar:
    """Read the table now (one query) and keep it for this process."""
    _kept.calendar = _read()
    _kept.checked_at = time.monotonic()
    return _kept.calendar


def forget() -> None:
    """Drop this process's copy (the next use reads the table again)."""
    _kept.calendar = None


def keep(kept: Calendar | None) -> None:
    """Put back a copy taken earlier (tests restore what the rolled-back database holds)."""
    _kept.calendar, _kept.suspect = kept, False
    _kept.checked_at = time.monotonic()
    if kept is not None:
        cache.set(TOKEN_KEY, kept.token, None)


def kept() -> Calendar | None:
    """This process's copy, if any (no query)."""
    return _kept.calendar


def _changed(**_kwargs) -> None:
    """A holiday year or day was saved or deleted: this process forgets now, the others when they
    see the new generation token (now and once the transaction commits)."""

    def bump():
        cache.set(TOKEN_KEY, uuid.uuid4().hex, None)
        forget()

    bump()
    _kept.suspect = True
    transaction.on_commit(bump)


for _model in ("core.HolidayYear", "core.HolidayDay"):
    post_save.connect(_changed, sender=_model, dispatch_uid=f"workdays-save-{_model}")
    post_delete.connect(_changed, sender=_model, dispatch_uid=f"workdays-delete-{_model}")


# Working days --------------------------------------------------------------------------------------


def is_workday(day: datetime.date) -> bool:
    """Whether `day` is a Chinese working day: Monday to Friday unless a statutory holiday, and a
    make-up Saturday or Sunday (调休上班). Raises `UnknownCalendarYear` for a year neither the table
    nor chinesecalendar knows."""
    return calendar().is_workday(day)


def add_working_days(start: datetime.date, count: int) -> datetime.date:
    """The `count`-th working day after `start`, counting from the day after it (measure 三:
    "自备案之日起20个工作日内": filed on Friday 26 September 2025, the 20th working day is Thursday
    30 October 2025, National Day and the make-up Sundays and Saturdays included). `start` itself
    when `count` ≤ 0. Raises `UnknownCalendarYear` when a day to count is in a year nobody knows.
    No query once the table is kept, whatever the span."""
    known = calendar()
    day, left = start, count
    while left > 0:
        day += ONE_DAY
        if known.is_workday(day):
            left -= 1
    return day


def working_days_between(start: datetime.date, end: datetime.date) -> int:
    """Working days after `start` up to and including `end` (0 when `end` ≤ `start`): the working
    days left from today to an inclusive deadline. Raises `UnknownCalendarYear`."""
    known = calendar()
    count, day = 0, start
    while day < end:
        day += ONE_DAY
        if known.is_workday(day):
            count += 1
    return count


def missing_next_year(today: datetime.date) -> int | None:
    """The year whose holidays the administrator must enter now, or None.

    From 1 December of year Y: Y+1 when neither the table nor chinesecalendar knows it (the State
    Council publishes the notice in October–December). Any day: the current year itself when it is
    unknown (the December warning was missed: deadlines cannot be counted already)."""
    known = calendar()
    if not known.knows(today.year):
        return today.year
    if today.month == 12 and not known.knows(today.year + 1):
        return today.year + 1
    return None


# The data files ------------------------------------------------------------------------------------

#: One YAML file per year: the notice (title, document number where verified, publication date) and
#: each holiday's days off and make-up working days. See core/data/holidays/2025.yaml.
DATA_DIR = Path(__file__).resolve().parent / "data" / "holidays"


class HolidayFileError(ValueError):
    """A data file that cannot be loaded (its message names the file and the entry)."""


def read_holiday_file(path: Path) -> dict:
    """A data file as {"year", "notice", "published_on", "note", "days": {date: (is_workday, name)}}.
    `notice` is the title followed by the document number when the file gives one. Raises
    HolidayFileError for a date outside the year, a date listed twice or a missing field."""
    try:
        data = yamldata.load_file(path)
        year = int(data["year"])
        title = str(data["title"]).strip()
        groups = data["holidays"]
    except (OSError, yaml.YAMLError, KeyError, TypeError, ValueError) as exc:
        raise HolidayFileError(f"{path}: {exc}") from exc
    number = str(data.get("number") or "").strip()
    days: dict[datetime.date, tuple[bool, str]] = {}
    for group in groups:
        name = str(group["name"]).strip()
        listed = [(day, False) for day in group.get("days_off") or []]
        listed += [(day, True) for day in group.get("make_up_days") or []]
        if not listed:
            raise HolidayFileError(f"{path}: {name} lists no days (days_off, make_up_days)")
        for day, workday in listed:
            if not isinstance(day, datetime.date) or day.year != year:
                raise HolidayFileError(f"{path}: {name} {day} is not a date of {year}")
            if day in days:
                raise HolidayFileError(f"{path}: {day} is listed twice")
            days[day] = (workday, name)
    return {
        "year": year,
        "notice": f"{title}（{number}）" if number else title,
        "published_on": data.get("published_on") or None,
        "note": str(data.get("note") or "").strip(),
        "days": days,
    }


def holidays_load_file(path: Path, *, force: bool = False) -> tuple[int, str]:
    """Load one data file into the table: (year, outcome), outcome one of

    - "created": the year was not in the table;
    - "unchanged": the table already holds exactly the file (loading again writes nothing);
    - "kept": the table's year differs from the file (edited in the admin, or the file changed
      since): left as it is, unless `force`;
    - "updated" (with `force`): the year's notice, date, note and days replaced by the file's.

    Never a second row for a year or a day. Raises HolidayFileError (a bad file) or, when a day
    of the file is held by another year's rows, HolidayFileError unless `force` (then moved)."""
    from core.models import HolidayDay, HolidayYear

    wanted = read_holiday_file(path)
    year, days = wanted["year"], wanted["days"]
    fields = {k: wanted[k] for k in ("notice", "published_on", "note")}
    with transaction.atomic():
        calendar_year = HolidayYear.objects.select_for_update().filter(year=year).first()
        if calendar_year is not None:
            held = {d.day: (d.is_workday, d.name) for d in calendar_year.days.all()}
            current = {k: getattr(calendar_year, k) for k in fields}
            if held == days and current == fields:
                return year, "unchanged"
            if not force:
                return year, "kept"
        elsewhere = HolidayDay.objects.filter(day__in=days)
        if calendar_year is not None:
            elsewhere = elsewhere.exclude(calendar=calendar_year)
        if elsewhere.exists() and not force:
            raise HolidayFileError(
                f"{path}: "
                + ", ".join(f"{d:%Y-%m-%d}" for d in elsewhere.values_list("day", flat=True))
                + " already belong to another year (--force moves them)"
            )
        elsewhere.delete()
        if calendar_year is None:
            calendar_year, outcome = HolidayYear.objects.create(year=year, **fields), "created"
        else:
            for key, value in fields.items():
                setattr(calendar_year, key, value)
            calendar_year.save()
            calendar_year.days.all().delete()
            outcome = "updated"
        HolidayDay.objects.bulk_create(
            HolidayDay(calendar=calendar_year, day=day, is_workday=workday, name=name)
            for day, (workday, name) in sorted(days.items())
        )
        _changed()
    return year, outcome
