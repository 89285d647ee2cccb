"""The reminders in the Django admin: rules (with their history; the portal's rules page is the
everyday place to change them) and read-only lists of scans, notifications, digests and deliveries."""

from django.contrib import admin
from simple_history.admin import SimpleHistoryAdmin

from core.concurrency import save_versioned
from reminders.models import Delivery, Digest, Notification, Rule, ScanRun


@admin.register(Rule)
class RuleAdmin(SimpleHistoryAdmin):
    list_display = [
        "source",
        "enabled",
        "lead_days",
        "overdue_every",
        "escalate_after",
        "skip_quiet_days",
        "response_days",
        "version",
        "updated_at",
    ]
    list_filter = ["enabled", "skip_quiet_days"]
    readonly_fields = ["source", "version", "created_at", "updated_at"]

    def has_add_permission(self, request):
        return False  # one rule per source, created by the migration

    def has_delete_permission(self, request, obj=None):
        return False

    def save_model(self, request, obj, form, change):
        # Bump the version, so that a rules page opened before this save is refused, not obeyed.
        current = Rule.objects.only("version").get(pk=obj.pk).version
        save_versioned(obj, expected_version=current, by=request.user)


class ReadOnlyAdmin(admin.ModelAdmin):
    """Written by the scan and the send tasks only: the admin lists and shows, never edits."""

    def has_add_permission(self, request):
        return False

    def has_change_permission(self, request, obj=None):
        return False

    def has_delete_permission(self, request, obj=None):
        return False


@admin.register(ScanRun)
class ScanRunAdmin(ReadOnlyAdmin):
    list_display = ["on", "state", "started_at", "finished_at"]
    list_filter = ["state"]
    date_hierarchy = "on"


@admin.register(Notification)
class NotificationAdmin(ReadOnlyAdmin):
    list_display = ["title", "recipient", "source", "kind", "due_on", "reminded_on", "read_at", "resolved_at"]
    list_filter = [
        "source",
        "kind",
        ("read_at", admin.EmptyFieldListFilter),
        ("resolved_at", admin.EmptyFieldListFilter),
    ]
    search_fields = ["title", "subject", "recipient__username", "recipient__full_name"]
    list_select_related = ["recipient"]
    date_hierarchy = "due_on"


@admin.register(Digest)
class DigestAdmin(ReadOnlyAdmin):
    list_display = ["recipient", "on", "state", "attempts", "claimed_at", "sent_at"]
    list_filter = ["state", "on"]
    search_fields = ["recipient__username", "recipient__full_name", "recipient__email"]
    list_select_related = ["recipient"]
    date_hierarchy = "on"


@admin.register(Delivery)
class DeliveryAdmin(ReadOnlyAdmin):
    list_display = ["occurrence", "recipient", "source", "kind", "due_on", "title", "state", "sent_at"]
    list_filter = ["state", "source", "kind", "occurrence"]
    search_fields = ["title", "subject", "recipient__username", "recipient__full_name"]
    list_select_related = ["recipient"]
    date_hierarchy = "occurrence"
