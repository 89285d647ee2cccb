"""The daily scan: which obligations remind whom today, written to the delivery ledger, the day's
digests and the inbox; and the inbox lines of work done since are resolved for every recipient.

`run_scan(on)` is idempotent and safe to run twice or concurrently: scans take one PostgreSQL
advisory lock (transaction-scoped) so they run one after the other, and every write is a bulk
insert under a unique constraint (`delivery_exactly_once`, `digest_once_per_day`,
`notification_once_per_obligation`) with ON CONFLICT, or an UPDATE conditional on the row's state,
so a second run writes nothing twice even without the lock. It sends nothing and queues nothing:
the caller (the beat task, `manage.py send_reminders`) sends the pending digests afterwards.

When a source reminds (per `Rule`):

- before the due date: ``due − d`` for each d in `lead_days` (0 is the day itself);
- after it: ``due + k·overdue_every`` for k ≥ 1, while the work stays undone;
- the escalation, once: ``due + escalate_after``, to `escalate_to` (the city's staff) who are not
  recipients anyway;
- with `skip_quiet_days`, a planned day that is not a Chinese working day (weekend or statutory
  holiday, make-up Saturdays count as working) moves to the working day before; a day planned
  after the due date is never moved onto or before it (it goes to the first working day after
  instead: "overdue" cannot be said before the deadline has passed).

The kind a reminder carries says where the day it goes out stands to the due date (upcoming, due,
overdue; escalation for the city), so a reminder moved off a holiday says "due soon", not "due
today". Catch-up: the planned days since the last scan that finished (exclusive) up to `on`
(inclusive) count as today, once: after a missed week each obligation reminds its recipients once,
not seven times. With no scan before, only `on` itself.

Queries: a constant number per source and a constant number for the writes, whatever the number
of subjects and recipients (pinned by tests/reminders/test_scan.py).
"""

import datetime
import logging
from collections import Counter

from django.conf import settings
from django.db import connection, transaction
from django.db.models import OuterRef, Subquery
from django.utils import timezone, translation
from django.utils.translation import gettext as _

from core import workdays
from reminders.models import Delivery, Digest, Kind, Notification, Rule, ScanRun
from reminders.obligations import Obligation
from reminders.sources import LONGEST_QUIET, SOURCES

log = logging.getLogger(__name__)

#: A fixed key for pg_advisory_xact_lock: one scan at a time in the whole database.
SCAN_LOCK = 0x7265_6D31  # "rem1"
TITLE_MAX = Delivery._meta.get_field("title").max_length


class _Calendar:
    """Moves planned days off quiet days, remembering each answer for the scan.

    Working days come from `core.workdays`, read afresh once when the scan starts (one query: the
    admin's holiday table as it is tonight). A day of a year neither the table nor chinesecalendar
    knows does not stop the scan: only Saturdays and Sundays count as quiet then (a reminder may go
    out on an unannounced holiday, never on a weekend), the year is logged once per scan, and the
    health page says which year is missing (`core.workdays.missing_next_year`). Due dates are not
    computed here: they never fall back to such a guess."""

    def __init__(self):
        self._kept: dict[tuple[datetime.date, int], datetime.date] = {}
        self._known = workdays.refresh()
        self.unknown_years: set[int] = set()

    def _is_workday(self, day: datetime.date) -> bool:
        try:
            return self._known.is_workday(day)
        except workdays.UnknownCalendarYear:
            if day.year not in self.unknown_years:
                self.unknown_years.add(day.year)
                log.warning("reminders: no holiday calendar for %s, quiet days are weekends only", day.year)
            return day.weekday() < 5

    def working_day(self, day: datetime.date, step: int) -> datetime.date:
        """`day` if it is a working day, else the nearest one before it (step -1) or after (+1)."""
        kept = self._kept.get((day, step))
        if kept is None:
            kept = day
            for _step in range(LONGEST_QUIET * 2):
                if self._is_workday(kept):
                    break
                kept += datetime.timedelta(days=step)
            self._kept[(day, step)] = kept
        return kept


class _Plan:
    """Decides, for one rule, whether a due date reminds within the window (start, on]."""

    def __init__(self, rule: Rule, start: datetime.date, on: datetime.date, calendar: _Calendar):
        self.rule, self.start, self.on, self.calendar = rule, start, on, calendar
        self.leads = sorted({int(d) for d in (rule.lead_days or []) if int(d) >= 0})

    def _sent_on(self, planned: datetime.date, due: datetime.date) -> datetime.date:
        """The day a reminder planned for `planned` goes out: the working day before a quiet day;
        but a reminder planned after the due date (an overdue repeat, the escalation) is never
        moved to the due date or before it (it would say "overdue" too early): when no working day
        lies between, it goes out the first working day after."""
        if not self.rule.skip_quiet_days:
            return planned
        sent = self.calendar.working_day(planned, -1)
        if planned > due and sent <= due:
            sent = self.calendar.working_day(planned, +1)
        return sent

    def _in_window(self, planned: datetime.date, due: datetime.date) -> bool:
        return self.start < self._sent_on(planned, due) <= self.on

    def reminds(self, due: datetime.date) -> bool:
        """A lead-time or overdue reminder of `due` falls within the window."""
        for d in self.leads:
            if self._in_window(due - datetime.timedelta(days=d), due):
                return True
        every = self.rule.overdue_every
        if every:
            # Planned days move by less than LONGEST_QUIET days either way.
            first = max(1, (self.start - datetime.timedelta(days=LONGEST_QUIET) - due).days // every)
            last = (self.on + datetime.timedelta(days=LONGEST_QUIET) - due).days // every
            for k in range(first, last + 1):
                if self._in_window(due + datetime.timedelta(days=k * every), due):
                    return True
        return False

    def escalates(self, due: datetime.date) -> bool:
        after = self.rule.escalate_after
        return after is not None and self._in_window(due + datetime.timedelta(days=after), due)

    def kind(self, due: datetime.date) -> str:
        if self.on < due:
            return Kind.UPCOMING
        return Kind.DUE if self.on == due else Kind.OVERDUE


def _escalation_title(obligation: Obligation) -> str:
    if not obligation.unit:
        return _("Still not done: %(title)s") % {"title": obligation.title}
    return _("Still not done by %(unit)s: %(title)s") % {"unit": obligation.unit, "title": obligation.title}


def _lock() -> None:
    """One scan at a time on PostgreSQL. SQLite (`make run`) has one writer at a time anyway."""
    if connection.vendor != "postgresql":
        return
    with connection.cursor() as cursor:
        cursor.execute("SELECT pg_advisory_xact_lock(%s)", [SCAN_LOCK])


def _window_start(on: datetime.date) -> datetime.date:
    """The exclusive start of the days this scan covers: the last date a scan finished before `on`
    (a missed stretch is caught up once), or the day before `on` when there is none."""
    last = (
        ScanRun.objects.filter(state=ScanRun.State.DONE, on__lt=on)
        .order_by("-on")
        .values_list("on", flat=True)
        .first()
    )
    return last if last is not None else on - datetime.timedelta(days=1)


def _scan(on: datetime.date) -> dict:
    now = timezone.now()
    start = _window_start(on)
    calendar = _Calendar()
    rules = list(Rule.objects.filter(enabled=True).order_by("source"))
    counts: dict = {"window": [start.isoformat(), on.isoformat()], "sources": {}}

    deliveries: dict[tuple[str, str, int], Delivery] = {}
    current: set[tuple[str, str]] = set()
    for rule in rules:
        fn = SOURCES.get(rule.source)
        if fn is None:
            log.warning("reminders: no source function for rule %s", rule.source)
            continue
        plan = _Plan(rule, start, on, calendar)
        obligations = fn(on, rule)
        per_kind: Counter = Counter()
        for ob in obligations:
            current.add((ob.source, ob.subject))
            chosen: list[tuple[int, str, str, str]] = []
            if ob.recipients and plan.reminds(ob.due_on):
                kind = plan.kind(ob.due_on)
                chosen += [(user, kind, ob.title, ob.url) for user in ob.recipients]
            escalated = ob.escalate_to - ob.recipients
            if escalated and plan.escalates(ob.due_on):
                url = getattr(ob, "escalation_url", "") or ob.url
                title = _escalation_title(ob)
                chosen += [(user, Kind.ESCALATION, title, url) for user in escalated]
            for user, kind, title, url in chosen:
                key = (ob.source, ob.subject, user)
                if key in deliveries:  # a source listing a subject twice: remind once
                    continue
                deliveries[key] = Delivery(
                    source=ob.source,
                    subject=ob.subject,
                    recipient_id=user,
                    occurrence=on,
                    kind=kind,
                    due_on=ob.due_on,
                    title=title[:TITLE_MAX],
                    url=url,
                )
                per_kind[kind] += 1
        counts["sources"][rule.source] = {"obligations": len(obligations), **per_kind}
    scanned = [rule.source for rule in rules if rule.source in SOURCES]

    rows = sorted(deliveries.values(), key=lambda d: (d.recipient_id, d.source, d.subject))
    before = Delivery.objects.filter(occurrence=on).count()
    if rows:
        Delivery.objects.bulk_create(rows, ignore_conflicts=True)
        recipients = sorted({d.recipient_id for d in rows})
        Digest.objects.bulk_create([Digest(recipient_id=r, on=on) for r in recipients], ignore_conflicts=True)
        unattached = Delivery.objects.filter(occurrence=on, digest__isnull=True)
        fresh = set(unattached.values_list("recipient_id", flat=True))  # new lines since the last scan
        unattached.update(
            digest_id=Subquery(
                Digest.objects.filter(recipient_id=OuterRef("recipient_id"), on=on).values("pk")[:1]
            )
        )
        # A digest already handled (sent, or skipped) that now carries new lines (work that
        # appeared after the day's first scan) is pending again: its send task mails the new
        # pending lines only.
        reopened = Digest.objects.filter(
            on=on, recipient_id__in=fresh, state__in=[Digest.State.SENT, Digest.State.SKIPPED]
        ).update(state=Digest.State.PENDING)
        counts["digests_reopened"] = reopened
        _notify(rows, on, now)
    counts["new_deliveries"] = Delivery.objects.filter(occurrence=on).count() - before
    # Only the latest day's scan says what is no longer owed: a scan of an earlier day (by hand,
    # `send_reminders --date`) sees that day's obligations, not today's, and must not resolve
    # today's open lines.
    later = ScanRun.objects.filter(state=ScanRun.State.DONE, on__gt=on).exists()
    counts["resolved"] = 0 if later else _resolve(current, scanned, now)
    return counts


def _notify(rows: list[Delivery], on: datetime.date, now: datetime.datetime) -> None:
    """Refresh each recipient's inbox line: unread again, unresolved, with today's kind. A line
    already refreshed by a scan of this day (or a later one) is left alone, so that a rerun does
    not make what the user has read unread again."""
    done_today = set(
        Notification.objects.filter(reminded_on__gte=on).values_list("recipient_id", "source", "subject")
    )
    notes = [
        Notification(
            recipient_id=d.recipient_id,
            source=d.source,
            subject=d.subject,
            kind=d.kind,
            title=d.title,
            url=d.url,
            due_on=d.due_on,
            reminded_on=on,
            read_at=None,
            resolved_at=None,
            created_at=now,
            updated_at=now,
        )
        for d in rows
        if (d.recipient_id, d.source, d.subject) not in done_today
    ]
    if notes:
        Notification.objects.bulk_create(
            notes,
            update_conflicts=True,
            unique_fields=["recipient", "source", "subject"],
            update_fields=[
                "kind",
                "title",
                "url",
                "due_on",
                "reminded_on",
                "read_at",
                "resolved_at",
                "updated_at",
            ],
        )


def _resolve(current: set[tuple[str, str]], scanned: list[str], now: datetime.datetime) -> int:
    """Resolve, for every recipient, the open inbox lines of the scanned sources whose obligation is
    gone, and mark their pending deliveries as not to be sent. Returns the lines resolved."""
    if not scanned:
        return 0
    gone = [
        pk
        for pk, source, subject in Notification.objects.filter(
            resolved_at__isnull=True, source__in=scanned
        ).values_list("pk", "source", "subject")
        if (source, subject) not in current
    ]
    resolved = 0
    if gone:
        resolved = Notification.objects.filter(pk__in=gone, resolved_at__isnull=True).update(
            resolved_at=now, updated_at=now
        )
    stale = [
        pk
        for pk, source, subject in Delivery.objects.filter(
            state=Delivery.State.PENDING, source__in=scanned
        ).values_list("pk", "source", "subject")
        if (source, subject) not in current
    ]
    if stale:
        # Conditional: a delivery a send task has meanwhile taken is not touched.
        Delivery.objects.filter(pk__in=stale, state=Delivery.State.PENDING).update(
            state=Delivery.State.RESOLVED
        )
    return resolved


def run_scan(on: datetime.date) -> ScanRun:
    """Scan `on` (an Asia/Shanghai date): write today's deliveries, digests and inbox lines,
    resolve what was done, and record the run. A failure is recorded (FAILED, with the error) and
    raised again; the writes of a failed scan are rolled back."""
    run = ScanRun.objects.create(on=on)
    try:
        with translation.override(settings.LANGUAGE_CODE), transaction.atomic():
            _lock()
            counts = _scan(on)
    except Exception as exc:
        ScanRun.objects.filter(pk=run.pk).update(
            state=ScanRun.State.FAILED, error=f"{type(exc).__name__}: {exc}", finished_at=timezone.now()
        )
        raise
    run.state, run.counts, run.finished_at = ScanRun.State.DONE, counts, timezone.now()
    run.save(update_fields=["state", "counts", "finished_at"])
    return run
