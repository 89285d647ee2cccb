"""Sending the daily digests (reminders/tasks.py, reminders/digest.py): the claim, retries, skips,
work done before sending, the e-mail's content, the recovery sweep, the beat schedule's time zone,
`manage.py send_reminders` and /healthz. Digests and deliveries are made here directly; the scan
that makes them in production is tested with the sources."""

import datetime
import importlib
import smtplib
from io import StringIO

import pytest
from django.apps import apps as django_apps
from django.core import mail
from django.core.mail.backends.locmem import EmailBackend as LocmemBackend
from django.core.management import CommandError, call_command
from django.urls import reverse
from django.utils import timezone
from django_celery_beat.models import PeriodicTask

from reminders import tasks
from reminders.models import Delivery, Digest, Kind, ScanRun

pytestmark = pytest.mark.usefixtures("eager")  # tasks queued by the code under test run here

SCHEDULE_MIGRATION = importlib.import_module("reminders.migrations.0003_daily_scan_schedule")
ON = datetime.date(2020, 9, 25)  # a Friday; Sunday 2020-09-27 is a make-up workday before National Day


class FlakyBackend(LocmemBackend):
    """Refuses the first `failures` messages with a 451, as a busy SMTP server does."""

    failures = 0
    calls = 0

    def send_messages(self, messages):
        FlakyBackend.calls += 1
        if FlakyBackend.calls <= FlakyBackend.failures:
            raise smtplib.SMTPDataError(451, b"4.3.0 try again later")
        return super().send_messages(messages)


@pytest.fixture
def flaky(settings):
    settings.EMAIL_BACKEND = "tests.reminders.test_delivery.FlakyBackend"
    FlakyBackend.calls = 0
    FlakyBackend.failures = 0
    # Run every eager retry here instead of raising the first one (as a worker would, at once).
    from config.celery import app

    before = app.conf.task_eager_propagates
    app.conf.task_eager_propagates = False
    yield FlakyBackend
    app.conf.task_eager_propagates = before


@pytest.fixture
def owed_all(monkeypatch):
    """Every obligation still owed (the sources are tested on their own)."""
    monkeypatch.setattr("reminders.sources.still_owed", lambda pairs, on=None: set(pairs))


@pytest.fixture
def recipient(world):
    user = world.users["district"]
    user.email = "tiedong@example.gov.cn"
    user.save(update_fields=["email"])
    return user


def make_digest(user, on=ON, items=None) -> Digest:
    digest = Digest.objects.create(recipient=user, on=on)
    items = items or [
        ("hazard", "hazard:1", "整改隐患：消防通道堵塞", "/hazards/1/", datetime.date(2020, 9, 30))
    ]
    for source, subject, title, url, due_on in items:
        days = (due_on - on).days
        kind = Kind.OVERDUE if days < 0 else Kind.DUE if days == 0 else Kind.UPCOMING
        Delivery.objects.create(
            source=source,
            subject=subject,
            recipient=user,
            occurrence=on,
            kind=kind,
            due_on=due_on,
            title=title,
            url=url,
            digest=digest,
        )
    return digest


def send(digest) -> str:
    return tasks.send_digest.apply(args=[digest.pk]).get()


def test_a_digest_claimed_twice_is_sent_once(recipient, owed_all):
    digest = make_digest(recipient)
    assert send(digest) == "sent"
    assert send(digest) == "not pending"
    assert len(mail.outbox) == 1
    digest.refresh_from_db()
    assert digest.state == Digest.State.SENT and digest.attempts == 1 and digest.sent_at
    delivery = digest.deliveries.get()
    assert delivery.state == Delivery.State.SENT and delivery.sent_at == digest.sent_at


def test_a_digest_another_worker_holds_is_left_alone(recipient, owed_all):
    digest = make_digest(recipient)
    assert tasks.claim(digest.pk) is not None
    assert tasks.claim(digest.pk) is None
    assert send(digest) == "not pending"
    assert mail.outbox == []


def test_an_smtp_failure_is_retried_and_the_mail_sent_once(recipient, owed_all, flaky, settings):
    flaky.failures = 2
    digest = make_digest(recipient)
    tasks.send_digest.apply(args=[digest.pk])
    assert flaky.calls == 3
    assert len(mail.outbox) == 1
    digest.refresh_from_db()
    assert digest.state == Digest.State.SENT and digest.attempts == 3 and digest.error == ""


def test_the_retries_back_off_exponentially_below_the_visibility_timeout(settings):
    settings.PORTAL_REMINDER_RETRY_SECONDS = 60
    countdowns = [tasks.retry_countdown(n) for n in range(tasks.RETRIES)]
    assert countdowns == [60, 120, 240, 480, 600]
    assert max(countdowns) < settings.CELERY_BROKER_TRANSPORT_OPTIONS["visibility_timeout"]
    assert max(countdowns) < settings.PORTAL_REMINDER_RECLAIM_MINUTES * 60
    for task in (tasks.send_digest, tasks.daily_scan, tasks.recover):
        assert task.acks_late and task.reject_on_worker_lost


def test_a_digest_failing_every_time_ends_failed_with_the_error(recipient, owed_all, flaky):
    flaky.failures = 100
    digest = make_digest(recipient)
    tasks.send_digest.apply(args=[digest.pk])
    assert flaky.calls == tasks.RETRIES + 1
    assert mail.outbox == []
    digest.refresh_from_db()
    assert digest.state == Digest.State.FAILED and "451" in digest.error
    assert digest.deliveries.get().state == Delivery.State.FAILED


@pytest.mark.parametrize(
    "change, reason",
    [
        ({"reminder_email": False}, "已关闭邮件提醒"),
        ({"email": ""}, "没有邮箱地址"),
        ({"is_active": False}, "账号已停用"),
    ],
)
def test_no_mail_without_an_address_or_when_opted_out(recipient, owed_all, change, reason):
    for field, value in change.items():
        setattr(recipient, field, value)
    recipient.save()
    digest = make_digest(recipient)
    assert send(digest) == "skipped"
    assert mail.outbox == []
    digest.refresh_from_db()
    assert digest.state == Digest.State.SKIPPED and reason in digest.error
    # The inbox has it; the delivery is neither sent by e-mail nor left waiting to be (the health
    # page's "pending" would otherwise grow by every opted-out user's reminders).
    assert digest.deliveries.get().state == Delivery.State.SKIPPED


def test_work_done_before_sending_is_resolved_and_not_mailed(recipient, monkeypatch):
    digest = make_digest(
        recipient,
        items=[
            ("hazard", "hazard:1", "整改隐患：消防通道堵塞", "/hazards/1/", datetime.date(2020, 9, 30)),
            ("hazard", "hazard:2", "整改隐患：厨房燃气报警器缺失", "/hazards/2/", datetime.date(2020, 9, 28)),
        ],
    )
    asked = []

    def still_owed(pairs, on=None):
        asked.append((set(pairs), on))
        return {("hazard", "hazard:2")}

    monkeypatch.setattr("reminders.sources.still_owed", still_owed)
    assert send(digest) == "sent"
    assert asked == [({("hazard", "hazard:1"), ("hazard", "hazard:2")}, ON)]
    (message,) = mail.outbox
    assert "燃气报警器" in message.body and "消防通道" not in message.body
    states = dict(digest.deliveries.values_list("subject", "state"))
    assert states == {"hazard:1": Delivery.State.RESOLVED, "hazard:2": Delivery.State.SENT}


def test_nothing_is_mailed_when_all_the_work_is_done(recipient, monkeypatch):
    monkeypatch.setattr("reminders.sources.still_owed", lambda pairs, on=None: set())
    digest = make_digest(recipient)
    assert send(digest) == "skipped"
    assert mail.outbox == []
    assert digest.deliveries.get().state == Delivery.State.RESOLVED


def test_the_mail_is_chinese_with_dates_weekdays_and_working_days(recipient, owed_all, settings):
    settings.PORTAL_BASE_URL = "https://yanglao.example.gov.cn"
    digest = make_digest(
        recipient,
        items=[
            ("hazard", "hazard:1", "整改隐患：消防通道堵塞", "/hazards/1/", datetime.date(2020, 9, 30)),
            (
                "milestone",
                "milestone:1:region:2",
                "公布养老机构名单",
                "/checklist/items/7/",
                datetime.date(2020, 8, 31),
            ),
            ("answer_returned", "answer:3", "修改退回的第5项答复", "/checklist/items/5/", ON),
        ],
    )
    send(digest)
    (message,) = mail.outbox
    assert message.to == ["tiedong@example.gov.cn"]
    assert message.subject == "【养老院服务质量监管平台】2020-09-25 星期五 待办提醒：3 项（1 项已逾期）"
    assert message.extra_headers["X-Portal-Digest"] == str(digest.pk)
    body = message.body
    assert "李秀梅，您好" in body
    # 26 Sep (Sat) off, 27 Sep (Sun) a make-up workday, 28, 29, 30: four working days.
    assert "截止日期：2020-09-30 星期三（还剩 4 个工作日）" in body
    assert "截止日期：2020-08-31 星期一（已逾期 25 天）" in body
    assert "截止日期：2020-09-25 星期五（今天到期）" in body
    assert "https://yanglao.example.gov.cn/hazards/1/" in body
    assert body.index("【已逾期】") < body.index("【今天到期】") < body.index("【即将到期】")
    (html, mimetype) = message.alternatives[0]
    assert mimetype == "text/html"
    assert '<a href="https://yanglao.example.gov.cn/checklist/items/7/">公布养老机构名单</a>' in html
    assert "还剩 4 个工作日" in html


def test_the_mail_is_chinese_whatever_the_active_language(recipient, owed_all):
    from django.utils import translation

    digest = make_digest(recipient)
    with translation.override("en"):
        send(digest)
    assert mail.outbox[0].subject.startswith("【养老院服务质量监管平台】")


def test_time_left_beyond_the_calendar_counts_calendar_days():
    from reminders.digest import chinese_date, time_left

    assert time_left(datetime.date(2099, 1, 10), datetime.date(2099, 1, 3)) == "还剩 7 天"
    assert time_left(datetime.date(2020, 10, 3), datetime.date(2020, 10, 1)) == "还剩 2 天（其间无工作日）"
    assert chinese_date(datetime.date(2020, 10, 1)) == "2020-10-01 星期四"


# The recovery sweep ----------------------------------------------------------------------------------


def test_the_sweep_puts_back_a_digest_left_sending_and_queues_it(
    recipient, owed_all, settings, django_capture_on_commit_callbacks
):
    settings.PORTAL_REMINDER_RECLAIM_MINUTES = 15
    stuck, busy = make_digest(recipient), make_digest(recipient, on=ON + datetime.timedelta(days=1))
    Digest.objects.filter(pk=stuck.pk).update(
        state=Digest.State.SENDING, claimed_at=timezone.now() - datetime.timedelta(minutes=20), attempts=1
    )
    Digest.objects.filter(pk=busy.pk).update(
        state=Digest.State.SENDING, claimed_at=timezone.now() - datetime.timedelta(minutes=2), attempts=1
    )
    with django_capture_on_commit_callbacks(execute=True):
        assert tasks.recover.apply().get() == [stuck.pk]
    stuck.refresh_from_db()
    assert stuck.state == Digest.State.SENT and stuck.attempts == 2
    assert len(mail.outbox) == 1
    busy.refresh_from_db()
    assert busy.state == Digest.State.SENDING


def test_the_sweep_queues_a_pending_digest_whose_message_was_lost(recipient, settings, monkeypatch):
    settings.PORTAL_REMINDER_RECLAIM_MINUTES = 15
    old, new = make_digest(recipient), make_digest(recipient, on=ON + datetime.timedelta(days=1))
    Digest.objects.filter(pk=old.pk).update(created_at=timezone.now() - datetime.timedelta(hours=1))
    queued = []
    monkeypatch.setattr(tasks.send_digest, "delay", queued.append)
    # Inside the test's transaction: queued on commit only.
    assert tasks.recover.apply().get() == [old.pk]
    assert new.pk not in queued


# The daily scan -------------------------------------------------------------------------------------------


def test_the_daily_scan_queues_the_days_pending_digests_after_commit(
    recipient, monkeypatch, django_capture_on_commit_callbacks
):
    other = make_digest(recipient, on=ON - datetime.timedelta(days=1))
    today = make_digest(recipient)
    Digest.objects.filter(pk=other.pk).update(state=Digest.State.SENT)
    scanned = []

    def run_scan(on):
        scanned.append(on)
        return ScanRun.objects.create(on=on, state=ScanRun.State.DONE, finished_at=timezone.now())

    monkeypatch.setattr("reminders.scan.run_scan", run_scan)
    queued = []
    monkeypatch.setattr(tasks.send_digest, "delay", queued.append)
    with django_capture_on_commit_callbacks(execute=True):
        result = tasks.daily_scan.apply(kwargs={"on": "2020-09-25"}).get()
    assert scanned == [ON] and queued == [today.pk] and result["queued"] == 1


def test_the_daily_scan_defaults_to_today_in_beijing(monkeypatch, db):
    import time_machine

    scanned = []
    monkeypatch.setattr(
        "reminders.scan.run_scan", lambda on: scanned.append(on) or ScanRun.objects.create(on=on)
    )
    # 23:30 UTC on 30 Sep is 07:30 on 1 Oct in Beijing.
    with time_machine.travel(datetime.datetime(2020, 9, 30, 23, 30, tzinfo=datetime.UTC), tick=False):
        tasks.daily_scan.apply()
    assert scanned == [datetime.date(2020, 10, 1)]


# The beat schedule ------------------------------------------------------------------------------------


def test_the_daily_scan_runs_at_8_in_beijing_not_16(db, settings):
    PeriodicTask.objects.filter(name=SCHEDULE_MIGRATION.NAME).delete()
    SCHEDULE_MIGRATION.create(django_apps, None)
    SCHEDULE_MIGRATION.create(django_apps, None)  # a second run changes nothing
    task = PeriodicTask.objects.get(task="reminders.tasks.daily_scan")
    assert task.enabled and task.crontab and task.interval is None
    assert str(task.crontab.timezone) == "Asia/Shanghai"
    assert (task.crontab.hour, task.crontab.minute) == ("8", "0")
    assert settings.CELERY_TIMEZONE == "Asia/Shanghai"
    assert settings.CELERY_BEAT_SCHEDULER == "django_celery_beat.schedulers:DatabaseScheduler"
    schedule = task.crontab.schedule
    # Last run 09:00 Beijing (01:00 UTC) on the 22nd, now 12:00 UTC (20:00 Beijing).
    last = datetime.datetime(2026, 11, 22, 1, 0, tzinfo=datetime.UTC)
    now = datetime.datetime(2026, 11, 22, 12, 0, tzinfo=datetime.UTC)
    schedule.nowfun = lambda: now
    following = now + schedule.remaining_estimate(last)
    assert following == datetime.datetime(2026, 11, 23, 0, 0, tzinfo=datetime.UTC)
    beijing = timezone.localtime(following)
    assert (beijing.date(), beijing.hour, beijing.minute) == (datetime.date(2026, 11, 23), 8, 0)
    assert not schedule.is_due(last).is_due


def test_the_recovery_sweep_and_purge_stay_in_the_beat_schedule(settings):
    tasks_by_name = {entry["task"] for entry in settings.CELERY_BEAT_SCHEDULE.values()}
    assert {"core.exports.purge_exports", "reminders.tasks.recover"} <= tasks_by_name


# manage.py send_reminders ------------------------------------------------------------------------------


def test_send_reminders_scans_and_sends_the_day(recipient, owed_all, monkeypatch, settings):
    settings.CELERY_TASK_ALWAYS_EAGER = True
    make_digest(recipient)
    monkeypatch.setattr(
        "reminders.scan.run_scan",
        lambda on: ScanRun.objects.create(on=on, state=ScanRun.State.DONE, finished_at=timezone.now()),
    )
    out = StringIO()
    call_command("send_reminders", "--date", "2020-09-25", stdout=out)
    # Inside the test's transaction the send waits for the commit: run it as the commit would.
    for digest in Digest.objects.filter(state=Digest.State.PENDING):
        send(digest)
    text = out.getvalue()
    assert "2020-09-25 提醒扫描：" in text and "汇总邮件 1 封" in text
    assert len(mail.outbox) == 1


@pytest.mark.django_db(transaction=True)
def test_send_reminders_without_a_broker_says_so_in_chinese_and_keeps_the_scan(monkeypatch, regions):
    """`manage.py send_reminders` in a shell without CELERY_TASK_ALWAYS_EAGER and with Redis down:
    a sentence, not a traceback; the scan is saved and the sweep queues its e-mails later."""
    import kombu.exceptions

    from reminders import tasks

    digest_ids = []

    def refuse(pk):
        digest_ids.append(pk)
        raise kombu.exceptions.OperationalError("Error 111 connecting to 127.0.0.1:6379. Connection refused.")

    monkeypatch.setattr(tasks.send_digest, "delay", refuse)
    monkeypatch.setattr(
        "reminders.scan.run_scan",
        lambda on: ScanRun.objects.create(on=on, state=ScanRun.State.DONE, finished_at=timezone.now()),
    )
    from tests.conftest import make_user

    user = make_user("tiedong-broker", "district", region=regions["210302"], email="li@example.gov.cn")
    Digest.objects.create(recipient=user, on=datetime.date(2020, 9, 25))
    with pytest.raises(CommandError) as refused:
        call_command("send_reminders", "--date", "2020-09-25")
    message = str(refused.value)
    assert "2020-09-25" in message and "Redis" in message and "make send-reminders" in message
    assert "扫描已保存" in message
    assert digest_ids and ScanRun.objects.filter(on=datetime.date(2020, 9, 25)).exists()
    assert Digest.objects.get().state == Digest.State.PENDING  # for the sweep


@pytest.mark.parametrize("value", ["2020-13-01", "2020-9-5", "20200905", "tomorrow"])
def test_send_reminders_refuses_a_malformed_date(db, value):
    with pytest.raises(CommandError, match="YYYY-MM-DD"):
        call_command("send_reminders", "--date", value)


# /healthz -------------------------------------------------------------------------------------------------


def healthz(client, strict=False):
    return client.get(reverse("core:healthz") + ("?strict=1" if strict else ""))


def test_healthz_is_healthy_on_a_fresh_install(client, db):
    SCHEDULE_MIGRATION.create(django_apps, None)
    response = healthz(client, strict=True)
    assert response.status_code == 200
    assert response.content.decode().splitlines() == ["ok", "reminder-scan: waiting (no scan yet)"]


def test_healthz_reports_a_recent_scan(client, db):
    SCHEDULE_MIGRATION.create(django_apps, None)
    ScanRun.objects.create(on=ON, state=ScanRun.State.DONE, finished_at=timezone.now())
    response = healthz(client, strict=True)
    assert response.status_code == 200 and "reminder-scan: ok " in response.content.decode()


def test_healthz_reports_a_scan_older_than_26_hours_as_stale(client, db):
    SCHEDULE_MIGRATION.create(django_apps, None)
    ScanRun.objects.create(
        on=ON, state=ScanRun.State.DONE, finished_at=timezone.now() - datetime.timedelta(hours=27)
    )
    ScanRun.objects.create(on=ON, state=ScanRun.State.FAILED, finished_at=timezone.now())
    response = healthz(client)
    assert response.status_code == 200  # the load balancer keeps the web server
    assert "reminder-scan: stale (last done: " in response.content.decode()
    assert healthz(client, strict=True).status_code == 503


def test_healthz_reports_no_scan_long_after_install_as_stale(client, db):
    from django.db.migrations.recorder import MigrationRecorder

    SCHEDULE_MIGRATION.create(django_apps, None)
    MigrationRecorder.Migration.objects.filter(app="reminders", name="0003_daily_scan_schedule").update(
        applied=timezone.now() - datetime.timedelta(days=2)
    )
    response = healthz(client, strict=True)
    assert response.status_code == 503
    assert "reminder-scan: stale (last done: never)" in response.content.decode()


def test_healthz_says_off_when_the_scan_is_switched_off(client, db):
    SCHEDULE_MIGRATION.create(django_apps, None)
    PeriodicTask.objects.filter(task="reminders.tasks.daily_scan").update(enabled=False)
    response = healthz(client, strict=True)
    assert response.status_code == 200 and "reminder-scan: off" in response.content.decode()
