from django.conf import settings

from core.navigation import entries_for


def navigation(request):
    user = getattr(request, "user", None)
    return {
        "portal_name": settings.PORTAL_NAME,
        "nav_entries": entries_for(user) if user is not None else [],
    }
