"""The user's own settings pages (login, logout and password change are Django's views)."""

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.http import HttpResponseRedirect
from django.shortcuts import render
from django.urls import reverse
from django.utils.translation import gettext as _

from accounts.forms import ReminderSettingsForm


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
