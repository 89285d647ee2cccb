from django import template
from django.utils.html import format_html
from django.utils.translation import gettext as _
from django.utils.translation import ngettext

from core import submissions

register = template.Library()


@register.filter
def countdown(row) -> str:
    """ "12 days left (8 working days)", "Due today", "3 days overdue" for a MilestoneRow."""
    if row.days_left < 0:
        return ngettext("Passed %(days)s day ago", "Passed %(days)s days ago", -row.days_left) % {
            "days": -row.days_left
        }
    if row.days_left == 0:
        return _("Due today")
    text = ngettext("%(days)s day left", "%(days)s days left", row.days_left) % {"days": row.days_left}
    if row.working_days_left is not None:
        text += ngettext(" (%(n)s working day)", " (%(n)s working days)", row.working_days_left) % {
            "n": row.working_days_left
        }
    return text


@register.filter
def countdown_class(row) -> str:
    if row.days_left < 0:
        return "text-secondary"
    if row.days_left <= 7:
        return "text-danger fw-semibold"
    if row.days_left <= 30:
        return "text-warning-emphasis fw-semibold"
    return "text-success"


@register.simple_tag(takes_context=True)
def submission_token(context) -> str:
    """The hidden one-time token every POST form carries (core/submissions.py), next to
    {% csrf_token %}; a fresh one at each rendering."""
    return format_html(
        '<input type="hidden" name="{}" value="{}">', submissions.FIELD, submission_token_value(context)
    )


@register.simple_tag(takes_context=True)
def submission_token_value(context) -> str:
    """The token alone, for an htmx element's hx-vals: ``{% submission_token_value as token %}``.
    Empty for a visitor who is not logged in (their POSTs need none)."""
    request = context.get("request")
    user = getattr(request, "user", None)
    if user is None or not user.is_authenticated:
        return ""
    return submissions.issue(user)
