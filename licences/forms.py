"""Forms of the licence pages: the licence (with its scans) and the list's filters."""

from django import forms
from django.utils.translation import gettext_lazy as _

from core.evidence_forms import EvidenceField
from core.forms import BootstrapMixin, VersionField
from core.models import Region
from institutions.models import Institution
from licences.models import Kind, Licence, Status


class LicenceForm(BootstrapMixin, forms.ModelForm):
    expected_version = VersionField(required=False)
    scans = EvidenceField(label=_("Scans of the licence"), multiple=True)

    class Meta:
        model = Licence
        fields = ["institution", "kind", "title", "number", "issuer", "valid_from", "valid_to", "note"]
        widgets = {"note": forms.Textarea(attrs={"rows": 2})}

    def __init__(self, *args, user, **kwargs):
        super().__init__(*args, **kwargs)
        institutions = (
            Institution.objects.visible_to(user).select_related("region").order_by("region__sort_key", "name")
        )
        field = self.fields["institution"]
        field.queryset = institutions
        field.label_from_instance = lambda i: f"{i.name}（{i.region.name}）"
        if user.role == "institution" and not self.instance.pk:
            field.initial = user.institution_id
        if self.instance.pk:
            self.fields["expected_version"].initial = self.instance.version
            self.fields["scans"].required = False
            self.fields["scans"].label = _("Further scans")

    def _get_validation_exclusions(self):
        """The service checks duplicates (on the cleaned number) and names the field in Chinese:
        the model's unique constraint is left out of the form's checks."""
        return {*super()._get_validation_exclusions(), "number"}


class FilterForm(BootstrapMixin, forms.Form):
    q = forms.CharField(label=_("Institution or number"), required=False, max_length=64)
    kind = forms.ChoiceField(label=_("Licence kind"), required=False, choices=[("", _("All")), *Kind.choices])
    status = forms.ChoiceField(label=_("Status"), required=False, choices=[("", _("All")), *Status.choices])
    region = forms.ModelChoiceField(
        label=_("Region"), required=False, queryset=Region.objects.none(), empty_label=_("All")
    )

    def __init__(self, *args, user, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["region"].queryset = Region.objects.visible_to(user).county_level()
