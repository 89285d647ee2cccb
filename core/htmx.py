"""htmx requests that end on the login page or an error page take the whole page there, never a
fragment of it.

An htmx request (header `HX-Request`) swaps its answer into one element: a table row, the results
below a filter form, the evidence card. The browser's XMLHttpRequest follows redirects by itself, so
when the session has ended, the login page used to be swapped into the row. And an error page (403,
404, 500) is not swapped at all by htmx, so the click seemed to do nothing.

`HtmxErrorMiddleware` (after django-htmx's middleware in settings.MIDDLEWARE) changes, for htmx
requests only:

- a redirect to the login page (LOGIN_URL) → 200 with `HX-Redirect: <login>?next=<the page>`: htmx
  loads the login page as a whole page, which says why (a Django message), and after logging in
  the user is back on the page they were on (from `HX-Current-URL`, same host only; not the
  fragment's URL, which may be POST-only);
- a 403, 404 or 5xx → the same status with a one-sentence plain-text body saying what happened
  (translated, revealing nothing of the object) and `HX-Reswap: none` (an answer that has its own
  `HX-Reswap`, such as a stale form's from `core.views.csrf_failure`, is passed on as it is);
  static/js/portal.js shows that sentence above the page (`htmx:responseError`), and a generic one when the answer is not
  the portal's (a proxy's 502) or there is none (`htmx:sendError`, the network).
"""

from urllib.parse import urlencode, urlsplit

from django.conf import settings
from django.contrib import messages
from django.http import HttpResponse
from django.shortcuts import redirect, resolve_url
from django.utils.http import url_has_allowed_host_and_scheme
from django.utils.translation import gettext as _
from django_htmx.http import HttpResponseClientRedirect

REDIRECTS = (301, 302, 303, 307, 308)


def error_text(status: int) -> str:
    """The sentence an htmx request gets for an error `status` (403, 404 or 5xx)."""
    if status == 403:
        return _("You do not have permission to do this. Nothing was changed.")
    if status == 404:
        return _("This record no longer exists or is not visible to you. Reload the page.")
    return _("The server could not complete this action. Try again later or reload the page.")


def expired_text() -> str:
    """The sentence for a form whose security token is stale (core.views.csrf_failure)."""
    return _(
        "This page has expired: you have logged in again since it was opened. Nothing was saved. "
        "Reload the page and try again."
    )


def error(status: int, text: str | None = None) -> HttpResponse:
    """The answer to an htmx request that failed with `status`: one sentence (`text`, or
    `error_text(status)`) as plain text, and ``HX-Reswap: none`` so that nothing is swapped; the
    middleware passes an answer with that header on as it is."""
    response = HttpResponse(
        text or error_text(status), status=status, content_type="text/plain; charset=utf-8"
    )
    response["HX-Reswap"] = "none"
    return response


def page_url(request) -> str | None:
    """The path and query of the page the htmx request came from, if it is on this host."""
    return same_host_path(request, request.headers.get("HX-Current-URL", ""))


def referring_page(request) -> str | None:
    """The path and query of the page a form was posted from (its Referer), if it is on this host."""
    return same_host_path(request, request.headers.get("Referer", ""))


def same_host_path(request, current: str) -> str | None:
    """`current` (an absolute URL) as a path and query, if it points to this host; else None."""
    if not current or not url_has_allowed_host_and_scheme(
        current, allowed_hosts={request.get_host()}, require_https=request.is_secure()
    ):
        return None
    parts = urlsplit(current)
    if not parts.path.startswith("/"):
        return None
    return parts.path + (f"?{parts.query}" if parts.query else "")


def is_login_redirect(response) -> bool:
    if response.status_code not in REDIRECTS or not response.has_header("Location"):
        return False
    return urlsplit(response["Location"]).path == resolve_url(settings.LOGIN_URL)


class HtmxErrorMiddleware:
    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        response = self.get_response(request)
        if request.headers.get("HX-Request") != "true":
            return response
        if is_login_redirect(response):
            return self.to_login(request)
        status = response.status_code
        if (status in (403, 404) or status >= 500) and not response.has_header("HX-Reswap"):
            return error(status)
        return response

    def to_login(self, request):
        messages.warning(request, _("Your session has ended. Log in again to continue."))
        login = resolve_url(settings.LOGIN_URL)
        back = page_url(request)
        return HttpResponseClientRedirect(f"{login}?{urlencode({'next': back})}" if back else login)


def step_done(request, url: str, *, from_card: bool | None = None, card=None) -> HttpResponse:
    """The answer to a step taken from a card of a record's page once it succeeded: the whole page
    at `url` is loaded (status, timeline and the next steps all change).

    - From the card (htmx; `from_card` defaults to `request.htmx`): ``HX-Redirect: url`` with the
      card as it now is (`card()`, a callable rendering it) or an empty 204. Carrying the card
      matters for a repeated submission: core.submissions replays the first answer's body, which
      then shows the new state rather than nothing.
    - Otherwise a plain redirect to `url` (htmx follows it inside its request).

    The caller adds its Django message first; the page at `url` shows it."""
    if not (request.htmx if from_card is None else from_card):
        return redirect(url)
    response = card() if card is not None else HttpResponse(status=204)
    response["HX-Redirect"] = url
    return response
