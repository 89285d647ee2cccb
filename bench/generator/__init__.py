"""Deterministic bench data at city or province scale (issue 11): regions, users per role, the
2020 campaign, institutions, hazards with their timeline, deadline changes, referrals, evidence
rows, history rows and answers to the 30 items.

Everything is written with one COPY per table (`copy_rows`: no per-row save, no signal), so the
province (5,000 institutions, 200,000 hazards) takes a few minutes on the 2-core machine. The
rows are what the portal itself would hold: every institution and hazard passes the models'
`clean()` (tests/test_bench_data.py checks it at a small scale), statuses follow the workflow
(a hazard awaiting verification or closed has an "after" file, a closed one its verifier and
opinion, a referral its written notice), and every date lies between the 2020 campaign's notice
and `as_of` (today by default). The same seed and `as_of` give the same rows.

The package: ``data`` (regions, users, scales and the words rows are made of), ``pgcopy`` (the
COPY writer) and ``build`` (the ``Generator``); everything is importable from ``bench.generator``.
"""

from bench.generator.build import Generator, Report
from bench.generator.data import (
    BENCH_PASSWORD,
    CAMPAIGN_START,
    CITY,
    DISTRICT,
    PROVINCE,
    SCALES,
    TZ,
    USERS,
    Scale,
    at,
    day_between,
    liaoning_rows,
    load_regions,
    mobile,
    person,
    png_bytes,
)
from bench.generator.pgcopy import copy_rows

__all__ = [
    "BENCH_PASSWORD",
    "CAMPAIGN_START",
    "CITY",
    "DISTRICT",
    "PROVINCE",
    "SCALES",
    "TZ",
    "USERS",
    "Generator",
    "Report",
    "Scale",
    "at",
    "copy_rows",
    "day_between",
    "liaoning_rows",
    "load_regions",
    "mobile",
    "person",
    "png_bytes",
]
