from django.contrib import admin

from campaign.models import Campaign, InspectionItem, KeyTask, Milestone


class KeyTaskInline(admin.TabularInline):
    model = KeyTask
    extra = 0


@admin.register(Campaign)
class CampaignAdmin(admin.ModelAdmin):
    list_display = ["title", "year", "doc_number", "region"]
    list_filter = ["year"]
    inlines = [KeyTaskInline]


@admin.register(InspectionItem)
class InspectionItemAdmin(admin.ModelAdmin):
    list_display = ["number", "text", "campaign", "level", "answer_kind"]
    list_filter = ["campaign", "level", "answer_kind"]


@admin.register(Milestone)
class MilestoneAdmin(admin.ModelAdmin):
    list_display = ["due_on", "title", "campaign", "level"]
    list_filter = ["campaign", "level"]
    filter_horizontal = ["items"]
