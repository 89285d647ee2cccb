"""Form helpers shared by every app: Bootstrap classes, and the version field for concurrent edits."""

import datetime

from django import forms
from django.core.exceptions import ValidationError
from django.utils.translation import gettext_lazy as _

from core import dates


class BootstrapMixin:
    """Give every widget Bootstrap's class, and mark invalid fields."""

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        for field in self.fields.values():
            widget = field.widget
            if isinstance(widget, forms.CheckboxInput):
                css = "form-check-input"
            elif isinstance(widget, forms.Select | forms.SelectMultiple):
                css = "form-select"
            else:
                css = "form-control"
            widget.attrs["class"] = f"{widget.attrs.get('class', '')} {css}".strip()
            if isinstance(widget, forms.DateInput):
                widget.input_type = "date"
                widget.format = "%Y-%m-%d"

    def full_clean(self):
        # Mark invalid fields after validation (reading self.errors in __init__ would validate the
        # form before a subclass narrows its querysets).
        super().full_clean()
        for name in self.errors:
            if name in self.fields:
                widget = self.fields[name].widget
                if "is-invalid" not in widget.attrs.get("class", ""):
                    widget.attrs["class"] = f"{widget.attrs.get('class', '')} is-invalid".strip()


class VersionField(forms.IntegerField):
    """The version of the row the form was opened on (see core.concurrency)."""

    widget = forms.HiddenInput

    def __init__(self, **kwargs):
        super().__init__(min_value=1, **kwargs)


def add_errors(form: forms.Form, error: ValidationError) -> None:
    """Put a service's ValidationError on the form: on its fields where the form has them, else
    at the top of the form."""
    if hasattr(error, "error_dict"):
        for name, messages in error.message_dict.items():
            form.add_error(name if name in form.fields else None, messages)
    else:
        form.add_error(None, error)


#: The earliest measuring date a figures page accepts.
EARLIEST_MEASURING_DATE = datetime.date(2000, 1, 1)


class AsOfForm(forms.Form):
    """The measuring date of a figures page or a printed output (`?as_of=YYYY-MM-DD`, issue 13):
    empty or today means now (cleaned to None); a future date or one before 2000 is refused with a
    Chinese sentence naming the field."""

    as_of = forms.DateField(
        label=_("Measuring date"),
        required=False,
        widget=forms.DateInput(attrs={"type": "date", "class": "form-control form-control-sm"}),
    )

    def clean_as_of(self):
        day = self.cleaned_data["as_of"]
        if day is None:
            return None
        if day > dates.today():
            raise forms.ValidationError(_("The measuring date cannot be in the future."))
        if day < EARLIEST_MEASURING_DATE:
            raise forms.ValidationError(_("The measuring date must be in 2000 or later."))
        return None if day == dates.today() else day
