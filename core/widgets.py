"""The portal's date and file inputs: the same on every page, whatever the browser's language.

A browser draws `<input type="date">` and `<input type="file">` in its own language: an office PC
set up in English shows "mm/dd/yyyy" and "Choose File / No file chosen" on a Chinese page. The
portal's date input is therefore a text input that asks for YYYY-MM-DD (`ISODateInput`, cleaned by
`ISODateField`), and its file input is the native input hidden behind a Chinese button and the
chosen file names (`PortalFileInput`, updated by static/js/portal.js).

`portalize_fields` puts both on a form's fields: `core.forms.BootstrapMixin` calls it, so every
portal form has them without naming them.
"""

import re
import unicodedata

from django import forms
from django.template.loader import render_to_string
from django.utils.safestring import mark_safe
from django.utils.translation import gettext
from django.utils.translation import gettext_lazy as _

#: What the server reads, after `normalize_date_text`.
ISO_DATE_FORMAT = "%Y-%m-%d"
#: The browser's check of the same (HTML `pattern`, anchored by the browser; written without
#: character classes holding "-" or "/", which the `v` flag Chromium compiles patterns with refuses):
#: 2020-10-31, 2020/10/31, 2020-1-5 or 20201031, ASCII or full-width digits, spaces around.
ISO_DATE_PATTERN = (
    r"\s*[0-9０-９]{4}\s*(-|/|－|／)\s*[0-9０-９]{1,2}\s*(-|/|－|／)\s*[0-9０-９]{1,2}\s*"
    r"|\s*[0-9０-９]{8}\s*"
)
_SEPARATED = re.compile(r"^(\d{4})[-/](\d{1,2})[-/](\d{1,2})$")
_COMPACT = re.compile(r"^(\d{4})(\d{2})(\d{2})$")


def normalize_date_text(text) -> str:
    """A typed date as YYYY-MM-DD when it has one of the accepted shapes (2020-10-31, 2020/10/31,
    2020-1-5, 20201031; full-width digits and separators, as a Chinese input method types them,
    and spaces anywhere are tolerated); anything else is returned stripped, for the field to refuse."""
    text = unicodedata.normalize("NFKC", str(text or "")).strip()
    compact = re.sub(r"\s+", "", text)
    match = _SEPARATED.match(compact) or _COMPACT.match(compact)
    if not match:
        return text
    year, month, day = match.groups()
    return f"{year}-{int(month):02d}-{int(day):02d}"


def date_error(label) -> str:
    """The Chinese sentence for a date that cannot be read, naming the field `label`."""
    if label:
        return gettext("%(field)s: enter the date as YYYY-MM-DD, for example 2020-10-31.") % {"field": label}
    return gettext("Enter the date as YYYY-MM-DD, for example 2020-10-31.")


class ISODateInput(forms.DateInput):
    """A text input for a date: shows YYYY-MM-DD, asks for it (placeholder, a numeric keyboard on
    phones, an HTML pattern whose refusal portal.js words in Chinese)."""

    input_type = "text"

    def __init__(self, attrs=None):
        defaults = {
            "placeholder": "YYYY-MM-DD",
            "inputmode": "numeric",
            "pattern": ISO_DATE_PATTERN,
            "autocomplete": "off",
            "maxlength": "20",
            "data-date-input": True,
            "data-invalid-message": _("Enter the date as YYYY-MM-DD, for example 2020-10-31."),
        }
        super().__init__({**defaults, **(attrs or {})}, format=ISO_DATE_FORMAT)


class ISODateField(forms.DateField):
    """A date typed as YYYY-MM-DD (the shapes `normalize_date_text` accepts); anything else is
    refused with `date_error`, naming the field."""

    widget = ISODateInput
    input_formats = [ISO_DATE_FORMAT]

    def to_python(self, value):
        if isinstance(value, str):
            value = normalize_date_text(value)
        try:
            return super().to_python(value)
        except forms.ValidationError as error:
            if error.code != "invalid":
                raise
            raise forms.ValidationError(date_error(self.label), code="invalid") from None


class PortalFileInput(forms.FileInput):
    """A file input that reads 选择文件 / 未选择文件 in every browser: the native input is visually
    hidden (still focusable, still the form's field) behind a <label> styled as a button, and a
    span shows the chosen file names (static/js/portal.js fills it in). `multiple`: several files."""

    template_name = "core/widgets/file.html"

    def __init__(self, attrs=None, multiple=False):
        self.allow_multiple_selected = multiple
        super().__init__(attrs)

    def get_context(self, name, value, attrs):
        context = super().get_context(name, value, attrs)
        widget_attrs = context["widget"]["attrs"]
        css = [c for c in widget_attrs.get("class", "").split() if c not in ("form-control", "is-invalid")]
        context["widget"]["invalid"] = "is-invalid" in widget_attrs.get("class", "")
        widget_attrs["class"] = " ".join([*css, "visually-hidden", "file-picker-input"])
        return context

    def _render(self, template_name, context, renderer=None):
        # The project's template engine (the template sits with the other templates, which the
        # CSP scan reads), as hazards.filters.InstitutionSearchInput does.
        return mark_safe(render_to_string(template_name, context))


def portalize_fields(fields) -> None:
    """Give a form's fields (`form.fields`) the portal's inputs: every DateField becomes an
    ISODateField (label, required, initial, help text, validators and widget attributes kept), every
    file input a PortalFileInput. Fields of other kinds are left as they are."""
    for name, field in list(fields.items()):
        if isinstance(field, forms.DateField) and not isinstance(field, ISODateField):
            widget_attrs = {key: value for key, value in field.widget.attrs.items() if key not in ("type",)}
            fields[name] = ISODateField(
                required=field.required,
                label=field.label,
                initial=field.initial,
                help_text=field.help_text,
                disabled=field.disabled,
                validators=field.validators,
                show_hidden_initial=field.show_hidden_initial,
                widget=ISODateInput(attrs=widget_attrs),
            )
        elif isinstance(field.widget, forms.FileInput) and not isinstance(field.widget, PortalFileInput):
            old = field.widget
            attrs = {key: value for key, value in old.attrs.items() if key != "multiple"}
            field.widget = PortalFileInput(attrs=attrs, multiple=old.allow_multiple_selected)
