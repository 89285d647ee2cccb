"""Model fields that normalise what people type before any check, for forms, imports and the API alike."""

from django.db import models

from core.validators import normalize_phone, validate_phone


class PhoneField(models.CharField):
    """A phone number (see ``core.validators``): normalised by ``to_python``, so a form, an import
    or a service calling ``full_clean()`` stores ``0412-2432368`` for ``（0412）2432368``, and
    checked by ``validate_phone``. Migrations see a plain CharField (``deconstruct``): the check is
    behaviour, not schema. Rows saved before the check keep their value until they are edited."""

    default_validators = [validate_phone]

    def __init__(self, *args, **kwargs):
        kwargs.setdefault("max_length", 32)
        super().__init__(*args, **kwargs)

    def to_python(self, value):
        return normalize_phone(super().to_python(value))

    def formfield(self, **kwargs):
        # The form shows and returns the text as typed; the model normalises it on full_clean().
        return super().formfield(**{"max_length": 64, **kwargs})

    def deconstruct(self):
        name, _path, args, kwargs = super().deconstruct()
        return name, "django.db.models.CharField", args, kwargs
