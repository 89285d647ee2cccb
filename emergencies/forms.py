"""Forms of the incident and drill pages. Times are typed as a date (YYYY-MM-DD) and a time (HH:MM)
in Asia/Shanghai, whatever the browser's language or time zone."""

import datetime
import re
import unicodedata

from django import forms
from django.utils import timezone
from django.utils.translation import gettext
from django.utils.translation import gettext_lazy as _

from core.evidence_forms import EvidenceField
from core.forms import BootstrapMixin, VersionField
from core.widgets import ISODateField
from emergencies.models import DrillKind, DrillTopic, IncidentKind
from hazards.labels import institution_labeller
from institutions.models import Institution

_TIME = re.compile(r"^(\d{1,2})[:.](\d{2})$")
_COMPACT_TIME = re.compile(r"^(\d{2})(\d{2})$")


class TimeOfDayField(forms.CharField):
    """A time of day typed as HH:MM (24 hours; "8:05", "08.05", "0805" and full-width digits and
    colon too); cleans to a `datetime.time`, refused with a sentence naming the field."""

    def __init__(self, **kwargs):
        kwargs.setdefault("max_length", 8)
        super().__init__(**kwargs)
        self.widget.attrs.update({"placeholder": "HH:MM", "inputmode": "numeric", "autocomplete": "off"})

    def clean(self, value):
        text = super().clean(value)
        if not text:
            return None
        compact = re.sub(r"\s+", "", unicodedata.normalize("NFKC", text))
        match = _TIME.match(compact) or _COMPACT_TIME.match(compact)
        if match:
            hour, minute = int(match.group(1)), int(match.group(2))
            if hour < 24 and minute < 60:
                return datetime.time(hour, minute)
        raise forms.ValidationError(
            gettext("%(field)s: enter the time as HH:MM (24 hours), for example 14:30.")
            % {"field": self.label},
            code="invalid",
        )


def combine(day: datetime.date | None, time: datetime.time | None) -> datetime.datetime | None:
    """A date and a time of day read in Asia/Shanghai, as an aware datetime (None if either is missing)."""
    if day is None or time is None:
        return None
    return timezone.make_aware(datetime.datetime.combine(day, time), timezone.get_default_timezone())


def _name_required(form) -> None:
    """A missing value is refused with a sentence naming the field (Django's says only "required")."""
    for field in form.fields.values():
        if field.required and field.label:
            field.error_messages["required"] = gettext("%(field)s: this is required.") % {
                "field": field.label
            }


def _institutions(form, user):
    field = form.fields["institution"]
    field.queryset = (
        Institution.objects.visible_to(user)
        .operating()
        .select_related("region")
        .order_by("region__sort_key", "name")
    )
    field.label_from_instance = institution_labeller(user)


class IncidentForm(BootstrapMixin, forms.Form):
    institution = forms.ModelChoiceField(label=_("Institution"), queryset=Institution.objects.none())
    kind = forms.ChoiceField(label=_("Kind of incident"), choices=[("", "---------"), *IncidentKind.choices])
    occurred_on = ISODateField(label=_("Date it occurred"))
    occurred_time = TimeOfDayField(label=_("Time it occurred"))
    description = forms.CharField(
        label=_("What happened"),
        widget=forms.Textarea(attrs={"rows": 4}),
        help_text=_("Where, who was affected, what was done at once."),
    )

    def __init__(self, *args, user, **kwargs):
        super().__init__(*args, **kwargs)
        _institutions(self, user)
        _name_required(self)
        if user.role == "institution":
            self.fields["institution"].initial = user.institution_id
            self.fields["institution"].widget = forms.HiddenInput()

    @property
    def occurred_at(self):
        return combine(self.cleaned_data.get("occurred_on"), self.cleaned_data.get("occurred_time"))


class NotificationForm(BootstrapMixin, forms.Form):
    """When one recipient was told (ids carry the notification's pk: one form per recipient)."""

    notified_on = ISODateField(label=_("Date told"))
    notified_time = TimeOfDayField(label=_("Time told"))
    note = forms.CharField(label=_("How and whom"), max_length=200, required=False)
    expected_version = VersionField()

    def __init__(self, *args, notification, **kwargs):
        kwargs.setdefault("auto_id", f"id_n{notification.pk}_%s")
        kwargs.setdefault("prefix", f"n{notification.pk}")
        if notification.notified_at and not args and "initial" not in kwargs:
            local = timezone.localtime(notification.notified_at, timezone.get_default_timezone())
            kwargs["initial"] = {
                "notified_on": local.date(),
                "notified_time": f"{local:%H:%M}",
                "note": notification.note,
            }
        super().__init__(*args, **kwargs)
        self.fields["expected_version"].initial = notification.version
        _name_required(self)
        self.notification = notification

    @property
    def notified_at(self):
        return combine(self.cleaned_data.get("notified_on"), self.cleaned_data.get("notified_time"))


class CloseForm(BootstrapMixin, forms.Form):
    note = forms.CharField(label=_("How it was handled"), widget=forms.Textarea(attrs={"rows": 3}))
    expected_version = VersionField()

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        _name_required(self)


class DrillForm(BootstrapMixin, forms.Form):
    institution = forms.ModelChoiceField(label=_("Institution"), queryset=Institution.objects.none())
    kind = forms.ChoiceField(label=_("Kind of activity"), choices=[("", "---------"), *DrillKind.choices])
    topic = forms.ChoiceField(label=_("Topic"), choices=[("", "---------"), *DrillTopic.choices])
    held_on = ISODateField(label=_("Held on"))
    participants = forms.IntegerField(label=_("Participants"), min_value=1, max_value=100000)
    note = forms.CharField(label=_("Content"), widget=forms.Textarea(attrs={"rows": 3}), required=False)
    files = EvidenceField(multiple=True, required=False, label=_("Evidence (photos, sign-in sheet, plan)"))

    def __init__(self, *args, user, **kwargs):
        super().__init__(*args, **kwargs)
        _institutions(self, user)
        _name_required(self)
        if user.role == "institution":
            self.fields["institution"].initial = user.institution_id
            self.fields["institution"].widget = forms.HiddenInput()
        self.fields["participants"].error_messages.update(
            {
                "invalid": _("Participants: enter a whole number."),
                "min_value": _("Participants: enter a number of at least 1."),
                "max_value": _("Participants: the number is too large."),
            }
        )


class HalfYearForm(forms.Form):
    """`?half=2026-1` on the missing-preparedness page; empty: the current half-year."""

    half = forms.CharField(required=False)
