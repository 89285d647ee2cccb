from django.contrib.auth.decorators import login_required
from django.db import connection
from django.http import HttpResponse
from django.shortcuts import render
from django.template import loader
from django.views.decorators.cache import never_cache
from django.views.decorators.csrf import requires_csrf_token

from campaign.selectors import current_campaign_for, milestone_rows, next_due
from core import htmx


@login_required
def home(request):
    campaign = current_campaign_for(request.user)
    rows = milestone_rows(campaign, request.user) if campaign else []
    return render(
        request,
        "core/home.html",
        {
            "campaign": campaign,
            "rows": rows,
            "next_rows": next_due(rows),
            "own_rows": [row for row in rows if row.concerns_user and row.days_left >= 0],
        },
    )


@never_cache
def healthz(request):
    """For the load balancer and docker-compose: answers 200 once the database answers."""
    with connection.cursor() as cursor:
        cursor.execute("SELECT 1")
    return HttpResponse("ok", content_type="text/plain")


def permission_denied(request, exception=None):
    return render(request, "errors/403.html", status=403)


def csrf_failure(request, reason=""):
    """settings.CSRF_FAILURE_VIEW: a form whose security token is stale (the user logged in again,
    in this tab or another, since the page was loaded) answers 403 in Chinese, saying that nothing
    was saved and what to do, instead of Django's English CSRF page. An htmx request gets the one
    sentence (core.htmx shows it above the page); a page gets the error page with a link back to
    the page the form was on (same host only)."""
    if request.headers.get("HX-Request") == "true":
        return htmx.error(403, htmx.expired_text())
    return render(request, "errors/csrf.html", {"back": htmx.referring_page(request)}, status=403)


def page_not_found(request, exception=None):
    return render(request, "errors/404.html", status=404)


@requires_csrf_token
def server_error(request):
    # No context processors that touch the database: the failure may be the database itself.
    return HttpResponse(loader.get_template("errors/500.html").render(), status=500)
