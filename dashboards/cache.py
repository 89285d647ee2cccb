"""The dashboards' figures, kept in the cache until the data they are read from changes (issue 13:
"figures come from aggregate queries … or maintained rollups").

Aggregating a city's or the province's whole ledger on every request costs a few hundred
milliseconds (bench/README.md); the figures only change when a record does. A dashboard is kept
under a key made of the region, the campaign, the measuring date, today (overdue figures move at
midnight), the language, the database and the **data version**: one query reading the newest row of
everything the figures are read from —

- the registry's and the ledger's history rows (every write of an institution or a hazard adds
  one: forms, services, both importers' bulk writes, deletions),
- the answers' events (every save, submission, return, acceptance, reopening adds one),
- the written notices' newest change (a notice sent, a reply; `referral_updated_idx`). A notice is
  deleted only with its hazard, purged long after the hazard was deleted and left the figures,
- the lists' publications, and the campaigns' milestones (newest, number, a checksum of their due
  dates, and the number of item links: added, removed, moved or re-linked),
- the self-reports' newest change (the home page's work counts) and the campaigns' (the calendar),
- the evidence files' newest upload or removal (the data-quality panel's "closed without an
  after-photo"; `evidence_updated_idx` makes it an index read). Files are purged for good only
  with the deleted records they belonged to, which no figure counts.

Any write therefore changes the key, and the next request computes the figures afresh: a number
and the list it links to never disagree. Figures of a past date are kept the same way (their key
changes with the data too, harmlessly). `PORTAL_DASHBOARD_CACHE_SECONDS` (default 600; 0 turns the
cache off) bounds how long an unused entry stays.
"""

from __future__ import annotations

import datetime
import hashlib
import threading

from django.conf import settings
from django.core.cache import cache
from django.db import connection
from django.utils import translation
from django.utils.safestring import mark_safe

from campaign.models import AnswerEvent, Campaign, Milestone
from core import dates
from core.models import Evidence, Region
from disclosure.models import Publication
from hazards.models import Hazard, Referral
from institutions.models import Institution, SelfReport

# Within one request the data version is read once (a GET writes nothing): request_started opens
# the memo and request_finished drops it (dashboards.apps), so code outside a request (a worker, a
# shell) always reads afresh.
_request = threading.local()


def request_started(**_kwargs) -> None:
    _request.memo = {}


def request_finished(**_kwargs) -> None:
    _request.memo = None


def data_version() -> str:
    """The newest row of every source of the figures, as one string (one query, once per request)."""
    memo = getattr(_request, "memo", None)
    if memo is not None and connection.alias in memo:
        return memo[connection.alias]
    version = _read_data_version()
    if memo is not None:
        memo[connection.alias] = version
    return version


def _milestones_checksum(table: str) -> str:
    """An SQL sum that changes when a milestone's due date does (no updated_at on milestones)."""
    if connection.vendor == "postgresql":
        return f'(SELECT SUM(("due_on" - DATE \'2000-01-01\') * "id") FROM "{table}")'
    return f'(SELECT SUM((julianday("due_on") - julianday(\'2000-01-01\')) * "id") FROM "{table}")'


def _read_data_version() -> str:
    parts = [
        (Hazard.history.model, "history_id"),
        (Institution.history.model, "history_id"),
        (AnswerEvent, "id"),
        (Publication, "id"),
    ]
    selects = [f'(SELECT MAX("{field}") FROM "{model._meta.db_table}")' for model, field in parts]
    referral, milestone = Referral._meta.db_table, Milestone._meta.db_table
    evidence, self_report = Evidence._meta.db_table, SelfReport._meta.db_table
    milestone_items = Milestone.items.through._meta.db_table
    selects += [
        f'(SELECT MAX("updated_at") FROM "{referral}")',
        f'(SELECT MAX("id") FROM "{milestone}")',
        f'(SELECT COUNT(*) FROM "{milestone}")',
        _milestones_checksum(milestone),
        f'(SELECT COUNT(*) FROM "{milestone_items}")',
        f'(SELECT MAX("updated_at") FROM "{evidence}")',
        f'(SELECT MAX("updated_at") FROM "{self_report}")',
        f'(SELECT MAX("updated_at") FROM "{Campaign._meta.db_table}")',
    ]
    with connection.cursor() as cursor:
        cursor.execute("SELECT " + ", ".join(selects))
        row = cursor.fetchone()
    return ":".join("" if value is None else str(value) for value in row)


def key(*parts: object) -> str:
    """ "dashboard:<sha-256>" of `parts` (what the result depends on: region, campaign, date…), the
    database, today (overdue figures move at midnight), the language and the data version: a short
    key of safe characters for any backend."""
    text = ":".join(
        [
            str(connection.settings_dict["NAME"]),
            *("" if part is None else str(part) for part in parts),
            dates.today().isoformat(),
            translation.get_language() or "",
            data_version(),
        ]
    )
    return "dashboard:" + hashlib.sha256(text.encode()).hexdigest()


def kept(parts: tuple, build):
    """`build()`'s result for `parts`, from the cache while the data is unchanged (see the module's
    docstring); computed each time when `PORTAL_DASHBOARD_CACHE_SECONDS` is 0."""
    seconds = settings.PORTAL_DASHBOARD_CACHE_SECONDS
    if not seconds:
        return build()
    name = key(*parts)
    found = cache.get(name)
    if found is None:
        found = build()
        cache.set(name, found, seconds)
    return found


def cached(region: Region, campaign: Campaign, as_of: datetime.date | None, build, variant: str = ""):
    """`build()`'s result for this region, campaign and date (and `variant`, what else the result
    depends on), kept while the data is unchanged."""
    return kept((region.pk, campaign.pk, as_of.isoformat() if as_of else "today", variant), build)


def kept_html(parts: tuple, render) -> str:
    """The HTML `render()` returns for `parts`, kept like the figures: a write anywhere in their
    sources renders it afresh. What it renders must depend on nothing but `parts` and the data (no
    request, no CSRF token, no user beyond what `parts` name)."""
    return mark_safe(kept(("html", *parts), lambda: str(render())))


def cached_fragment(region: Region, campaign: Campaign, as_of: datetime.date | None, variant: str, render):
    """The HTML `render()` returns for these figures (`variant`: the reader kind and sort)."""
    return kept_html((region.pk, campaign.pk, as_of.isoformat() if as_of else "today", variant), render)
