"""Celery tasks of the reminders: the daily scan (beat), one send task per digest, the recovery sweep.

- `daily_scan` (beat, the periodic task "reminders: daily scan", 08:00 Asia/Shanghai by default):
  `reminders.scan.run_scan(today)` writes the day's deliveries, digests and inbox lines, then one
  `send_digest` is queued per digest of that day still waiting to be sent (after the commit). It
  carries no ETA: a day missed while beat was down is caught up by the one run beat makes when it
  comes back (or by `manage.py send_reminders --date`), never replayed per missed day.
- `send_digest(digest_id)` claims the digest with `UPDATE … WHERE state = 'pending'` (0 rows: another
  worker has it, or it is done: nothing to do), drops the reminders whose work is done by now
  (`reminders.sources.still_owed`; their deliveries become *resolved*), and sends one e-mail.
  An SMTP failure puts the digest back to *pending* and retries with exponential back-off (at most
  10 minutes, far below the broker's visibility timeout); after the last retry it is *failed*.
- `recover` (beat, every 5 minutes): a digest claimed longer than PORTAL_REMINDER_RECLAIM_MINUTES
  ago and still *sending* (its worker was killed mid-send) goes back to *pending*; those and the
  pending digests whose message was lost are queued again. The claim makes a second message harmless.

Every task acknowledges late and is rejected (so redelivered) when its worker dies: a killed worker
loses nothing, and the claim makes a redelivered task send nothing twice.
"""

from __future__ import annotations

import datetime
import logging
import smtplib

from celery import shared_task
from django.conf import settings
from django.db import transaction
from django.db.models import F, Q
from django.utils import timezone
from django.utils.dateparse import parse_date

from core import dates
from reminders.models import Delivery, Digest

logger = logging.getLogger(__name__)

RETRIES = 5
# Seconds; the broker's visibility timeout (CELERY_BROKER_TRANSPORT_OPTIONS) is far longer.
MAX_COUNTDOWN = 600
RELIABLE = {"acks_late": True, "reject_on_worker_lost": True, "ignore_result": True}


def retry_countdown(retries: int) -> float:
    """Seconds before retry number `retries` + 1: 1, 2, 4, 8, 16 × PORTAL_REMINDER_RETRY_SECONDS,
    capped at 10 minutes."""
    return min(settings.PORTAL_REMINDER_RETRY_SECONDS * 2**retries, MAX_COUNTDOWN)


def queue_digests(ids: list[int]) -> list[int]:
    """Queue one send task per digest once the current transaction commits (at once outside one)."""
    ids = list(ids)
    if ids:
        transaction.on_commit(lambda: [send_digest.delay(pk) for pk in ids])
    return ids


def scan_and_queue(on: datetime.date):
    """The daily scan of `on` and the sending of its digests (beat, and `manage.py send_reminders`).
    Returns the ScanRun and the ids of the digests queued."""
    from reminders.scan import run_scan

    run = run_scan(on)
    pending = Digest.objects.filter(on=on, state=Digest.State.PENDING).order_by("pk")
    return run, queue_digests(pending.values_list("pk", flat=True))


@shared_task(name="reminders.tasks.daily_scan", **RELIABLE)
def daily_scan(on: str | None = None) -> dict:
    """Scan `on` (YYYY-MM-DD; default today in Asia/Shanghai) and queue the day's digests."""
    day = parse_date(on) if on else dates.today()
    if day is None:
        raise ValueError(f"not a date: {on!r}")
    run, queued = scan_and_queue(day)
    logger.info("reminder scan of %s: run %s, %s digests queued", day, run.pk, len(queued))
    return {"scan": run.pk, "queued": len(queued)}


# Sending -------------------------------------------------------------------------------------------------


def owed_deliveries(digest: Digest) -> list[Delivery]:
    """The digest's pending deliveries whose work is still owed; the others become resolved (the
    work was done between the scan and now), so the mail never asks for finished work."""
    pending = list(digest.deliveries.filter(state=Delivery.State.PENDING))
    if not pending:
        return []
    from reminders.sources import still_owed

    owed = still_owed({(d.source, d.subject) for d in pending}, digest.on)
    done = [d.pk for d in pending if (d.source, d.subject) not in owed]
    if done:
        Delivery.objects.filter(pk__in=done, state=Delivery.State.PENDING).update(
            state=Delivery.State.RESOLVED
        )
    return [d for d in pending if (d.source, d.subject) in owed]


def skip_reason(recipient, deliveries: list[Delivery]) -> str:
    """Why no e-mail goes out (the inbox has the reminders anyway); empty when one does."""
    if not deliveries:
        return "事项均已办结，无需发送"
    if not recipient.is_active:
        return "账号已停用"
    if not recipient.reminder_email:
        return "用户已关闭邮件提醒"
    if not recipient.email:
        return "用户没有邮箱地址"
    return ""


def claim(digest_id: int) -> datetime.datetime | None:
    """Take the digest for sending: one row changed, or None (someone else has it, or it is done)."""
    now = timezone.now()
    changed = Digest.objects.filter(pk=digest_id, state=Digest.State.PENDING).update(
        state=Digest.State.SENDING, claimed_at=now, attempts=F("attempts") + 1
    )
    return now if changed == 1 else None


@shared_task(bind=True, name="reminders.tasks.send_digest", max_retries=RETRIES, **RELIABLE)
def send_digest(self, digest_id: int) -> str:
    """Send one digest at most once (see the module's docstring). Returns what happened."""
    from reminders.digest import build_message

    with transaction.atomic():
        if claim(digest_id) is None:
            return "not pending"
        digest = Digest.objects.select_related("recipient").get(pk=digest_id)
        deliveries = owed_deliveries(digest)
        reason = skip_reason(digest.recipient, deliveries)
        if reason:
            Digest.objects.filter(pk=digest_id).update(state=Digest.State.SKIPPED, error=reason)
            # The inbox has them; the health page's "pending" counts only what may still be mailed.
            Delivery.objects.filter(pk__in=[d.pk for d in deliveries], state=Delivery.State.PENDING).update(
                state=Delivery.State.SKIPPED
            )
            return "skipped"
    message = build_message(digest, deliveries, on=digest.on)
    try:
        message.send()
    except (smtplib.SMTPException, OSError) as exc:
        return _failed(self, digest, deliveries, exc)
    sent_at = timezone.now()
    with transaction.atomic():
        # Also from pending: had the sweep reclaimed it meanwhile, the mail has gone all the same.
        Digest.objects.filter(pk=digest_id, state__in=[Digest.State.SENDING, Digest.State.PENDING]).update(
            state=Digest.State.SENT, sent_at=sent_at, error=""
        )
        Delivery.objects.filter(pk__in=[d.pk for d in deliveries]).update(
            state=Delivery.State.SENT, sent_at=sent_at
        )
    return "sent"


def _failed(task, digest: Digest, deliveries: list[Delivery], exc: Exception) -> str:
    error = f"{type(exc).__name__}: {exc}"[:2000]
    permanent = isinstance(exc, smtplib.SMTPRecipientsRefused)
    if permanent or task.request.retries >= task.max_retries:
        logger.error("reminder digest %s failed: %s", digest.pk, error)
        with transaction.atomic():
            Digest.objects.filter(pk=digest.pk, state=Digest.State.SENDING).update(
                state=Digest.State.FAILED, error=error
            )
            Delivery.objects.filter(pk__in=[d.pk for d in deliveries], state=Delivery.State.PENDING).update(
                state=Delivery.State.FAILED
            )
        return "failed"
    countdown = retry_countdown(task.request.retries)
    logger.warning("reminder digest %s: %s; retry in %s s", digest.pk, error, countdown)
    Digest.objects.filter(pk=digest.pk, state=Digest.State.SENDING).update(
        state=Digest.State.PENDING, error=error
    )
    raise task.retry(exc=exc, countdown=countdown)


# Recovery ------------------------------------------------------------------------------------------------


@shared_task(name="reminders.tasks.recover", **RELIABLE)
def recover() -> list[int]:
    """Put back digests claimed and left unsent, and queue again every digest waiting longer than
    PORTAL_REMINDER_RECLAIM_MINUTES (retries wait at most 10 minutes, so a digest waiting for its
    retry is left alone with the default 15). Returns the ids queued."""
    limit = timezone.now() - datetime.timedelta(minutes=settings.PORTAL_REMINDER_RECLAIM_MINUTES)
    stuck = Digest.objects.filter(state=Digest.State.SENDING, claimed_at__lt=limit)
    for pk in stuck.values_list("pk", flat=True):
        reclaimed = Digest.objects.filter(pk=pk, state=Digest.State.SENDING, claimed_at__lt=limit).update(
            state=Digest.State.PENDING, error="发送中断（进程退出），已重新排队"
        )
        if reclaimed:
            logger.warning("reminder digest %s was claimed before %s and not sent: queued again", pk, limit)
    waiting = Digest.objects.filter(state=Digest.State.PENDING).filter(
        Q(claimed_at__lt=limit) | Q(claimed_at__isnull=True, created_at__lt=limit)
    )
    return queue_digests(waiting.order_by("pk").values_list("pk", flat=True))
