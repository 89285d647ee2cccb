"""The bench of issue 11, in one run: `make bench` (or `.venv/bin/python -m bench.run`).

1. starts a throw-away PostgreSQL and Redis (scripts/with-services.sh), migrates;
2. loads the province data (`manage.py bench_data --province`), or restores it from
   bench/.cache/ (pg_dump of an earlier run with the same generator; then migrates again);
3. starts gunicorn (2 workers) on loopback with production settings (DEBUG off, a secret key,
   ALLOWED_HOSTS, behind a "TLS proxy": X-Forwarded-Proto: https), logs in as each bench user
   through the login page and drives 4 concurrent connections (wrk) against the anchor page and
   every list page: req/s, p50, p95, ratio to the anchor;
4. stops gunicorn and times, each in its own process with its peak memory, the imports, the
   export and compute_many against their bare-library anchors, then the reminder scan on five
   days and the sending of the digests it made, then the acceptance workbook of the city and of
   the province and the city's summary report PDF with a 5,000-row annex (issue 14), each against
   its bare-library anchor (bench/ops.py);
5. prints a Markdown table and writes it to bench/README.md.

Options: --scale city|province, --duration S (per page, default 10), --fresh (regenerate the data),
--skip-pages, --skip-ops, --only GROUP,... (only these operations, implies --no-readme; groups:
imports, export, compute-many, reminders, workbook-city, workbook-province, pdf; "workbook" is
both workbooks), --no-readme.
"""

from __future__ import annotations

import argparse
import datetime
import hashlib
import http.client
import json
import os
import platform
import re
import secrets
import shutil
import signal
import socket
import subprocess
import sys
import tempfile
import time
import urllib.parse
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
BENCH = ROOT / "bench"
CACHE = BENCH / ".cache"
PYTHON = (
    str(ROOT / ".venv" / "bin" / "python") if (ROOT / ".venv" / "bin" / "python").exists() else sys.executable
)
GUNICORN = str(Path(PYTHON).parent / "gunicorn")
PASSWORD = "Bench-2020"
CONNECTIONS = 4
WORKERS = 2

# (label, user, path): the anchor first. The three lists: one row per list.
PAGES = [
    ("anchor (base template + 1 COUNT)", "bench-city", "/bench/anchor/"),
    ("home: city dashboard", "bench-city", "/"),
    ("home: district dashboard", "bench-district", "/"),
    ("home: province dashboard", "bench-province", "/"),
    ("city dashboard as of 2020-10-31", "bench-city", "/?as_of=2020-10-31"),
    ("data-quality panel, city", "bench-city", "/dashboards/quality/"),
    ("ledger, district", "bench-district", "/hazards/"),
    ("ledger, city", "bench-city", "/hazards/"),
    ("ledger, province", "bench-province", "/hazards/"),
    ("three lists: hazards, city", "bench-city", "/hazards/lists/hazards/"),
    ("three lists: rectification, city", "bench-city", "/hazards/lists/rectification/"),
    ("three lists: responsibility, city", "bench-city", "/hazards/lists/responsibility/"),
    ("institution list, city", "bench-city", "/institutions/"),
    ("institution list, province", "bench-province", "/institutions/"),
    ("checklist matrix, city", "bench-city", "/checklist/matrix/"),
]

TARGETS = {
    "page_p95_ms": 250,
    "dashboard_p95_ms": 300,  # issue 13: the dashboards (home pages) and the quality panel
    "page_ratio": 0.3,
    "import_s": 10,
    "import_queries_per_500": 20,
    "export_ratio": 1.5,
    "export_mb": 150,
    "compute_many_s": 0.5,
    "scan_s": 60,
    "workbook_ratio": 1.3,  # issue 14: the acceptance workbook against openpyxl write-only
    "workbook_mb": 200,  # judged on Δ, as the export
    "pdf_ms_per_row": 4,  # issue 14: the summary report, per row of its 5,000-row annex
    "pdf_mb": 600,  # peak RSS of the process (a recycled worker's whole memory)
}

# The operations' groups, in the order they run (--only picks some).
OP_GROUPS = ("imports", "export", "compute-many", "reminders", "workbook-city", "workbook-province", "pdf")
OP_ALIASES = {"workbook": ("workbook-city", "workbook-province")}

WRK_SCRIPT = """
done = function(summary, latency, requests)
  local errors = summary.errors
  io.write(string.format('BENCHJSON {"requests": %d, "duration_us": %d, "p50_us": %d, "p95_us": %d, "p99_us": %d, "non2xx": %d, "socket_errors": %d}\\n',
    summary.requests, summary.duration, latency:percentile(50), latency:percentile(95), latency:percentile(99),
    errors.status, errors.connect + errors.read + errors.write + errors.timeout))
end
"""


def log(message: str) -> None:
    print(f"[bench {datetime.datetime.now():%H:%M:%S}] {message}", flush=True)


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def manage(env, *args, **kwargs):
    return subprocess.run([PYTHON, "manage.py", *args], cwd=ROOT, env=env, check=True, **kwargs)


# Data --------------------------------------------------------------------------------------------


def cache_key(scale: str) -> str:
    digest = hashlib.sha256()
    for path in sorted(
        [*(BENCH / "generator").glob("*.py"), BENCH / "management" / "commands" / "bench_data.py"]
    ):
        digest.update(path.read_bytes())
    digest.update(scale.encode())
    return digest.hexdigest()[:16]


def pg_args() -> list[str]:
    url = urllib.parse.urlparse(os.environ["DATABASE_URL"])
    return ["-h", url.hostname, "-p", str(url.port), "-U", url.username, "-d", url.path.lstrip("/")]


def vacuum(pg_env) -> None:
    """pg_restore brings no planner statistics and no visibility map, and a bulk load leaves the
    map empty: a live database has both (autovacuum), so the pages are measured with them."""
    subprocess.run(
        ["psql", "-q", *pg_args(), "-c", "VACUUM ANALYZE"], env=pg_env, check=True, stderr=subprocess.DEVNULL
    )


def load_data(env, scale: str, fresh: bool) -> dict:
    dump = CACHE / f"{scale}-{cache_key(scale)}.dump"
    pg_env = {**env, "PGPASSWORD": urllib.parse.urlparse(os.environ["DATABASE_URL"]).password or ""}
    started = time.monotonic()
    if dump.exists() and not fresh:
        log(f"restoring {dump.name}")
        subprocess.run(["pg_restore", "--no-owner", "-j", "2", *pg_args(), str(dump)], env=pg_env, check=True)
        manage(env, "migrate", "--no-input", "-v0")  # migrations added since the dump
        vacuum(pg_env)
        return {"data": f"restored from bench/.cache/{dump.name}", "data_s": time.monotonic() - started}
    manage(env, "migrate", "--no-input", "-v0")
    log(f"generating the {scale} data (bench_data --{scale})")
    manage(env, "bench_data", f"--{scale}", "--password", PASSWORD)
    generated = time.monotonic() - started
    CACHE.mkdir(exist_ok=True)
    for old in CACHE.glob(f"{scale}-*.dump"):
        old.unlink()
    subprocess.run(["pg_dump", "-Fc", "-Z", "1", *pg_args(), "-f", str(dump)], env=pg_env, check=True)
    vacuum(pg_env)
    return {
        "data": f"generated in {generated:.0f} s (cached as bench/.cache/{dump.name})",
        "data_s": generated,
    }


def counts(env) -> dict:
    code = (
        "from hazards.models import Hazard; from institutions.models import Institution; "
        "from core.models import Region; import json; "
        "print(json.dumps({'hazards': Hazard.objects.count(), 'institutions': Institution.objects.count(), "
        "'units': Region.objects.county_level().count(), 'cities': Region.objects.filter(kind='city').count()}))"
    )
    out = manage(env, "shell", "-c", code, capture_output=True, text=True).stdout
    return json.loads(out.strip().splitlines()[-1])


# HTTP --------------------------------------------------------------------------------------------


class Site:
    """Requests to the gunicorn on loopback as if through the TLS proxy."""

    def __init__(self, port: int):
        self.port = port

    def request(self, method, path, body=None, headers=None):
        conn = http.client.HTTPConnection("127.0.0.1", self.port, timeout=120)
        conn.request(method, path, body=body, headers={"X-Forwarded-Proto": "https", **(headers or {})})
        response = conn.getresponse()
        data = response.read()
        conn.close()
        return response, data

    def login(self, username: str) -> str:
        response, body = self.request("GET", "/accounts/login/")
        cookies = self._cookies(response)
        token = re.search(rb'name="csrfmiddlewaretoken" value="([^"]+)"', body).group(1).decode()
        form = urllib.parse.urlencode(
            {"username": username, "password": PASSWORD, "csrfmiddlewaretoken": token}
        )
        response, _ = self.request(
            "POST",
            "/accounts/login/",
            body=form,
            headers={
                "Content-Type": "application/x-www-form-urlencoded",
                "Cookie": self._header(cookies),
                "Referer": f"https://127.0.0.1:{self.port}/accounts/login/",
                "Origin": f"https://127.0.0.1:{self.port}",
            },
        )
        cookies.update(self._cookies(response))
        if response.status != 302 or "sessionid" not in cookies:
            raise RuntimeError(f"login as {username} failed: HTTP {response.status}")
        return self._header(cookies)

    @staticmethod
    def _cookies(response) -> dict:
        found = {}
        for name, value in response.getheaders():
            if name.lower() == "set-cookie":
                key, _, rest = value.partition("=")
                found[key] = rest.split(";", 1)[0]
        return found

    @staticmethod
    def _header(cookies: dict) -> str:
        return "; ".join(f"{k}={v}" for k, v in cookies.items())


def wrk(port, path, cookie, duration, script) -> dict:
    command = [
        "wrk", "-t", "2", "-c", str(CONNECTIONS), "-d", f"{duration}s", "--timeout", "30s", "-s", script,
        "-H", f"Cookie: {cookie}", "-H", "X-Forwarded-Proto: https", f"http://127.0.0.1:{port}{path}",
    ]  # fmt: skip
    out = subprocess.run(command, capture_output=True, text=True, check=True).stdout
    line = next(line for line in out.splitlines() if line.startswith("BENCHJSON "))
    data = json.loads(line.removeprefix("BENCHJSON "))
    return {
        "rps": data["requests"] / (data["duration_us"] / 1e6),
        "p50_ms": data["p50_us"] / 1000,
        "p95_ms": data["p95_us"] / 1000,
        "requests": data["requests"],
        "errors": data["non2xx"] + data["socket_errors"],
    }


def run_pages(env, duration: int) -> list[dict]:
    port = free_port()
    server = subprocess.Popen(
        [GUNICORN, "config.wsgi", "-w", str(WORKERS), "-b", f"127.0.0.1:{port}", "--timeout", "120",
         "--log-level", "warning"],
        cwd=ROOT, env=env, start_new_session=True,
    )  # fmt: skip
    script = Path(tempfile.mkstemp(suffix=".lua")[1])
    script.write_text(WRK_SCRIPT)
    site = Site(port)
    results = []
    try:
        for _ in range(100):
            try:
                response, _ = site.request("GET", "/healthz")
                if response.status == 200:
                    break
            except OSError:
                pass
            time.sleep(0.2)
        sessions = {user: site.login(user) for user in sorted({user for _label, user, _path in PAGES})}
        for label, user, path in PAGES:
            response, body = site.request("GET", path, headers={"Cookie": sessions[user]})
            if response.status != 200:
                raise RuntimeError(f"{label}: GET {path} as {user} answered HTTP {response.status}")
            wrk(port, path, sessions[user], 2, str(script))  # warm-up
            result = wrk(port, path, sessions[user], duration, str(script))
            result.update(label=label, user=user, path=path, kb=len(body) / 1024)
            log(
                f"{label}: {result['rps']:.1f} req/s, p50 {result['p50_ms']:.0f} ms, p95 {result['p95_ms']:.0f} ms"
            )
            results.append(result)
    finally:
        os.killpg(server.pid, signal.SIGTERM)
        server.wait(timeout=30)
        script.unlink(missing_ok=True)
    return results


# Operations --------------------------------------------------------------------------------------


def op(env, name, **options) -> dict:
    args = [PYTHON, "-m", "bench.ops", name]
    for key, value in options.items():
        args += [f"--{key}", str(value)]
    completed = subprocess.run(args, cwd=ROOT, env=env, capture_output=True, text=True)
    if completed.returncode != 0:
        tail = "\n".join(completed.stderr.strip().splitlines()[-5:])
        log(f"{name} failed:\n{tail}")
        return {"error": tail.splitlines()[-1] if tail else f"exit {completed.returncode}"}
    result = json.loads(completed.stdout.strip().splitlines()[-1])
    log(f"{name}: {result.get('seconds', 0):.2f} s, peak {result['peak_mb']:.0f} MB")
    return result


def op_groups(only: str | None) -> tuple[str, ...]:
    """The operation groups `--only` names ("workbook,pdf"), in their running order; all without
    it. Raises ValueError for an unknown name."""
    if not only:
        return OP_GROUPS
    wanted = set()
    for name in (n.strip() for n in only.split(",") if n.strip()):
        if name not in OP_GROUPS and name not in OP_ALIASES:
            raise ValueError(
                f"unknown operation group {name!r} (known: {', '.join(OP_GROUPS + tuple(OP_ALIASES))})"
            )
        wanted.update(OP_ALIASES.get(name, (name,)))
    return tuple(group for group in OP_GROUPS if group in wanted)


def run_ops(env, groups=OP_GROUPS) -> dict:
    work = Path(tempfile.mkdtemp(prefix="bench-ops-"))
    results = {}
    try:
        if "imports" in groups:
            results["files"] = op(env, "files", dir=work)
            for kind in ("hazard", "institution"):
                file = work / f"{kind}s.xlsx"
                results[f"{kind}-import-anchor"] = op(env, f"{kind}-import-anchor", file=file)
                results[f"{kind}-import"] = op(env, f"{kind}-import", file=file)
        if "export" in groups:
            export = work / "export.xlsx"
            results["export"] = op(env, "export", file=export)
            results["export-anchor"] = (
                op(env, "export-anchor", file=export) if export.exists() else {"error": "no export"}
            )
        if "compute-many" in groups:
            results["compute-many"] = op(env, "compute-many")
            results["compute-many-anchor"] = op(env, "compute-many-anchor")
        if "reminders" in groups:
            results["reminder-scan"] = op(env, "reminder-scan")
            results["reminder-send"] = op(env, "reminder-send")
        for scale in ("city", "province"):
            if f"workbook-{scale}" in groups:
                file = work / f"workbook-{scale}.xlsx"
                results[f"workbook-{scale}"] = op(env, "workbook", scale=scale, file=file)
                results[f"workbook-{scale}-anchor"] = (
                    op(env, "workbook-anchor", file=file) if file.exists() else {"error": "no workbook"}
                )
                file.unlink(missing_ok=True)
        if "pdf" in groups:
            lines = work / "annex.json"
            results["pdf"] = op(env, "pdf", file=lines)
            results["pdf-anchor"] = (
                op(env, "pdf-anchor", file=lines) if lines.exists() else {"error": "no annex"}
            )
    finally:
        shutil.rmtree(work, ignore_errors=True)
    return results


# Report ------------------------------------------------------------------------------------------


def p95_target(path: str) -> int:
    """The p95 target of a page: 300 ms for the dashboards (issue 13), 250 ms for the lists."""
    dashboard = path == "/" or path.startswith("/?") or path.startswith("/dashboards/")
    return TARGETS["dashboard_p95_ms"] if dashboard else TARGETS["page_p95_ms"]


def verdict(ok: bool | None) -> str:
    return "—" if ok is None else ("met" if ok else "**not met**")


def machine() -> str:
    cpu = ""
    with open("/proc/cpuinfo") as handle:
        for line in handle:
            if line.startswith("model name"):
                cpu = line.split(":", 1)[1].strip()
                break
    with open("/proc/meminfo") as handle:
        mem = int(handle.readline().split()[1]) / 2**20
    return f"{os.cpu_count()} cores ({cpu}), {mem:.0f} GiB, {platform.system()} {platform.release()}"


def commit() -> str:
    def git(*args):
        return subprocess.run(["git", *args], cwd=ROOT, capture_output=True, text=True).stdout.strip()

    dirty = " (with uncommitted changes)" if git("status", "--porcelain", "--untracked-files=no") else ""
    return f"{git('rev-parse', '--short', 'HEAD')} {git('log', '-1', '--format=%s')[:80]}{dirty}"


def report(meta: dict, pages: list[dict], ops: dict) -> str:
    lines = [
        f"Run of {meta['date']} on {meta['machine']}; commit {meta['commit']}; load average at the start "
        f"{meta['load']}. Data: {meta['data_desc']}; {meta['counts']}. Whole run: {meta['total_s'] / 60:.1f} min.",
        "",
    ]
    if pages:
        anchor = pages[0]["rps"]
        lines += [
            f"### Pages (gunicorn, {WORKERS} workers, {CONNECTIONS} connections, {meta['duration']} s each)",
            "",
            "| page | user | req/s | p50 ms | p95 ms | × anchor | KB | errors | p95 ≤ 250 ms (dashboards 300) and ≥ 0.3× anchor |",
            "| --- | --- | ---: | ---: | ---: | ---: | ---: | ---: | --- |",
        ]
        for i, page in enumerate(pages):
            ratio = page["rps"] / anchor if anchor else 0
            ok = (
                None
                if i == 0
                else (page["p95_ms"] <= p95_target(page["path"]) and ratio >= TARGETS["page_ratio"])
            )
            lines.append(
                f"| {page['label']} (`{page['path']}`) | {page['user']} | {page['rps']:.1f} | {page['p50_ms']:.0f} | "
                f"{page['p95_ms']:.0f} | {ratio:.2f} | {page['kb']:.0f} | {page['errors']} | {verdict(ok)} |"
            )
        lines.append("")
    if any(key in ops for key in ("hazard-import", "export", "compute-many")):
        lines += [
            "### Imports, export, indicators (each in its own process)",
            "",
            "| operation | portal | anchor | portal ÷ anchor | peak RSS (Δ) | queries | target | verdict |",
            "| --- | ---: | ---: | ---: | ---: | ---: | --- | --- |",
        ]

        def seconds(r):
            return f"{r['seconds']:.2f} s" if "seconds" in r else f"failed: {r.get('error', '?')}"

        def mem(r):
            return f"{r['peak_mb']:.0f} MB ({r.get('delta_mb', 0):+.0f})" if "peak_mb" in r else "—"

        for kind, label in (("hazard", "import 5,000 hazards"), ("institution", "import 5,000 institutions")):
            if f"{kind}-import" not in ops:
                continue
            app, anchor = ops.get(f"{kind}-import", {}), ops.get(f"{kind}-import-anchor", {})
            ok = None
            detail = seconds(app)
            if "seconds" in app:
                detail = f"{app['seconds']:.1f} s (check {app['check_s']:.1f} + apply {app['apply_s']:.1f})"
                ok = (
                    app["seconds"] <= TARGETS["import_s"]
                    and app["queries_per_500"] <= TARGETS["import_queries_per_500"]
                )
            ratio = (
                f"{app['seconds'] / anchor['seconds']:.1f}×"
                if "seconds" in app and "seconds" in anchor
                else "—"
            )
            queries = (
                f"{app['check_queries'] + app['apply_queries']:,} ({app['queries_per_500']:.0f} per 500 rows)"
                if "seconds" in app
                else "—"
            )
            lines.append(
                f"| {label} (check + apply, views) | {detail} | {seconds(anchor)} | {ratio} | {mem(app)} | {queries} | "
                f"≤ 10 s, ≤ 20 queries per 500 rows | {verdict(ok)} |"
            )
        app, anchor = ops.get("export", {}), ops.get("export-anchor", {})
        ok, ratio = None, "—"
        rows = anchor.get("rows", "?")
        if "seconds" in app and "seconds" in anchor:
            r = app["seconds"] / anchor["seconds"]
            ratio = f"{r:.2f}×"
            ok = r <= TARGETS["export_ratio"] and app["delta_mb"] <= TARGETS["export_mb"]
        if "export" in ops:
            lines.append(
                f"| three-lists export, {rows:,} hazards × 3 sheets (city user) | {seconds(app)} | {seconds(anchor)} | {ratio} | "
                f"{mem(app)} | — | ≤ 1.5× anchor, ≤ 150 MB | {verdict(ok)} |"
                if isinstance(rows, int)
                else f"| three-lists export | {seconds(app)} | {seconds(anchor)} | {ratio} | {mem(app)} | — | ≤ 1.5× anchor, ≤ 150 MB | {verdict(ok)} |"
            )
        app, anchor = ops.get("compute-many", {}), ops.get("compute-many-anchor", {})
        ok = app["seconds"] <= TARGETS["compute_many_s"] if "seconds" in app else None
        ratio = (
            f"{app['seconds'] / anchor['seconds']:.0f}×" if "seconds" in app and "seconds" in anchor else "—"
        )
        if "compute-many" in ops:
            lines.append(
                f"| `compute_many`, {app.get('regions', '?')} units × 30 items (best of 3; first {app.get('first_s', 0):.2f} s) | "
                f"{seconds(app)} | {seconds(anchor)} | {ratio} | {mem(app)} | — | ≤ 0.5 s | {verdict(ok)} |"
            )
        lines.append("")
    if "reminder-scan" in ops or "reminder-send" in ops:
        lines += reminder_report(ops.get("reminder-scan", {}), ops.get("reminder-send", {}))
    lines += printed_report(ops)
    return "\n".join(lines)


def _mb(r: dict) -> str:
    return f"{r['peak_mb']:.0f} MB ({r.get('delta_mb', 0):+.0f})" if "peak_mb" in r else "—"


def _failed(r: dict) -> str:
    return f"failed: {r.get('error', '?')}"


def printed_report(ops: dict) -> list[str]:
    """The tables of issue 14: the acceptance workbook (city, province) against openpyxl
    write-only mode, and the summary report's PDF against WeasyPrint laying out a bare table."""
    lines = []
    scales = [scale for scale in ("city", "province") if f"workbook-{scale}" in ops]
    if scales:
        lines += [
            "### The acceptance workbook (issue 14), each in its own process",
            "",
            "| workbook | portal | anchor | portal ÷ anchor | plain | portal ÷ plain | peak RSS (Δ) | anchor's peak RSS (Δ) | target | verdict |",
            "| --- | ---: | ---: | ---: | ---: | ---: | ---: | ---: | --- | --- |",
        ]
        for scale in scales:
            app, anchor = ops[f"workbook-{scale}"], ops.get(f"workbook-{scale}-anchor", {})
            who = "bench-city, 鞍山市" if scale == "city" else "bench-province, 辽宁省"
            label = f"{scale} ({who})"
            if "units" in app:
                label += f": {app['units']} unit sheets, {app['rows']:,} rows counted, {app['bytes'] / 2**20:.1f} MB"
            if "cells" in anchor:
                label += f"; {anchor['sheets']} sheets, {anchor['rows']:,} rows, {anchor['cells']:,} cells"
            ok, ratio = None, "—"
            if "seconds" in app and "seconds" in anchor:
                r = app["seconds"] / anchor["seconds"]
                ratio = f"{r:.2f}×"
                ok = r <= TARGETS["workbook_ratio"] and app["delta_mb"] <= TARGETS["workbook_mb"]
            app_s = f"{app['seconds']:.2f} s" if "seconds" in app else _failed(app)
            anchor_s = f"{anchor['seconds']:.2f} s" if "seconds" in anchor else _failed(anchor)
            plain, plain_ratio = "—", "—"
            if "plain_s" in anchor:
                plain = f"{anchor['plain_s']:.2f} s"
                if "seconds" in app:
                    plain_ratio = f"{app['seconds'] / anchor['plain_s']:.2f}×"
            lines.append(
                f"| {label} | {app_s} | {anchor_s} | {ratio} | {plain} | {plain_ratio} | {_mb(app)} | {_mb(anchor)} | "
                f"≤ {TARGETS['workbook_ratio']}× anchor, ≤ {TARGETS['workbook_mb']} MB (Δ) | {verdict(ok)} |"
            )
        lines += [
            "",
            "The anchor is openpyxl's write-only mode writing the same cells to a file: each cell's value with "
            "its type and its style (the styles made once and shared, as openpyxl copies styles), the same row "
            "heights (`row_dimensions`), after one query reading the same hazards and institutions; the cells "
            "are read back from the portal's file before the clock. The portal's time is the job's: the plan, "
            "its row count, `write_workbook` to a file. For reference, the old anchor (the same values as plain "
            "strings, no style, no height, no query) is in the column *plain*. The anchor's peak RSS holds a "
            "`RowDimension` per row, as openpyxl keeps them; the portal's writer drops each row's as it goes.",
            "",
        ]
    if "pdf" in ops:
        app, anchor = ops["pdf"], ops.get("pdf-anchor", {})
        lines += [
            "### The summary report PDF (issue 14), in its own process",
            "",
            "| report | seconds | pages | annex rows | ms per annex row | s per page | peak RSS (Δ) | target | verdict |",
            "| --- | ---: | ---: | ---: | ---: | ---: | ---: | --- | --- |",
        ]
        if "seconds" in app:
            ok = app["ms_per_row"] <= TARGETS["pdf_ms_per_row"] and app["peak_mb"] <= TARGETS["pdf_mb"]
            lines.append(
                f"| city (bench-city, 鞍山市): content {app['content_s']:.1f} s + layout {app['render_s']:.1f} s; "
                f"{app['table_rows']:,} rows in the three annexes | {app['seconds']:.1f} | {app['pages']} | "
                f"{app['annex_rows']:,} | {app['ms_per_row']:.1f} | {app['s_per_page']:.2f} | {_mb(app)} | "
                f"≤ {TARGETS['pdf_ms_per_row']} ms per row, ≤ {TARGETS['pdf_mb']} MB | {verdict(ok)} |"
            )
        else:
            lines.append(f"| city (bench-city, 鞍山市) | {_failed(app)} | | | | | | | — |")
        if "seconds" in anchor:
            lines.append(
                f"| anchor: WeasyPrint, a bare HTML table of the same {anchor['rows']:,} rows × 9 columns, no CSS | "
                f"{anchor['seconds']:.1f} | {anchor['pages']} | {anchor['rows']:,} | {anchor['ms_per_row']:.1f} | "
                f"{anchor['s_per_page']:.2f} | {_mb(anchor)} | — | — |"
            )
        else:
            lines.append(f"| anchor | {_failed(anchor)} | | | | | | | — |")
        if "seconds" in app:
            lines += [
                "",
                f"The annex of overdue hazards holds {app['annex_rows']:,} rows: Anshan's own {app['annex_own_rows']:,} "
                f"and {app['annex_added_rows']:,} other units' overdue hazards added in the annex's order "
                "(`bench.adapters.fill_overdue_annex`), since Anshan has fewer than the annex's cap "
                "(`reports.content.ANNEX_LIMIT`). ms per annex row is the report's seconds (content and layout) ÷ "
                "that annex's rows; peak RSS is the whole process's, as a recycled worker's would be. The portal "
                "prints each annex as a fixed-width listing (`reports/listing.py`: a paragraph per row, the same "
                "columns lined up in a CJK monospace font, heads on every page); the anchor is the table it "
                "replaced, laid out bare.",
            ]
        lines.append("")
    return lines


def reminder_report(scan: dict, send: dict) -> list[str]:
    """The reminder tables: the scan per day, per rule, and the sending of the digests."""
    if "scans" not in scan:
        return ["### Reminders (issue 12)", "", f"scan failed: {scan.get('error', '?')}", ""]
    rules = scan["rules"]
    days = list(scan["scans"])
    # queries per rule the same on every day, whatever the number of subjects
    constant = all(
        len({rules[day][rule]["queries"] for day in days if rule in rules.get(day, {})}) == 1
        for rule in rules[days[0]]
    )
    lines = [
        "### Reminders (issue 12): the daily scan, in one process",
        "",
        f"{scan['deliveries']:,} deliveries, {scan['digests']:,} digests and {scan['notifications']:,} inbox lines "
        f"written by the five scans; peak RSS {scan['peak_mb']:.0f} MB ({scan['delta_mb']:+.0f}). Anchor: the open "
        f"hazards due by the first day's horizon ({scan['anchor_rows']:,}) read in one query and as many delivery "
        f"rows as the first scan wrote bulk-inserted, {scan['anchor_s']:.2f} s.",
        "",
        "| scan | date | seconds | ÷ anchor | queries | new deliveries | ≤ 60 s |",
        "| --- | --- | ---: | ---: | ---: | ---: | --- |",
    ]
    for name, run in scan["scans"].items():
        ratio = f"{run['seconds'] / scan['anchor_s']:.1f}×" if name == "first" and scan["anchor_s"] else "—"
        lines.append(
            f"| {name} | {run['on']} | {run['seconds']:.2f} | {ratio} | {run['queries']} | {run['new_deliveries']:,} | "
            f"{verdict(run['seconds'] <= TARGETS['scan_s'])} |"
        )
    lines += [
        "",
        f"Per rule (source function only; the scan's writes are a fixed number of bulk statements): queries, "
        f"obligations and seconds on each day. Queries the same on every day whatever the number of subjects: "
        f"{verdict(constant)}.",
        "",
        "| rule | " + " | ".join(days) + " |",
        "| --- | " + " | ".join("---:" for _ in days) + " |",
    ]
    for rule in rules[days[0]]:
        cells = []
        for day in days:
            r = rules.get(day, {}).get(rule)
            cells.append(f"{r['queries']} q · {r['obligations']:,} · {r['seconds']:.2f} s" if r else "—")
        lines.append(f"| {rule} | " + " | ".join(cells) + " |")
    lines.append("")
    if "digests" in send:
        per = send["seconds"] / send["digests"] * 1000 if send["digests"] else 0
        outcomes = ", ".join(f"{k} {v:,}" for k, v in sorted(send["outcomes"].items()))
        lines += [
            f"Sending: {send['digests']:,} pending digests ({send['lines']:,} lines), each through its send task "
            f"inline with the locmem backend: {send['seconds']:.1f} s ({per:.0f} ms and "
            f"{send['queries'] / max(send['digests'], 1):.1f} queries per digest; {outcomes}); the anchor, the same "
            f"number of plain messages with the same lines: {send['anchor_s']:.2f} s. Peak RSS "
            f"{send['peak_mb']:.0f} MB ({send['delta_mb']:+.0f}).",
            "",
        ]
    elif send:
        lines += [f"Sending failed: {send.get('error', '?')}", ""]
    return lines


README_TAIL = "## Reading the results\n"
README_HEAD = """# The bench (issues 11 and 12)

`make bench` (or `scripts/with-services.sh .venv/bin/python -m bench.run`; `bench/run.py --help`)
measures the portal at province scale in one run and rewrites the results below. What it does:

1. a throw-away PostgreSQL 15 and Redis on loopback (`scripts/with-services.sh`), `migrate`;
2. the province data, `manage.py bench_data --province` (`bench/generator/`): Liaoning's 14
   cities and their county-level units (python-stdnum's GB/T 2260 table, plus a 市本级 unit per
   city and Anshan's zones from `core/data/regions_anshan.yaml`), 5,000 institutions, 200,000
   hazards 2020–today with their timeline, deadline changes, referrals with notices and replies,
   evidence rows, history rows, the 2020 campaign with answers to the 30 items, and the users
   `bench-province`, `bench-city` (鞍山市), `bench-district` (铁东区), `bench-institution`, four
   department users, `bench-admin`, one district user per unit and institution users of randomly
   drawn operating homes up to 3,000 users (300 at city scale), all with an e-mail address
   (password `Bench-2020`). The
   first run dumps it to `bench/.cache/` (ignored by git) and later runs restore that dump and
   migrate it; `--fresh` regenerates. `--city` makes Anshan's 11 units, 500 institutions and
   20,000 hazards;
3. gunicorn, 2 workers, production settings (DEBUG off, a secret key, ALLOWED_HOSTS, secure
   cookies behind a TLS proxy: the requests carry `X-Forwarded-Proto: https`), `PORTAL_BENCH=1`
   for the anchor page `/bench/anchor/` (the base template with navigation and user menu, and one
   `COUNT`); each user logs in through the login page; `wrk` drives 4 connections against each
   page for a 2 s warm-up and a measured period: req/s, p50, p95, and req/s ÷ the anchor's;
4. gunicorn stopped, each operation in its own process (`bench/ops.py`, calling the portal
   through `bench/adapters.py`): the 5,000-row hazard and institution imports through the views
   (upload = check, then apply; queries counted), each against openpyxl reading the same file plus
   `bulk_create` of the same rows; the three-lists export of the city user's hazards (Anshan,
   ~19,000 at province scale) against one query for the same hazards plus openpyxl write-only
   writing the same cells; `compute_many` over every county-level unit × the 30 items against two
   `GROUP BY` queries. Peak RSS is the process's; Δ is what it grew during the operation;
5. the reminder scan (issue 12, `reminders.scan.run_scan`) in one process on five days: today as
   the ledger's first scan, today again (writes nothing), the next day (an ordinary daily scan), a
   week later (a catch-up after downtime: seven days' reminders once) and 2020-10-30 (a campaign
   deadline); per rule the source function's queries, obligations and seconds; the anchor reads
   the open hazards due by the horizon in one query and bulk-inserts as many delivery rows as the
   first scan wrote. Then every digest left pending, each through its send task run inline with
   the locmem e-mail backend, against sending the same number of plain messages.
6. (issue 14) the acceptance workbook of `bench-city` (鞍山市) and of `bench-province` (辽宁省) as
   its background job writes it, against openpyxl write-only mode writing the same cells (values,
   styles, row heights; read back from the portal's file before the clock) after one query for the
   same hazards and institutions, and, for reference, the same values as plain strings alone; the city's summary report
   PDF with its annex of overdue hazards topped up to 5,000 lines (Anshan has about 2,200; the rest
   are other cities' overdue hazards, added before the clock), against WeasyPrint laying out a bare
   table of the same lines. `--only workbook,pdf` runs these alone (and writes no README).

An import or export that the portal hands to Celery runs inline in the measuring process
(`CELERY_TASK_ALWAYS_EAGER`), so its time and queries are the task's. A run takes about 6 minutes
with the cached data, 14 the first time (generating the province included).

## Targets (issue 11, 2-core machine, province scale)

- every list page: p95 ≤ 250 ms under 4 connections and ≥ 0.3× the anchor's throughput;
- (issue 13) the dashboards (each role's home, as of today and of a past date) and the
  data-quality panel: p95 ≤ 300 ms and ≥ 0.3× the anchor's throughput;
- import of 5,000 rows: check + apply ≤ 10 s in all, ≤ 20 queries per 500-row batch;
- three-lists export of 20,000 rows: ≤ 1.5× the openpyxl write-only anchor's time, ≤ 150 MB peak
  (judged on Δ, the memory the export added to the process);
- `compute_many` over all regions × 30 items: ≤ 0.5 s;
- (issue 12) the daily reminder scan for the province (5,000 institutions, 200,000 hazards, 3,000
  users): ≤ 60 s per scan, in a worker once a day; queries per rule the same on every day whatever
  the number of subjects;
- (issue 14) the acceptance workbook of the city user (鞍山市) and of the province user (辽宁省)
  as of today, written by `write_workbook` to a file: ≤ 1.3× the time of openpyxl's write-only
  mode writing the same cells in a bare script (same sheets and rows, each value with its type and
  style, the same row heights, after one query for the same hazards and institutions, as the
  export's anchor), ≤ 200 MB peak (judged on Δ, as the export);
- (issue 14) the city's summary report (PDF) with its annex of overdue hazards at 5,000 rows:
  ≤ 4 ms per annex row (the report's seconds, content and layout, ÷ the annex's rows), ≤ 600 MB
  peak RSS in its own process (a recycled worker); seconds per page reported; the anchor is
  WeasyPrint laying out a bare HTML table of the same rows and columns.

## Results
"""


def main(argv=None) -> int:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--scale", choices=["city", "province"], default="province")
    parser.add_argument("--duration", type=int, default=10, help="measured seconds per page")
    parser.add_argument("--fresh", action="store_true", help="regenerate the data instead of the cached dump")
    parser.add_argument("--skip-pages", action="store_true")
    parser.add_argument("--skip-ops", action="store_true")
    parser.add_argument(
        "--only",
        default="",
        help="only these operation groups, comma-separated (implies --no-readme): "
        + ", ".join(OP_GROUPS + tuple(OP_ALIASES)),
    )
    parser.add_argument("--no-readme", action="store_true", help="print the table only")
    parser.add_argument(
        "--note", default="", help="a sentence printed above the tables (e.g. the machine was busy)"
    )
    args = parser.parse_args(argv)
    try:
        groups = op_groups(args.only)
    except ValueError as error:
        parser.error(str(error))
    if args.only:
        args.no_readme = True  # a partial run would replace the other operations' tables
    if "BENCH_SERVICES" not in os.environ:
        os.environ["BENCH_SERVICES"] = "1"
        os.chdir(ROOT)
        os.execvp(
            str(ROOT / "scripts" / "with-services.sh"),
            [
                str(ROOT / "scripts" / "with-services.sh"),
                PYTHON,
                "-m",
                "bench.run",
                *(argv if argv is not None else sys.argv[1:]),
            ],
        )
    if shutil.which("wrk") is None and not args.skip_pages:
        sys.exit("wrk is needed for the page load (apt-get install wrk; make bench installs it)")
    started = time.monotonic()
    media = tempfile.mkdtemp(prefix="bench-media-")
    static = tempfile.mkdtemp(prefix="bench-static-")
    env = {
        **os.environ,
        "DJANGO_SETTINGS_MODULE": "config.settings",
        "DJANGO_DEBUG": "0",
        "DJANGO_SECRET_KEY": secrets.token_urlsafe(40),
        "DJANGO_ALLOWED_HOSTS": "127.0.0.1,localhost",
        "DJANGO_MEDIA_ROOT": media,
        "DJANGO_STATIC_ROOT": static,  # the manifest DEBUG-off pages need (collectstatic below)
        "PORTAL_BENCH": "1",
        "PYTHONPATH": str(ROOT),
    }
    meta = {
        "date": f"{datetime.datetime.now().astimezone():%Y-%m-%d %H:%M %Z}",
        "machine": machine(),
        "commit": commit(),
        "load": " ".join(f"{x:.1f}" for x in os.getloadavg()),
        "duration": args.duration,
    }
    try:
        data = load_data(env, args.scale, args.fresh)
        meta["data_desc"] = f"{args.scale} scale, {data['data']}"
        c = counts(env)
        meta["counts"] = (
            f"{c['cities']} cities, {c['units']} county-level units, {c['institutions']:,} institutions, {c['hazards']:,} hazards"
        )
        log(meta["counts"])
        manage(env, "collectstatic", "--no-input", "-v0")
        pages = [] if args.skip_pages else run_pages(env, args.duration)
        ops = {} if args.skip_ops else run_ops(env, groups)
    finally:
        shutil.rmtree(media, ignore_errors=True)
        shutil.rmtree(static, ignore_errors=True)
    meta["total_s"] = time.monotonic() - started
    table = report(meta, pages, ops)
    if args.note:
        table = f"{args.note}\n\n{table}"
    print("\n" + table)
    if not args.no_readme:
        readme = BENCH / "README.md"
        # The hand-written reading of the results (README_TAIL and after) is kept as it is.
        kept = readme.read_text(encoding="utf-8").partition(README_TAIL)[2] if readme.exists() else ""
        tail = README_TAIL + kept if kept else ""
        readme.write_text(README_HEAD + "\n" + table.rstrip("\n") + "\n\n" + tail, encoding="utf-8")
        log("written to bench/README.md")
    return 0


if __name__ == "__main__":
    sys.exit(main())
