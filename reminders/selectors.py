"""Reads for the reminder pages: the inbox, the header's unread count and the health page. Each
runs a fixed number of queries, whatever the number of notifications, deliveries or digests."""

import datetime
from dataclasses import dataclass, field

from django.db.models import Count, DurationField, Exists, ExpressionWrapper, F, Max, OuterRef
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import ngettext, pgettext_lazy

from core import dates, workdays
from reminders.models import Delivery, Digest, Kind, Notification, ScanRun, Source

RESOLVED_SHOWN = 50  # the inbox's "已办结" section lists the latest ones only
HEALTH_DAYS = 14

# The inbox's groups, in the order of urgency: what to do about each line.
OVERDUE, DUE_TODAY, DUE_SOON, ESCALATED = "overdue", "due", "upcoming", "escalation"
GROUPS = (
    (OVERDUE, Kind.OVERDUE.label),
    (DUE_TODAY, Kind.DUE.label),
    (DUE_SOON, Kind.UPCOMING.label),
    (ESCALATED, Kind.ESCALATION.label),
)


def unread_count(user) -> int:
    """Open, unread notifications of `user`: one COUNT on the partial index notification_unread_idx."""
    return Notification.objects.filter(recipient=user, resolved_at__isnull=True, read_at__isnull=True).count()


def group_of(notification: Notification, on: datetime.date) -> str:
    """What to do about an open line today: an escalation stays one (it lists someone else's late
    work); any other line is judged by its due date on `on`, not by the kind it had on the day it was
    last reminded (an "upcoming" of last week may be overdue by now)."""
    if notification.kind == Kind.ESCALATION:
        return ESCALATED
    left = dates.days_left(notification.due_on, on)
    return OVERDUE if left < 0 else DUE_TODAY if left == 0 else DUE_SOON


def countdown_text(due_on: datetime.date, on: datetime.date) -> str:
    """ "还剩 5 天（3 个工作日）", "今天到期", "已逾期 2 天"."""
    left = dates.days_left(due_on, on)
    if left < 0:
        return ngettext("%(days)s day overdue", "%(days)s days overdue", -left) % {"days": -left}
    if left == 0:
        return _("Due today")
    text = ngettext("%(days)s day left", "%(days)s days left", left) % {"days": left}
    working = dates.working_days_left(due_on, on)
    if working is not None:
        text += ngettext(" (%(n)s working day)", " (%(n)s working days)", working) % {"n": working}
    return text


@dataclass
class InboxItem:
    notification: Notification
    group: str
    countdown: str
    resolved: bool  # resolved_at is set, or the work is no longer owed (the scan will record it)

    @property
    def unread(self) -> bool:
        return self.notification.read_at is None and not self.resolved


@dataclass
class Inbox:
    groups: list[tuple[str, str, list[InboxItem]]] = field(default_factory=list)  # (key, label, items)
    resolved: list[InboxItem] = field(default_factory=list)
    open_count: int = 0
    unread: int = 0  # of the lines still owed
    header_unread: int = 0  # open and unread, as the header's count (reminders.context_processors)


def still_owed_pairs(pairs: set[tuple[str, str]], on: datetime.date) -> set[tuple[str, str]]:
    """The (source, subject) pairs among `pairs` still owed on `on`: reminders.sources answers, a
    constant number of queries per source, writing nothing."""
    if not pairs:
        return set()
    from reminders.sources import still_owed

    return set(still_owed(pairs, on))


def inbox(user, on: datetime.date | None = None) -> Inbox:
    """`user`'s notifications: the open ones grouped by what to do (the nearest due date first),
    then the latest resolved ones. An open line whose work is already done shows as resolved at
    once; recording that (resolved_at) is the scan's job, a page only reads."""
    on = on or dates.today()
    mine = Notification.objects.filter(recipient=user)
    open_ = list(mine.filter(resolved_at__isnull=True).order_by("due_on", "pk"))
    header_unread = sum(1 for n in open_ if n.read_at is None)  # what the header counts
    owed = still_owed_pairs({(n.source, n.subject) for n in open_}, on)
    done_now = [n for n in open_ if (n.source, n.subject) not in owed]
    open_ = [n for n in open_ if (n.source, n.subject) in owed]
    resolved = done_now + list(
        mine.filter(resolved_at__isnull=False).order_by("-resolved_at", "-pk")[:RESOLVED_SHOWN]
    )

    result = Inbox(
        open_count=len(open_), unread=sum(1 for n in open_ if n.read_at is None), header_unread=header_unread
    )
    items = [InboxItem(n, group_of(n, on), countdown_text(n.due_on, on), False) for n in open_]
    for key, label in GROUPS:
        members = [item for item in items if item.group == key]
        if members:
            result.groups.append((key, label, members))
    result.resolved = [InboxItem(n, group_of(n, on), "", True) for n in resolved[:RESOLVED_SHOWN]]
    return result


def duration_text(delta: datetime.timedelta | None) -> str:
    """ "2 天 3 小时", "3 小时 5 分钟", "4 分钟" (whole minutes, rounded down); "—" for none."""
    if delta is None:
        return "—"
    minutes = max(int(delta.total_seconds() // 60), 0)
    days, rest = divmod(minutes, 24 * 60)
    hours, minutes = divmod(rest, 60)
    if days:
        return _("%(days)s d %(hours)s h") % {"days": days, "hours": hours}
    if hours:
        return _("%(hours)s h %(minutes)s min") % {"hours": hours, "minutes": minutes}
    return _("%(minutes)s min") % {"minutes": minutes}


# The health page -----------------------------------------------------------------------------


def _dwell():
    return ExpressionWrapper(F("sent_at") - F("created_at"), output_field=DurationField())


def health(now: datetime.datetime | None = None) -> dict:
    """What the city's staff and the admin check: is the scan running, is anything stuck, was any
    reminder sent about work already done, is a year's holiday calendar missing (`holidays_missing_year`,
    core.workdays.missing_next_year: no query once the holiday table is kept in the process). Eight
    queries whatever the size of the tables."""
    now = now or timezone.now()
    today = dates.today()
    since = today - datetime.timedelta(days=HEALTH_DAYS - 1)

    last_scan = ScanRun.objects.order_by("-started_at", "-pk").first()

    per_day = {
        since + datetime.timedelta(days=n): dict.fromkeys(Delivery.State.values, 0)
        for n in range(HEALTH_DAYS)
    }
    for row in (
        Delivery.objects.filter(occurrence__gte=since, occurrence__lte=today)
        .order_by()
        .values("occurrence", "state")
        .annotate(n=Count("*"))
    ):
        per_day[row["occurrence"]][row["state"]] = row["n"]
    days = [{"on": day, **counts} for day, counts in sorted(per_day.items(), reverse=True)]

    digest_counts = dict.fromkeys(Digest.State.values, 0)
    for row in Digest.objects.order_by().values("state").annotate(n=Count("*")):
        digest_counts[row["state"]] = row["n"]
    digests = [(value, label, digest_counts[value]) for value, label in Digest.State.choices]

    oldest = (
        Digest.objects.filter(state__in=[Digest.State.PENDING, Digest.State.SENDING])
        .select_related("recipient")
        .order_by("created_at", "pk")
        .first()
    )

    sent = Delivery.objects.filter(state=Delivery.State.SENT, sent_at__isnull=False, occurrence__gte=since)
    dwell = sent.annotate(dwell=_dwell())
    stats = dwell.aggregate(n=Count("pk"), longest=Max("dwell"))
    median = None
    if stats["n"]:
        middle = dwell.order_by("dwell", "pk").values_list("dwell", flat=True)
        median = middle[(stats["n"] - 1) // 2]

    done_first = Notification.objects.filter(
        recipient=OuterRef("recipient"),
        source=OuterRef("source"),
        subject=OuterRef("subject"),
        resolved_at__lt=OuterRef("sent_at"),
    )
    sent_after_done = (
        Delivery.objects.filter(state=Delivery.State.SENT, sent_at__isnull=False)
        .filter(Exists(done_first))
        .count()
    )

    return {
        "now": now,
        # A year whose holidays nobody knows, from 1 December (core.workdays): no query.
        "holidays_missing_year": workdays.missing_next_year(today),
        "last_scan": last_scan,
        "scan_counts": flatten_counts(last_scan.counts) if last_scan else [],
        "scan_age": (now - last_scan.started_at) if last_scan else None,
        "days": days,
        "states": [(value, label, STATE_HEADS.get(value, label)) for value, label in Delivery.State.choices],
        "digests": digests,
        "oldest": oldest,
        "oldest_age": (now - oldest.created_at) if oldest else None,
        "dwell_count": stats["n"],
        "dwell_median": median,
        "dwell_max": stats["longest"],
        "sent_after_done": sent_after_done,
        "since": since,
    }


#: The scan's count keys (reminders.scan) as the health page names them; "sources" only groups.
COUNT_NAMES = {
    "sources": None,
    "window": pgettext_lazy("reminder scan", "Days covered"),
    "obligations": pgettext_lazy("reminder scan", "Obligations"),
    "new_deliveries": pgettext_lazy("reminder scan", "New reminders"),
    "resolved": pgettext_lazy("reminder scan", "Lines resolved"),
    "digests_reopened": pgettext_lazy("reminder scan", "E-mails to send again"),
}

#: Short column heads of the health page's per-day table (the full label is their title).
STATE_HEADS = {
    Delivery.State.PENDING: pgettext_lazy("reminder state", "Pending"),
    Delivery.State.SENT: pgettext_lazy("reminder state", "Sent"),
    Delivery.State.FAILED: pgettext_lazy("reminder state", "Failed"),
    Delivery.State.RESOLVED: pgettext_lazy("reminder state", "Done first"),
    Delivery.State.SKIPPED: pgettext_lazy("reminder state", "Inbox only"),
}


def flatten_counts(counts, prefix: str = "") -> list[tuple[str, object]]:
    """A scan's counts (a JSON object, maybe nested: per source, per kind) as (label, value) lines,
    every key named in the site's language: ("隐患整改时限 · 逾期", 5), ("扫描日期", "2026-11-30 至
    2026-12-01")."""
    if not isinstance(counts, dict):
        return [(prefix, counts)] if prefix else []
    names = {**dict(Source.choices), **dict(Kind.choices), **COUNT_NAMES}
    lines = []
    for key, value in counts.items():
        name = names.get(key, key)
        label = prefix if name is None else (f"{prefix} · {name}" if prefix else str(name))
        if isinstance(value, dict):
            lines.extend(flatten_counts(value, label))
        elif isinstance(value, (list, tuple)):
            lines.append((label, _("%(start)s to %(end)s") % {"start": value[0], "end": value[-1]}))
        else:
            lines.append((label, value))
    return lines
