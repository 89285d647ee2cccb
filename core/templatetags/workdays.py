"""`{% workdays_warning %}`: the administrator's alert when next year's holidays are missing
(core.workdays.missing_next_year). Shown only to the administrator (superusers), who enters them; no query once the
holiday table is kept in the process."""

from django import template

from core import dates, workdays

register = template.Library()


@register.inclusion_tag("core/_workdays_warning.html", takes_context=True)
def workdays_warning(context, look: str = "portal"):
    """The alert (`look` "portal": a Bootstrap alert; "admin": the Django admin's message list),
    or nothing: for a superuser, when a year is missing."""
    request = context.get("request")
    user = getattr(request, "user", None)
    year = None
    # superusers only: asking `has_perm` of other staff would cost two permission queries on every
    # home page, and only the administrator enters the holiday table
    if user is not None and user.is_authenticated and user.is_superuser:
        year = workdays.missing_next_year(dates.today())
    return {"missing_year": year, "look": look}
