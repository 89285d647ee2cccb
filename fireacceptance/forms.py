"""The 一事一议 case's form."""

from django import forms
from django.utils.translation import gettext_lazy as _

from core.evidence_forms import EvidenceField
from core.forms import BootstrapMixin, VersionField
from fireacceptance.models import Case
from institutions.models import Institution


class CaseForm(BootstrapMixin, forms.ModelForm):
    expected_version = VersionField(required=False)
    files = EvidenceField(multiple=True, required=False, label=_("Evidence (request, minutes, decision)"))

    class Meta:
        model = Case
        fields = [
            "institution",
            "problem",
            "submitted_to",
            "submitted_on",
            "decided_on",
            "decision",
            "resolved_on",
            "resolution",
        ]
        widgets = {name: forms.Textarea(attrs={"rows": 3}) for name in ("problem", "decision", "resolution")}

    def __init__(self, *args, user, **kwargs):
        super().__init__(*args, **kwargs)
        field = self.fields["institution"]
        field.queryset = (
            Institution.objects.visible_to(user).select_related("region").order_by("region__sort_key", "name")
        )
        field.label_from_instance = lambda i: f"{i.name}（{i.region.name}）"
        if self.instance.pk:
            self.fields["expected_version"].initial = self.instance.version
