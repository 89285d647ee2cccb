from django.contrib import admin

from reports.models import SummaryReport, SummaryReportEvent


class SummaryReportEventInline(admin.TabularInline):
    model = SummaryReportEvent
    extra = 0
    can_delete = False
    readonly_fields = ["action", "note", "by", "at"]

    def has_add_permission(self, request, obj=None):
        return False


@admin.register(SummaryReport)
class SummaryReportAdmin(admin.ModelAdmin):
    list_display = ["region", "campaign", "status", "first_submitted_at", "submitted_at", "reviewed_by"]
    list_filter = ["campaign", "status"]
    list_select_related = ["region", "campaign", "reviewed_by"]
    readonly_fields = [
        "status",
        "submitted_by",
        "submitted_at",
        "first_submitted_at",
        "reviewed_by",
        "reviewed_at",
        "return_reason",
        "version",
    ]
    inlines = [SummaryReportEventInline]
