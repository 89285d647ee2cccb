"""The user's own settings pages (login, logout and password change are Django's views)."""

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import ValidationError
from django.http import HttpResponseRedirect
from django.shortcuts import get_object_or_404, render
from django.urls import reverse
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from accounts import tokens
from accounts.forms import ApiTokenForm, ReminderSettingsForm
from accounts.models import ApiToken

SHOWN_TOKEN = "api_token_shown"  # the session key holding a new token until the list shows it once


@login_required
def reminder_settings(request):
    """Where the daily reminder e-mail goes and whether it is sent; the inbox always receives."""
    form = ReminderSettingsForm(request.POST or None, instance=request.user)
    if request.method == "POST" and form.is_valid():
        form.save()
        messages.success(request, _("Your reminder settings were saved."))
        response = HttpResponseRedirect(reverse("accounts:reminders"))
        response.status_code = 303
        return response
    return render(
        request, "accounts/reminder_settings.html", {"form": form}, status=400 if form.errors else 200
    )


def _see_other(url_name: str) -> HttpResponseRedirect:
    response = HttpResponseRedirect(reverse(url_name))
    response.status_code = 303
    return response


@login_required
def api_tokens(request):
    """The user's own API tokens (issue 18): name, prefix, created, expiry, last use, revoked; a form
    for a new one. A new token is shown once, on the page the creation redirects to."""
    form = ApiTokenForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        try:
            token, raw = tokens.issue_token(
                user=request.user, name=form.cleaned_data["name"], days=form.cleaned_data["days"]
            )
        except ValidationError as error:
            for field, messages_ in error.message_dict.items():
                form.add_error(None if field == "__all__" else field, messages_)
        else:
            request.session[SHOWN_TOKEN] = {"pk": token.pk, "raw": raw}
            messages.success(request, _("Token “%(name)s” created.") % {"name": token.name})
            return _see_other("accounts:api_tokens")
    shown = request.session.pop(SHOWN_TOKEN, None) if request.method == "GET" else None
    own = list(ApiToken.objects.filter(user=request.user))
    for token, (at, ip) in zip(own, tokens.last_uses(own).values(), strict=True):
        token.last_used_at, token.last_used_ip = at, ip
    return render(
        request,
        "accounts/api_tokens.html",
        {
            "form": form,
            "tokens": own,
            "shown": shown,
            "max_days": tokens.max_days(),
        },
        status=400 if form.errors else 200,
    )


@login_required
@require_POST
def api_token_revoke(request, pk: int):
    """Revoke one of the user's own tokens; another user's token answers 404."""
    token = get_object_or_404(ApiToken, pk=pk, user=request.user)
    tokens.revoke(token=token, by=request.user)
    messages.success(
        request,
        _("Token “%(name)s” revoked; programs using it are refused from now on.") % {"name": token.name},
    )
    return _see_other("accounts:api_tokens")
