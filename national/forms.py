"""The upload form: the export and the tolerance options saved with the run."""

from django import forms
from django.utils.translation import gettext_lazy as _

from core.widgets import PortalFileInput


class UploadForm(forms.Form):
    file = forms.FileField(
        label=_("National system export (.xlsx)"),
        # the portal's picker: 选择文件 / 未选择文件 whatever the browser's language
        widget=PortalFileInput(attrs={"accept": ".xlsx"}),
    )
    beds_tolerance = forms.IntegerField(
        label=_("Beds may differ by (beds)"),
        min_value=0,
        max_value=10000,
        initial=0,
        required=False,
        widget=forms.NumberInput(attrs={"class": "form-control"}),
    )
    beds_tolerance_percent = forms.IntegerField(
        label=_("Beds may differ by (%)"),
        min_value=0,
        max_value=100,
        initial=0,
        required=False,
        widget=forms.NumberInput(attrs={"class": "form-control"}),
    )
    ignore_area_granularity = forms.BooleanField(
        label=_("Ignore the area code's granularity (6 or 12 digits)"),
        initial=True,
        required=False,
        widget=forms.CheckboxInput(attrs={"class": "form-check-input"}),
    )
