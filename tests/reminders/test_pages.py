"""The reminder pages (issue 12): the inbox (scope, resolved at once without writing, open and mark
read once), the header's unread count, the rules page (field-named errors, concurrent edits refused,
history) and the health page, with their query counts pinned at two sizes."""

import datetime
import re

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import timezone, translation
from django.utils.translation import gettext, ngettext

from reminders.models import Delivery, Digest, Kind, Notification, Rule, ScanRun, Source
from reminders.selectors import unread_count
from tests.hazards.factories import advance, record
from tests.submissions import token_in, with_token
from tests.test_url_sweep import get_writing_nothing

TODAY = datetime.date(2026, 11, 23)  # time_machine_2026's today, a Monday


@pytest.fixture(autouse=True)
def media(settings, tmp_path):
    settings.MEDIA_ROOT = tmp_path


@pytest.fixture(autouse=True)
def today(time_machine_2026):
    return TODAY


@pytest.fixture(autouse=True)
def rules(db):
    """One rule per source with its defaults, as the migration creates them (a transactional test
    that ran before on this worker flushed them)."""
    for source in Source.values:
        Rule.objects.get_or_create(source=source)


def zh(text: str) -> str:
    with translation.override("zh-hans"):
        return gettext(text)


def notify(user, subject: str, *, source="hazard", kind=Kind.OVERDUE, due_on=TODAY, **values) -> Notification:
    defaults = {
        "title": f"隐患 {subject} 整改时限 {due_on:%Y-%m-%d}",
        "url": "/hazards/",
        "reminded_on": TODAY,
    }
    return Notification.objects.create(
        recipient=user, source=source, subject=subject, kind=kind, due_on=due_on, **{**defaults, **values}
    )


def hazard_notice(world, user=None, *, deadline=TODAY, **values) -> Notification:
    """A notification to the district user (default) of a live hazard of 铁东区, due on `deadline`."""
    hazard = record(
        world.own_institution, world.users["district"], deadline=deadline, found_on=TODAY.replace(day=1)
    )
    return notify(
        user or world.users["district"],
        f"hazard:{hazard.pk}",
        due_on=deadline,
        url=reverse("hazards:detail", args=[hazard.pk]),
        **values,
    )


def login(client, world, who="district"):
    client.force_login(world.users[who])
    return client


# The inbox -------------------------------------------------------------------------------------


def test_the_inbox_groups_open_lines_by_what_to_do_and_shows_dates_with_weekday(client, world):
    overdue = hazard_notice(world, deadline=datetime.date(2026, 11, 20), kind=Kind.OVERDUE)
    due = hazard_notice(world, deadline=TODAY, kind=Kind.DUE)
    # reminded as "upcoming" last week; it is due today by now, and is grouped so
    soon = hazard_notice(world, deadline=datetime.date(2026, 11, 26), kind=Kind.UPCOMING)
    escalated = hazard_notice(world, deadline=datetime.date(2026, 11, 18), kind=Kind.ESCALATION)
    response = login(client, world).get(reverse("reminders:inbox"))
    assert response.status_code == 200
    groups = {
        key: [item.notification for item in items] for key, _label, items in response.context["inbox"].groups
    }
    assert groups == {"overdue": [overdue], "due": [due], "upcoming": [soon], "escalation": [escalated]}
    assert [key for key, _l, _i in response.context["inbox"].groups] == [
        "overdue",
        "due",
        "upcoming",
        "escalation",
    ]
    body = response.content.decode()
    assert "2026-11-20 星期五" in body and "2026-11-26 星期四" in body
    with translation.override("zh-hans"):
        assert ngettext("%(days)s day overdue", "%(days)s days overdue", 3) % {"days": 3} in body
        three_days = ngettext("%(days)s day left", "%(days)s days left", 3) % {"days": 3}
        assert three_days + ngettext(" (%(n)s working day)", " (%(n)s working days)", 3) % {"n": 3} in body
        assert gettext("Due today") in body
    assert body.count('data-unread="1"') == 4


def test_a_line_whose_work_is_done_shows_resolved_at_once_and_the_get_writes_nothing(client, world):
    notice = hazard_notice(world)
    hazard_pk = int(notice.subject.split(":")[1])
    from hazards.models import Hazard

    advance(Hazard.objects.get(pk=hazard_pk), "closed", district=world.users["district"])
    login(client, world)
    response = get_writing_nothing(client, reverse("reminders:inbox"))
    inbox = response.context["inbox"]
    assert inbox.groups == [] and [item.notification for item in inbox.resolved] == [notice]
    assert f'data-testid="notification-{notice.pk}" data-state="resolved"' in response.content.decode()
    notice.refresh_from_db()
    assert notice.resolved_at is None  # recording it is the scan's job
    assert unread_count(world.users["district"]) == 1  # the header counts open, unread lines


def test_resolved_lines_are_listed_in_the_collapsed_done_section(client, world):
    done = notify(world.users["district"], "hazard:1", resolved_at=timezone.now())
    response = login(client, world).get(reverse("reminders:inbox"))
    body = response.content.decode()
    assert '<details class="card mb-3" data-testid="resolved">' in body
    assert [item.notification for item in response.context["inbox"].resolved] == [done]
    assert response.context["inbox"].groups == []


def test_the_inbox_lists_only_the_users_own_notifications(client, world):
    mine = hazard_notice(world)
    theirs = hazard_notice(world, world.users["city"], title="市局的提醒")
    body = login(client, world).get(reverse("reminders:inbox")).content.decode()
    assert f"notification-{mine.pk}" in body and f"notification-{theirs.pk}" not in body
    assert "市局的提醒" not in body


@pytest.mark.parametrize("name", ["reminders:open", "reminders:read"])
def test_another_users_notification_answers_404_and_stays_unread(client, world, name):
    theirs = hazard_notice(world, world.users["other_district"])
    login(client, world)
    response = client.post(reverse(name, args=[theirs.pk]), with_token(client))
    assert response.status_code == 404
    theirs.refresh_from_db()
    assert theirs.read_at is None


def test_opening_a_line_marks_it_read_and_goes_to_its_page_once(client, world):
    notice = hazard_notice(world)
    login(client, world)
    token = token_in(client.get(reverse("reminders:inbox")), reverse("reminders:open", args=[notice.pk]))
    url = reverse("reminders:open", args=[notice.pk])
    first = client.post(url, {"submission_token": token})
    assert first.status_code == 303 and first["Location"] == notice.url
    notice.refresh_from_db()
    read_at = notice.read_at
    assert read_at is not None
    again = client.post(url, {"submission_token": token})  # a double click: the same answer
    assert again.status_code == 303 and again["Location"] == notice.url
    fresh = client.post(url, with_token(client))  # opened again later: still read, first time kept
    assert fresh.status_code == 303
    notice.refresh_from_db()
    assert notice.read_at == read_at


def test_opening_never_leaves_the_site(client, world):
    notice = notify(world.users["district"], "hazard:1", url="https://example.org/phish")
    response = login(client, world).post(reverse("reminders:open", args=[notice.pk]), with_token(client))
    assert response.status_code == 303 and response["Location"] == reverse("reminders:inbox")


def test_open_and_mark_read_are_post_only(client, world):
    notice = hazard_notice(world)
    login(client, world)
    for name in ("reminders:open", "reminders:read"):
        assert client.get(reverse(name, args=[notice.pk])).status_code == 405
    assert client.get(reverse("reminders:read_all")).status_code == 405
    notice.refresh_from_db()
    assert notice.read_at is None


def test_mark_read_and_mark_all_read_are_repeat_safe(client, world):
    one, two, three = (hazard_notice(world) for _n in range(3))
    other = hazard_notice(world, world.users["city"])
    login(client, world)
    response = client.post(reverse("reminders:read", args=[one.pk]), with_token(client))
    assert response.status_code == 303 and response["Location"].endswith(f"#n{one.pk}")
    one.refresh_from_db()
    first_read = one.read_at
    client.post(reverse("reminders:read", args=[one.pk]), with_token(client))
    one.refresh_from_db()
    assert one.read_at == first_read
    assert unread_count(world.users["district"]) == 2
    for _n in range(2):
        assert client.post(reverse("reminders:read_all"), with_token(client)).status_code == 303
    assert unread_count(world.users["district"]) == 0
    one.refresh_from_db()
    other.refresh_from_db()
    assert one.read_at == first_read and other.read_at is None  # another user's lines untouched
    assert set(Notification.objects.filter(read_at__isnull=False).values_list("pk", flat=True)) == {
        one.pk,
        two.pk,
        three.pk,
    }


def test_mark_read_by_htmx_answers_the_line_without_its_unread_mark(client, world):
    notice = hazard_notice(world)
    login(client, world)
    response = client.post(
        reverse("reminders:read", args=[notice.pk]), with_token(client), HTTP_HX_REQUEST="true"
    )
    assert response.status_code == 200
    assert "unread-badge" not in response.content.decode()
    read_all = client.post(reverse("reminders:read_all"), with_token(client), HTTP_HX_REQUEST="true")
    assert read_all.status_code == 204 and read_all["HX-Refresh"] == "true"


@pytest.mark.parametrize("who", ["city", "district", "institution", "department", "admin"])
def test_every_logged_in_role_has_an_inbox(client, world, who):
    assert login(client, world, who).get(reverse("reminders:inbox")).status_code == 200


def test_the_inbox_asks_to_log_in(client, world):
    response = client.get(reverse("reminders:inbox"))
    assert response.status_code == 302 and response["Location"].startswith(reverse("accounts:login"))


# The header's count -----------------------------------------------------------------------------


def test_the_header_shows_the_unread_count_with_an_accessible_label(client, world):
    for _n in range(3):
        hazard_notice(world)
    hazard_notice(world, read_at=timezone.now())  # read
    hazard_notice(world, resolved_at=timezone.now())  # resolved
    hazard_notice(world, world.users["city"])  # someone else's
    body = login(client, world).get(reverse("core:home")).content.decode()
    with translation.override("zh-hans"):
        label = ngettext("%(counter)s unread reminder", "%(counter)s unread reminders", 3) % {"counter": 3}
    assert f'aria-label="{label}"' in body
    assert (
        '<span class="badge rounded-pill text-bg-danger ms-1" data-testid="unread-count" aria-hidden="true">3</span>'
        in body
    )


def test_the_header_count_is_one_query_per_page(client, world):
    hazard_notice(world)
    login(client, world)
    client.get(reverse("core:home"))
    with CaptureQueriesContext(connection) as captured:
        client.get(reverse("core:home"))
    counts = [q["sql"] for q in captured.captured_queries if "reminders_notification" in q["sql"]]
    assert len(counts) == 1 and "COUNT(" in counts[0].upper()


def test_no_count_without_a_login(client, world):
    with CaptureQueriesContext(connection) as captured:
        client.get(reverse("accounts:login"))
    assert not [q for q in captured.captured_queries if "reminders_notification" in q["sql"]]


# Query counts ---------------------------------------------------------------------------------


def add_notifications(world, count: int) -> None:
    """`count` more lines for the district user: live hazards (owed), closed ones (done), read ones,
    resolved ones, and lines of another source whose subject no longer exists."""
    for n in range(count):
        notice = hazard_notice(world, deadline=TODAY + datetime.timedelta(days=n % 9 - 4))
        if n % 4 == 1:
            Notification.objects.filter(pk=notice.pk).update(read_at=timezone.now())
        if n % 4 == 2:
            Notification.objects.filter(pk=notice.pk).update(resolved_at=timezone.now())
        if n % 4 == 3:
            notify(world.users["district"], f"referral:{90000 + notice.pk}", source="referral_unreplied")


# +3: the header's review queues (dashboards.queues: the current campaign, the queues' count, their region)
@pytest.mark.parametrize("who,expected", [("district", 10), ("city", 8)])
def test_the_inbox_runs_the_same_queries_with_5_and_with_60_lines(client, world, who, expected):
    """session, user, open lines (which give the header's count too), resolved lines, the header's
    unit (region), and still_owed: one query per source among the open lines (hazards and referrals
    here; the city has none open)."""
    login(client, world, who)
    if who == "district":
        add_notifications(world, 5)
    client.get(reverse("reminders:inbox"))
    with CaptureQueriesContext(connection) as small:
        assert client.get(reverse("reminders:inbox")).status_code == 200
    if who == "district":
        add_notifications(world, 55)
    with CaptureQueriesContext(connection) as large:
        assert client.get(reverse("reminders:inbox")).status_code == 200
    sql = [q["sql"][:160] for q in large.captured_queries]
    assert len(small) == len(large) == expected, "\n".join(sql)


# The rules page ---------------------------------------------------------------------------------


def rule_data(rule: Rule, **changes) -> dict:
    values = {
        "enabled": "on",
        "lead_days": "7, 3, 1, 0",
        "overdue_every": "3",
        "escalate_after": "3",
        "skip_quiet_days": "on",
        "response_days": "5",
        "expected_version": str(rule.version),
        **changes,
    }
    return {f"{rule.source}-{name}": value for name, value in values.items() if value is not None}


@pytest.mark.parametrize("who", ["city", "admin"])
def test_city_staff_and_the_admin_edit_a_rule_and_its_history_is_kept(client, world, who):
    rule = Rule.objects.get(source="hazard")
    login(client, world, who)
    page = client.get(reverse("reminders:rules"))
    assert page.status_code == 200 and 'value="7, 3, 1, 0"' in page.content.decode()
    data = rule_data(rule, lead_days="10，5、1 0", escalate_after="", overdue_every="2", enabled=None)
    response = client.post(reverse("reminders:rule_save", args=["hazard"]), with_token(client, data))
    assert response.status_code == 303
    assert response["Location"] == reverse("reminders:rules") + "#rule-hazard"
    rule.refresh_from_db()
    assert rule.lead_days == [10, 5, 1, 0]
    assert (rule.enabled, rule.escalate_after, rule.overdue_every, rule.version) == (False, None, 2, 2)
    latest = rule.history.first()
    assert latest.history_user == world.users[who] and latest.lead_days == [10, 5, 1, 0]


@pytest.mark.parametrize(
    "field,value,label",
    [
        ("lead_days", "7, 3, x", "days before the due date"),
        ("lead_days", "7, 61", "days before the due date"),
        ("lead_days", "-1", "days before the due date"),
        ("overdue_every", "abc", "repeat when overdue, every N days"),
        ("overdue_every", "99", "repeat when overdue, every N days"),
        ("escalate_after", "-2", "escalate N days after the due date"),
        ("response_days", "0", "working days to respond"),
        ("response_days", "", "working days to respond"),
    ],
)
def test_bad_rule_input_is_refused_with_a_chinese_sentence_naming_the_field(
    client, world, field, value, label
):
    rule = Rule.objects.get(source="milestone")
    login(client, world, "city")
    with translation.override("zh-hans"):
        response = client.post(
            reverse("reminders:rule_save", args=["milestone"]),
            with_token(client, rule_data(rule, **{field: value})),
        )
    assert response.status_code == 400
    form = next(f for f in response.context["forms"] if f.instance.source == "milestone")
    errors = form.errors[field]
    assert len(errors) == 1 and f"“{zh(label)}”" in errors[0]
    assert zh(label) != label  # the field's name is in Chinese
    assert errors[0] in response.content.decode()
    rule.refresh_from_db()
    assert rule.version == 1 and rule.lead_days == [7, 3, 1, 0]


def test_a_concurrent_rule_edit_is_refused_and_keeps_the_input(client, world):
    rule = Rule.objects.get(source="hazard")
    login(client, world, "city")
    opened = rule_data(rule, overdue_every="5")  # two people open the page at version 1
    first = client.post(reverse("reminders:rule_save", args=["hazard"]), with_token(client, rule_data(rule)))
    assert first.status_code == 303
    with translation.override("zh-hans"):
        second = client.post(reverse("reminders:rule_save", args=["hazard"]), with_token(client, opened))
    assert second.status_code == 400
    body = second.content.decode()
    assert 'data-testid="rule-error"' in body
    assert (
        zh(
            "Someone else saved this record after you opened it. Your input is kept below: "
            "check the current values and save again."
        )
        in body
    )
    assert 'name="hazard-overdue_every" value="5"' in body
    rule.refresh_from_db()
    assert rule.overdue_every == 3 and rule.version == 2


def test_an_edit_in_the_admin_makes_an_open_rules_page_stale(client, world):
    rule = Rule.objects.get(source="hazard")
    login(client, world, "admin")
    stale = rule_data(rule, overdue_every="9")
    admin_url = reverse("admin:reminders_rule_change", args=[rule.pk])
    form = client.get(admin_url)
    assert form.status_code == 200
    client.post(
        admin_url,
        {
            "enabled": "on",
            "lead_days": "[7, 3, 1, 0]",
            "overdue_every": "4",
            "escalate_after": "3",
            "skip_quiet_days": "on",
            "response_days": "5",
        },
    )
    rule.refresh_from_db()
    assert (rule.overdue_every, rule.version) == (4, 2)
    response = client.post(reverse("reminders:rule_save", args=["hazard"]), with_token(client, stale))
    assert response.status_code == 400
    rule.refresh_from_db()
    assert rule.overdue_every == 4


def test_an_unknown_source_answers_404(client, world):
    login(client, world, "city")
    response = client.post(reverse("reminders:rule_save", args=["nothing"]), with_token(client, {}))
    assert response.status_code == 404


@pytest.mark.parametrize("who", ["district", "other_district", "institution", "department"])
@pytest.mark.parametrize("name", ["reminders:rules", "reminders:health"])
def test_only_city_staff_and_the_admin_see_rules_and_health(client, world, who, name):
    assert login(client, world, who).get(reverse(name)).status_code == 403


@pytest.mark.parametrize("who", ["district", "institution", "department"])
def test_others_cannot_save_a_rule(client, world, who):
    rule = Rule.objects.get(source="hazard")
    login(client, world, who)
    response = client.post(
        reverse("reminders:rule_save", args=["hazard"]),
        with_token(client, rule_data(rule, overdue_every="9")),
    )
    assert response.status_code == 403
    rule.refresh_from_db()
    assert rule.overdue_every == 3 and rule.version == 1


# The health page -------------------------------------------------------------------------------


def add_traffic(world, count: int, start: int = 0) -> None:
    """`count` deliveries over the last days, in every state, with their digests and notifications;
    one in ten sent after its notification was resolved (the figure that must stay 0)."""
    users = [world.users[name] for name in ("district", "other_district", "institution", "department")]
    now = timezone.now()
    for n in range(start, start + count):
        user = users[n % len(users)]
        day = TODAY - datetime.timedelta(days=n % 14)
        digest, _created = Digest.objects.get_or_create(
            recipient=user,
            on=day,
            defaults={"state": [Digest.State.SENT, Digest.State.PENDING, Digest.State.FAILED][n % 3]},
        )
        state = [
            Delivery.State.SENT,
            Delivery.State.PENDING,
            Delivery.State.FAILED,
            Delivery.State.RESOLVED,
            Delivery.State.SENT,
            Delivery.State.SKIPPED,
        ][n % 6]
        delivery = Delivery.objects.create(
            source="hazard",
            subject=f"hazard:{n}",
            recipient=user,
            occurrence=day,
            kind=Kind.OVERDUE,
            due_on=day,
            title=f"提醒 {n}",
            url="/hazards/",
            digest=digest,
            state=state,
        )
        if state == Delivery.State.SENT:
            Delivery.objects.filter(pk=delivery.pk).update(
                created_at=now - datetime.timedelta(hours=2), sent_at=now - datetime.timedelta(hours=1)
            )
            resolved_at = now - datetime.timedelta(hours=3) if n % 10 == 0 else None
            notify(user, f"hazard:{n}", resolved_at=resolved_at)


def test_the_health_page_shows_scan_traffic_and_what_was_sent_after_the_work_was_done(client, world):
    ScanRun.objects.create(
        on=TODAY,
        state=ScanRun.State.DONE,
        counts={
            "window": ["2026-11-30", "2026-12-01"],
            "sources": {"hazard": {"obligations": 4, "overdue": 3}},
            "digests_reopened": 0,
            "new_deliveries": 3,
            "resolved": 1,
        },
        finished_at=timezone.now(),
    )
    add_traffic(world, 40)
    login(client, world, "city")
    response = client.get(reverse("reminders:health"))
    assert response.status_code == 200
    context = response.context
    assert context["last_scan"].on == TODAY
    # n = 0, 10, 30: sent (n % 6 in {0, 4}) and resolved before (n % 10 == 0)
    assert context["sent_after_done"] == 3
    per_day = {day["on"]: day for day in context["days"]}
    assert len(per_day) == 14
    totals = {state: sum(day[state] for day in context["days"]) for state in Delivery.State.values}
    # 40 deliveries, n % 6: 0 and 4 sent, 1 pending, 2 failed, 3 resolved, 5 skipped (in the inbox
    # only: not counted as waiting to be sent)
    assert totals == {"sent": 13, "pending": 7, "failed": 7, "resolved": 7, "skipped": 6}
    pending_cells = [
        int(cell)
        for cell in re.findall(
            r'<tr data-day="[^"]+">\s*<th[^>]*>.*?</th>\s*<td class="text-end">(\d+)</td>',
            response.content.decode(),
        )
    ]
    assert sum(pending_cells) == 7
    assert context["dwell_median"] == datetime.timedelta(hours=1) == context["dwell_max"]
    body = response.content.decode()
    assert 'data-testid="sent-after-done-count">3<' in body
    assert '2026-11-23<span class="d-none d-sm-inline"> 星期一</span>' in body  # weekday hidden on phones
    # the scan's counts and the table's heads in Chinese, no internal key on the page
    for raw in ("sources", "obligations", "new_deliveries", "resolved：", "window", "digests_reopened"):
        assert raw not in body
    assert "2026-11-30 至 2026-12-01" in body and "新增提醒：<strong>3<" in body
    assert "隐患整改时限 · 逾期：<strong>3<" in body
    assert 'title="未发邮件：仅站内提醒">仅站内</th>' in body


def test_the_health_page_runs_the_same_queries_with_few_and_many_deliveries(client, world):
    ScanRun.objects.create(on=TODAY, state=ScanRun.State.DONE)
    login(client, world, "city")
    add_traffic(world, 8)
    client.get(reverse("reminders:health"))
    with CaptureQueriesContext(connection) as small:
        assert client.get(reverse("reminders:health")).status_code == 200
    add_traffic(world, 80, start=8)
    with CaptureQueriesContext(connection) as large:
        assert client.get(reverse("reminders:health")).status_code == 200
    sql = [q["sql"][:160] for q in large.captured_queries]
    # session, user, header count, header unit (region), scan, per day, digests, oldest, dwell
    # count and longest, median, sent after done
    assert len(small) == len(large) == 14, sql  # +3: the header's review queues


def test_the_health_page_without_any_scan(client, world):
    response = login(client, world, "admin").get(reverse("reminders:health"))
    assert response.status_code == 200 and 'data-testid="no-scan"' in response.content.decode()


# The user's reminder e-mail ------------------------------------------------------------------------


def test_a_user_sets_their_reminder_address_and_turns_the_email_off(client, world):
    login(client, world, "institution")
    page = client.get(reverse("accounts:reminders"))
    assert page.status_code == 200
    response = client.post(
        reverse("accounts:reminders"), {"email": "kangle@example.org", "submission_token": token_in(page)}
    )
    assert response.status_code == 303
    user = world.users["institution"]
    user.refresh_from_db()
    assert (user.email, user.reminder_email) == ("kangle@example.org", False)
    bad = client.post(
        reverse("accounts:reminders"), with_token(client, {"email": "not an address", "reminder_email": "on"})
    )
    assert bad.status_code == 400
    user.refresh_from_db()
    assert (user.email, user.reminder_email) == ("kangle@example.org", False)
