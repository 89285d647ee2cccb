"""The whole delivery path on real services: a real `celery beat` (DatabaseScheduler on the test
database), a real Celery worker, the test run's Redis and PostgreSQL, and a real SMTP server on
loopback (tests/smtp.py) that refuses the first two messages with a 451 and holds one message until
its sender dies. Beat fires the scan every few seconds and the test runs it at the same time by
hand; the worker sending the held message is killed with SIGKILL (a replacement starts, as a
supervisor would start one), the recovery sweep puts its digest back, and every due digest still
arrives exactly once: the SMTP server's own count, by recipient."""

import datetime
import os
import signal
import subprocess
import sys
import threading
import time

import pytest
from django.conf import settings
from django.core.management import call_command
from django.db import connections
from django_celery_beat.models import IntervalSchedule, PeriodicTask

from config.celery import app
from reminders.models import Delivery, Digest, ScanRun
from tests.reminders.conftest import hazard
from tests.smtp import CountingHandler, SMTPServer
from tests.workers import start_worker, stop, worker_env

ON = datetime.date(2020, 8, 28)  # three days before the notice's 31 August deadline


def beat(env: dict, workdir, log) -> subprocess.Popen:
    return subprocess.Popen(
        [
            sys.executable,
            "-m",
            "celery",
            "-A",
            "config",
            "beat",
            "--scheduler",
            "django_celery_beat.schedulers:DatabaseScheduler",
            "--max-interval",
            "1",
            "--pidfile",
            str(workdir / "beat.pid"),
            "--loglevel",
            "INFO",
        ],
        cwd=settings.BASE_DIR,
        env=env,
        stdout=log,
        stderr=subprocess.STDOUT,
    )


def send_reminders_by_hand() -> None:
    try:
        call_command("send_reminders", "--date", str(ON))
    finally:
        connections.close_all()


def wait_for(condition, timeout: float, what: str):
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if value := condition():
            return value
        time.sleep(0.2)
    raise AssertionError(f"timed out waiting for {what}")


@pytest.mark.long
@pytest.mark.django_db(transaction=True)
def test_beat_worker_and_smtp_deliver_every_digest_exactly_once(world, tmp_path):
    if settings.DATABASES["default"]["ENGINE"] != "django.db.backends.postgresql":
        pytest.skip("runs on PostgreSQL and Redis (make test)")
    for user in world.users.values():
        user.email = f"{user.username}@example.gov.cn"
        user.save(update_fields=["email"])
    hazard(world, deadline="2020-08-31")
    hazard(world, deadline="2020-08-28", institution=world.other_institution)

    queue = f"portal-{os.environ.get('PYTEST_XDIST_WORKER', 'main')}-mail"
    PeriodicTask.objects.update(enabled=False)
    every_second = IntervalSchedule.objects.create(every=1, period=IntervalSchedule.SECONDS)
    every_3s = IntervalSchedule.objects.create(every=3, period=IntervalSchedule.SECONDS)
    PeriodicTask.objects.create(
        name="test: scan", task="reminders.tasks.daily_scan", interval=every_3s, kwargs=f'{{"on": "{ON}"}}'
    )
    PeriodicTask.objects.create(name="test: recover", task="reminders.tasks.recover", interval=every_second)

    handler = CountingHandler(fail_first=2, hold=True)
    logs = tmp_path / "logs"
    logs.mkdir()
    processes: list[subprocess.Popen] = []
    previous_queue, previous_eager = app.conf.task_default_queue, app.conf.task_always_eager
    app.conf.task_default_queue, app.conf.task_always_eager = queue, False
    try:
        with SMTPServer(handler) as smtp:
            env = worker_env(
                tmp_path,
                queue,
                DJANGO_EMAIL_BACKEND="django.core.mail.backends.smtp.EmailBackend",
                EMAIL_HOST="127.0.0.1",
                EMAIL_PORT=str(smtp.port),
                EMAIL_TIMEOUT="10",
                PORTAL_REMINDER_RECLAIM_MINUTES="0.05",  # 3 s
                PORTAL_REMINDER_RETRY_SECONDS="0.5",
                PORTAL_BASE_URL="https://yanglao.example.gov.cn",
            )
            first = start_worker(queue, f"{queue}-1", env, (logs / "worker-1.log").open("w"))
            processes.append(first)
            processes.append(beat(env, tmp_path, (logs / "beat.log").open("w")))
            # The scan by hand while beat's run is on the worker: two scans of one day at once.
            by_hand = threading.Thread(target=send_reminders_by_hand)
            by_hand.start()
            assert handler.holding.wait(40), "no message reached the SMTP server"
            os.kill(first.pid, signal.SIGKILL)
            first.wait()
            by_hand.join()
            processes.append(start_worker(queue, f"{queue}-2", env, (logs / "worker-2.log").open("w")))

            digests = Digest.objects.filter(on=ON)

            def settled():
                states = set(digests.values_list("state", flat=True))
                return digests.exists() and states == {Digest.State.SENT} and ScanRun.objects.count() >= 3

            wait_for(settled, 40, f"every digest of {ON} sent (logs in {logs})")
            time.sleep(2)  # more beats fire: nothing may be sent again
            for process in processes[1:]:
                stop(process)
    finally:
        app.conf.task_default_queue, app.conf.task_always_eager = previous_queue, previous_eager
        for process in processes:
            if process.poll() is None:
                process.kill()

    expected = {digest.recipient.email for digest in digests.select_related("recipient")}
    assert {"tiedong@example.gov.cn", "kangle@example.gov.cn", "tiexi@example.gov.cn"} <= expected
    assert handler.refused == 2 and handler.held == 1
    received = handler.by_recipient()
    assert set(received) == expected
    assert all(count == 1 for count in received.values()), received
    assert sorted(m.digest for m in handler.received) == sorted(
        str(pk) for pk in digests.values_list("pk", flat=True)
    )
    assert all(m.subject.startswith(f"【养老院服务质量监管平台】{ON:%Y-%m-%d}") for m in handler.received)
    assert set(Delivery.objects.filter(occurrence=ON).values_list("state", flat=True)) == {
        Delivery.State.SENT
    }
    assert ScanRun.objects.filter(on=ON, state=ScanRun.State.DONE).count() >= 3
    # The held digest was claimed by the killed worker, put back by the sweep, sent by the other.
    assert max(digests.values_list("attempts", flat=True)) >= 2
