"""One-time form tokens: a form posted twice (a double click, a retry after a slow answer, two tabs)
does its work once, and the repeat gets the first submission's answer instead of a duplicate.

- Every POST form of the portal renders ``{% submission_token %}`` (``core/templatetags/portal.py``),
  a hidden input ``submission_token``; an htmx element that posts without a form sends
  ``{% submission_token_value %}`` in its ``hx-vals``. A token is ``<user pk>.<128 random bits>``
  signed with the secret key and timestamped: rendering one writes nothing.
- `SubmissionTokenMiddleware` checks every POST of a logged-in user, to every view but those in
  `EXEMPT` (login, logout, the language switch: repeating them is harmless) and the Django admin
  (superusers, its own forms) and the REST API (``/api/v1/``: a program, not a form; see
  ``core/api.py`` for its ``Idempotency-Key``). A POST without a valid token of this user, younger than
  `max_age()` seconds, is refused with 400 and a Chinese sentence, and no view runs (htmx: the
  page reloads and shows the sentence). Otherwise, in one transaction, it inserts the token's
  `SubmissionToken` row (unique key), then runs the view:

  * the view answered with a redirect (the usual end of a successful form) or, for htmx, with a
    2xx fragment: the row keeps that answer (status, Location; body and HX-* headers for htmx);
  * anything else (a form re-shown with its errors, 403, 404): the row is deleted, as the
    submission changed nothing and may be sent again.

  A POST whose token is already claimed gets the stored answer (the redirect, with a note that
  the form had already been sent; or the same htmx fragment) and the view does not run. Two
  identical POSTs at once: the second one's INSERT waits on the unique index until the first
  commits, then finds the claim (PostgreSQL; on SQLite the IMMEDIATE transaction waits instead).
- `purge_expired()` (``manage.py purge_submissions``) deletes claims older than a token's lifetime,
  which can no longer be replayed since such a token is refused anyway.
"""

import secrets
from datetime import timedelta

from django.conf import settings
from django.contrib import messages
from django.core import signing
from django.db import IntegrityError, transaction
from django.http import HttpResponse, HttpResponseRedirect
from django.shortcuts import render
from django.utils import timezone
from django.utils.translation import gettext as _

from core.models import SubmissionToken

FIELD = "submission_token"
SALT = "core.submissions"
# The htmx response headers kept with a stored fragment, so a repeat does what the first answer did
# (a step on the hazard's page answers with HX-Redirect to the page itself).
HTMX_HEADERS = (
    "HX-Trigger",
    "HX-Trigger-After-Swap",
    "HX-Trigger-After-Settle",
    "HX-Reswap",
    "HX-Retarget",
    "HX-Redirect",
    "HX-Location",
    "HX-Refresh",
    "HX-Push-Url",
    "HX-Replace-Url",
)
EXEMPT = frozenset({"accounts:login", "accounts:logout", "set_language"})  # URL names
MAX_BODY = 512 * 1024  # an htmx fragment larger than this is not replayed (the claim still holds)


def max_age() -> int:
    """A token's lifetime in seconds: the session's, at least a day. A form cannot be posted after
    the session that rendered it has ended, so a live token is never refused for its age."""
    return max(int(settings.SESSION_COOKIE_AGE), 24 * 60 * 60)


def issue(user) -> str:
    """A fresh signed token for `user` (str, ~80 characters of [A-Za-z0-9_.:-])."""
    return signing.TimestampSigner(salt=SALT).sign(f"{user.pk}.{secrets.token_urlsafe(16)}")


def token_key(token: str, user) -> str | None:
    """The random part of `token` if it is a valid, unexpired token issued to `user`, else None."""
    try:
        value = signing.TimestampSigner(salt=SALT).unsign(token, max_age=max_age())
    except (signing.BadSignature, TypeError):  # SignatureExpired is a BadSignature
        return None
    owner, _sep, key = value.partition(".")
    if owner != str(user.pk) or not key:
        return None
    return key


def _is_htmx(request) -> bool:
    return request.headers.get("HX-Request") == "true"


def refused(request, message: str):
    """400 with `message`; for htmx, the page reloads and shows it (a fragment would be lost)."""
    if _is_htmx(request):
        messages.error(request, message)
        response = HttpResponse(message, status=400, content_type="text/plain; charset=utf-8")
        response["HX-Refresh"] = "true"
        return response
    return render(request, "core/submission_refused.html", {"message": message}, status=400)


def _replay(request, claim: SubmissionToken):
    if claim.path != request.path[:500] or claim.user_id != request.user.pk:
        return refused(
            request,
            _(
                "This form token was already used for another form, so nothing was saved. Reload the page and try again."
            ),
        )
    if claim.location:
        if not _is_htmx(request):
            messages.info(
                request, _("This form had already been sent; it was saved once. Here is the result.")
            )
        response = HttpResponseRedirect(claim.location)
        response.status_code = claim.status_code or 302
        return response
    response = HttpResponse(
        claim.body, status=claim.status_code or 200, content_type=claim.content_type or None
    )
    for name, value in claim.headers.items():
        response[name] = value
    return response


def _keep(request, claim: SubmissionToken, response) -> bool:
    """Store `response` on `claim` if it is the outcome of a submission; False if it is not."""
    if 300 <= response.status_code < 400 and response.has_header("Location"):
        claim.status_code, claim.location = response.status_code, response["Location"]
    elif _is_htmx(request) and 200 <= response.status_code < 300 and not response.streaming:
        if hasattr(response, "render") and not response.is_rendered:
            response.render()
        claim.status_code = response.status_code
        claim.content_type = response.get("Content-Type", "")
        claim.headers = {name: response[name] for name in HTMX_HEADERS if response.has_header(name)}
        if len(response.content) <= MAX_BODY:
            claim.body = response.content.decode(response.charset or "utf-8", errors="replace")
        else:  # too large to keep: a repeat reloads the page instead
            claim.headers = {"HX-Refresh": "true"}
    else:
        return False
    claim.save(update_fields=["status_code", "location", "content_type", "headers", "body"])
    return True


class SubmissionTokenMiddleware:
    """Runs a logged-in user's POST once per token (see the module's docstring). Must come after
    the session, authentication and message middleware; it calls the view itself, inside the
    transaction that holds the claim."""

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        return self.get_response(request)

    def process_view(self, request, view, args, kwargs):
        if request.method != "POST":
            return None
        user = getattr(request, "user", None)
        if user is None or not user.is_authenticated:
            return None  # the view sends the visitor to the login page
        match = request.resolver_match
        if match.view_name in EXEMPT or match.app_name in ("admin", "api"):
            return None
        key = token_key(request.POST.get(FIELD, ""), user)
        if key is None:
            return refused(
                request,
                _(
                    "This form could not be accepted: its one-time submission token is missing or no "
                    "longer valid, so nothing was saved. Reload the page and submit it again."
                ),
            )
        with transaction.atomic():
            try:
                with transaction.atomic():
                    claim = SubmissionToken.objects.create(key=key, user=user, path=request.path[:500])
            except IntegrityError:  # claimed before (or just now, by a request that has committed)
                return _replay(request, SubmissionToken.objects.get(key=key))
            response = view(request, *args, **kwargs)
            if not _keep(request, claim, response):
                claim.delete()  # nothing was submitted: the same form may be sent again
        return response


def purge_expired() -> int:
    """Delete claims older than a token's lifetime; returns how many."""
    cutoff = timezone.now() - timedelta(seconds=max_age())
    count, _details = SubmissionToken.objects.filter(claimed_at__lt=cutoff).delete()
    return count
