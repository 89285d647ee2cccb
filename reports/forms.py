from django import forms
from django.utils.text import capfirst
from django.utils.translation import gettext_lazy as _

from core.forms import BootstrapMixin, VersionField
from reports.models import SummaryReport


class SummaryReportForm(BootstrapMixin, forms.Form):
    """The four sections of the notice as large text boxes; none is required to save a draft (the
    service requires all four to submit)."""

    achievements = forms.CharField(required=False, widget=forms.Textarea(attrs={"rows": 12}))
    problems = forms.CharField(required=False, widget=forms.Textarea(attrs={"rows": 8}))
    suggestions = forms.CharField(required=False, widget=forms.Textarea(attrs={"rows": 8}))
    long_term_plan = forms.CharField(required=False, widget=forms.Textarea(attrs={"rows": 8}))
    expected_version = VersionField(required=False)

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        for name in SummaryReport.SECTIONS:
            field = SummaryReport._meta.get_field(name)
            self.fields[name].label = capfirst(field.verbose_name)

    def sections(self) -> dict:
        return {name: self.cleaned_data.get(name, "") for name in SummaryReport.SECTIONS}

    def section_fields(self):
        return [self[name] for name in SummaryReport.SECTIONS]


class ReasonForm(BootstrapMixin, forms.Form):
    reason = forms.CharField(label=_("Reason"), widget=forms.Textarea(attrs={"rows": 3}))
