"""The writes of the reminder pages: a user marking their own notifications read, and city staff
editing a rule. (Creating, refreshing and resolving notifications is the scan's: reminders.scan.)"""

from django.core.exceptions import PermissionDenied
from django.db import transaction
from django.utils import timezone

from core.concurrency import save_versioned
from reminders.models import Notification, Rule


def notification_mark_read(*, notification: Notification, by) -> Notification:
    """Mark `by`'s own notification read; a second call changes nothing (the first time stays)."""
    if notification.recipient_id != by.pk:
        raise PermissionDenied
    if notification.read_at is None:
        now = timezone.now()
        Notification.objects.filter(pk=notification.pk, read_at__isnull=True).update(
            read_at=now, updated_at=now
        )
        notification.read_at = now
    return notification


def notifications_mark_all_read(*, by) -> int:
    """Mark every open, unread notification of `by` read; the number marked (0 on a repeat)."""
    now = timezone.now()
    return Notification.objects.filter(recipient=by, resolved_at__isnull=True, read_at__isnull=True).update(
        read_at=now, updated_at=now
    )


@transaction.atomic
def rule_update(*, rule: Rule, expected_version: int, by) -> Rule:
    """Save a rule edited in the portal if nobody saved it since the form was opened (raises
    core.concurrency.ConcurrentEditError otherwise); the history names who changed it."""
    return save_versioned(rule, expected_version=expected_version, by=by)
