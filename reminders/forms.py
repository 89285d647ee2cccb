"""The rule form (city staff) and the user's own reminder settings."""

import re

from django import forms
from django.core.exceptions import ValidationError
from django.utils.translation import gettext_lazy as _

from core.forms import BootstrapMixin, VersionField
from reminders.models import Rule

MAX_DAYS = 60
SEPARATORS = re.compile(r"[,，、;；\s]+")  # a comma, a Chinese comma or enumeration mark, spaces


class DayListField(forms.CharField):
    """Whole days from 0 to MAX_DAYS, written "7, 3, 1, 0" (Chinese commas too); cleaned to a list,
    largest first, each once. A bad entry is refused with a sentence naming the field."""

    def prepare_value(self, value):
        if isinstance(value, list | tuple):
            return ", ".join(str(day) for day in value)
        return value

    def to_python(self, value):
        text = super().to_python(value).strip()
        if not text:
            return []
        days = set()
        for part in SEPARATORS.split(text):
            if not part:
                continue
            if not part.isdigit() or not 0 <= int(part) <= MAX_DAYS:
                raise ValidationError(
                    _(
                        "“%(field)s” takes whole numbers of days from 0 to %(max)s separated by commas, "
                        "e.g. 7, 3, 1, 0; “%(value)s” is not one."
                    ),
                    code="invalid_days",
                    params={"field": self.label, "max": MAX_DAYS, "value": part[:20]},
                )
            days.add(int(part))
        return sorted(days, reverse=True)


class _Range:
    def __init__(self, low: int, high: int, message):
        self.low, self.high, self.message = low, high, message

    def __call__(self, value):
        if value is not None and not self.low <= value <= self.high:
            raise ValidationError(self.message, code="out_of_range")


def _bounded(field: forms.IntegerField, low: int, high: int) -> None:
    """A number field's range, with errors that name the field (Django's own do not)."""
    message = _("“%(field)s” must be a whole number from %(low)s to %(high)s.") % {
        "field": field.label,
        "low": low,
        "high": high,
    }
    field.widget.attrs.update({"min": low, "max": high})
    field.validators = [v for v in field.validators if not hasattr(v, "limit_value")] + [
        _Range(low, high, message)
    ]
    field.error_messages = {
        **field.error_messages,
        "invalid": message,
        "required": _("“%(field)s” is required.") % {"field": field.label},
    }


class RuleForm(BootstrapMixin, forms.ModelForm):
    lead_days = DayListField(required=False)
    expected_version = VersionField()

    class Meta:
        model = Rule
        fields = [
            "enabled",
            "lead_days",
            "overdue_every",
            "escalate_after",
            "skip_quiet_days",
            "response_days",
        ]

    def __init__(self, *args, **kwargs):
        kwargs.setdefault("prefix", kwargs["instance"].source if kwargs.get("instance") else None)
        super().__init__(*args, **kwargs)
        meta = Rule._meta
        lead = self.fields["lead_days"]
        lead.label = meta.get_field("lead_days").verbose_name
        lead.help_text = meta.get_field("lead_days").help_text
        lead.widget.attrs.update({"inputmode": "numeric", "autocomplete": "off"})
        _bounded(self.fields["overdue_every"], 0, MAX_DAYS)
        _bounded(self.fields["escalate_after"], 0, MAX_DAYS)
        _bounded(self.fields["response_days"], 1, MAX_DAYS)
        self.fields["expected_version"].initial = self.instance.version
