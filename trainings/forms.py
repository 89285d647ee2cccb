"""The training session's form."""

from django import forms
from django.utils.translation import gettext_lazy as _

from core.evidence_forms import EvidenceField
from core.forms import BootstrapMixin, VersionField
from institutions.models import Institution
from trainings.models import Training


class TrainingForm(BootstrapMixin, forms.ModelForm):
    expected_version = VersionField(required=False)
    files = EvidenceField(multiple=True, required=False, label=_("Evidence (sign-in sheet, photos)"))

    class Meta:
        model = Training
        fields = ["held_on", "kind", "title", "participants", "hours", "institutions", "note"]
        widgets = {
            "note": forms.Textarea(attrs={"rows": 3}),
            "institutions": forms.SelectMultiple(attrs={"size": 6}),
        }

    def __init__(self, *args, user, **kwargs):
        super().__init__(*args, **kwargs)
        field = self.fields["institutions"]
        field.queryset = (
            Institution.objects.visible_to(user).select_related("region").order_by("region__sort_key", "name")
        )
        field.label_from_instance = lambda i: f"{i.name}（{i.region.name}）"
        self.fields["participants"].min_value = 1
        self.fields["participants"].error_messages.update(
            {
                "invalid": _("Participants: enter a whole number."),
                "min_value": _("Participants: enter a number of at least 1."),
            }
        )
        self.fields["hours"].error_messages.update({"invalid": _("Hours: enter a number such as 4 or 2.5.")})
        if self.instance.pk:
            self.fields["expected_version"].initial = self.instance.version
