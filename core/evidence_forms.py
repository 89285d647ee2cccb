"""The upload field for evidence files: the browser offers only accepted types, the server checks
each file by content (`core.evidence.validate_upload`) before the form is valid."""

from django import forms
from django.utils.functional import lazy
from django.utils.translation import gettext_lazy as _

from core.evidence import accept_attribute, help_text, validate_upload
from core.forms import BootstrapMixin


class MultipleFileInput(forms.FileInput):
    allow_multiple_selected = True


class EvidenceField(forms.FileField):
    """A file input for one evidence file (or several with `multiple=True`, cleaning to a list).

    `clean` runs `validate_upload`, so a refused file is a field error naming the file. The
    service (`evidence_attach`) checks again: the form is a convenience, not the guard."""

    def __init__(self, *, multiple: bool = False, **kwargs):
        self.multiple = multiple
        widget_class = MultipleFileInput if multiple else forms.FileInput
        kwargs.setdefault("label", _("File"))
        kwargs.setdefault("help_text", lazy(help_text, str)())
        kwargs.setdefault("widget", widget_class(attrs={"accept": accept_attribute()}))
        super().__init__(**kwargs)

    def clean(self, data, initial=None):
        if not self.multiple:
            upload = super().clean(data, initial)
            if upload:
                validate_upload(upload)
            return upload
        uploads = [item for item in (data if isinstance(data, list | tuple) else [data]) if item]
        if not uploads:
            if self.required:
                raise forms.ValidationError(self.error_messages["required"], code="required")
            return []
        cleaned = [super(EvidenceField, self).clean(item, initial) for item in uploads]
        errors = []
        for upload in cleaned:
            try:
                validate_upload(upload)
            except forms.ValidationError as error:
                errors.extend(error.error_list)
        if errors:
            raise forms.ValidationError(errors)
        return cleaned


class EvidenceForm(BootstrapMixin, forms.Form):
    """One evidence file; render it with templates/core/_evidence_upload.html."""

    file = EvidenceField()
