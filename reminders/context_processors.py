"""The header's unread count: one COUNT per page that shows it, none on a page that does not."""

from reminders.selectors import unread_count


def reminders(request):
    user = getattr(request, "user", None)
    if user is None or not user.is_authenticated:
        return {}

    def unread() -> int:  # counted once per request, and not at all where the view knows it (the inbox)
        if not hasattr(request, "_reminders_unread"):
            request._reminders_unread = unread_count(user)
        return request._reminders_unread

    return {"reminders_unread": unread}
