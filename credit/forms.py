"""Forms of the credit pages: the record (created and edited) and the list's filters."""

from django import forms
from django.utils.translation import gettext_lazy as _

from core.evidence_forms import EvidenceField
from core.forms import BootstrapMixin, VersionField
from core.models import Region
from credit.models import CreditRecord, Kind, Source, Subject
from institutions.fields import CreditCodeFormField
from institutions.models import Institution


class CreditRecordForm(BootstrapMixin, forms.ModelForm):
    """A credit record: the institution (optional: the code is what counts), the code, whose record
    it is, the decision and its document. The ID number is asked for, never shown again."""

    expected_version = VersionField(required=False)
    id_number = forms.CharField(
        label=_("ID number of the person"),
        required=False,
        max_length=40,
        help_text=_("Only a key for matching and the last four characters are kept, never the number."),
    )
    document = EvidenceField(label=_("Decision document"))

    class Meta:
        model = CreditRecord
        fields = [
            "institution",
            "credit_code",
            "region",
            "kind",
            "source",
            "subject",
            "person_name",
            "decided_on",
            "expires_on",
            "document_number",
            "reason",
        ]
        field_classes = {"credit_code": CreditCodeFormField}
        widgets = {"reason": forms.Textarea(attrs={"rows": 3})}

    def __init__(self, *args, user, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["institution"].queryset = (
            Institution.objects.visible_to(user).select_related("region").order_by("region__sort_key", "name")
        )
        self.fields["institution"].label_from_instance = lambda i: f"{i.name}（{i.region.name}）"
        self.fields["institution"].help_text = _("Optional: the record is kept under the credit code.")
        self.fields["credit_code"].required = False
        self.fields["credit_code"].help_text = _("Taken from the institution when left empty.")
        self.fields["region"].required = False
        self.fields["region"].queryset = Region.objects.visible_to(user).county_level()
        self.fields["region"].help_text = _("Only for a code not in the registry.")
        self.fields["person_name"].required = False
        self.order_fields([*self.Meta.fields[:6], "person_name", "id_number"])
        if self.instance.pk:
            self.fields["expected_version"].initial = self.instance.version
            self.fields["document"].required = False
            self.fields["document"].label = _("A further document")
            if self.instance.person_id_tail:
                self.fields["id_number"].help_text = _(
                    "Stored: ending in %(tail)s. Leave empty to keep it."
                ) % {"tail": self.instance.person_id_tail}


class FilterForm(BootstrapMixin, forms.Form):
    """The list's filters (GET); a bad value is reported and ignored."""

    STATUS_CHOICES = (("", _("All")), ("in_force", _("In force today")), ("expired", _("Expired")))

    q = forms.CharField(label=_("Name, credit code or person"), required=False, max_length=64)
    kind = forms.ChoiceField(
        label=_("Kind of record"), required=False, choices=[("", _("All")), *Kind.choices]
    )
    subject = forms.ChoiceField(
        label=_("Whose record"), required=False, choices=[("", _("All")), *Subject.choices]
    )
    source = forms.ChoiceField(
        label=_("Decided by"), required=False, choices=[("", _("All")), *Source.choices]
    )
    status = forms.ChoiceField(label=_("Status"), required=False, choices=STATUS_CHOICES)
    region = forms.ModelChoiceField(
        label=_("Region"), required=False, queryset=Region.objects.none(), empty_label=_("All")
    )

    def __init__(self, *args, user, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["region"].queryset = Region.objects.visible_to(user).county_level()
