"""The ledger's filters, shared by the list, the three lists and the Excel export."""

import datetime

import django_filters
from django import forms
from django.db.models import Q
from django.utils.translation import gettext_lazy as _

from core import dates
from core.filters import OrderingFilter
from core.roles import Department
from hazards.models import CATEGORIES, Hazard, Severity, Source, Status
from institutions.filters import YesNoFilter, visible_regions
from institutions.models import Institution


def visible_institutions(request):
    if request is None:
        return Institution.objects.none()
    return Institution.objects.visible_to(request.user).only("pk", "name").order_by("name")


class DateInput(forms.DateInput):
    input_type = "date"

    def __init__(self, attrs=None):
        super().__init__(attrs, format="%Y-%m-%d")


class HazardFilter(django_filters.FilterSet):
    q = django_filters.CharFilter(label=_("Search"), method="search")
    region = django_filters.ModelChoiceFilter(label=_("Region"), queryset=visible_regions)
    institution = django_filters.ModelChoiceFilter(label=_("Institution"), queryset=visible_institutions)
    category = django_filters.ChoiceFilter(label=_("Category"), choices=CATEGORIES)
    severity = django_filters.ChoiceFilter(label=_("Severity"), choices=Severity.choices)
    source = django_filters.ChoiceFilter(label=_("Source"), choices=Source.choices)
    status = django_filters.ChoiceFilter(label=_("Status"), choices=Status.choices)
    overdue = YesNoFilter(label=_("Overdue"), method="filter_overdue")
    due_within = django_filters.NumberFilter(
        label=_("Due within (days)"), method="filter_due_within", min_value=0, max_value=3650
    )
    is_listed = YesNoFilter(label=_("Listed supervision"))
    is_major_fire = YesNoFilter(label=_("Major fire hazard"))
    department = django_filters.ChoiceFilter(
        label=_("Referred to"), choices=Department.choices, field_name="referrals__department"
    )
    found_from = django_filters.DateFilter(
        label=_("Found from"), field_name="found_on", lookup_expr="gte", widget=DateInput
    )
    found_to = django_filters.DateFilter(
        label=_("Found until"), field_name="found_on", lookup_expr="lte", widget=DateInput
    )
    deadline_from = django_filters.DateFilter(
        label=_("Deadline from"), field_name="deadline", lookup_expr="gte", widget=DateInput
    )
    deadline_to = django_filters.DateFilter(
        label=_("Deadline until"), field_name="deadline", lookup_expr="lte", widget=DateInput
    )
    ordering = OrderingFilter(
        label=_("Sort by"),
        fields=(
            ("deadline", "deadline"),
            ("found_on", "found_on"),
            ("code", "code"),
            ("institution__name", "institution"),
            ("severity", "severity"),
            ("status", "status"),
            ("updated_at", "updated_at"),
        ),
        field_labels={
            "deadline": _("Deadline"),
            "found_on": _("Found on"),
            "code": _("Ledger number"),
            "institution__name": _("Institution"),
            "severity": _("Severity"),
            "status": _("Status"),
            "updated_at": _("Last change"),
        },
    )

    class Meta:
        model = Hazard
        fields: list[str] = []

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        for field in self.form.fields.values():
            css = (
                "form-select form-select-sm" if hasattr(field, "choices") else "form-control form-control-sm"
            )
            field.widget.attrs["class"] = css

    def search(self, queryset, name, value):
        value = value.strip()
        if not value:
            return queryset
        return queryset.filter(
            Q(code__icontains=value)
            | Q(description__icontains=value)
            | Q(measures__icontains=value)
            | Q(institution__name__icontains=value)
            | Q(responsible_unit__icontains=value)
            | Q(responsible_person__icontains=value)
        )

    def filter_overdue(self, queryset, name, value):
        if value == "yes":
            return queryset.overdue()
        if value == "no":
            return queryset.exclude(pk__in=queryset.overdue().values("pk"))
        return queryset

    def filter_due_within(self, queryset, name, value):
        """Open hazards whose deadline falls between today and today + N days (inclusive)."""
        if value is None:
            return queryset
        today = dates.today()
        return queryset.filter(
            deadline__gte=today, deadline__lte=today + datetime.timedelta(days=int(value))
        ).exclude(status=Status.CLOSED)


def filtered_hazards(request, queryset, ignore=()):
    """(filterset, queryset) for the request's filters, leaving out those named in `ignore`; the
    queryset unchanged when no filter is given."""
    params = request.GET.copy()
    for name in ("page", "fragment", *ignore):
        params.pop(name, None)
    filterset = HazardFilter(params or None, queryset=queryset, request=request)
    return filterset, (filterset.qs if filterset.is_bound else queryset)
