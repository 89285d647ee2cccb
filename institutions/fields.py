"""The credit-code field: normalised before any length check, wherever the code comes from."""

from django import forms
from django.core import validators
from django.db import models

from institutions import uscc


class CreditCodeFormField(forms.CharField):
    """The code as pasted: ``9111 0000-6000 3734 1L`` or full-width is normalised first, so no
    ``maxlength`` on the input and no length limit here; ``uscc.validate`` (through the model's
    ``clean()``) says what is wrong with the normalised code."""

    def __init__(self, **kwargs):
        kwargs["max_length"] = None
        super().__init__(**kwargs)

    def to_python(self, value):
        return uscc.normalize(super().to_python(value))


class CreditCodeField(models.CharField):
    """An 18-character credit code, normalised by ``to_python`` (form, import, service and API all
    call it through ``full_clean()``). The length is checked by ``uscc.validate`` in
    ``Institution.clean()``, with a message that says what is wrong, so the CharField's own
    max-length validator (which would count the spaces of a pasted code) is dropped. Migrations see
    a plain CharField."""

    def __init__(self, *args, **kwargs):
        kwargs.setdefault("max_length", uscc.LENGTH)
        super().__init__(*args, **kwargs)
        self.validators[:] = [v for v in self.validators if not isinstance(v, validators.MaxLengthValidator)]

    def to_python(self, value):
        return uscc.normalize(value)

    def formfield(self, **kwargs):
        return super().formfield(**{"form_class": CreditCodeFormField, **kwargs})

    def deconstruct(self):
        name, _path, args, kwargs = super().deconstruct()
        return name, "django.db.models.CharField", args, kwargs
