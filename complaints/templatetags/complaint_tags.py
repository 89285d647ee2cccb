"""What other apps' pages show of the complaints, without importing this app's views:

- ``{% complaint_origin hazard %}`` on a hazard's page (the lead places it beside
  ``{% inspection_origin hazard %}``): the complaint the hazard was raised from, with a link, only
  for a reader who may open that complaint (city and district staff of its scope, the department
  it was routed to). Nothing for anyone else — no link that would answer 404 — and never the
  complainant.
"""

from django import template

from complaints.models import Complaint

register = template.Library()


@register.inclusion_tag("complaints/_hazard_origin.html", takes_context=True)
def complaint_origin(context, hazard) -> dict:
    """{"complaint": the complaint the hazard came from, if the reader may open it, else None}.
    One query."""
    user = context["request"].user
    complaint = (
        Complaint.objects.visible_to(user)
        .filter(hazard_id=hazard.pk)
        .only("pk", "category", "received_on", "hazard_id")
        .first()
    )
    return {"complaint": complaint}
