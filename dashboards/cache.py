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
- the written notices (newest change and their number: a reply is an update, a deletion lowers it),
- the lists' publications, and the campaigns' milestones (newest and number: added or removed).

Any write therefore changes the key, and the next request computes the figures afresh: a number
and the list it links to never disagree. Figures of a past date are kept the same way (their key
changes with the data too, harmlessly). `PORTAL_DASHBOARD_CACHE_SECONDS` (default 600; 0 turns the
cache off) bounds how long an unused entry stays.
"""

from __future__ import annotations

import datetime
import hashlib

from django.conf import settings
from django.core.cache import cache
from django.db import connection
from django.utils import translation

from campaign.models import AnswerEvent, Campaign, Milestone
from core import dates
from core.models import Region
from disclosure.models import Publication
from hazards.models import Hazard, Referral
from institutions.models import Institution


def data_version() -> str:
    """The newest row of every source of the figures, as one string (one query)."""
    parts = [
        (Hazard.history.model, "history_id"),
        (Institution.history.model, "history_id"),
        (AnswerEvent, "id"),
        (Publication, "id"),
    ]
    selects = [f'(SELECT MAX("{field}") FROM "{model._meta.db_table}")' for model, field in parts]
    referral, milestone = Referral._meta.db_table, Milestone._meta.db_table
    selects += [
        f'(SELECT MAX("updated_at") FROM "{referral}")',
        f'(SELECT COUNT(*) FROM "{referral}")',
        f'(SELECT MAX("id") FROM "{milestone}")',
        f'(SELECT COUNT(*) FROM "{milestone}")',
    ]
    with connection.cursor() as cursor:
        cursor.execute("SELECT " + ", ".join(selects))
        row = cursor.fetchone()
    return ":".join("" if value is None else str(value) for value in row)


def key(region: Region, campaign: Campaign, as_of: datetime.date | None) -> str:
    """ "dashboard:<sha-256 of the parts>" (a short key of safe characters for any backend)."""
    parts = ":".join(
        [
            str(connection.settings_dict["NAME"]),
            str(region.pk),
            str(campaign.pk),
            as_of.isoformat() if as_of else "today",
            dates.today().isoformat(),
            translation.get_language() or "",
            data_version(),
        ]
    )
    return "dashboard:" + hashlib.sha256(parts.encode()).hexdigest()


def cached(region: Region, campaign: Campaign, as_of: datetime.date | None, build):
    """`build()`'s result for this region, campaign and date, from the cache while the data is
    unchanged (see the module's docstring)."""
    seconds = settings.PORTAL_DASHBOARD_CACHE_SECONDS
    if not seconds:
        return build()
    name = key(region, campaign, as_of)
    found = cache.get(name)
    if found is None:
        found = build()
        cache.set(name, found, seconds)
    return found
