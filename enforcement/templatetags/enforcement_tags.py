"""``{% load enforcement_tags %}{% suspension_badge institution %}``: a red 停业整顿 badge beside an
institution under a suspension order in force today (issue 17 item 6: “flagged on every page, list
and export where it appears”). The ids are read once per request (`enforcement.services.
suspended_ids`), so a list of any length costs one query."""

from django import template
from django.utils.html import format_html
from django.utils.translation import gettext as _

from enforcement import services

register = template.Library()


def suspended_for(context) -> set[int]:
    """The suspended ids today, kept on the request for the rest of the page."""
    request = context.get("request")
    ids = getattr(request, "_suspended_ids", None) if request is not None else None
    if ids is None:
        ids = services.suspended_ids()
        if request is not None:
            request._suspended_ids = ids
    return ids


@register.simple_tag(takes_context=True)
def suspension_badge(context, institution):
    """The badge for `institution` (a row or an id), or nothing."""
    if institution is None:
        return ""
    pk = getattr(institution, "pk", institution)
    if pk not in suspended_for(context):
        return ""
    return format_html(
        '<span class="badge text-bg-danger" data-testid="suspension-badge" title="{}">'
        '<i class="bi bi-slash-circle me-1" aria-hidden="true"></i>{}</span>',
        _("Under a suspension order in force: not to be inspected by draw, not to take in elders."),
        _("Suspended for rectification"),
    )
