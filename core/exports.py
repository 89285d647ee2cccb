"""Generated files: a direct download when small, a background job when large.

The Excel exports (the three lists, the institution list) and, since issue 14, any other generated
file (the acceptance workbook, later the PDF report) go through here.

An export (the three lists, the institution list) is an `Export`: who may ask for it, how the rows
are found for a user and a query string (always through ``visible_to``), and how they are written
(a write-only workbook, see ``core.excel.SheetWriter``). `respond` is the whole view:

- GET with at most ``PORTAL_EXPORT_SYNC_ROWS`` rows (5,000): the workbook is the answer, as before.
- GET with more: a page says how many rows there are and offers to prepare the file; nothing is
  written (a GET never writes, not even the cache).
- POST (that page's form, with its one-time token): a job is recorded in the cache and sent to
  Celery; the user goes to the job's page (`job_page`), which polls a status fragment with htmx
  until the file is ready, then links to `download`.

Any generated file (issue 14) — the entry point for a new kind of file: define an `Export` whose
`rows(user, params)` returns what the file holds, found through the user's scope (anything with a
``count()``, or give `size`), whose `write(rows, user, *, total, progress, output)` writes it, and
add its dotted path to `KINDS`. Then the view calls ``respond(request, export, params)`` with the
parameters that say which file (a region, a measuring date: the URL's, not only the query string's;
the job keeps them and finds the rows again when it runs). Optional fields:

- `background(rows, total)`: whether the file is made by a job (default: more than
  ``PORTAL_EXPORT_SYNC_ROWS`` rows). The acceptance workbook: a city's or a province's always.
- `size(rows)`: the total the progress counts (default ``rows.count()``).
- `name(rows)`: the download's name when it depends on what the file holds (default `filename()`).
- `offer`: the sentence of the page that offers the job (default: "holds N rows, more than …").
- `extension`, `content_type`: of the file (default .xlsx).

A job lives in the Django cache (Redis in production; no table), under a random id, for
``PORTAL_EXPORT_KEEP_HOURS`` (24): who asked, what, the query string, the status, rows done and the
total, the file's path under ``MEDIA_ROOT/exports/``. Only the user who asked sees the job's pages
and downloads its file, and only while they still hold a role that may export it; anyone else, and
everyone after expiry, gets 404. The rows are found when the job runs, with the user's scope at that
moment. Files outlive their cache entry only until `purge_files` (the Celery beat task
`purge_exports`, hourly, or ``manage.py purge_exports``) deletes those older than the keep time.
"""

from __future__ import annotations

import datetime
import logging
import os
import secrets
import time
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

from celery import shared_task
from django.conf import settings
from django.contrib.auth import get_user_model
from django.core.cache import cache
from django.db import transaction
from django.http import FileResponse, Http404, HttpRequest, HttpResponse, QueryDict
from django.shortcuts import redirect, render
from django.utils import timezone
from django.utils.encoding import iri_to_uri
from django.utils.functional import Promise
from django.utils.http import content_disposition_header
from django.utils.module_loading import import_string

from core.excel_import import xlsx_response

logger = logging.getLogger(__name__)

SYNC_ROWS_DEFAULT = 5000
KEEP_HOURS_DEFAULT = 24
FOLDER = "exports"
# The exports a job can run, by kind: each a module attribute holding an `Export` (imported when a
# job runs, so the worker needs no registration step).
KINDS = {
    "hazards": "hazards.excel_views.EXPORT",
    "institutions": "institutions.import_views.EXPORT",
    "acceptance_workbook": "reports.workbook_views.EXPORT",
    "summary_pdf": "reports.pdf_views.SUMMARY_EXPORT",
}
QUEUED, RUNNING, DONE, FAILED = "queued", "running", "done", "failed"
XLSX = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"


@dataclass(frozen=True)
class Export:
    kind: str  # a key of KINDS
    title: Promise  # what the job's page calls it
    roles: tuple[str, ...]  # who may export it (superusers too)
    rows: Callable  # (user, QueryDict) -> the queryset the file holds: scoped, filtered
    write: Callable  # (queryset, user, *, total, progress, output) -> bytes | None
    filename: Callable[[], str]  # the download's name, dated the day the file is made
    back: Callable[[], str]  # the URL of the page the export is made from (the list)
    # Any generated file (see the module's docstring); the defaults are the Excel exports'.
    background: Callable | None = None  # (rows, total) -> made by a job; None: total > sync_rows()
    size: Callable | None = None  # (rows) -> the total the progress counts; None: rows.count()
    name: Callable | None = None  # (rows) -> the download's name; None: filename()
    offer: Promise | None = None  # the offer page's sentence instead of the row count's
    extension: str = "xlsx"
    content_type: str = XLSX

    def allowed(self, user) -> bool:
        return bool(user and user.is_active and (user.is_superuser or user.role in self.roles))


def sync_rows() -> int:
    return getattr(settings, "PORTAL_EXPORT_SYNC_ROWS", SYNC_ROWS_DEFAULT)


def keep_seconds() -> int:
    return int(getattr(settings, "PORTAL_EXPORT_KEEP_HOURS", KEEP_HOURS_DEFAULT) * 3600)


def _key(job_id: str) -> str:
    return f"portal:export:{job_id}"


def _query(request) -> QueryDict:
    params = request.GET.copy()
    for name in ("page", "fragment"):
        params.pop(name, None)
    return params


# The view --------------------------------------------------------------------------------------------


def respond(request, export: Export, params: QueryDict | None = None):
    """The export view: the file (small), the offer to prepare it (large, GET) or a new job (POST).
    `params`: what says which file (default: the request's query string without page and
    fragment); a job keeps them and finds its rows with them when it runs."""
    params = _query(request) if params is None else params
    if request.method == "POST":
        job = start(request.user, export, params.urlencode())
        return redirect("core:export_job", job=job["id"])
    rows = export.rows(request.user, params)
    total = size_of(export, rows)
    if not in_background(export, rows, total):
        content = export.write(rows, request.user, total=total, progress=None, output=None)
        if export.content_type == XLSX:
            return xlsx_response(content, filename_of(export, rows))
        response = HttpResponse(content, content_type=export.content_type)
        response["Content-Disposition"] = content_disposition_header(True, filename_of(export, rows))
        return response
    return render(
        request,
        "core/export_large.html",
        {
            "export": export,
            "total": total,
            "limit": sync_rows(),
            "keep_hours": keep_seconds() // 3600,
            "action": iri_to_uri(request.get_full_path()),
            "back_url": _back_url(export, params.urlencode()),
        },
    )


def size_of(export: Export, rows) -> int:
    """The total the progress of `rows` counts (`Export.size`, else ``rows.count()``)."""
    return export.size(rows) if export.size else rows.count()


def in_background(export: Export, rows, total: int) -> bool:
    """Whether the file of `rows` is made by a job (`Export.background`, else above the row cap)."""
    return export.background(rows, total) if export.background else total > sync_rows()


def filename_of(export: Export, rows) -> str:
    """The download's name (`Export.name(rows)`, else `Export.filename()`)."""
    return export.name(rows) if export.name else export.filename()


def _back_url(export: Export, query: str) -> str:
    return export.back() + (f"?{query}" if query else "")


# Jobs --------------------------------------------------------------------------------------------------


def start(user, export: Export, query: str, *, job_id: str | None = None) -> dict:
    """Record a job for `user` and send it to the worker (after the request's transaction commits);
    `job_id` (a random one if not given) names it in URLs."""
    job = {
        "id": job_id or secrets.token_urlsafe(16),
        "user": user.pk,
        "kind": export.kind,
        "query": query,
        "status": QUEUED,
        "done": 0,
        "total": None,
        "path": "",
        "filename": "",
        "created": time.time(),
        "finished": None,
    }
    _save(job)
    transaction.on_commit(lambda: run_export.delay(job["id"]))
    return job


def _save(job: dict) -> None:
    remaining = job["created"] + keep_seconds() - time.time()
    if remaining > 0:
        cache.set(_key(job["id"]), job, timeout=remaining)


def get_job(job_id: str) -> dict | None:
    """The job `job_id` while it has not expired, else None."""
    job = cache.get(_key(job_id))
    if not job or job["created"] + keep_seconds() <= time.time():
        return None
    return job


def export_of(job: dict) -> Export:
    return import_string(KINDS[job["kind"]])


def job_of(request, job_id: str) -> tuple[dict, Export]:
    """The job `job_id` of the requesting user, whose role may still export it; else 404."""
    job = get_job(job_id)
    if job is None or job["user"] != request.user.pk or job["kind"] not in KINDS:
        raise Http404
    export = export_of(job)
    if not export.allowed(request.user):
        raise Http404
    return job, export


def file_path(job: dict) -> Path:
    return Path(settings.MEDIA_ROOT) / job["path"]


@shared_task(name="core.exports.run_export", ignore_result=True)
def run_export(job_id: str) -> None:
    """Write the job's file: the rows its user may see now, filtered by the job's query string."""
    job = get_job(job_id)
    if job is None or job["status"] != QUEUED:
        return
    user = get_user_model().objects.filter(pk=job["user"]).first()
    export = export_of(job)
    job["status"] = RUNNING
    _save(job)
    folder = Path(settings.MEDIA_ROOT) / FOLDER
    partial = folder / f"{job_id}.part"
    try:
        if not export.allowed(user):
            raise PermissionError("the user may no longer export this")
        folder.mkdir(parents=True, exist_ok=True)
        rows = export.rows(user, QueryDict(job["query"]))
        total = size_of(export, rows)
        job["total"] = total

        def progress(done, total):
            job["done"], job["total"] = done, total
            _save(job)

        progress(0, total)
        export.write(rows, user, total=total, progress=progress, output=partial)
        final = folder / f"{job_id}.{export.extension}"
        os.replace(partial, final)
        job.update(
            status=DONE,
            path=f"{FOLDER}/{final.name}",
            filename=filename_of(export, rows),
            finished=time.time(),
        )
    except Exception:
        logger.exception("export job %s (%s) failed", job_id, job["kind"])
        partial.unlink(missing_ok=True)
        job.update(status=FAILED, finished=time.time())
    _save(job)


def request_for(user, params: QueryDict) -> HttpRequest:
    """A request as the export page's would be (its user and query string), for the filter forms a
    job rebuilds outside any request."""
    request = HttpRequest()
    request.method = "GET"
    request.user = user
    request.GET = params
    return request


# Expiry ------------------------------------------------------------------------------------------------


def purge_files(now: float | None = None) -> int:
    """Delete the export files (and half-written ones) older than the keep time; their jobs have
    expired from the cache by then. Returns how many were deleted."""
    folder = Path(settings.MEDIA_ROOT) / FOLDER
    if not folder.is_dir():
        return 0
    limit = (now or time.time()) - keep_seconds()
    deleted = 0
    for path in folder.iterdir():
        if path.is_file() and path.stat().st_mtime < limit:
            path.unlink(missing_ok=True)
            deleted += 1
    return deleted


@shared_task(name="core.exports.purge_exports", ignore_result=True)
def purge_exports() -> int:
    return purge_files()


# Pages of a job ------------------------------------------------------------------------------------------


def job_context(job: dict, export: Export) -> dict:
    total, done = job["total"], job["done"]
    percent = int(done * 100 / total) if total else (100 if job["status"] == DONE else 0)
    expires = job["created"] + keep_seconds()
    return {
        "job": job,
        "export": export,
        "percent": percent,
        "running": job["status"] in (QUEUED, RUNNING),
        "expires": _aware(expires),
        "back_url": _back_url(export, job["query"]),
    }


def _aware(timestamp: float) -> datetime.datetime:
    return timezone.localtime(datetime.datetime.fromtimestamp(timestamp, tz=datetime.UTC))


def download_response(job: dict) -> FileResponse:
    """The job's file, as its kind's content type; 404 until it is written."""
    path = file_path(job)
    if job["status"] != DONE or not path.is_file():
        raise Http404
    response = FileResponse(
        path.open("rb"),
        as_attachment=True,
        filename=job["filename"],
        content_type=export_of(job).content_type,
    )
    response["Cache-Control"] = "private, no-store"
    return response
