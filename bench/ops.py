"""One measured operation per process (so each has its own peak memory): `python -m bench.ops OP
[--file F]` prints one JSON line {seconds, peak_mb, delta_mb, ...}. Run by bench/run.py against the
bench database; the portal is called through bench/adapters.py.

Operations and their bare-library anchors (issue 11):

- files: write the two 5,000-row import files (institutions and hazards of 铁东区) to --dir.
- hazard-import / institution-import: upload (check) and apply through the views.
- hazard-import-anchor / institution-import-anchor: openpyxl reads the same file and
  `bulk_create` writes the same rows (rolled back).
- export: the three-lists export of every hazard the city user sees (Anshan: ~20,000 at province
  scale), through the view; it saves the workbook to --file for the anchor.
- export-anchor: one query for the same hazards, then openpyxl write-only writes the same cells
  (the values read back from the portal's file before the clock starts).
- compute-many: `compute_many` over every county-level unit × the 30 items (best of 3).
- compute-many-anchor: two GROUP BY queries (hazards and institutions per region, FILTER counts).
- reminder-scan: the daily scan (issue 12) on the days of SCAN_DAYS (today's first, again, the
  next day, after a week down, a campaign day); per rule its seconds, queries, obligations and
  recipients (the same queries whatever the number of subjects); for the anchor, the
  open hazards due by the horizon read in one query and as many delivery rows as the scan wrote
  bulk-inserted (rolled back).
- reminder-send: every digest the two scans left pending, each through its send task run inline
  with the locmem e-mail backend; the anchor renders and sends the same number of plain messages
  listing the same lines (read in one query).
- workbook --scale city|province: the acceptance workbook (issue 14) of bench-city (鞍山市) or
  bench-province (辽宁省) as of today, as its job writes it (plan, row count, `write_workbook` to
  --file).
- workbook-anchor: openpyxl write-only mode writes the same cells to a file: the same sheets and
  rows, each cell's value with its type (text, number, date) and its style (the styles made once,
  shared by their cells, as openpyxl copies styles), the same row heights; in the clock too one
  query reading the same hazards and institutions, as the export's anchor. The cells are read back
  from the portal's file before the clock and kept on disk in chunks of 1,000 rows (pickle), whose
  loading is timed apart and left out. Reported beside it (`plain_s`): the old anchor, the same
  values as plain strings with no style, no height and no query.
- pdf: the city's summary report (issue 14), `reports.content.summary` then
  `reports.pdf.render_summary`, with its annex of overdue hazards at `reports.content.ANNEX_LIMIT`
  (5,000) rows: Anshan has fewer, so other units' overdue hazards top it up (adapters.
  fill_overdue_annex, outside the clock); pages counted with pypdf; the annex's lines go to --file
  for the anchor.
- pdf-anchor: WeasyPrint lays out a bare HTML table of the same lines and columns (the annex's
  headers, no CSS).
"""

from __future__ import annotations

import argparse
import datetime
import html
import io
import json
import logging
import os
import random
import resource
import sys
import time


def rss_mb() -> float:
    with open("/proc/self/statm") as handle:
        return int(handle.read().split()[1]) * os.sysconf("SC_PAGE_SIZE") / 2**20


def peak_mb() -> float:
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024


def setup():
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "config.settings")
    os.environ.setdefault("CELERY_TASK_ALWAYS_EAGER", "1")
    import django

    django.setup()


ROWS = 5000


def users():
    from accounts.models import User

    return {u.username: u for u in User.objects.filter(username__in=["bench-city", "bench-district"])}


# Files -------------------------------------------------------------------------------------------


def op_files(args):
    from bench import adapters
    from bench.generator import DISTRICT
    from hazards.models import Severity, Source
    from institutions import uscc
    from institutions.models import Institution

    rng = random.Random(11)
    district = users()["bench-district"]
    client = adapters.client_for(district)
    region = district.region
    institutions = list(Institution.objects.filter(region=region).exclude(credit_code="").order_by("pk"))
    institutions = [i for i in institutions if i.parent_id is None]
    today = datetime.date.today()
    hazard_rows = []
    for n in range(ROWS):
        inst = institutions[n % len(institutions)]
        found = today - datetime.timedelta(days=rng.randrange(1, 300))
        hazard_rows.append(
            {
                "credit_code": inst.credit_code,
                "region": region.name,
                "institution": inst.name,
                "category": rng.choice(["fire", "food", "building", "medical", "other"]),
                "severity": Severity.GENERAL,
                "source": rng.choice(list(Source)).value,
                "description": f"导入测试隐患第{n + 1}条：疏散通道堆放杂物",
                "found_on": found,
                "measures": "立即清理整改",
                "responsible_unit": inst.name,
                "responsible_person": "张海涛",
                "responsible_phone": f"139{rng.randrange(10**8):08d}",
                "deadline": found + datetime.timedelta(days=30),
            }
        )
    codes = set(Institution.objects.values_list("credit_code", flat=True))
    institution_rows = []
    for n in range(ROWS):
        code = ""
        while not code or code in codes:
            code = uscc.generate("5", "2", DISTRICT, rng=rng)
        codes.add(code)
        beds = rng.randrange(20, 200)
        institution_rows.append(
            {
                "name": f"{region.name}导入测试养老院{n + 1:04d}",
                "credit_code": code,
                "region": region.name,
                "address": f"{region.name}胜利街道{n + 1}号",
                "legal_representative": "李秀梅",
                "phone": f"138{rng.randrange(10**8):08d}",
                "nature": "private",
                "registration_form": "social_organisation",
                "filing_status": "filed",
                "filed_on": datetime.date(2021, 3, 1) + datetime.timedelta(days=n % 900),
                "operating_status": "operating",
                "area": "urban",
                "beds": beds,
                "nursing_beds": beds // 2,
                "residents": beds // 2,
                "medical_mode": "contract",
                "star_rating": 0,
            }
        )
    os.makedirs(args.dir, exist_ok=True)
    for namespace, rows in (("hazards", hazard_rows), ("institutions", institution_rows)):
        content = adapters.import_file(client, namespace, rows)
        with open(os.path.join(args.dir, f"{namespace}.xlsx"), "wb") as handle:
            handle.write(content)
    return {"rows": ROWS}


# Imports -----------------------------------------------------------------------------------------


def _import(args, namespace):
    from bench import adapters

    with open(args.file, "rb") as handle:
        content = handle.read()
    from django.utils import timezone

    district = users()["bench-district"]
    client = adapters.client_for(district)
    base = rss_mb()
    since = timezone.now()
    started = time.perf_counter()
    result = adapters.run_import(client, district, namespace, content, f"{namespace}-bench.xlsx")
    result["seconds"] = time.perf_counter() - started
    result["baseline_mb"] = base
    result["queries_per_500"] = (result["check_queries"] + result["apply_queries"]) / (ROWS / 500)
    result["removed"] = _remove_imported(namespace, since)
    return result


def _remove_imported(namespace: str, since) -> int:
    """After the clock: the rows the import created go again, so that the operations measured after
    it (the export, the workbooks, the PDF) see the province's data as generated, not 5,000 more
    hazards or institutions in 铁东区 (they doubled the PDF's annexes). Returns how many."""
    from hazards.models import Hazard
    from institutions.models import Institution

    model = Hazard if namespace == "hazards" else Institution
    created = model.objects.filter(created_at__gte=since)
    count = created.count()
    created.delete()
    return count


def op_hazard_import(args):
    return _import(args, "hazards")


def op_institution_import(args):
    return _import(args, "institutions")


def _read(path):
    import openpyxl

    book = openpyxl.load_workbook(path, read_only=True, data_only=True)
    sheet = book.worksheets[0]
    rows = list(sheet.iter_rows(values_only=True))
    book.close()
    for index, row in enumerate(rows):
        if row and sum(1 for v in row if isinstance(v, str) and v) >= 8:
            header = [str(v).strip() if v else "" for v in row]
            return header, [r for r in rows[index + 1 :] if any(v not in (None, "") for v in r)]
    raise RuntimeError("no header row")


class _Rollback(Exception):
    pass


def _import_anchor(args, namespace: str, model, build) -> dict:
    """The bare-library anchor of an import: openpyxl reads the file, `build(district, rows, index)`
    makes the model instances (`index`: field -> column of the header), `bulk_create` writes them in
    batches of 500 and the transaction is rolled back."""
    from django.db import transaction

    from bench.adapters import _columns

    district = users()["bench-district"]
    base = rss_mb()
    started = time.perf_counter()
    header, rows = _read(args.file)
    fields = {h: f for f, h in _columns(namespace).items()}
    index = {fields[h]: i for i, h in enumerate(header) if h in fields}
    objs = build(district, rows, index)
    try:
        with transaction.atomic():
            model.objects.bulk_create(objs, batch_size=500)
            raise _Rollback
    except _Rollback:
        pass
    return {"seconds": time.perf_counter() - started, "baseline_mb": base, "rows": len(rows)}


def op_hazard_import_anchor(args):
    from hazards.models import Hazard
    from institutions.models import Institution

    def build(district, rows, index):
        institutions = {
            (i.credit_code, i.name): i for i in Institution.objects.filter(region=district.region_id)
        }
        objs = []
        for n, row in enumerate(rows, start=1):
            inst = institutions[row[index["credit_code"]], row[index["institution"]]]
            value = {f: row[i] for f, i in index.items()}
            objs.append(
                Hazard(
                    code=f"ANCHOR-{n}",
                    institution=inst,
                    region_id=inst.region_id,
                    category=value["category"],
                    severity=value["severity"],
                    source=value["source"],
                    description=value["description"],
                    found_on=value["found_on"],
                    measures=value["measures"],
                    responsible_unit=value["responsible_unit"],
                    responsible_person=value["responsible_person"],
                    responsible_phone=value["responsible_phone"],
                    deadline=value["deadline"],
                    original_deadline=value["deadline"],
                    created_by=district,
                )
            )
        return objs

    return _import_anchor(args, "hazards", Hazard, build)


def op_institution_import_anchor(args):
    from institutions.models import Institution

    simple = [
        "name", "credit_code", "address", "legal_representative", "phone", "nature",
        "registration_form", "filing_status", "filed_on", "operating_status", "area",
        "beds", "nursing_beds", "residents", "medical_mode", "star_rating",
    ]  # fmt: skip

    def build(district, rows, index):
        return [
            Institution(region_id=district.region_id, **{f: row[index[f]] for f in simple}) for row in rows
        ]

    return _import_anchor(args, "institutions", Institution, build)


# Export ------------------------------------------------------------------------------------------


def op_export(args):
    from bench import adapters

    city = users()["bench-city"]
    client = adapters.client_for(city)
    base = rss_mb()
    started = time.perf_counter()
    content = adapters.three_lists_export(client, city)
    seconds = time.perf_counter() - started
    with open(args.file, "wb") as handle:
        handle.write(content)
    import openpyxl

    book = openpyxl.load_workbook(io.BytesIO(content), read_only=True)
    rows = {sheet.title: sheet.max_row for sheet in book.worksheets}
    return {"seconds": seconds, "baseline_mb": base, "sheet_rows": rows, "bytes": len(content)}


def op_export_anchor(args):
    import openpyxl

    from hazards.models import Hazard

    city = users()["bench-city"]
    book = openpyxl.load_workbook(args.file, read_only=True)
    sheets = [
        (sheet.title, [list(row) for row in sheet.iter_rows(values_only=True)]) for sheet in book.worksheets
    ]
    book.close()
    base = rss_mb()
    started = time.perf_counter()
    fetched = list(
        Hazard.objects.visible_to(city)
        .live()
        .order_by("deadline", "pk")
        .values_list("code", "institution__name", "region__name", "category", "description", "found_on",
                     "deadline", "original_deadline", "status", "responsible_unit", "responsible_person",
                     "responsible_phone", "measures")
    )  # fmt: skip
    out = openpyxl.Workbook(write_only=True)
    for title, rows in sheets:
        sheet = out.create_sheet(title)
        for row in rows:
            sheet.append(row)
    buffer = io.BytesIO()
    out.save(buffer)
    return {"seconds": time.perf_counter() - started, "baseline_mb": base, "rows": len(fetched)}


# Indicators --------------------------------------------------------------------------------------


def op_compute_many(args):
    from bench import adapters
    from campaign.models import Campaign
    from core.models import Region

    campaign = Campaign.objects.get(key="anshan-2020")
    regions = list(Region.objects.county_level())
    base = rss_mb()
    times = []
    for _ in range(3):
        started = time.perf_counter()
        adapters.compute_many(campaign, regions, range(1, 31))
        times.append(time.perf_counter() - started)
    return {"seconds": min(times), "first_s": times[0], "baseline_mb": base, "regions": len(regions)}


def op_compute_many_anchor(args):
    from django.db import connection

    from core import dates

    today = dates.today()
    base = rss_mb()
    times = []
    for _ in range(3):
        started = time.perf_counter()
        with connection.cursor() as cursor:
            cursor.execute(
                """SELECT region_id, COUNT(*),
                          COUNT(*) FILTER (WHERE status <> 'closed'),
                          COUNT(*) FILTER (WHERE status <> 'closed' AND deadline < %s),
                          COUNT(*) FILTER (WHERE status = 'closed' AND closed_on <= deadline),
                          COUNT(*) FILTER (WHERE is_major_fire AND is_listed)
                   FROM hazards_hazard WHERE deleted_at IS NULL GROUP BY region_id""",
                [today],
            )
            cursor.fetchall()
            cursor.execute(
                """SELECT region_id, COUNT(*),
                          COUNT(*) FILTER (WHERE filing_status = 'filed'),
                          COUNT(*) FILTER (WHERE gb38600_compliant),
                          COUNT(*) FILTER (WHERE star_rating > 0),
                          COUNT(*) FILTER (WHERE medical_mode <> 'none'),
                          COUNT(*) FILTER (WHERE legal_code_entered_on <= DATE '2020-11-30')
                   FROM institutions_institution
                   WHERE operating_status = 'operating' AND legal_person_status <> 'converted'
                   GROUP BY region_id"""
            )
            cursor.fetchall()
        times.append(time.perf_counter() - started)
    return {"seconds": min(times), "first_s": times[0], "baseline_mb": base}


# Reminders ---------------------------------------------------------------------------------------

# (label, days after today or a fixed date): the first scan of the ledger's life (its window is
# the day itself), the same day again (writes nothing), the next day (a normal daily scan), a scan
# after a week's downtime (catches up 7 days once), and a campaign day (2020-10-30, the
# national-system deadline: the milestone rule's busiest day; no scan before it, so one day).
SCAN_DAYS = (
    ("first", 0),
    ("rerun", 0),
    ("next day", 1),
    ("after 7 days down", 8),
    ("campaign day", datetime.date(2020, 10, 30)),
)


class QueryCounter:
    """Counts the queries of the default connection (execute_wrapper: no 9,000-entry log cap)."""

    def __init__(self):
        self.count = 0

    def __call__(self, execute, sql, params, many, context):
        self.count += 1
        return execute(sql, params, many, context)


def op_reminder_scan(args):
    from django.db import connection, transaction

    from bench import adapters
    from core import dates
    from hazards.models import Hazard
    from reminders.models import Delivery, Digest, Notification
    from reminders.sources import horizon

    counter = QueryCounter()
    per_rule: dict = {}
    sources = adapters.reminder_sources()
    label = {"now": ""}

    def measured(name, fn):
        def run(on, rule):
            queries, started = counter.count, time.perf_counter()
            result = fn(on, rule)
            per_rule.setdefault(label["now"], {})[name] = {
                "seconds": time.perf_counter() - started,
                "queries": counter.count - queries,
                "obligations": len(result),
                "recipients": sum(len(ob.recipients) for ob in result),
            }
            return result

        return run

    for name, fn in list(sources.items()):
        sources[name] = measured(name, fn)
    base = rss_mb()
    result: dict = {"baseline_mb": base, "rules": per_rule, "scans": {}}
    today = dates.today()
    with connection.execute_wrapper(counter):
        for name, when in SCAN_DAYS:
            day = when if isinstance(when, datetime.date) else today + datetime.timedelta(days=when)
            label["now"] = name
            queries, started = counter.count, time.perf_counter()
            run = adapters.reminder_scan(day)
            result["scans"][name] = {
                "on": day.isoformat(),
                "seconds": time.perf_counter() - started,
                "queries": counter.count - queries,
                "state": run.state,
                "new_deliveries": run.counts.get("new_deliveries", 0),
            }
    result["deliveries"] = Delivery.objects.count()
    result["digests"] = Digest.objects.count()
    result["notifications"] = Notification.objects.count()
    result["seconds"] = result["scans"]["first"]["seconds"]

    # The anchor: the open hazards due by today's horizon in one query, and as many delivery rows
    # as the scan of today wrote, bulk-inserted and rolled back.
    from reminders.models import Rule

    rule = Rule.objects.get(source="hazard")
    written = Delivery.objects.filter(occurrence=today).count()
    started = time.perf_counter()
    rows = list(
        Hazard.objects.filter(deleted_at__isnull=True, deadline__lte=horizon(today, rule))
        .exclude(status="closed")
        .values_list("pk", "deadline", "region_id", "institution_id")
    )
    users = list(Digest.objects.filter(on=today).values_list("recipient_id", flat=True)) or [None]
    with transaction.atomic():
        Delivery.objects.bulk_create(
            [
                Delivery(
                    source="bench",
                    subject=f"hazard:{n}",
                    recipient_id=users[n % len(users)],
                    occurrence=today,
                    kind="overdue",
                    due_on=today,
                    title=f"整改隐患 {n}",
                    url="/hazards/",
                )
                for n in range(written)
            ],
            batch_size=2000,
        )
        transaction.set_rollback(True)
    result["anchor_s"] = time.perf_counter() - started
    result["anchor_rows"] = len(rows)
    return result


def op_reminder_send(args):
    from django.conf import settings
    from django.core import mail

    from bench import adapters
    from reminders.models import Delivery, Digest

    settings.EMAIL_BACKEND = "django.core.mail.backends.locmem.EmailBackend"
    logging.getLogger("celery").setLevel(logging.WARNING)  # one "succeeded" line per task otherwise
    pending = list(Digest.objects.filter(state="pending").order_by("pk").values_list("pk", flat=True))
    lines = {}
    for digest_id, title in Delivery.objects.filter(digest_id__in=pending, state="pending").values_list(
        "digest_id", "title"
    ):
        lines.setdefault(digest_id, []).append(title)
    base = rss_mb()
    counter = QueryCounter()
    outcomes: dict = {}
    from django.db import connection

    mail.outbox = []
    started = time.perf_counter()
    with connection.execute_wrapper(counter):
        for pk in pending:
            outcome = adapters.send_reminder_digest(pk)
            outcomes[outcome] = outcomes.get(outcome, 0) + 1
    seconds = time.perf_counter() - started
    sent = len(mail.outbox)

    # The anchor: the same number of plain messages with the same lines, through the same backend.
    mail.outbox = []
    started = time.perf_counter()
    connection_ = mail.get_connection()
    messages = [
        mail.EmailMessage(
            subject="养老院服务质量监管平台：今日待办",
            body="\n".join(lines.get(pk, [])),
            to=[f"user{pk}@bench.invalid"],
        )
        for pk in pending
    ]
    connection_.send_messages(messages)
    return {
        "seconds": seconds,
        "queries": counter.count,
        "digests": len(pending),
        "sent": sent,
        "outcomes": outcomes,
        "lines": sum(len(v) for v in lines.values()),
        "anchor_s": time.perf_counter() - started,
        "baseline_mb": base,
    }


# Printed outputs (issue 14) ----------------------------------------------------------------------

WORKBOOK_USERS = {"city": "bench-city", "province": "bench-province"}
CHUNK_ROWS = 1000  # rows per pickled chunk of the workbook anchor's values


def op_workbook(args):
    from accounts.models import User
    from bench import adapters

    user = User.objects.get(username=WORKBOOK_USERS[args.scale])
    base = rss_mb()
    started = time.perf_counter()
    result = adapters.acceptance_workbook(user, args.file)
    result["seconds"] = time.perf_counter() - started
    result.update(baseline_mb=base, bytes=os.path.getsize(args.file), scale=args.scale)
    return result


def _plain(value):
    """A cell's value as the plain anchor writes it: a string (a date as ISO); None stays empty."""
    if value is None:
        return None
    if isinstance(value, datetime.datetime):
        return value.date().isoformat() if value.time() == datetime.time() else value.isoformat(" ")
    if isinstance(value, datetime.date):
        return value.isoformat()
    return str(value)


def _row_heights(path) -> dict[str, dict[int, float]]:
    """{worksheet part name: {row number: height}} of the rows with a custom height, read from the
    file's XML (openpyxl's read-only mode does not give them)."""
    import re
    import zipfile

    found = {}
    pattern = re.compile(rb'<row r="(\d+)"[^>]*?\bht="([0-9.]+)"')
    with zipfile.ZipFile(path) as archive:
        for name in archive.namelist():
            if name.startswith("xl/worksheets/sheet"):
                found[name] = {int(r): float(h) for r, h in pattern.findall(archive.read(name))}
    return found


def op_workbook_anchor(args):
    """openpyxl's write-only mode writing the same workbook: one `WriteOnlyCell` per cell with the
    cell's value (its type kept: text, number, date) and its style (font, fill, border, alignment,
    number format: each style made once before the clock, as a script defines its styles, and
    shared by its cells' records, as openpyxl copies styles), the same row heights through
    `row_dimensions`, the same sheets. Before the clock the portal's cells are read back from its
    file and kept on disk in chunks (pickle: dates stay dates); their loading is timed apart and left
    out. In the clock too, as the export's anchor: one query reading the same hazards and
    institutions (their shown fields), as a script would read its data."""
    import pickle

    import openpyxl
    from openpyxl.cell import WriteOnlyCell

    from accounts.models import User
    from bench import adapters
    from reports import workbook

    values = f"{args.file}.values"
    heights = _row_heights(args.file)
    book = openpyxl.load_workbook(args.file, read_only=True)
    parts = {sheet.title: f"xl/worksheets/sheet{n}.xml" for n, sheet in enumerate(book.worksheets, start=1)}
    styles: dict[int, tuple] = {}  # source style id -> (font, fill, border, alignment, number format)
    sheets, rows, cells, width = [], 0, 0, 0
    with open(values, "wb") as out:
        for sheet in book.worksheets:
            chunks, chunk = 0, []
            for row in sheet.iter_rows():
                line = []
                for cell in row:
                    styled = getattr(cell, "has_style", False)  # an EmptyCell has no style
                    if cell.value is None and not styled:
                        line.append(None)
                        continue
                    style_id = cell._style_id if styled else None
                    if style_id is not None and style_id not in styles:
                        styles[style_id] = (
                            cell.font,
                            cell.fill,
                            cell.border,
                            cell.alignment,
                            cell.number_format,
                        )
                    line.append((cell.value, style_id))
                    cells += cell.value is not None
                chunk.append(line)
                rows += 1
                width = max(width, len(row))
                if len(chunk) == CHUNK_ROWS:
                    pickle.dump(chunk, out, protocol=pickle.HIGHEST_PROTOCOL)
                    chunks, chunk = chunks + 1, []
            if chunk:
                pickle.dump(chunk, out, protocol=pickle.HIGHEST_PROTOCOL)
                chunks += 1
            sheets.append((sheet.title, chunks, heights.get(parts[sheet.title], {})))
    book.close()
    out_book = openpyxl.Workbook(write_only=True)
    # Each style made once on a template cell (attribute by attribute, as the documentation shows);
    # the cells share its record (`_style`), as openpyxl's own style copying does: set per cell, the
    # attributes cost ten times the rest of the writing (hashing a Font per cell).
    template = WriteOnlyCell(out_book.create_sheet("styles"))
    records = {}
    for style_id, record in styles.items():
        template._style = None
        for name, value in zip(("font", "fill", "border", "alignment", "number_format"), record, strict=True):
            setattr(template, name, value)
        records[style_id] = template._style
    out_book.remove(out_book["styles"])
    user = User.objects.get(username=WORKBOOK_USERS[args.scale])
    plan = workbook.plan_for(user, user.region, adapters._campaign(user), None)
    hazard_fields = ("code", "institution__name", "region__name", "category", "severity", "source",
                     "description", "found_on", "measures", "deadline", "original_deadline", "status",
                     "verified_at", "verification_opinion", "closed_on", "responsible_unit",
                     "responsible_person", "responsible_phone")  # fmt: skip
    institution_fields = tuple(workbook.INSTITUTION_PRINT)
    base = rss_mb()
    loading = 0.0
    started = time.perf_counter()
    fetched = sum(1 for _ in plan.hazards.values_list(*hazard_fields).iterator(chunk_size=CHUNK_ROWS))
    fetched += sum(
        1 for _ in plan.institutions.values_list(*institution_fields).iterator(chunk_size=CHUNK_ROWS)
    )
    with open(values, "rb") as source:
        for title, chunks, row_heights in sheets:
            sheet = out_book.create_sheet(title)
            number = 0
            for _ in range(chunks):
                begun = time.perf_counter()
                chunk = pickle.load(source)
                loading += time.perf_counter() - begun
                for line in chunk:
                    number += 1
                    height = row_heights.get(number)
                    if height:
                        sheet.row_dimensions[number].height = height
                    row = []
                    for entry in line:
                        if entry is None:
                            row.append(None)
                            continue
                        value, style_id = entry
                        cell = WriteOnlyCell(sheet, value=value)
                        if style_id is not None:
                            cell._style = records[style_id]
                        row.append(cell)
                    sheet.append(row)
    out_book.save(f"{args.file}.anchor.xlsx")
    seconds = time.perf_counter() - started - loading
    # For reference, the old anchor: the same values as plain strings, no style, no row height, no
    # query (what openpyxl costs at the least for as many cells).
    plain_book = openpyxl.Workbook(write_only=True)
    plain_loading = 0.0
    begun_plain = time.perf_counter()
    with open(values, "rb") as source:
        for title, chunks, _heights in sheets:
            sheet = plain_book.create_sheet(title)
            for _ in range(chunks):
                begun = time.perf_counter()
                chunk = pickle.load(source)
                plain_loading += time.perf_counter() - begun
                for line in chunk:
                    sheet.append([None if entry is None else _plain(entry[0]) for entry in line])
    plain_book.save(f"{args.file}.anchor.xlsx")
    plain_seconds = time.perf_counter() - begun_plain - plain_loading
    os.unlink(values)
    os.unlink(f"{args.file}.anchor.xlsx")
    return {
        "seconds": seconds,
        "loading_s": loading,
        "baseline_mb": base,
        "sheets": len(sheets),
        "rows": rows,
        "cells": cells,
        "columns": width,
        "styles": len(styles),
        "fetched": fetched,
        "plain_s": plain_seconds,
    }


def _quiet_weasyprint():
    # WeasyPrint logs every page laid out (INFO) and the charts' repeated SVG ids (WARNING).
    for name in ("weasyprint", "weasyprint.progress", "fontTools"):
        logging.getLogger(name).setLevel(logging.ERROR)


def _pages(content: bytes) -> int:
    from pypdf import PdfReader

    return len(PdfReader(io.BytesIO(content)).pages)


def op_pdf(args):
    from bench import adapters
    from reports.content import ANNEX_LIMIT

    _quiet_weasyprint()
    city = users()["bench-city"]
    base = rss_mb()
    started = time.perf_counter()
    summary = adapters.summary_content(city)
    content_s = time.perf_counter() - started
    annex = adapters.overdue_annex(summary)
    own = len(annex.rows)
    added = adapters.fill_overdue_annex(summary, ANNEX_LIMIT)  # outside the clock
    started = time.perf_counter()
    content = adapters.summary_pdf(summary)
    render_s = time.perf_counter() - started
    table_rows = sum(len(a.rows) for a in summary.annexes)
    lines = [
        [str(n), line.code, line.unit, line.institution, line.category,
         line.found_on.isoformat() if line.found_on else "—",
         line.deadline.isoformat() if line.deadline else "—", str(line.days_overdue), line.status]
        for n, line in enumerate(annex.rows, start=1)
    ]  # fmt: skip
    with open(args.file, "w", encoding="utf-8") as handle:
        json.dump(lines, handle, ensure_ascii=False)
    pages = _pages(content)
    seconds = content_s + render_s
    return {
        "seconds": seconds,
        "content_s": content_s,
        "render_s": render_s,
        "pages": pages,
        "bytes": len(content),
        "annex_rows": len(annex.rows),
        "annex_own_rows": own,
        "annex_added_rows": added,
        "table_rows": table_rows,
        "ms_per_row": seconds / len(annex.rows) * 1000 if annex.rows else None,
        "ms_per_table_row": seconds / table_rows * 1000 if table_rows else None,
        "s_per_page": seconds / pages if pages else None,
        "baseline_mb": base,
    }


# The annex of overdue hazards' columns (templates/reports/pdf/_annex_hazards.html), msgids.
ANNEX_HEADERS = (
    "No.", "Hazard code", "Local unit", "Institution", "Category", "Found on", "Deadline",
    "Days overdue", "Status",
)  # fmt: skip


def op_pdf_anchor(args):
    from django.utils import translation
    from django.utils.translation import gettext as _
    from weasyprint import HTML

    _quiet_weasyprint()
    with open(args.file, encoding="utf-8") as handle:
        lines = json.load(handle)
    with translation.override("zh-hans"):
        headers = [_(h) for h in ANNEX_HEADERS]
    base = rss_mb()
    started = time.perf_counter()
    cells = "".join(
        "<tr>" + "".join(f"<td>{html.escape(value)}</td>" for value in line) + "</tr>" for line in lines
    )
    page = (
        '<!DOCTYPE html><html lang="zh-CN"><head><meta charset="utf-8"></head><body><table><thead><tr>'
        + "".join(f"<th>{html.escape(h)}</th>" for h in headers)
        + f"</tr></thead><tbody>{cells}</tbody></table></body></html>"
    )
    content = HTML(string=page).write_pdf()
    seconds = time.perf_counter() - started
    pages = _pages(content)
    return {
        "seconds": seconds,
        "pages": pages,
        "rows": len(lines),
        "ms_per_row": seconds / len(lines) * 1000 if lines else None,
        "s_per_page": seconds / pages if pages else None,
        "baseline_mb": base,
    }


OPS = {
    "files": op_files,
    "hazard-import": op_hazard_import,
    "hazard-import-anchor": op_hazard_import_anchor,
    "institution-import": op_institution_import,
    "institution-import-anchor": op_institution_import_anchor,
    "export": op_export,
    "export-anchor": op_export_anchor,
    "compute-many": op_compute_many,
    "compute-many-anchor": op_compute_many_anchor,
    "reminder-scan": op_reminder_scan,
    "reminder-send": op_reminder_send,
    "workbook": op_workbook,
    "workbook-anchor": op_workbook_anchor,
    "pdf": op_pdf,
    "pdf-anchor": op_pdf_anchor,
}


def main(argv=None):
    parser = argparse.ArgumentParser()
    parser.add_argument("op", choices=sorted(OPS))
    parser.add_argument("--file")
    parser.add_argument("--dir")
    parser.add_argument("--scale", choices=sorted(WORKBOOK_USERS), default="city")
    args = parser.parse_args(argv)
    setup()
    result = OPS[args.op](args)
    result["peak_mb"] = peak_mb()
    if "baseline_mb" in result:
        result["delta_mb"] = result["peak_mb"] - result["baseline_mb"]
    print(json.dumps(result, default=str))
    sys.stdout.flush()


if __name__ == "__main__":
    main()
