"""``{% national_reconciliation_card institution %}``: the date the institution was last reconciled
with the national system, for its detail page (one query)."""

from django import template

from national.models import LastReconciliation

register = template.Library()


@register.inclusion_tag("national/_card.html")
def national_reconciliation_card(institution):
    return {"last": LastReconciliation.objects.filter(institution=institution).first()}
