"""The reminder pages: every user's inbox (open, mark read), the rules page and the health page for
the city's staff and the admin. Reads come from reminders.selectors, writes from reminders.services;
a GET never writes (a line whose work is done shows resolved, the scan records it)."""

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import ValidationError
from django.http import HttpResponse, HttpResponseRedirect
from django.shortcuts import get_object_or_404, render
from django.urls import reverse
from django.utils.http import url_has_allowed_host_and_scheme
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET, require_POST

from core.forms import add_errors
from core.permissions import role_required
from core.roles import Role
from reminders import selectors, services
from reminders.forms import RuleForm
from reminders.models import Notification, Rule

RULE_EDITORS = (Role.CITY,)  # and the admin (superusers pass role_required)


def see_other(url: str) -> HttpResponseRedirect:
    response = HttpResponseRedirect(url)
    response.status_code = 303  # after a POST, the browser GETs the target
    return response


def own_notification(request, pk) -> Notification:
    """The user's own notification, or 404: another user's line is as absent as a missing one."""
    return get_object_or_404(Notification.objects.filter(recipient=request.user), pk=pk)


@login_required
@require_GET
def inbox(request):
    lines = selectors.inbox(request.user)
    request._reminders_unread = lines.header_unread  # the header's count, without a query of its own
    return render(request, "reminders/inbox.html", {"inbox": lines})


@login_required
@require_POST
def notification_open(request, pk):
    """Mark the line read and go to the page where the work is done (a path of this site only)."""
    notification = services.notification_mark_read(
        notification=own_notification(request, pk), by=request.user
    )
    target = notification.url
    if not url_has_allowed_host_and_scheme(target, allowed_hosts=None) or not target.startswith("/"):
        target = reverse("reminders:inbox")
    return see_other(target)


@login_required
@require_POST
def notification_read(request, pk):
    notification = services.notification_mark_read(
        notification=own_notification(request, pk), by=request.user
    )
    if request.htmx:  # the line without its unread mark
        item = selectors.InboxItem(notification, "", "", notification.resolved_at is not None)
        return render(request, "reminders/_item_state.html", {"item": item})
    return see_other(f"{reverse('reminders:inbox')}#n{notification.pk}")


@login_required
@require_POST
def notification_read_all(request):
    marked = services.notifications_mark_all_read(by=request.user)
    if request.htmx:
        response = HttpResponse(status=204)
        response["HX-Refresh"] = "true"
        return response
    if marked:
        messages.success(request, _("All reminders marked read."))
    return see_other(reverse("reminders:inbox"))


@role_required(*RULE_EDITORS)
@require_GET
def rules(request):
    return render(request, "reminders/rules.html", _rules_context())


def _rules_context(**bound) -> dict:
    return {
        "forms": [
            bound.get(rule.source) or RuleForm(instance=rule) for rule in Rule.objects.order_by("source")
        ],
    }


@role_required(*RULE_EDITORS)
@require_POST
def rule_save(request, source):
    rule = get_object_or_404(Rule, source=source)
    form = RuleForm(request.POST, instance=rule)
    if form.is_valid():
        try:
            services.rule_update(
                rule=form.instance, expected_version=form.cleaned_data["expected_version"], by=request.user
            )
        except ValidationError as error:  # a concurrent edit (ConcurrentEditError)
            add_errors(form, error)
        else:
            messages.success(request, _("The rule “%(rule)s” was saved.") % {"rule": rule})
            return see_other(f"{reverse('reminders:rules')}#rule-{rule.source}")
    return render(request, "reminders/rules.html", _rules_context(**{rule.source: form}), status=400)


@role_required(*RULE_EDITORS)
@require_GET
def health(request):
    context = selectors.health()
    context["durations"] = {
        "scan_age": selectors.duration_text(context["scan_age"]),
        "oldest_age": selectors.duration_text(context["oldest_age"]),
        "dwell_median": selectors.duration_text(context["dwell_median"]),
        "dwell_max": selectors.duration_text(context["dwell_max"]),
    }
    return render(request, "reminders/health.html", context)
