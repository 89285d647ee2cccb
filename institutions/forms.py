from django import forms
from django.utils.translation import gettext_lazy as _

from core.forms import BootstrapMixin, VersionField
from core.models import Region
from institutions.models import EXTENSION_FIELDS, RISK_FIELDS, SELF_REPORT_FIELDS, Institution, Nature

# The record form, in the order a district clerk reads an institution's file.
FIELDSETS = (
    (_("Identity"), ("name", "credit_code", "region", "address", "legal_representative", "phone")),
    (
        _("Registration and filing"),
        ("nature", "registration_form", "filing_status", "filed_on", "unfiled_found_on", "operating_status"),
    ),
    (
        _("Special-hardship support facility"),
        (
            "is_special_hardship",
            "area",
            "legal_person_status",
            "parent",
            "legal_code_entered",
            "legal_code_entered_on",
        ),
    ),
    (
        _("Beds and residents"),
        ("beds", "nursing_beds", "residents", "disabled_residents", "semi_disabled_residents"),
    ),
    (_("Medical care and services to nearby elders"), ("medical_mode", "integrated_care", *EXTENSION_FIELDS)),
    (
        _("Standards"),
        (
            "star_rating",
            "star_rated_on",
            *RISK_FIELDS,
            "gb38600_compliant",
            "risk_assessed_on",
            "quality_norm_compliant",
        ),
    ),
    (
        _("Fire-safety upgrade (privately run only)"),
        ("fire_safety_status", "fire_gov_funds", "fire_own_funds"),
    ),
    (_("National information system"), ("national_data_updated_on", "notes")),
)
FORM_FIELDS = [name for _legend, names in FIELDSETS for name in names]


class InstitutionForm(BootstrapMixin, forms.ModelForm):
    """The record form. The credit code is normalised before any check (``CreditCodeField``; the
    input has no ``maxlength``); the tick box confirming a code whose check character fails GB 32100
    is shown only when that is the code's one problem, or the record already carries it."""

    expected_version = VersionField(required=False)

    class Meta:
        model = Institution
        fields = [*FORM_FIELDS, "credit_code_confirmed"]
        widgets = {
            "filed_on": forms.DateInput(),
            "unfiled_found_on": forms.DateInput(),
            "star_rated_on": forms.DateInput(),
            "risk_assessed_on": forms.DateInput(),
            "national_data_updated_on": forms.DateInput(),
            "legal_code_entered_on": forms.DateInput(),
            "notes": forms.Textarea(attrs={"rows": 3}),
            "star_rating": forms.Select(choices=[(0, _("Not rated"))] + [(n, f"{n} ★") for n in range(1, 6)]),
        }

    def __init__(self, *args, user, **kwargs):
        super().__init__(*args, **kwargs)
        self.instance.checked_for = user  # messages name only institutions the user may see
        self.fields["region"].queryset = Region.objects.visible_to(user).county_level()
        heads = Institution.objects.visible_to(user).filter(parent__isnull=True, is_special_hardship=True)
        if self.instance.pk:
            heads = heads.exclude(pk=self.instance.pk)
        self.fields["parent"].queryset = heads.select_related("region")
        if self.instance.pk:
            self.fields["expected_version"].initial = self.instance.version

    @property
    def show_code_confirmation(self) -> bool:
        if self.instance.pk and self.instance.credit_code_confirmed and not self.is_bound:
            return True
        if not self.is_bound:
            return False
        if self.data.get(self.add_prefix("credit_code_confirmed")):
            return True
        codes = {error.code for error in self.errors.as_data().get("credit_code", [])}
        return "check_digit" in codes

    def fieldsets(self):
        rows = []
        for legend, names in FIELDSETS:
            fields = [self[name] for name in names]
            if "credit_code" in names and self.show_code_confirmation:
                fields.insert(names.index("credit_code") + 1, self["credit_code_confirmed"])
            rows.append((legend, fields))
        return rows


class SelfReportForm(BootstrapMixin, forms.ModelForm):
    """The institution's own figures; saved into a SelfReport, never into the record directly."""

    class Meta:
        model = Institution
        fields = list(SELF_REPORT_FIELDS)

    def __init__(self, *args, institution: Institution, **kwargs):
        super().__init__(*args, **kwargs)
        if institution.nature != Nature.PRIVATE:
            del self.fields["fire_safety_status"]

    def _post_clean(self):
        # Cross-field rules run in the service against the whole record, not on this partial form.
        pass

    def values(self) -> dict:
        return {name: self.cleaned_data[name] for name in self.fields}

    def groups(self):
        beds = ["beds", "nursing_beds", "residents", "disabled_residents", "semi_disabled_residents"]
        care = ["medical_mode", "integrated_care", *EXTENSION_FIELDS]
        standards = [*RISK_FIELDS, "fire_safety_status"]
        return [
            (legend, [self[name] for name in names if name in self.fields])
            for legend, names in (
                (_("Beds and residents"), beds),
                (_("Medical care and services to nearby elders"), care),
                (_("GB 38600 self-assessment and fire safety"), standards),
            )
        ]


class ReturnForm(BootstrapMixin, forms.Form):
    reason = forms.CharField(label=_("Reason for return"), widget=forms.Textarea(attrs={"rows": 3}))
