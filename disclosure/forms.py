from django import forms
from django.utils.translation import gettext_lazy as _

from core.forms import BootstrapMixin
from disclosure.models import SupportPolicy, validate_pdf
from disclosure.selectors import REGION_ORDER, manageable_regions

POLICY_FIELDS = ("region", "title", "issuing_body", "issued_on", "url")


class _PolicyFields(forms.ModelForm):
    """The fields, narrowed to the user's regions. A separate base so the narrowing happens before
    BootstrapMixin.__init__ reads `self.errors` (which validates a bound form there and then)."""

    url = forms.URLField(
        label=_("link"),
        required=False,
        max_length=500,
        assume_scheme="https",
        widget=forms.URLInput(attrs={"placeholder": "https://"}),
        help_text=_("Where the policy is published online, if it is."),
    )
    file = forms.FileField(
        label=_("PDF file"),
        required=False,
        widget=forms.FileInput(attrs={"accept": "application/pdf,.pdf"}),
        help_text=_("PDF only, at most 20 MB. Give a link, a file, or both."),
    )
    remove_file = forms.BooleanField(label=_("Remove the current file"), required=False)

    class Meta:
        model = SupportPolicy
        fields = POLICY_FIELDS
        widgets = {"issued_on": forms.DateInput()}

    def __init__(self, *args, user, policy: SupportPolicy | None = None, **kwargs):
        super().__init__(*args, **kwargs)
        self.policy = policy
        self.fields["region"].queryset = manageable_regions(user).order_by(*REGION_ORDER)
        if policy is None or not policy.file:
            del self.fields["remove_file"]


class PolicyForm(BootstrapMixin, _PolicyFields):
    """Input for `services.policy_create` / `policy_update`: the form never saves a policy itself."""

    def clean_file(self):
        upload = self.cleaned_data.get("file")
        if upload:
            validate_pdf(upload)
        return upload

    def clean(self):
        cleaned = super().clean()
        keeps_file = self.policy is not None and self.policy.file and not cleaned.get("remove_file")
        if not cleaned.get("url") and not cleaned.get("file") and not keeps_file and "url" not in self.errors:
            self.add_error("url", _("Give a link to the policy or upload it as a PDF file."))
        return cleaned

    def service_arguments(self) -> dict:
        data = {name: self.cleaned_data[name] for name in POLICY_FIELDS}
        data["file"] = self.cleaned_data.get("file")
        if "remove_file" in self.fields:
            data["remove_file"] = self.cleaned_data["remove_file"]
        return data
