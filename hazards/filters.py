"""The ledger's filters, shared by the list, the three lists and the Excel export."""

import datetime

import django_filters
from django import forms
from django.db.models import Case, Exists, OuterRef, Q, Value, When
from django.template.loader import render_to_string
from django.utils.choices import BaseChoiceIterator
from django.utils.safestring import mark_safe
from django.utils.translation import gettext_lazy as _

from core import dates
from core.filters import (
    ChoiceFilter,
    DateFilter,
    ModelChoiceFilter,
    OrderingFilter,
    hide_region_from_one_region_readers,
)
from core.roles import Department, Role
from hazards.models import CATEGORIES, Hazard, Referral, Severity, Source, Status
from institutions import uscc
from institutions.filters import YesNoFilter, visible_regions
from institutions.models import Institution


def visible_hazards(user):
    """The hazards `user` may see, deleted ones left out: every hazard list and count starts here."""
    return Hazard.objects.visible_to(user).live()


#: At most this many institutions are offered in the institution filter's list at a time; typing
#: part of a name (or the start of a credit code) narrows it. A province holds ~5,000.
INSTITUTION_CHOICES = 20


def visible_institutions(request):
    """What the institution filter accepts (checked by primary key: one look-up, never listed)."""
    if request is None:
        return Institution.objects.none()
    return Institution.objects.visible_to(request.user).only("pk", "name").order_by("name")


def institution_search(value: str, prefix: str = "") -> Q:
    """Institutions whose name contains `value` or whose credit code starts with it (`prefix`:
    the lookup to the institution, e.g. "institution__")."""
    value = (value or "").strip()
    if not value:
        return Q()
    code = uscc.normalize(value)
    by_name = Q(**{f"{prefix}name__icontains": value})
    return by_name | Q(**{f"{prefix}credit_code__startswith": code}) if code else by_name


def _int(value) -> int | None:
    try:
        return int(value)
    except (TypeError, ValueError):
        return None


def institution_choices(request, data, keep_selected=True) -> list:
    """The institution filter's choices, in one query: the visible institutions matching the typed
    text (`institution_name`; all when empty) inside the chosen region, the first
    INSTITUTION_CHOICES by name, plus the chosen institution itself when `keep_selected` (the page
    shows what filters it). More matches than shown end in a disabled "type more" line."""
    matching = institution_search(data.get("institution_name", ""))
    region = _int(data.get("region"))
    if region is not None:
        matching &= Q(region_id=region)
    selected = _int(data.get("institution")) if keep_selected else None
    wanted = matching | Q(pk=selected) if selected is not None else matching
    rows = list(
        Institution.objects.visible_to(request.user)
        .filter(wanted)
        .annotate(chosen=Case(When(pk=selected, then=Value(0)), default=Value(1)))
        .order_by("chosen", "name", "pk")
        .values_list("pk", "name", "chosen")[: INSTITUTION_CHOICES + 2]
    )
    chosen = [row for row in rows if row[2] == 0]
    others = [row for row in rows if row[2] == 1]
    shown = sorted(chosen + others[:INSTITUTION_CHOICES], key=lambda row: (row[1], row[0]))
    choices = [(pk, name) for pk, name, _chosen in shown]
    if len(others) > INSTITUTION_CHOICES:
        choices.append(("more", _("… type part of a name to find more")))
    return choices


class LazyChoices(BaseChoiceIterator):
    """Choices fetched when the form is rendered, once: a filter set built only to filter (the
    ledger's counts) runs no query for them."""

    def __init__(self, build):
        self.build = build
        self.fetched = None

    def __iter__(self):
        if self.fetched is None:
            self.fetched = list(self.build())
        return iter(self.fetched)


class InstitutionSearchInput(forms.TextInput):
    """The institution filter's type-ahead: a text field (name or credit code) that, with htmx,
    refreshes the institution list below it as the user types; without JavaScript it is a
    filter of its own and the list shows its matches after submitting."""

    input_type = "search"
    template_name = "hazards/widgets/institution_search.html"

    def _render(self, template_name, context, renderer=None):
        # The project's template engine, so the template can use {% url %} and sits with the
        # other templates (the htmx element guard reads them).
        return mark_safe(render_to_string(template_name, context))


class InstitutionSelect(forms.Select):
    """The institution filter's list: only the choices `institution_choices` gives (never every
    visible institution); "more" is shown disabled."""

    def create_option(self, name, value, label, selected, index, subindex=None, attrs=None):
        option = super().create_option(name, value, label, selected, index, subindex, attrs)
        if str(value) == "more":
            option["attrs"]["disabled"] = True
        return option


class HazardFilter(django_filters.FilterSet):
    q = django_filters.CharFilter(label=_("Search"), method="search")
    region = ModelChoiceFilter(label=_("Region"), queryset=visible_regions)
    institution_name = django_filters.CharFilter(
        label=_("Find an institution"), method="filter_institution_name", widget=InstitutionSearchInput
    )
    institution = ModelChoiceFilter(
        label=_("Institution"), queryset=visible_institutions, widget=InstitutionSelect
    )
    category = ChoiceFilter(label=_("Category"), choices=CATEGORIES)
    severity = ChoiceFilter(label=_("Severity"), choices=Severity.choices)
    source = ChoiceFilter(label=_("Source"), choices=Source.choices)
    status = ChoiceFilter(label=_("Status"), choices=Status.choices)
    overdue = YesNoFilter(label=_("Overdue"), method="filter_overdue")
    due_within = django_filters.NumberFilter(
        label=_("Due within (days)"), method="filter_due_within", min_value=0, max_value=3650
    )
    is_listed = YesNoFilter(label=_("Listed supervision"))
    is_major_fire = YesNoFilter(label=_("Major fire hazard"))
    department = ChoiceFilter(
        label=_("Referred to"), choices=Department.choices, field_name="referrals__department"
    )
    unreplied = YesNoFilter(label=_("Written notice awaiting reply"), method="filter_unreplied")
    found_from = DateFilter(label=_("Found from"), field_name="found_on", lookup_expr="gte")
    found_to = DateFilter(label=_("Found until"), field_name="found_on", lookup_expr="lte")
    deadline_from = DateFilter(label=_("Deadline from"), field_name="deadline", lookup_expr="gte")
    deadline_to = DateFilter(label=_("Deadline until"), field_name="deadline", lookup_expr="lte")
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

    def __init__(self, *args, keep_selected=True, on=None, **kwargs):
        super().__init__(*args, **kwargs)
        #: The day "overdue" and "due within" count from: today (Asia/Shanghai) unless given.
        self.on = on
        for field in self.form.fields.values():
            css = (
                "form-select form-select-sm" if hasattr(field, "choices") else "form-control form-control-sm"
            )
            field.widget.attrs["class"] = css
        hide_region_from_one_region_readers(self)
        self.form.fields["institution_name"].widget.attrs.update(
            placeholder=_("Name or credit code"), autocomplete="off"
        )
        institution = self.form.fields["institution"]
        request, data = self.request, self.data
        institution.widget.choices = LazyChoices(
            lambda: [
                ("", institution.empty_label),
                *(institution_choices(request, data, keep_selected) if request is not None else []),
            ]
        )

    def filter_institution_name(self, queryset, name, value):
        value = value.strip()
        if not value:
            return queryset
        return queryset.filter(institution_search(value, prefix="institution__"))

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
            return queryset.overdue(on=self.on)
        if value == "no":
            return queryset.exclude(pk__in=queryset.overdue(on=self.on).values("pk"))
        return queryset

    def filter_due_within(self, queryset, name, value):
        """Open hazards whose deadline falls between today and today + N days (inclusive)."""
        if value is None:
            return queryset
        today = self.on or dates.today()
        return queryset.filter(
            deadline__gte=today, deadline__lte=today + datetime.timedelta(days=int(value))
        ).exclude(status=Status.CLOSED)

    def filter_unreplied(self, queryset, name, value):
        """Hazards with a written notice (书面告知) the department has not replied to yet: for a
        department's staff, their own department's notice; with the "referred to" filter, that
        department's; otherwise any department's. EXISTS, so no hazard is listed (or counted) twice."""
        waiting = Referral.objects.filter(hazard=OuterRef("pk"), replied_on__isnull=True)
        user = getattr(self.request, "user", None)
        department = self.form.cleaned_data.get("department")
        if user is not None and user.role == Role.DEPARTMENT:
            waiting = waiting.filter(department=user.department)
        elif department:
            waiting = waiting.filter(department=department)
        if value == "yes":
            return queryset.filter(Exists(waiting))
        if value == "no":
            return queryset.exclude(Exists(waiting))
        return queryset


def filtered_hazards(request, queryset, ignore=(), on=None):
    """(filterset, queryset) for the request's filters, leaving out those named in `ignore`; the
    queryset unchanged when no filter is given. `on`: the day overdue is counted from (today)."""
    params = request.GET.copy()
    for name in ("page", "fragment", *ignore):
        params.pop(name, None)
    filterset = HazardFilter(params or None, queryset=queryset, request=request, on=on)
    return filterset, (filterset.qs if filterset.is_bound else queryset)
