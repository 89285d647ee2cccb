import django_filters
from django.db.models import Count, Q
from django.utils.translation import gettext_lazy as _

from core.filters import ChoiceFilter, ModelChoiceFilter, OrderingFilter, hide_region_from_one_region_readers
from core.models import Region
from institutions import uscc
from institutions.models import (
    Area,
    FilingStatus,
    FireSafetyStatus,
    Institution,
    LegalPersonStatus,
    MedicalMode,
    Nature,
    OperatingStatus,
    RegistrationForm,
    SelfReport,
)


class YesNoFilter(ChoiceFilter):
    """是 / 否 with an empty choice meaning "either"."""

    def __init__(self, *args, **kwargs):
        super().__init__(*args, choices=(("yes", _("Yes")), ("no", _("No"))), **kwargs)

    def filter(self, qs, value):
        if value in ("yes", "no"):
            return qs.filter(**{self.field_name: value == "yes"})
        return qs


def visible_regions(request):
    if request is None:
        return Region.objects.none()
    return Region.objects.visible_to(request.user).county_level()


class InstitutionFilter(django_filters.FilterSet):
    q = django_filters.CharFilter(label=_("Name or credit code"), method="search")
    region = ModelChoiceFilter(label=_("Region"), queryset=visible_regions)
    nature = ChoiceFilter(label=_("Operating nature"), choices=Nature.choices)
    registration_form = ChoiceFilter(label=_("Registration form"), choices=RegistrationForm.choices)
    filing_status = ChoiceFilter(label=_("Filing status"), choices=FilingStatus.choices)
    operating_status = ChoiceFilter(label=_("Operating status"), choices=OperatingStatus.choices)
    operating = ChoiceFilter(
        label=_("Counted in the indicators"),
        choices=(("yes", _("Yes")), ("no", _("No"))),
        method="filter_operating",
    )
    is_special_hardship = YesNoFilter(label=_("Special-hardship facility"))
    area = ChoiceFilter(label=_("Urban or rural"), choices=Area.choices)
    legal_person_status = ChoiceFilter(
        label=_("Legal-person registration"), choices=LegalPersonStatus.choices
    )
    medical_mode = ChoiceFilter(label=_("Medical services"), choices=MedicalMode.choices)
    gb38600_compliant = YesNoFilter(label=_("Meets GB 38600"))
    fire_safety_status = ChoiceFilter(label=_("Fire-safety upgrade"), choices=FireSafetyStatus.choices)
    star_rating = ChoiceFilter(
        label=_("Star rating"), choices=[(0, _("Not rated"))] + [(n, f"{n} ★") for n in range(1, 6)]
    )
    ordering = OrderingFilter(
        label=_("Sort by"),
        fields=(
            ("name", "name"),
            ("region__sort_key", "region"),
            ("beds", "beds"),
            ("nursing_beds", "nursing_beds"),
            ("residents", "residents"),
            ("star_rating", "star_rating"),
            ("updated_at", "updated_at"),
        ),
        field_labels={
            "name": _("Name"),
            "region__sort_key": _("Region"),
            "beds": _("Beds"),
            "nursing_beds": _("Nursing-type beds"),
            "residents": _("Residents"),
            "star_rating": _("Star rating"),
            "updated_at": _("Last change"),
        },
    )

    class Meta:
        model = Institution
        fields: list[str] = []

    def filter_operating(self, queryset, name, value):
        """The indicators' population (`Institution.objects.operating()`) or everything outside it."""
        operating = queryset.operating()
        if value == "yes":
            return operating
        if value == "no":
            return queryset.exclude(pk__in=operating.values("pk"))
        return queryset

    def search(self, queryset, name, value):
        value = value.strip()
        code = uscc.normalize(value)
        return queryset.filter(
            Q(name__icontains=value) | Q(credit_code__startswith=code) if code else Q(name__icontains=value)
        )

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        for field in self.form.fields.values():
            css = (
                "form-select form-select-sm" if hasattr(field, "choices") else "form-control form-control-sm"
            )
            field.widget.attrs["class"] = css
        hide_region_from_one_region_readers(self)


class SelfReportFilter(django_filters.FilterSet):
    """The self-report review list's one filter: the status (drafts are the institution's own and
    never listed). Without a status the list shows those awaiting review (`self_reports_listed`)."""

    status = ChoiceFilter(label=_("Status"), choices=SelfReport.Status.choices[1:])

    class Meta:
        model = SelfReport
        fields: list[str] = []


SELF_REPORTS_DEFAULT_STATUS = SelfReport.Status.SUBMITTED


def self_reports_listed(user, params=None):
    """(filterset, queryset) of the self-report review list for `params` (a QueryDict or dict; no
    status means "submitted, awaiting review"; a status the form refuses filters nothing): the
    list's rows and the home page's "to review" count both come from here."""
    data = params.copy() if params is not None else {}
    data.setdefault("status", SELF_REPORTS_DEFAULT_STATUS)
    queryset = SelfReport.objects.visible_to(user).exclude(status=SelfReport.Status.DRAFT)
    filterset = SelfReportFilter(data, queryset=queryset)
    return filterset, filterset.qs


def self_report_status_tabs(user) -> list[tuple[str, str, int]]:
    """(status, label, count) for each status tab of the self-report review list
    (institutions:self_report_list), counted over the list's own rows (`self_reports_listed`'s
    starting rows: visible, not drafts) in one GROUP BY query, so each tab's number is what clicking
    it shows (issue 15 item 5)."""
    rows = (
        SelfReport.objects.visible_to(user)
        .exclude(status=SelfReport.Status.DRAFT)
        .order_by()
        .values("status")
        .annotate(n=Count("pk"))
    )
    counts = {row["status"]: row["n"] for row in rows}
    return [(value, label, counts.get(value, 0)) for value, label in SelfReport.Status.choices[1:]]
