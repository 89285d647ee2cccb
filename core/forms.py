"""Form helpers shared by every app: Bootstrap classes, and the version field for concurrent edits."""

import datetime

from django import forms
from django.core.exceptions import ValidationError
from django.utils.choices import BlankChoiceIterator
from django.utils.translation import gettext_lazy as _

from core import dates
from core.widgets import ISODateField, ISODateInput, portalize_fields

#: Django's label of a select's empty choice, replaced by `CHOOSE` in the portal's forms.
BLANK_LABEL = "---------"
CHOOSE = _("Choose…")


def choose_label(field) -> None:
    """A select's empty choice reads "请选择" instead of Django's "---------" (a model choice field's
    empty label, or the blank choice a model field's choices get)."""
    if isinstance(field, forms.ModelChoiceField):
        if field.empty_label == BLANK_LABEL:
            field.empty_label = CHOOSE
    elif isinstance(field, forms.ChoiceField) and isinstance(field.choices, BlankChoiceIterator):
        # A model field's choices with Django's blank choice put in front lazily (Django 5).
        blank = [
            (value, CHOOSE if label == BLANK_LABEL else label) for value, label in field.choices.blank_choice
        ]
        field.choices = BlankChoiceIterator(field.choices.choices, blank)
    elif isinstance(field, forms.ChoiceField) and isinstance(field.choices, list):
        choices = field.choices
        if any(label == BLANK_LABEL for _value, label in choices):
            field.choices = [
                (value, CHOOSE if value in ("", None) and label == BLANK_LABEL else label)
                for value, label in choices
            ]


class BootstrapMixin:
    """Give every widget Bootstrap's class, and mark invalid fields. Dates are typed as YYYY-MM-DD
    and files chosen with a Chinese button whatever the browser's language (core.widgets), and a
    select's empty choice reads "请选择"."""

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        portalize_fields(self.fields)
        for field in self.fields.values():
            choose_label(field)
            widget = field.widget
            if isinstance(widget, forms.CheckboxInput | forms.CheckboxSelectMultiple | forms.RadioSelect):
                css = "form-check-input"
            elif isinstance(widget, forms.Select | forms.SelectMultiple):
                css = "form-select"
            else:
                css = "form-control"
            widget.attrs["class"] = f"{widget.attrs.get('class', '')} {css}".strip()

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

    as_of = ISODateField(
        label=_("Measuring date"),
        required=False,
        widget=ISODateInput(attrs={"class": "form-control form-control-sm"}),
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
