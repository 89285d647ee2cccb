"""The administrator's view of incidents and drills (read and correct; pages are the normal way)."""

from django.contrib import admin

from emergencies.models import Drill, Incident, IncidentNotification


class NotificationInline(admin.TabularInline):
    model = IncidentNotification
    extra = 0
    readonly_fields = ("recipient", "department", "due_at")


@admin.register(Incident)
class IncidentAdmin(admin.ModelAdmin):
    list_display = ("institution", "kind", "occurred_at", "closed_at")
    list_filter = ("kind",)
    raw_id_fields = ("institution", "recorded_by", "closed_by")
    inlines = [NotificationInline]


@admin.register(Drill)
class DrillAdmin(admin.ModelAdmin):
    list_display = ("institution", "kind", "topic", "held_on", "participants")
    list_filter = ("kind", "topic")
    raw_id_fields = ("institution", "recorded_by")
