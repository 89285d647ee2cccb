"""Who may use a page: one decorator, the role list written where the view is."""

from functools import wraps

from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied

from core.roles import Role


def role_required(*roles: str, superuser: bool = True):
    """Logged in, and one of `roles` (superusers pass too unless `superuser=False`, for pages that
    belong to one institution); otherwise 403."""

    def decorator(view):
        @wraps(view)
        @login_required
        def wrapped(request, *args, **kwargs):
            user = request.user
            if not ((superuser and user.is_superuser) or user.role in roles):
                raise PermissionDenied
            return view(request, *args, **kwargs)

        return wrapped

    return decorator


STAFF = (Role.CITY, Role.DISTRICT)
