import datetime

from django.conf import settings
from django.contrib.auth.decorators import login_required
from django.db import connection
from django.http import HttpResponse, JsonResponse
from django.shortcuts import render
from django.template import loader
from django.utils import timezone
from django.utils.module_loading import import_string
from django.utils.translation import gettext_lazy as _
from django.views.decorators.cache import never_cache
from django.views.decorators.csrf import requires_csrf_token

from core import htmx


@login_required
def home(request):
    """The home page (`core:home`): the view named by settings.PORTAL_HOME_VIEW answers (each
    role's work, dashboards.views.home); core imports no app above it."""
    return import_string(settings.PORTAL_HOME_VIEW)(request)


REMINDER_SCAN_STALE_AFTER = datetime.timedelta(hours=26)


def reminder_scan_status(now: datetime.datetime | None = None) -> tuple[str, bool]:
    """The daily reminder scan as /healthz reports it: (line, stale).

    - ``off``: the periodic task "reminders: daily scan" is missing or disabled (switched off on
      purpose: not stale);
    - ``ok <time>``: a scan finished (state done) within the last 26 hours;
    - ``waiting``: no scan finished yet, but the schedule was installed (its migration applied)
      less than 26 hours ago: a fresh install, `make run` and the tests are not stale;
    - ``stale``: otherwise — beat or the worker is not running, or the scan fails.
    """
    from django.db.migrations.recorder import MigrationRecorder
    from django_celery_beat.models import PeriodicTask

    from reminders.models import ScanRun

    now = now or timezone.now()
    if not PeriodicTask.objects.filter(task="reminders.tasks.daily_scan", enabled=True).exists():
        return "off", False
    last = (
        ScanRun.objects.filter(state=ScanRun.State.DONE, finished_at__isnull=False)
        .order_by("-finished_at")
        .values_list("finished_at", flat=True)
        .first()
    )
    if last and now - last <= REMINDER_SCAN_STALE_AFTER:
        return f"ok {timezone.localtime(last).isoformat(timespec='seconds')}", False
    installed = (
        MigrationRecorder.Migration.objects.filter(app="reminders", name="0003_daily_scan_schedule")
        .values_list("applied", flat=True)
        .first()
    )
    if last is None and installed and now - installed <= REMINDER_SCAN_STALE_AFTER:
        return "waiting (no scan yet)", False
    since = timezone.localtime(last).isoformat(timespec="seconds") if last else "never"
    return f"stale (last done: {since})", True


@never_cache
def healthz(request):
    """For the load balancer, docker-compose and monitoring. 200 once the database answers, with
    the reminder scan's state on a second line (`reminder_scan_status`); a stale scan does not take
    the web server out of rotation. `/healthz?strict=1` answers 503 when the scan is stale, for a
    monitor that alerts on the status code."""
    with connection.cursor() as cursor:
        cursor.execute("SELECT 1")
    line, stale = reminder_scan_status()
    status = 503 if stale and request.GET.get("strict") == "1" else 200
    return HttpResponse(f"ok\nreminder-scan: {line}\n", content_type="text/plain", status=status)


API_PREFIX = "/api/"


def _api_error(status: int, detail, code: str) -> JsonResponse:
    """The REST API's error body (core/api.py) for an answer Django gives before DRF runs."""
    return JsonResponse(
        {"detail": str(detail), "code": code}, status=status, json_dumps_params={"ensure_ascii": False}
    )


def permission_denied(request, exception=None):
    if request.path.startswith(API_PREFIX):
        return _api_error(403, _("You do not have permission to perform this action."), "permission_denied")
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
    if request.path.startswith(API_PREFIX):  # a program gets JSON, as for every other API answer
        return _api_error(404, _("Not found."), "not_found")
    return render(request, "errors/404.html", status=404)


@requires_csrf_token
def server_error(request):
    # No context processors that touch the database: the failure may be the database itself.
    if request.path.startswith(API_PREFIX):
        return _api_error(500, _("Server error; the administrators have been told."), "server_error")
    return HttpResponse(loader.get_template("errors/500.html").render(), status=500)
