"""Each role's review queues in the header navigation, with their counts (issue 15 item 5).

A queue is one of the home page's work lines (`dashboards.work.LINES`: the same definition, so the
badge, the home page's card and the list they open can never disagree) shown as a count on the
navigation entry whose list it filters:

=============  =====================  ==========================================================
role           entry                  queue (work line)
=============  =====================  ==========================================================
city           The 30 items (matrix)  answers submitted, awaiting acceptance (`answers_to_review`)
city/district  Self-reports           self-reports submitted, awaiting review
district       The 30 items           the district's answers returned by the city
district       Hazard ledger          hazards reported rectified, awaiting verification
department     Hazard ledger          written notices awaiting our reply (待回复)
institution    Hazard ledger          hazards to rectify (recorded, not started)
institution    Self-report            our self-report returned
=============  =====================  ==========================================================

When the queue holds something the entry opens the list filtered to it (the count's own list);
when it is empty the entry opens the plain list.

Cost: computed once per request and only when a page renders the navigation (the context
processor hands the template a lazy list), never kept across requests (a number and its list never
disagree): one query counts every queue of the user (a scalar subquery each), plus the current
campaign for the city and the districts (their answer queues) and the reader's region subtree when
the page has not read it already (core.scoping keeps it on the user) — at most three, whatever the
data.
"""

from dataclasses import dataclass
from urllib.parse import urlencode

from django.db import connection
from django.urls import reverse
from django.utils.translation import gettext_lazy as _

from core.navigation import entries_for
from core.roles import Role

CITY, DISTRICT, DEPARTMENT, INSTITUTION = Role.CITY, Role.DISTRICT, Role.DEPARTMENT, Role.INSTITUTION


@dataclass(frozen=True)
class Queue:
    """A work line (`line`, a key of `dashboards.work.LINES`) badged on the navigation entry
    `entry` (its URL name) for `roles`; `label`: what the number counts, for the badge's title."""

    entry: str
    line: str
    roles: tuple[str, ...]
    label: str


QUEUES: tuple[Queue, ...] = (
    Queue("checklist:matrix", "answers_to_review", (CITY,), _("answers awaiting review")),
    Queue("checklist:index", "answers_returned", (DISTRICT,), _("answers returned by the city")),
    Queue(
        "institutions:self_report_list",
        "self_reports_to_review",
        (CITY, DISTRICT),
        _("self-reports to review"),
    ),
    Queue("hazards:list", "hazards_to_verify", (DISTRICT,), _("hazards awaiting verification")),
    Queue("hazards:list", "referrals_unreplied", (DEPARTMENT,), _("written notices awaiting our reply")),
    Queue("hazards:list", "hazards_pending", (INSTITUTION,), _("hazards to rectify")),
    Queue("institutions:self_report", "self_report_returned", (INSTITUTION,), _("self-report returned")),
)


@dataclass(frozen=True)
class QueueCount:
    """A queue as the navigation shows it: how many rows wait and the list that shows them."""

    key: str  # the work line
    count: int
    url: str  # the filtered list (the entry's plain list when nothing waits)
    label: str


def queues_for(user) -> list[Queue]:
    """The queues of the user's role (none for anonymous visitors and superusers)."""
    if not user.is_authenticated or user.is_superuser:
        return []
    return [queue for queue in QUEUES if user.role in queue.roles]


def _queue_rows(user, lines) -> dict:
    """{work line key: the rows its list shows} for `lines`, read as the home page's work reads
    them (dashboards.work: the list's own filter over the list's own starting rows)."""
    from campaign.answer_filters import matrix_answers, own_answers
    from campaign.selectors import current_campaign_for
    from dashboards.work import request_for
    from hazards.filters import filtered_hazards, visible_hazards
    from institutions.filters import self_reports_listed
    from institutions.models import SelfReport

    campaign = None
    if any(line.source in ("own_answers", "matrix_answers") for line in lines):
        campaign = current_campaign_for(user)
    rows = {}
    for line in lines:
        params = dict(line.params)
        if line.source == "hazards":
            rows[line.key] = filtered_hazards(request_for(user, params), visible_hazards(user))[1]
        elif line.source in ("own_answers", "matrix_answers"):
            if campaign is None:  # no campaign: no checklist, no matrix (they answer 404)
                continue
            reader = own_answers if line.source == "own_answers" else matrix_answers
            rows[line.key] = reader(user, campaign, params)[1]
        elif line.source == "self_reports":
            rows[line.key] = self_reports_listed(user, params)[1]
        elif line.source == "own_self_report":
            rows[line.key] = SelfReport.objects.visible_to(user).filter(status=SelfReport.Status.RETURNED)
    return rows


def queue_counts(user) -> dict[str, int]:
    """{work line key: count} of the user's queues, all counted in one query (a scalar subquery per
    queue); a queue whose list does not exist for the user (no campaign: no checklist, no matrix)
    is left out."""
    from dashboards.work import LINES

    wanted = {queue.line for queue in queues_for(user)}
    rows = _queue_rows(user, [line for line in LINES if line.key in wanted])
    if not rows:
        return {}
    selects, params = [], []
    for number, queryset in enumerate(rows.values()):
        sql, sql_params = queryset.order_by().values("pk").query.sql_with_params()
        selects.append(f"(SELECT COUNT(*) FROM ({sql}) AS queue{number})")
        params.extend(sql_params)
    with connection.cursor() as cursor:
        cursor.execute("SELECT " + ", ".join(selects), params)
        counts = cursor.fetchone()
    return dict(zip(rows, counts, strict=True))


def entry_queues(request, user) -> dict[str, QueueCount]:
    """{navigation entry URL name: QueueCount} for `user` (the request's), computed at most once per
    request (kept on the request)."""
    found = getattr(request, "_nav_queues", None)
    if found is not None:
        return found
    counts = queue_counts(user)
    found = {}
    for queue in queues_for(user):
        if queue.line not in counts:
            continue
        count = counts[queue.line]
        url = reverse(queue.entry)
        if count:
            url = _line_url(queue.line) or url
        found[queue.entry] = QueueCount(queue.line, count, url, queue.label)
    request._nav_queues = found
    return found


def _line_url(key: str) -> str:
    """The list a work line counts (its URL and filter parameters)."""
    from dashboards.work import LINES

    line = next(line for line in LINES if line.key == key)
    query = urlencode(line.params)
    return reverse(line.url_name) + (f"?{query}" if query else "")


def nav_entries(user, request=None) -> list[dict]:
    """The header's entries for `user` (core.navigation.entries_for); with `request`, each entry
    holding one of the role's review queues carries its count (`entry_queues`)."""
    queues = entry_queues(request, user) if request is not None and user.is_authenticated else None
    return entries_for(user, queues)
