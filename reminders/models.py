"""Reminders (issue 12): rules per deadline source, the daily scan's record, the in-app inbox and
the delivery ledger that makes each reminder go out exactly once.

Nothing here says *what* is owed: that is derived each time from the data by one function per
source (`reminders.sources`), so an obligation disappears the moment the work is done. These
tables only remember what was decided and sent:

- `Rule`: how a source reminds (lead times, overdue repeats, escalation, quiet days), one per
  source, edited by city staff;
- `ScanRun`: one row per scanned date (the daily beat, or `manage.py send_reminders --date`);
- `Notification`: a recipient's inbox line for one obligation (source + subject), refreshed by each
  reminder about it, marked read by the user, resolved for every recipient when the work is done;
- `Delivery`: one row per (source, subject, recipient, occurrence date), unique: the exactly-once
  ledger; each is carried by that recipient's `Digest` of the day (one e-mail per user per day),
  which a send task claims with a conditional UPDATE before sending.
"""

from django.conf import settings
from django.db import models
from django.utils.translation import gettext_lazy as _
from simple_history.models import HistoricalRecords

from core.models import TimeStampedModel, VersionedModel


class Source(models.TextChoices):
    """Where obligations come from (reminders.sources has one function per value). Inspections'
    and supervision's deadlines will be new values and functions, not new plumbing."""

    MILESTONE = "milestone", _("Campaign deadlines: items not yet submitted or accepted")
    HAZARD = "hazard", _("Hazard rectification deadlines")
    ANSWER_RETURNED = "answer_returned", _("Answers returned for revision")
    ANSWER_UNREVIEWED = "answer_unreviewed", _("Answers awaiting the city's review")
    SELF_REPORT_RETURNED = "self_report_returned", _("Self-reports returned to the institution")
    REFERRAL_UNREPLIED = "referral_unreplied", _("Referrals awaiting the department's reply")
    # Comprehensive supervision (issue 17): reminders.supervision
    COMPLAINT_DUE = "complaint_due", _("Complaints: handling deadlines")
    INCIDENT_NOTIFICATION = "incident_notification", _("Incident reports: departments not yet told")
    PREPAREDNESS = "preparedness", _("Emergency drills and awareness activities of the half-year")
    LICENCE_EXPIRY = "licence_expiry", _("Licences and certificates expiring or expired")
    QUALIFICATION_EXPIRY = "qualification_expiry", _("Staff qualifications expiring or expired")


class Kind(models.TextChoices):
    """What a reminder says of its due date on the day it is sent."""

    UPCOMING = "upcoming", _("Due soon")
    DUE = "due", _("Due today")
    OVERDUE = "overdue", _("Overdue")
    ESCALATION = "escalation", _("Escalated: still not done")


def default_lead_days() -> list[int]:
    return [7, 3, 1, 0]


class Rule(TimeStampedModel, VersionedModel):
    """How one source reminds. Days are calendar days counted from the due date; a reminder that
    falls on a quiet day (weekend or statutory holiday, chinesecalendar) goes out the working day
    before when `skip_quiet_days` is on."""

    source = models.CharField(_("source"), max_length=32, choices=Source.choices, unique=True)
    enabled = models.BooleanField(_("enabled"), default=True)
    lead_days = models.JSONField(
        _("days before the due date"),
        default=default_lead_days,
        help_text=_("Whole days before the due date on which to remind; 0 is the day itself."),
    )
    overdue_every = models.PositiveSmallIntegerField(
        _("repeat when overdue, every N days"), default=3, help_text=_("0: no repeats after the due date.")
    )
    escalate_after = models.PositiveSmallIntegerField(
        _("escalate N days after the due date"),
        null=True,
        blank=True,
        default=3,
        help_text=_("The city's staff are told, with the list of late units. Empty: never."),
    )
    skip_quiet_days = models.BooleanField(_("move reminders off weekends and holidays"), default=True)
    response_days = models.PositiveSmallIntegerField(
        _("working days to respond"),
        default=5,
        help_text=_(
            "For work without a date of its own (a returned answer, a referral): due this many "
            "working days after it was handed over."
        ),
    )

    history = HistoricalRecords(excluded_fields=["updated_at"])

    class Meta:
        ordering = ["source"]
        verbose_name = _("reminder rule")
        verbose_name_plural = _("reminder rules")

    def __str__(self):
        return self.get_source_display()


class ScanRun(models.Model):
    """One scan of one date: when it ran and what it did (counts per source and kind)."""

    class State(models.TextChoices):
        RUNNING = "running", _("Running")
        DONE = "done", _("Done")
        FAILED = "failed", _("Failed")

    on = models.DateField(_("date scanned"))
    started_at = models.DateTimeField(_("started at"), auto_now_add=True)
    finished_at = models.DateTimeField(_("finished at"), null=True, blank=True)
    state = models.CharField(_("state"), max_length=16, choices=State.choices, default=State.RUNNING)
    counts = models.JSONField(_("counts"), default=dict, blank=True)
    error = models.TextField(_("error"), blank=True)

    class Meta:
        ordering = ["-started_at"]
        verbose_name = _("reminder scan")
        verbose_name_plural = _("reminder scans")

    def __str__(self):
        return f"{self.on:%Y-%m-%d} {self.get_state_display()}"


class Notification(TimeStampedModel):
    """A recipient's inbox line for one obligation (source + subject). Each reminder about it
    refreshes the line (kind, due date, unread again); when the work is done the line is resolved
    for every recipient at once."""

    recipient = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("recipient"),
        on_delete=models.CASCADE,
        related_name="notifications",
    )
    source = models.CharField(_("source"), max_length=32, choices=Source.choices)
    subject = models.CharField(_("subject"), max_length=100)  # e.g. "hazard:17", "milestone:3:region:12"
    kind = models.CharField(_("kind"), max_length=16, choices=Kind.choices)
    title = models.CharField(_("what to do"), max_length=300)
    url = models.CharField(_("link"), max_length=300)
    due_on = models.DateField(_("due on"))
    reminded_on = models.DateField(_("last reminded on"))
    read_at = models.DateTimeField(_("read at"), null=True, blank=True)
    resolved_at = models.DateTimeField(_("resolved at"), null=True, blank=True)

    class Meta:
        ordering = ["resolved_at", "due_on", "pk"]
        verbose_name = _("notification")
        verbose_name_plural = _("notifications")
        constraints = [
            models.UniqueConstraint(
                fields=["recipient", "source", "subject"], name="notification_once_per_obligation"
            )
        ]
        indexes = [
            models.Index(
                fields=["recipient", "read_at"],
                name="notification_unread_idx",
                condition=models.Q(resolved_at__isnull=True),
            ),
            models.Index(fields=["source", "subject"], name="notification_subject_idx"),
        ]

    def __str__(self):
        return self.title


class Digest(models.Model):
    """One e-mail per recipient per day, carrying that day's deliveries. Sent at most once: the send
    task claims it with `UPDATE … WHERE state = 'pending'` (one row changed, or another worker has
    it); a claim left unsent past `PORTAL_REMINDER_RECLAIM_MINUTES` is put back by the recovery sweep."""

    class State(models.TextChoices):
        PENDING = "pending", _("Waiting to be sent")
        SENDING = "sending", _("Being sent")
        SENT = "sent", _("Sent")
        FAILED = "failed", _("Failed")
        SKIPPED = "skipped", _("Not sent by e-mail")  # no address, opted out, or nothing left to say

    recipient = models.ForeignKey(
        settings.AUTH_USER_MODEL, verbose_name=_("recipient"), on_delete=models.CASCADE, related_name="+"
    )
    on = models.DateField(_("date"))
    state = models.CharField(_("state"), max_length=16, choices=State.choices, default=State.PENDING)
    created_at = models.DateTimeField(_("created at"), auto_now_add=True)
    claimed_at = models.DateTimeField(_("claimed at"), null=True, blank=True)
    sent_at = models.DateTimeField(_("sent at"), null=True, blank=True)
    attempts = models.PositiveSmallIntegerField(_("attempts"), default=0)
    error = models.TextField(_("last error"), blank=True)

    class Meta:
        ordering = ["-on", "pk"]
        verbose_name = _("reminder digest")
        verbose_name_plural = _("reminder digests")
        constraints = [models.UniqueConstraint(fields=["recipient", "on"], name="digest_once_per_day")]
        indexes = [models.Index(fields=["state", "claimed_at"], name="digest_state_idx")]

    def __str__(self):
        return f"{self.recipient} {self.on:%Y-%m-%d}"


class Delivery(models.Model):
    """The delivery ledger: one reminder of one obligation to one recipient on one occurrence date,
    unique, so a rerun of the scan, two beats or a redelivered task cannot make a second one."""

    class State(models.TextChoices):
        PENDING = "pending", _("Waiting to be sent")
        SENT = "sent", _("Sent")
        FAILED = "failed", _("Failed")
        RESOLVED = "resolved", _("Not sent: the work was done first")
        SKIPPED = "skipped", _("Not sent by e-mail: in the inbox only")  # its digest was skipped

    source = models.CharField(_("source"), max_length=32, choices=Source.choices)
    subject = models.CharField(_("subject"), max_length=100)
    recipient = models.ForeignKey(
        settings.AUTH_USER_MODEL, verbose_name=_("recipient"), on_delete=models.CASCADE, related_name="+"
    )
    occurrence = models.DateField(_("occurrence"))  # the scan date that decided this reminder
    kind = models.CharField(_("kind"), max_length=16, choices=Kind.choices)
    due_on = models.DateField(_("due on"))
    title = models.CharField(_("what to do"), max_length=300)
    url = models.CharField(_("link"), max_length=300)
    digest = models.ForeignKey(
        Digest,
        verbose_name=_("digest"),
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="deliveries",
    )
    state = models.CharField(_("state"), max_length=16, choices=State.choices, default=State.PENDING)
    created_at = models.DateTimeField(_("created at"), auto_now_add=True)
    sent_at = models.DateTimeField(_("sent at"), null=True, blank=True)

    class Meta:
        ordering = ["occurrence", "due_on", "pk"]
        verbose_name = _("reminder delivery")
        verbose_name_plural = _("reminder deliveries")
        constraints = [
            models.UniqueConstraint(
                fields=["source", "subject", "recipient", "occurrence"], name="delivery_exactly_once"
            )
        ]
        indexes = [models.Index(fields=["state", "occurrence"], name="delivery_state_idx")]

    def __str__(self):
        return f"{self.occurrence:%Y-%m-%d} {self.recipient} {self.title}"
