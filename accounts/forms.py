from django import forms
from django.conf import settings
from django.contrib.auth.forms import AuthenticationForm
from django.core.exceptions import ValidationError
from django.utils.translation import gettext_lazy as _

from accounts.models import User


class LoginForm(AuthenticationForm):
    error_messages = {
        **AuthenticationForm.error_messages,
        "invalid_login": _(
            "The username or password is wrong. After %(limit)s failed attempts the account is locked "
            "for a while."
        ),
    }

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["username"].widget.attrs.update({"class": "form-control", "autofocus": True})
        self.fields["password"].widget.attrs.update({"class": "form-control"})

    def get_invalid_login_error(self):
        return ValidationError(
            self.error_messages["invalid_login"],
            code="invalid_login",
            params={"limit": settings.AXES_FAILURE_LIMIT},
        )


class ReminderSettingsForm(forms.ModelForm):
    """A user's own reminder e-mail (issue 12): the address and whether the daily digest is sent.
    The in-app inbox always receives."""

    class Meta:
        model = User
        fields = ["email", "reminder_email"]

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["email"].help_text = _("Where the daily reminder e-mail goes. Empty: no e-mail.")
        self.fields["email"].widget.attrs.update({"class": "form-control", "autocomplete": "email"})
        self.fields["reminder_email"].widget.attrs["class"] = "form-check-input"


class ApiTokenForm(forms.Form):
    """A new personal API token (issue 18): a name and a lifetime in days."""

    name = forms.CharField(
        label=_("Token name"),
        max_length=64,
        help_text=_("What will use it, e.g. “区台账同步脚本”."),
        error_messages={"required": _("Give the token a name, e.g. the program that will use it.")},
    )
    days = forms.TypedChoiceField(
        label=_("Valid for"),
        coerce=int,
        initial=90,
        choices=[],
    )

    def __init__(self, *args, **kwargs):
        from accounts.tokens import LIFETIME_CHOICES, max_days

        super().__init__(*args, **kwargs)
        self.fields["days"].choices = [
            (days, _("%(days)s days") % {"days": days}) for days in LIFETIME_CHOICES if days <= max_days()
        ]
        for field in self.fields.values():
            field.widget.attrs.setdefault(
                "class", "form-select" if field is self.fields["days"] else "form-control"
            )
