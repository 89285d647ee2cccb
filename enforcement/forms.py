"""Forms of the enforcement pages: the order, its lifting and the list's filters."""

from django import forms
from django.utils.translation import gettext_lazy as _

from core.evidence_forms import EvidenceField
from core.forms import BootstrapMixin, VersionField
from core.models import Region
from core.roles import Department
from core.widgets import ISODateField
from enforcement.models import EnforcementOrder, Kind, Status
from institutions.models import Institution


class OrderForm(BootstrapMixin, forms.ModelForm):
    expected_version = VersionField(required=False)
    document = EvidenceField(label=_("Document of the order"))

    class Meta:
        model = EnforcementOrder
        fields = ["institution", "kind", "department", "issued_on", "ends_on", "document_number", "reason"]
        widgets = {"reason": forms.Textarea(attrs={"rows": 3})}

    def __init__(self, *args, user, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["institution"].queryset = (
            Institution.objects.visible_to(user).select_related("region").order_by("region__sort_key", "name")
        )
        self.fields["institution"].label_from_instance = lambda i: f"{i.name}（{i.region.name}）"
        if self.instance.pk:
            self.fields["expected_version"].initial = self.instance.version
            self.fields["document"].required = False
            self.fields["document"].label = _("A further document")


class LiftForm(BootstrapMixin, forms.Form):
    expected_version = VersionField()
    lifted_on = ISODateField(label=_("Lifted on"))
    lift_note = forms.CharField(
        label=_("Why it is lifted"), widget=forms.Textarea(attrs={"rows": 2}), max_length=2000
    )
    lift_document = EvidenceField(label=_("Document lifting the order"), required=False)


class FilterForm(BootstrapMixin, forms.Form):
    q = forms.CharField(label=_("Institution or document number"), required=False, max_length=64)
    kind = forms.ChoiceField(label=_("Measure"), required=False, choices=[("", _("All")), *Kind.choices])
    status = forms.ChoiceField(label=_("Status"), required=False, choices=[("", _("All")), *Status.choices])
    department = forms.ChoiceField(
        label=_("Department"), required=False, choices=[("", _("All")), *Department.choices]
    )
    region = forms.ModelChoiceField(
        label=_("Region"), required=False, queryset=Region.objects.none(), empty_label=_("All")
    )

    def __init__(self, *args, user, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["region"].queryset = Region.objects.visible_to(user).county_level()
