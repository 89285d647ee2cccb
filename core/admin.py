from django import forms
from django.contrib import admin
from django.db.models import Count, Q
from django.utils.translation import gettext, pgettext_lazy

from core.models import HolidayDay, HolidayYear, Region


@admin.register(Region)
class RegionAdmin(admin.ModelAdmin):
    list_display = ["name", "code", "kind", "parent"]
    list_filter = ["kind"]
    search_fields = ["name", "code"]
    readonly_fields = ["path"]


class HolidayDayFormSet(forms.BaseInlineFormSet):
    """Every day of a year's notice must be a date of that year (also when the year is new and not
    saved yet, which the model's own check cannot see)."""

    def clean(self):
        super().clean()
        year = getattr(self.instance, "year", None)
        if not year:
            return
        for form in self.forms:
            day = form.cleaned_data.get("day") if hasattr(form, "cleaned_data") else None
            if day and not form.cleaned_data.get("DELETE") and day.year != year:
                form.add_error("day", gettext("The date is not in the year %(year)s.") % {"year": year})


class HolidayDayInline(admin.TabularInline):
    model = HolidayDay
    formset = HolidayDayFormSet
    fields = ["day", "name", "is_workday"]
    extra = 3


@admin.register(HolidayYear)
class HolidayYearAdmin(admin.ModelAdmin):
    """A year's statutory holidays and make-up working days as the State Council's notice lists
    them (core.workdays counts working days from them). `manage.py load_holidays` loads the
    published years from core/data/holidays/; the admin enters a new year from its notice."""

    list_display = ["year", "notice", "published_on", "holiday_count", "make_up_count"]
    search_fields = ["notice", "note"]
    inlines = [HolidayDayInline]

    def get_changeform_initial_data(self, request):
        """The warning's link (?year=2027) also fills in the notice's title."""
        initial = super().get_changeform_initial_data(request)
        year = str(initial.get("year") or "")
        if year.isdigit() and not initial.get("notice"):
            initial["notice"] = f"国务院办公厅关于{year}年部分节假日安排的通知"
        return initial

    def get_queryset(self, request):
        return (
            super()
            .get_queryset(request)
            .annotate(
                holidays=Count("days", filter=Q(days__is_workday=False)),
                make_ups=Count("days", filter=Q(days__is_workday=True)),
            )
        )

    @admin.display(description=pgettext_lazy("holiday calendar", "days off"), ordering="holidays")
    def holiday_count(self, obj):
        return obj.holidays

    @admin.display(description=pgettext_lazy("holiday calendar", "make-up working days"), ordering="make_ups")
    def make_up_count(self, obj):
        return obj.make_ups
