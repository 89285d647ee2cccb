from django import forms
from django.utils.translation import gettext_lazy as _

from core.evidence_forms import EvidenceField
from core.forms import BootstrapMixin, VersionField
from core.roles import Department
from hazards.labels import institution_labeller
from hazards.models import Hazard
from institutions.models import Institution

# The record form, in the order of the ledger's columns.
FIELDSETS = (
    (
        _("Hazard"),
        ("institution", "category", "severity", "source", "found_on", "description"),
    ),
    (
        _("Rectification task"),
        ("measures", "responsible_unit", "responsible_person", "responsible_phone", "deadline"),
    ),
    (
        _("Major fire hazard and listed supervision"),
        (
            "is_major_fire",
            "major_determined_by",
            "major_determined_on",
            "is_listed",
            "listed_by",
            "listed_on",
        ),
    ),
)
FORM_FIELDS = [name for _legend, names in FIELDSETS for name in names]
WIDE_FIELDS = {"description", "measures"}


class HazardForm(BootstrapMixin, forms.ModelForm):
    expected_version = VersionField(required=False)

    class Meta:
        model = Hazard
        fields = FORM_FIELDS
        widgets = {
            "found_on": forms.DateInput(),
            "deadline": forms.DateInput(),
            "major_determined_on": forms.DateInput(),
            "listed_on": forms.DateInput(),
            "description": forms.Textarea(attrs={"rows": 3}),
            "measures": forms.Textarea(attrs={"rows": 3}),
        }

    photos = EvidenceField(
        multiple=True,
        required=False,
        label=_("Photos before rectification"),
    )

    def __init__(self, *args, user, **kwargs):
        super().__init__(*args, **kwargs)
        institutions = (
            Institution.objects.visible_to(user).select_related("region").order_by("region__sort_key", "name")
        )
        self.fields["institution"].queryset = institutions
        self.fields["institution"].label_from_instance = institution_labeller(user)
        if self.instance.pk:
            # Files are added on the hazard's page once it is recorded.
            del self.fields["photos"]
            self.fields["expected_version"].initial = self.instance.version
            # The deadline changes through its own step, which keeps the original and a reason.
            self.fields["deadline"].disabled = True
            self.fields["deadline"].help_text = _("Use “Change deadline” on the hazard's page.")

    def fieldsets(self):
        return [(legend, [self[name] for name in names]) for legend, names in FIELDSETS]


class TransitionForm(BootstrapMixin, forms.Form):
    """One workflow step on the hazard's page (`services.TRANSITIONS[action]`): the version the page
    was opened on and, for a step that needs a note, one box with the step's own label (核查意见 to
    close, 退回理由 to return) and its own message when left empty. Ids carry the action, so the
    page's several step forms do not share an id."""

    note = forms.CharField(required=False, widget=forms.Textarea(attrs={"rows": 2}))
    expected_version = VersionField(required=False)

    def __init__(self, *args, transition=None, **kwargs):
        if transition is not None:
            kwargs.setdefault("auto_id", f"id_{transition.action}_%s")
        super().__init__(*args, **kwargs)
        self.transition = transition
        if transition is None or not transition.needs_note:
            self.fields["note"].label = _("Note")
            return
        note = self.fields["note"]
        note.required = True
        note.label = transition.note_label
        note.error_messages["required"] = transition.note_missing


class ExtendForm(BootstrapMixin, forms.Form):
    new_deadline = forms.DateField(label=_("New deadline"), widget=forms.DateInput())
    reason = forms.CharField(label=_("Reason for the change"), max_length=255)
    expected_version = VersionField()


class EvidenceUploadForm(BootstrapMixin, forms.Form):
    purpose = forms.ChoiceField(
        label=_("The file shows"),
        choices=(("before", _("Before rectification")), ("after", _("After rectification"))),
    )
    file = EvidenceField()


class ReferralForm(BootstrapMixin, forms.Form):
    department = forms.ChoiceField(label=_("Department"), choices=Department.choices)
    referred_on = forms.DateField(label=_("Notified on"), widget=forms.DateInput())
    note = forms.CharField(
        label=_("What is asked of the department"), required=False, widget=forms.Textarea(attrs={"rows": 2})
    )
    notice = EvidenceField(label=_("Written notice (scan or document)"))


class ReplyForm(BootstrapMixin, forms.Form):
    reply = forms.CharField(label=_("Reply"), widget=forms.Textarea(attrs={"rows": 3}))
    replied_on = forms.DateField(label=_("Replied on"), widget=forms.DateInput())
    attachment = EvidenceField(label=_("Written reply (optional)"), required=False)


class DeleteForm(BootstrapMixin, forms.Form):
    reason = forms.CharField(label=_("Reason for deletion"), max_length=255)
