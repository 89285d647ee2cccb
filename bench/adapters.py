"""The one place where the bench calls the portal's imports, export and indicators (issue 11), its
reminder scan (issue 12) and its printed outputs (issue 14: the acceptance workbook, the summary
report's PDF).

Those are being rewritten; the bench goes through their public entry points only — the views, with
Django's test client in the bench's own process (so a row cap or gunicorn's timeout cannot cut a
measurement short, and queries can be counted), and `campaign.indicators.compute_many` — so that a
change of signature is fixed here and nowhere else. An import that becomes a Celery task runs
inline: bench/ops.py sets CELERY_TASK_ALWAYS_EAGER.
"""

from __future__ import annotations

import io
import re
import time

import openpyxl
from django.core.files.uploadedfile import SimpleUploadedFile
from django.db import connection
from django.test import Client
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from core import submissions
from core.excel import NO, YES
from core.models import ImportBatch

XLSX = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"


class AdapterError(RuntimeError):
    """The portal answered in a way this adapter does not know: adjust bench/adapters.py."""


def client_for(user) -> Client:
    client = Client(HTTP_X_FORWARDED_PROTO="https", SERVER_NAME="127.0.0.1")
    client.force_login(user)
    return client


def _token(user) -> dict:
    return {submissions.FIELD: submissions.issue(user)}


# Import files ------------------------------------------------------------------------------------


def _columns(namespace: str) -> dict[str, str]:
    """field -> header of an importer's columns."""
    if namespace == "hazards":
        from hazards.excel.columns import COLUMNS
    else:
        from institutions.excel.columns import COLUMNS
    return {column.field: column.header for column in COLUMNS}


def _cell(value):
    if value is True:
        return YES
    if value is False:
        return NO
    return value


def import_file(client, namespace: str, rows: list[dict]) -> bytes:
    """The importer's own template (downloaded as the user would) with `rows` (field -> value)
    written under its header row."""
    response = client.get(reverse(f"{namespace}:import_template"))
    if response.status_code != 200:
        raise AdapterError(f"{namespace} template: HTTP {response.status_code}")
    book = openpyxl.load_workbook(io.BytesIO(b"".join(response)))
    headers = _columns(namespace)
    wanted = set(headers.values())
    for sheet in book.worksheets:
        for row in sheet.iter_rows(min_row=1, max_row=10):
            found = {str(cell.value).strip(): cell.column for cell in row if cell.value}
            if len(wanted & set(found)) >= len(wanted) // 2:
                header_row = row[0].row
                break
        else:
            continue
        break
    else:
        raise AdapterError(f"{namespace} template: no header row found")
    # the template's data validations reach far down; clear nothing, just write the values
    for number, values in enumerate(rows, start=header_row + 1):
        for field, value in values.items():
            column = found.get(headers[field])
            if column is not None:
                sheet.cell(row=number, column=column, value=_cell(value))
    out = io.BytesIO()
    book.save(out)
    return out.getvalue()


# Import through the views ------------------------------------------------------------------------


def run_import(client, user, namespace: str, content: bytes, name: str) -> dict:
    """Upload (the check: upload and preview page) then apply, as the views are used. Returns the
    seconds and queries of each step and the batch's outcome."""
    result = {}
    with CaptureQueriesContext(connection) as queries:
        started = time.perf_counter()
        upload = SimpleUploadedFile(name, content, content_type=XLSX)
        response = client.post(reverse(f"{namespace}:import"), {"file": upload, **_token(user)})
        if response.status_code != 302:
            raise AdapterError(
                f"{namespace} upload: HTTP {response.status_code}, expected a redirect to the preview"
            )
        match = re.search(r"/import/(\d+)/", response["Location"])
        if not match:
            raise AdapterError(f"{namespace} upload: redirected to {response['Location']}")
        pk = int(match.group(1))
        preview = client.get(response["Location"])
        result["check_s"] = time.perf_counter() - started
    result["check_queries"] = len(queries)
    batch = ImportBatch.objects.get(pk=pk)
    if batch.errors or preview.status_code != 200:
        raise AdapterError(f"{namespace} check found problems: {batch.errors[:3]}")
    with CaptureQueriesContext(connection) as queries:
        started = time.perf_counter()
        response = client.post(reverse(f"{namespace}:import_apply", args=[pk]), _token(user))
        result["apply_s"] = time.perf_counter() - started
    result["apply_queries"] = len(queries)
    batch.refresh_from_db()
    if batch.status != ImportBatch.Status.APPLIED:
        raise AdapterError(f"{namespace} apply: batch {pk} is {batch.status} (HTTP {response.status_code})")
    result["summary"] = batch.summary.get("counts", {})
    return result


# Export ------------------------------------------------------------------------------------------


def three_lists_export(client, user) -> bytes:
    """The three lists of every hazard the user sees, as the export button gives them: the file
    itself up to the synchronous row cap, else the background job (core/exports.py: POST to start
    it, run inline here by CELERY_TASK_ALWAYS_EAGER, then its download)."""
    url = reverse("hazards:export")
    response = client.get(url)
    if response.status_code == 200 and response.get("Content-Type", "").startswith(XLSX):
        return b"".join(response) if response.streaming else response.content
    if response.status_code != 200:
        raise AdapterError(f"three-lists export: HTTP {response.status_code}")
    response = client.post(url, _token(user))
    match = re.search(r"/exports/([\w-]+)/", response.get("Location", ""))
    if response.status_code != 302 or not match:
        raise AdapterError(f"three-lists export job: HTTP {response.status_code} {response.get('Location')}")
    download = client.get(reverse("core:export_download", args=[match.group(1)]))
    if download.status_code != 200:
        raise AdapterError(f"three-lists export download: HTTP {download.status_code}")
    return b"".join(download) if download.streaming else download.content


# Indicators --------------------------------------------------------------------------------------


def compute_many(campaign, regions, numbers):
    from campaign.indicators import compute_many

    return compute_many(campaign, regions, numbers)


# Reminders (issue 12) --------------------------------------------------------------------------


def reminder_sources() -> dict:
    """The scan's per-rule source functions, `{source: fn(on, rule) -> [Obligation]}` (the dict the
    scan reads, so that replacing an entry measures it inside the scan)."""
    from reminders import sources

    return sources.SOURCES


def reminder_scan(on):
    """The daily scan of `on`, as beat runs it (without queueing the sending)."""
    from reminders.scan import run_scan

    return run_scan(on)


def send_reminder_digest(pk: int) -> str:
    """One digest's send task, run inline (what a worker does)."""
    from reminders.tasks import send_digest

    return send_digest.apply(args=[pk]).get()


# Printed outputs (issue 14) ----------------------------------------------------------------------


def _campaign(user):
    """The campaign the user's reports measure against (the dashboards' `dashboard_campaign`, which
    is moving from dashboards.dashboard_views to campaign.selectors)."""
    from campaign.selectors import dashboard_campaign

    campaign = dashboard_campaign(user)
    if campaign is None or user.region is None:
        raise AdapterError(f"{user.username}: no campaign or no region for the printed outputs")
    return campaign


def acceptance_workbook(user, path) -> dict:
    """The acceptance workbook of the user's own region (a city or the province) as of today, as
    its background job writes it (`reports.workbook_views.EXPORT`: the plan, its row count for the
    progress, then `write_workbook` to a file): written to `path`. Returns the plan's units and
    rows (the count the job's progress uses)."""
    from reports import workbook

    campaign = _campaign(user)
    plan = workbook.plan_for(user, user.region, campaign, None)
    total = plan.count()
    workbook.write_workbook(plan, total=total, progress=lambda done, total: None, output=path)
    return {"units": len(plan.units), "rows": total}


def summary_content(user):
    """`reports.content.summary` of the user's own region and campaign, as of today."""
    from reports import content

    return content.summary(user.region, _campaign(user), None)


def overdue_annex(summary):
    """The summary's annex of overdue hazards (`reports.content.Annex`, rows of `HazardLine`)."""
    from reports import content

    for annex in summary.annexes:
        if annex.rows and isinstance(annex.rows[0], content.HazardLine):
            return annex
    return summary.annexes[0]


def fill_overdue_annex(summary, rows: int) -> int:
    """Top the summary's annex of overdue hazards up to `rows` lines (the annex's cap,
    `reports.content.ANNEX_LIMIT`) with other units' overdue hazards (open, past their deadline,
    outside the summary's region), in the annex's order and with its line's fields, when the region
    has fewer: Anshan has about 2,200 at province scale and too few open hazards to make more
    overdue, so the bench prints the city's report with a full annex this way. Returns how many lines
    were added."""
    from django.utils import translation

    from core import dates
    from hazards.models import Hazard
    from reports import content

    annex = overdue_annex(summary)
    missing = rows - len(annex.rows)
    if missing <= 0:
        return 0
    day = summary.as_of or dates.today()
    others = (
        Hazard.objects.live()
        .overdue(day)
        .exclude(region__path__startswith=summary.region.path)
        .select_related("region", "institution")
        .order_by("region__sort_key", "deadline", "pk")[:missing]
    )
    with translation.override("zh-hans"):
        lines = [
            content.HazardLine(
                code=hazard.code,
                unit=hazard.region.name,
                institution=hazard.institution.name,
                category=hazard.get_category_display(),
                found_on=hazard.found_on,
                deadline=hazard.deadline,
                days_overdue=(day - hazard.deadline).days,
                status=hazard.get_status_display(),
            )
            for hazard in others
        ]
    annex.rows = [*annex.rows, *lines]
    return len(lines)


def summary_pdf(summary) -> bytes:
    """The summary report's PDF (`reports.pdf.render_summary`)."""
    from reports import pdf

    return pdf.render_summary(summary)
