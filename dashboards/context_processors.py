from django.conf import settings
from django.utils.functional import SimpleLazyObject

from dashboards.queues import nav_entries


def navigation(request):
    """The portal's name and the header's entries. The entries (with the review queues' counts,
    dashboards.queues) are computed only when a template reads them: a page extending base.html, not an
    htmx fragment or a JSON answer."""
    user = getattr(request, "user", None)
    if user is None:
        return {"portal_name": settings.PORTAL_NAME, "nav_entries": []}
    return {
        "portal_name": settings.PORTAL_NAME,
        "nav_entries": SimpleLazyObject(lambda: nav_entries(user, request)),
    }
