"""The holiday table's data files and command, the admin's pages, and the December warning."""

import datetime
import io
from pathlib import Path

import pytest
from chinese_calendar import constants as library
from django.core.management import call_command
from django.template import Context, Template
from django.test import RequestFactory
from django.urls import reverse

from core import workdays
from core.models import HolidayDay, HolidayYear
from reminders.models import ScanRun
from reminders.scan import _Calendar, run_scan

SHANGHAI = datetime.timezone(datetime.timedelta(hours=8))
d = datetime.date.fromisoformat
YEARS = range(2020, 2027)


def load(*args) -> str:
    out = io.StringIO()
    call_command("load_holidays", *args, stdout=out)
    return out.getvalue()


def at(time_machine, day: str):
    time_machine.move_to(datetime.datetime.fromisoformat(f"{day}T09:00:00+08:00"), tick=False)


# The data files and load_holidays -------------------------------------------------------------------


def test_every_published_year_has_a_file_with_its_notice():
    for year in YEARS:
        data = workdays.read_holiday_file(workdays.DATA_DIR / f"{year}.yaml")
        assert data["year"] == year
        assert data["notice"].startswith(f"国务院办公厅关于{year}年部分节假日安排的通知")
    # numbers and dates checked against the published text (README: which were verified)
    assert workdays.read_holiday_file(workdays.DATA_DIR / "2021.yaml")["notice"] == (
        "国务院办公厅关于2021年部分节假日安排的通知（国办发明电〔2020〕27号）"
    )
    assert workdays.read_holiday_file(workdays.DATA_DIR / "2025.yaml")["published_on"] == d("2024-11-12")


def test_the_files_say_what_the_notices_say():
    days = {}
    for year in YEARS:
        days |= workdays.read_holiday_file(workdays.DATA_DIR / f"{year}.yaml")["days"]
    # checked by hand against the notices' text:
    # 2021 国庆节: 10月1日至7日放假调休，9月26日（星期日）、10月9日（星期六）上班
    assert [days[d(f"2021-10-0{n}")][0] for n in range(1, 8)] == [False] * 7
    assert days[d("2021-09-26")] == (True, "国庆节") and days[d("2021-10-09")] == (True, "国庆节")
    # 2022 国庆节: 10月8日（星期六）、10月9日（星期日）上班
    assert days[d("2022-10-08")][0] and days[d("2022-10-09")][0]
    # 2026 春节: 2月15日至23日放假调休，共9天。2月14日（周六）、2月28日（周六）上班
    assert (
        sum(1 for day, (on, _n) in days.items() if not on and d("2026-02-15") <= day <= d("2026-02-23")) == 9
    )
    assert days[d("2026-02-14")] == (True, "春节") and days[d("2026-02-28")] == (True, "春节")
    # 2020 春节 extended to 2 February (国办发明电〔2020〕1号): Saturday 1 February off, not on
    assert days[d("2020-02-01")] == (False, "春节")


def test_the_loaded_table_agrees_with_chinesecalendar_on_every_day_of_2020_to_2026():
    load()
    table = workdays.refresh()
    assert table.years == frozenset(YEARS)
    day = d("2020-01-01")
    while day.year <= 2026:
        expected = day in library.workdays or (day.weekday() < 5 and day not in library.holidays)
        assert table.is_workday(day) is expected, day
        day += datetime.timedelta(days=1)


def test_load_holidays_is_idempotent_and_keeps_the_admins_edits():
    assert "holidays 2025: created" in load()
    rows = HolidayDay.objects.count()
    assert rows > 7 * 20 and HolidayYear.objects.count() == 7
    out = load()
    assert out.count(": unchanged") == 7
    assert HolidayDay.objects.count() == rows and HolidayYear.objects.count() == 7
    # the admin corrects a day: the next load keeps it, --force puts the file back
    HolidayDay.objects.filter(day=d("2025-10-08")).update(is_workday=True, name="改")
    assert "holidays 2025: kept" in load()
    assert HolidayDay.objects.get(day=d("2025-10-08")).is_workday
    assert "holidays 2025: updated" in load("2025", "--force")
    assert not HolidayDay.objects.get(day=d("2025-10-08")).is_workday
    assert HolidayDay.objects.count() == rows and HolidayYear.objects.count() == 7


def test_a_bad_file_is_refused_naming_the_day(tmp_path: Path):
    bad = tmp_path / "2027.yaml"
    bad.write_text(
        "year: 2027\ntitle: 国务院办公厅关于2027年部分节假日安排的通知\nholidays:\n"
        "  - name: 元旦\n    days_off: [2026-12-31]\n",
        encoding="utf-8",
    )
    with pytest.raises(Exception, match="2026-12-31 is not a date of 2027"):
        load("--dir", str(tmp_path))
    assert not HolidayYear.objects.exists()


# The admin ------------------------------------------------------------------------------------------


def admin_client(client, world):
    client.force_login(world.users["admin"])
    return client


def test_the_admin_lists_years_with_their_counts_and_edits_days_inline(client, world):
    load("2025")
    page = admin_client(client, world).get(reverse("admin:core_holidayyear_changelist")).content.decode()
    assert "国务院办公厅关于2025年部分节假日安排的通知（国办发明电〔2024〕12号）" in page
    assert "放假天数" in page and "调休上班天数" in page
    assert '<td class="field-holiday_count">28</td>' in page  # 1 + 8 + 3 + 5 + 3 + 8, weekends included
    assert '<td class="field-make_up_count">5</td>' in page
    year = HolidayYear.objects.get(year=2025)
    assert client.get(reverse("admin:core_holidayyear_change", args=[year.pk])).status_code == 200
    add = client.get(reverse("admin:core_holidayyear_add") + "?year=2027").content.decode()
    assert 'value="国务院办公厅关于2027年部分节假日安排的通知"' in add


def inline_post(year: int, days: list[tuple[str, str, bool]]) -> dict:
    data = {
        "year": str(year),
        "notice": f"国务院办公厅关于{year}年部分节假日安排的通知",
        "published_on": "",
        "note": "",
        "days-TOTAL_FORMS": str(len(days)),
        "days-INITIAL_FORMS": "0",
        "days-MIN_NUM_FORMS": "0",
        "days-MAX_NUM_FORMS": "1000",
    }
    for n, (day, name, on) in enumerate(days):
        data[f"days-{n}-day"] = day
        data[f"days-{n}-name"] = name
        if on:
            data[f"days-{n}-is_workday"] = "on"
    return data


def test_the_admin_refuses_a_day_outside_its_year_in_chinese(client, world):
    admin_client(client, world)
    response = client.post(
        reverse("admin:core_holidayyear_add"),
        inline_post(2027, [("2027-01-01", "元旦", False), ("2026-12-31", "元旦", False)]),
    )
    assert response.status_code == 200
    assert "该日期不在2027年内。" in response.content.decode()
    assert not HolidayYear.objects.exists()
    response = client.post(
        reverse("admin:core_holidayyear_add"),
        inline_post(2027, [("2027-01-01", "元旦", False), ("2027-01-09", "元旦", True)]),
    )
    assert response.status_code == 302
    assert workdays.add_working_days(d("2026-12-20"), 20) == d("2027-01-15")


# The December warning ------------------------------------------------------------------------------


def test_missing_next_year_from_1_december_until_it_is_entered(time_machine):
    assert workdays.missing_next_year(d("2026-11-30")) is None
    assert workdays.missing_next_year(d("2026-12-01")) == 2027
    assert workdays.missing_next_year(d("2026-12-31")) == 2027
    assert workdays.missing_next_year(d("2025-12-01")) is None  # chinesecalendar knows 2026
    assert workdays.missing_next_year(d("2027-01-04")) == 2027  # missed: the current year itself
    HolidayYear.objects.create(year=2027, notice="国务院办公厅关于2027年部分节假日安排的通知")
    assert workdays.missing_next_year(d("2026-12-01")) is None
    assert workdays.missing_next_year(d("2027-06-01")) is None
    assert workdays.missing_next_year(d("2027-12-01")) == 2028


WARNING = "尚未录入2027年节假日和调休上班日安排"


@pytest.mark.parametrize(("day", "shown"), [("2026-11-30", False), ("2026-12-01", True)])
def test_the_admin_home_and_the_reminder_health_warn_from_1_december(client, world, time_machine, day, shown):
    at(time_machine, day)
    admin_client(client, world)
    home = client.get(reverse("admin:index")).content.decode()
    assert (WARNING in home) is shown
    assert ('data-testid="holidays-missing"' in home) is shown
    if shown:
        assert f"{reverse('admin:core_holidayyear_add')}?year=2027" in home
    health = client.get(reverse("reminders:health")).content.decode()
    assert (WARNING in health) is shown
    client.logout()
    client.force_login(world.users["city"])
    health = client.get(reverse("reminders:health")).content.decode()
    assert (WARNING in health) is shown
    assert reverse("admin:core_holidayyear_add") not in health  # city staff cannot enter it


def test_no_warning_once_the_next_year_is_entered(client, world, time_machine):
    at(time_machine, "2026-12-01")
    HolidayYear.objects.create(year=2027, notice="国务院办公厅关于2027年部分节假日安排的通知")
    admin_client(client, world)
    assert WARNING not in client.get(reverse("admin:index")).content.decode()
    assert WARNING not in client.get(reverse("reminders:health")).content.decode()


def test_the_warning_tag_shows_only_to_who_can_enter_the_year(world, time_machine):
    at(time_machine, "2026-12-01")
    template = Template("{% load workdays %}{% workdays_warning %}")
    for who, shown in (("admin", True), ("city", False), ("district", False)):
        request = RequestFactory().get("/")
        request.user = world.users[who]
        html = template.render(Context({"request": request}))
        assert (WARNING in html) is shown, who
        assert ('class="alert alert-warning' in html) is shown


# The nightly scan ----------------------------------------------------------------------------------


def test_the_scan_does_not_stop_at_a_year_nobody_knows(world, time_machine):
    at(time_machine, "2026-12-30")
    calendar = _Calendar()
    # Saturday 2 January 2027 moves back to Friday 1 January (weekends only for 2027), logged once
    assert calendar.working_day(d("2027-01-02"), -1) == d("2027-01-01")
    assert calendar.unknown_years == {2027}
    run = run_scan(d("2026-12-30"))
    assert run.state == ScanRun.State.DONE
