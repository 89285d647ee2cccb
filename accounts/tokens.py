"""Personal API tokens (issue 18): creation, authentication, revocation, throttling.

A token is ``ylj_`` followed by 43 URL-safe characters (256 random bits). It is sent as
``Authorization: Bearer <token>``. The database keeps its SHA-256 digest (a random 256-bit
secret needs no salt or slow hash: nobody can guess it from the digest) and its first 12
characters, which the profile page shows so the user can tell tokens apart. The last use (time,
client address) goes to the cache on each request and to the row every ten minutes (beat).

- `issue_token` is the one way a token is created (the profile page and ``manage.py
  issue_api_token`` both call it); the raw token is returned once and never stored.
- `TokenAuthentication` (DRF) accepts a live token of an active user: the request then acts as that
  user, with their role and scope (every API queryset starts from ``visible_to(request.user)``).
- `revoke` ends a token at once; expired and revoked tokens answer 401 with a Chinese reason.
- `TokenRateThrottle` limits each token (and each browser session) to ``API_THROTTLE_RATE``.
"""

import datetime
import hashlib
import secrets

from django.conf import settings
from django.core.cache import cache
from django.core.exceptions import ValidationError
from django.db import IntegrityError, transaction
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from ipware import get_client_ip
from rest_framework import authentication, exceptions, throttling

from accounts.models import ApiToken

PREFIX = "ylj_"  # 养老监管
SHOWN_PREFIX_LENGTH = 12
LIFETIME_CHOICES = (30, 90, 180, 365)  # days; the form offers these, `issue_token` accepts 1..max


def digest(raw: str) -> str:
    """The stored form of a token: SHA-256, 64 hex characters."""
    return hashlib.sha256(raw.encode()).hexdigest()


def max_days() -> int:
    return int(getattr(settings, "API_TOKEN_MAX_DAYS", 365))


@transaction.atomic
def issue_token(*, user, name: str, days: int) -> tuple[ApiToken, str]:
    """Create a token for `user` named `name`, valid for `days` days (1 to ``API_TOKEN_MAX_DAYS``).

    Returns ``(token row, raw token)``; the raw token is shown once and cannot be recovered.
    Raises ValidationError (Chinese, keyed by field) for an empty or repeated name, a lifetime out of
    range, or a user who may not hold tokens (inactive)."""
    name = (name or "").strip()
    if not user.is_active:
        raise ValidationError(_("This account is disabled and cannot hold API tokens."))
    if not name:
        raise ValidationError({"name": _("Give the token a name, e.g. the program that will use it.")})
    if not 1 <= int(days) <= max_days():
        raise ValidationError({"days": _("A token is valid for 1 to %(max)s days.") % {"max": max_days()}})
    if ApiToken.objects.filter(user=user, name=name).exists():
        raise ValidationError({"name": _("You already have a token with this name.")})
    raw = PREFIX + secrets.token_urlsafe(32)
    try:
        with transaction.atomic():
            token = ApiToken.objects.create(
                user=user,
                name=name,
                prefix=raw[:SHOWN_PREFIX_LENGTH],
                digest=digest(raw),
                expires_at=timezone.now() + datetime.timedelta(days=int(days)),
            )
    except IntegrityError:  # the same name created at the same moment in another request
        raise ValidationError({"name": _("You already have a token with this name.")}) from None
    return token, raw


def revoke(*, token: ApiToken, by) -> ApiToken:
    """End `token` now. Only its owner revokes it (others get PermissionDenied from the view's
    lookup, which is scoped to the owner); revoking twice keeps the first time."""
    ApiToken.objects.filter(pk=token.pk, revoked_at__isnull=True).update(revoked_at=timezone.now())
    token.refresh_from_db()
    return token


def _use_key(pk: int) -> str:
    return f"api-token-use:{pk}"


def _record_use(token: ApiToken, request) -> None:
    """The token's last use (time, client address), kept in the cache: a GET never writes to the
    database. `save_last_uses` (beat, every ten minutes) copies it to the token's row, and
    `last_uses` reads the cache first, so the profile page is current either way."""
    address, _routable = get_client_ip(request)
    timeout = max(int((token.expires_at - timezone.now()).total_seconds()), 60) + 86400
    cache.set(_use_key(token.pk), {"at": timezone.now().isoformat(), "ip": address}, timeout)


def last_uses(tokens) -> dict[int, tuple[datetime.datetime | None, str | None]]:
    """``{token pk: (last used at, client address)}`` for `tokens`: the cache's entry when there is
    one (one round trip for all), else what the row holds."""
    tokens = list(tokens)
    cached = cache.get_many([_use_key(t.pk) for t in tokens])
    uses = {}
    for token in tokens:
        entry = cached.get(_use_key(token.pk))
        if entry:
            uses[token.pk] = (datetime.datetime.fromisoformat(entry["at"]), entry["ip"])
        else:
            uses[token.pk] = (token.last_used_at, token.last_used_ip)
    return uses


def save_last_uses() -> int:
    """Copy the cached last uses of unrevoked, unexpired tokens to their rows; returns how many rows
    changed. Run by beat (``accounts.tasks.save_token_uses``)."""
    live = ApiToken.objects.filter(revoked_at__isnull=True, expires_at__gt=timezone.now())
    changed = 0
    for token in live.iterator():
        at, ip = last_uses([token])[token.pk]
        if at is not None and at != token.last_used_at:
            changed += ApiToken.objects.filter(pk=token.pk).update(last_used_at=at, last_used_ip=ip)
    return changed


class TokenAuthentication(authentication.BaseAuthentication):
    """``Authorization: Bearer ylj_…``. No header: not this scheme (session authentication may
    apply). A wrong, expired or revoked token, or a disabled user: 401 with the reason in Chinese."""

    keyword = "Bearer"

    def authenticate(self, request):
        header = authentication.get_authorization_header(request).split()
        if not header or header[0].lower() not in (b"bearer", b"token"):
            return None
        if len(header) != 2:
            raise exceptions.AuthenticationFailed(
                gettext_lazy("Send the token as “Authorization: Bearer <token>”.")
            )
        try:
            raw = header[1].decode()
        except UnicodeError:
            raise exceptions.AuthenticationFailed(gettext_lazy("The token is not valid.")) from None
        token = ApiToken.objects.select_related("user").filter(digest=digest(raw)).first()
        if token is None:
            raise exceptions.AuthenticationFailed(gettext_lazy("The token is not valid."))
        if token.revoked_at is not None:
            raise exceptions.AuthenticationFailed(gettext_lazy("This token was revoked."))
        if token.expires_at <= timezone.now():
            raise exceptions.AuthenticationFailed(
                gettext_lazy("This token expired; create a new one on your API tokens page.")
            )
        if not token.user.is_active:
            raise exceptions.AuthenticationFailed(gettext_lazy("This account is disabled."))
        _record_use(token, request)
        return token.user, token

    def authenticate_header(self, request):
        return self.keyword


class TokenRateThrottle(throttling.SimpleRateThrottle):
    """``API_THROTTLE_RATE`` requests per token (a browser session counts per user), kept in the
    cache (Redis in production); over it: 429 with ``Retry-After``."""

    scope = "api"

    def get_rate(self):
        return getattr(settings, "API_THROTTLE_RATE", "600/min")

    def get_cache_key(self, request, view):
        if isinstance(request.auth, ApiToken):
            ident = f"token-{request.auth.pk}"
        elif request.user and request.user.is_authenticated:
            ident = f"user-{request.user.pk}"
        else:
            ident = self.get_ident(request)
        return f"throttle_api_{ident}"


try:  # the OpenAPI description of the scheme (drf-spectacular finds extensions when they are imported)
    from drf_spectacular.extensions import OpenApiAuthenticationExtension
except ImportError:  # pragma: no cover - drf-spectacular is a dependency
    OpenApiAuthenticationExtension = None

if OpenApiAuthenticationExtension is not None:

    class TokenAuthenticationScheme(OpenApiAuthenticationExtension):
        target_class = "accounts.tokens.TokenAuthentication"
        name = "tokenAuth"

        def get_security_definition(self, auto_schema):
            return {
                "type": "http",
                "scheme": "bearer",
                "description": str(
                    gettext_lazy(
                        "A personal API token from your API tokens page, sent as “Authorization: Bearer <token>”."
                    )
                ),
            }
