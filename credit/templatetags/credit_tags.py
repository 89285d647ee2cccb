"""``{% load credit_tags %}{% credit_badge institution %}``: a 失信 badge beside an institution with
a dishonesty record in force today about its credit code, or about its legal representative (by
name). Read once per request, so a list of any length costs two queries."""

from django import template
from django.utils.html import format_html
from django.utils.translation import gettext as _

from core import dates
from credit.models import CreditRecord, Kind, Subject, in_force_q
from credit.services import normalize_name

register = template.Library()


def _flags(context):
    request = context.get("request")
    kept = getattr(request, "_credit_flags", None) if request is not None else None
    if kept is None:
        on = dates.today()
        dishonest = CreditRecord.objects.filter(in_force_q(on), kind=Kind.DISHONEST)
        codes = set(dishonest.filter(subject=Subject.INSTITUTION).values_list("credit_code", flat=True))
        names = set(dishonest.filter(subject=Subject.PERSON).values_list("person_name", flat=True))
        kept = (codes, names)
        if request is not None:
            request._credit_flags = kept
    return kept


@register.simple_tag(takes_context=True)
def credit_badge(context, institution):
    """The badge for `institution` (with `credit_code` and `legal_representative`), or nothing."""
    if institution is None:
        return ""
    codes, names = _flags(context)
    if institution.credit_code and institution.credit_code in codes:
        return format_html(
            '<span class="badge text-bg-danger" data-testid="credit-badge">{}</span>', _("Dishonesty record")
        )
    if normalize_name(institution.legal_representative) in names:
        return format_html(
            '<span class="badge text-bg-warning" data-testid="credit-person-badge" title="{}">{}</span>',
            _(
                "A person of the legal representative's name has a dishonesty record in force; check the ID number."
            ),
            _("Representative's dishonesty record"),
        )
    return ""
