"""What other apps' pages show of the inspections, without importing this app's views:

- ``{% inspection_origin hazard %}`` on a hazard's page: the inspection record it came from, with a
  link and the finding's photos, only for a reader who sees that record (an institution's user sees its record once
  concluded; a department's user only the records whose items name it). For anyone else nothing:
  no link that would answer 404, and no mention of a record they cannot open.
- ``{% filing_check_card institution %}`` on the registry's page of an institution (city and
  district staff): the on-site check due within 20 working days of filing (measure 三), its state,
  and the fire-safety and accessibility findings marked on the filing record, with the departments
  told.
"""

from django import template
from django.contrib.contenttypes.models import ContentType

from core.evidence import visible_evidence
from core.roles import Role
from inspections import records
from inspections.models import Finding, Inspection

register = template.Library()


@register.inclusion_tag("inspections/_hazard_origin.html", takes_context=True)
def inspection_origin(context, hazard) -> dict:
    """{"finding": the hazard's finding or None, "photos": the finding's photos (thumbnails: the
    inspection's evidence of the 不符合, shown where the rectification is followed)}. Two queries
    (and the photo facts) when the hazard has a finding the reader may open; none otherwise."""
    try:
        finding = hazard.finding
    except Exception:  # RelatedObjectDoesNotExist: a hazard not from an inspection
        return {"finding": None}
    user = context["request"].user
    if not Inspection.objects.visible_to(user).filter(pk=finding.inspection_id).exists():
        return {"finding": None}
    photos = list(
        visible_evidence(user).filter(
            owner_type=ContentType.objects.get_for_model(Finding), owner_id=finding.pk
        )
    )
    return {"finding": finding, "photos": photos}


@register.inclusion_tag("inspections/_filing_check_card.html", takes_context=True)
def filing_check_card(context, institution) -> dict:
    """{"check": FilingCheck or None, "can_record": bool} for city and district staff; nothing for
    other readers. Three queries when the institution has a filing date."""
    user = context["request"].user
    if not user.is_authenticated or user.role not in (Role.CITY, Role.DISTRICT):
        return {"check": None}
    return {"check": records.filing_check_of(institution), "can_record": records.can_record(user)}
