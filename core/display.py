"""How a stored value reads on a page: choice labels, 是/否, — for nothing."""

import datetime

from django.db import models
from django.utils.translation import gettext as _


def display_value(field: models.Field, value, names: dict | None = None):
    if value is None or value == "":
        return "—"
    if isinstance(field, models.ForeignKey):
        if isinstance(value, models.Model):
            return str(value)
        return (names or {}).get((field.related_model, value), value)
    if field.choices:
        return dict(field.flatchoices).get(value, value)
    if isinstance(value, bool):
        return _("Yes") if value else _("No")
    if isinstance(value, datetime.date) and not isinstance(value, datetime.datetime):
        return value.isoformat()  # 2026-11-30, as the ledgers and the documents' tables write dates
    return value


def field_rows(instance: models.Model, names: list[str]) -> list[tuple]:
    """(label, display value) for the named fields of an instance."""
    rows = []
    for name in names:
        field = instance._meta.get_field(name)
        value = getattr(instance, name)
        rows.append((field.verbose_name, display_value(field, value)))
    return rows
