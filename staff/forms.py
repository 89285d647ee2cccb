"""Forms of the staff pages: a staff member, a certificate, a training, a ban, and the list's filters.
An identity number is asked for and never put back into a form (a stored one is named by its last
four characters)."""

from django import forms
from django.utils.translation import gettext_lazy as _
from django.utils.translation import pgettext_lazy

from core.evidence_forms import EvidenceField
from core.forms import BootstrapMixin, VersionField
from core.roles import Role as UserRole
from institutions.models import Institution
from staff.models import Ban, Qualification, Role, StaffMember, TrainingRecord


def _id_field(required: bool) -> forms.CharField:
    return forms.CharField(
        label=_("ID number"),
        required=required,
        max_length=40,
        help_text=_("Kept encrypted; pages show the last four characters only."),
        widget=forms.TextInput(attrs={"autocomplete": "off", "inputmode": "text"}),
    )


def _stored(field, instance) -> None:
    if instance.pk and instance.id_tail:
        field.required = False
        field.help_text = _("Stored: ending in %(tail)s. Leave empty to keep it.") % {
            "tail": instance.id_tail
        }


class StaffForm(BootstrapMixin, forms.ModelForm):
    expected_version = VersionField(required=False)
    id_number = _id_field(required=True)

    class Meta:
        model = StaffMember
        fields = ["institution", "name", "role", "hired_on", "left_on", "phone"]

    def __init__(self, *args, user, **kwargs):
        super().__init__(*args, **kwargs)
        if user.role == UserRole.INSTITUTION:
            del self.fields["institution"]  # always the user's own
        else:
            self.fields["institution"].queryset = (
                Institution.objects.visible_to(user)
                .select_related("region")
                .order_by("region__sort_key", "name")
            )
            self.fields["institution"].label_from_instance = lambda i: f"{i.name}（{i.region.name}）"
        self.order_fields(["institution", "name", "id_number", "role", "hired_on", "left_on", "phone"])
        self.fields["phone"].help_text = _("Shown only to the institution and the district's staff.")
        _stored(self.fields["id_number"], self.instance)
        if self.instance.pk:
            self.fields["expected_version"].initial = self.instance.version


class QualificationForm(BootstrapMixin, forms.ModelForm):
    expected_version = VersionField(required=False)

    class Meta:
        model = Qualification
        fields = ["kind", "number", "issuer", "valid_to"]

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        if self.instance.pk:
            self.fields["expected_version"].initial = self.instance.version


class TrainingForm(BootstrapMixin, forms.ModelForm):
    class Meta:
        model = TrainingRecord
        fields = ["held_on", "course", "hours"]


class BanForm(BootstrapMixin, forms.ModelForm):
    expected_version = VersionField(required=False)
    id_number = _id_field(required=True)
    document = EvidenceField(label=_("Decision document"), required=False)

    class Meta:
        model = Ban
        fields = ["name", "decided_on", "until", "document_number", "reason"]
        widgets = {"reason": forms.Textarea(attrs={"rows": 3})}

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.order_fields(
            ["name", "id_number", "decided_on", "until", "document_number", "document", "reason"]
        )
        _stored(self.fields["id_number"], self.instance)
        if self.instance.pk:
            self.fields["expected_version"].initial = self.instance.version
            self.fields["document"].label = _("A further document")


class FilterForm(BootstrapMixin, forms.Form):
    """The staff list's filters (GET); a bad value is reported and ignored. No identity number: a
    number never goes into a URL."""

    FLAGS = (
        ("", _("All")),
        ("banned", _("On the ban list")),
        ("qualification", _("Qualification missing or expired")),
        ("expiring", _("Certificate ending within 30 days")),
        ("left", _("Left")),
    )

    q = forms.CharField(label=pgettext_lazy("person", "Name"), required=False, max_length=64)
    institution = forms.ModelChoiceField(
        label=_("Institution"), required=False, queryset=Institution.objects.none(), empty_label=_("All")
    )
    role = forms.ChoiceField(label=_("Post"), required=False, choices=[("", _("All")), *Role.choices])
    flag = forms.ChoiceField(label=_("Flag"), required=False, choices=FLAGS)

    def __init__(self, *args, user, **kwargs):
        super().__init__(*args, **kwargs)
        if user.role == UserRole.INSTITUTION:
            del self.fields["institution"]
        else:
            self.fields["institution"].queryset = Institution.objects.visible_to(user).order_by("name")
