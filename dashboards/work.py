"""Each role's own work on its home page (issue 13): what is waiting for the user, as numbers that
each link to the filtered list behind them.

One line per kind of work (`LINES`): the list it links to (a URL name and that list's own filter
parameters) and who sees it. The count is the list's own filter run over the list's own starting
rows (`visible_to(user)`), so a number and the list it opens can never disagree:

- hazards: `hazards.filters.filtered_hazards` over `hazards.views.visible_hazards(user)` (the ledger);
- answers to the 30 items: `campaign.answer_filters.own_answers` (a unit's checklist) and
  `matrix_answers` (the city's matrix);
- self-reports: `institutions.filters.self_reports_listed` (the review list); an institution's own
  returned report: its self-report page.

Queries: the lines of one model are counted in one query (COUNT(...) FILTER (WHERE pk IN (the
list's rows))), so a role's work costs at most three queries whatever the data: hazards, answers,
self-reports (plus the user's region subtree, fetched once per request by core.scoping).
"""

import datetime
from collections.abc import Callable
from dataclasses import dataclass
from urllib.parse import urlencode

from django.db.models import Count, Q
from django.http import HttpRequest, QueryDict
from django.urls import reverse
from django.utils.translation import gettext_lazy as _

from campaign.answer_filters import matrix_answers, own_answers
from campaign.models import ItemAnswer
from campaign.selectors import current_campaign_for
from core.roles import Role
from hazards.filters import filtered_hazards, visible_hazards
from institutions.filters import self_reports_listed
from institutions.models import SelfReport

#: "Due within" on the home page: the hazards whose deadline falls in the coming week.
DUE_WITHIN_DAYS = 7

TONES = ("danger", "warning", "info")


@dataclass(frozen=True)
class WorkItem:
    key: str
    label: str  # lazy translation
    count: int
    url: str  # the filtered list whose count is `count`
    tone: str  # "danger" | "warning" | "info"
    hint: str = ""  # lazy translation: the definition, in a sentence


@dataclass(frozen=True)
class Line:
    """One kind of work: `source` says which rows are counted, `url_name` + `params` the list."""

    key: str
    roles: tuple[str, ...]
    source: str  # "hazards" | "own_answers" | "matrix_answers" | "self_reports" | "own_self_report"
    url_name: str
    params: tuple[tuple[str, str], ...]
    label: str
    hint: str
    tone: str


DISTRICT, CITY, INSTITUTION, DEPARTMENT = Role.DISTRICT, Role.CITY, Role.INSTITUTION, Role.DEPARTMENT

LINES: tuple[Line, ...] = (
    # The hazard ledger (/hazards/), scoped to the user: a district's own unit, the city's whole
    # city, an institution's own hazards, a department's referred ones.
    Line(
        "hazards_overdue",
        (DISTRICT, INSTITUTION),
        "hazards",
        "hazards:list",
        (("overdue", "yes"),),
        _("Hazards overdue"),
        _("Past the rectification deadline and not closed"),
        "danger",
    ),
    Line(
        "hazards_listed_overdue",
        (CITY,),
        "hazards",
        "hazards:list",
        (("is_listed", "yes"), ("overdue", "yes")),
        _("Listed-supervision hazards overdue"),
        _("Under listed supervision, past the deadline and not closed"),
        "danger",
    ),
    Line(
        "hazards_pending",
        (INSTITUTION,),
        "hazards",
        "hazards:list",
        (("status", "pending"),),
        _("Hazards to rectify"),
        _("Recorded, rectification not started"),
        "warning",
    ),
    Line(
        "hazards_in_progress",
        (INSTITUTION,),
        "hazards",
        "hazards:list",
        (("status", "in_progress"),),
        _("Hazards being rectified"),
        _("Report each one done, with an after photo"),
        "info",
    ),
    Line(
        "hazards_due_soon",
        (DISTRICT, INSTITUTION),
        "hazards",
        "hazards:list",
        (("due_within", str(DUE_WITHIN_DAYS)),),
        _("Hazards due within 7 days"),
        _("Not closed, deadline today or in the next 7 days"),
        "warning",
    ),
    Line(
        "hazards_to_verify",
        (DISTRICT,),
        "hazards",
        "hazards:list",
        (("status", "awaiting_verification"),),
        _("Hazards awaiting verification"),
        _("Reported rectified: verify and close, or return"),
        "warning",
    ),
    Line(
        "referrals_unreplied",
        (DISTRICT, DEPARTMENT),
        "hazards",
        "hazards:list",
        (("unreplied", "yes"),),
        _("Written notices awaiting reply"),
        _("Hazards notified to a department that has not replied yet"),
        "info",
    ),
    Line(
        "referred_overdue",
        (DEPARTMENT,),
        "hazards",
        "hazards:list",
        (("overdue", "yes"),),
        _("Notified hazards overdue"),
        _("Hazards notified to us, past the deadline and not closed"),
        "danger",
    ),
    # The answers to the 30 items: a unit's own checklist (/checklist/), the city's matrix.
    Line(
        "answers_returned",
        (DISTRICT, CITY),
        "own_answers",
        "checklist:index",
        (("status", ItemAnswer.Status.RETURNED),),
        _("Answers returned by the city"),
        _("Our answers to the 30 items sent back: revise and resubmit"),
        "danger",
    ),
    Line(
        "answers_to_review",
        (CITY,),
        "matrix_answers",
        "checklist:matrix",
        (("status", ItemAnswer.Status.SUBMITTED),),
        _("Answers awaiting review"),
        _("Submitted answers to the 30 items: accept or return"),
        "warning",
    ),
    # Self-reports: the district reviews its institutions' (the city may, and reviews those of
    # the institutions it runs itself, 市本级); an institution revises a returned one.
    Line(
        "self_reports_to_review",
        (DISTRICT, CITY),
        "self_reports",
        "institutions:self_report_list",
        (("status", SelfReport.Status.SUBMITTED),),
        _("Self-reports to review"),
        _("Submitted by institutions: accept or return"),
        "warning",
    ),
    Line(
        "self_report_returned",
        (INSTITUTION,),
        "own_self_report",
        "institutions:self_report",
        (),
        _("Self-report returned"),
        _("Returned by the district: revise and resubmit"),
        "danger",
    ),
)


def lines_for(user) -> list[Line]:
    if user.is_superuser or not user.is_authenticated:
        return []
    return [line for line in LINES if user.role in line.roles]


def request_for(user, params) -> HttpRequest:
    """A GET request carrying the list's filter parameters, as the list itself would receive it."""
    request = HttpRequest()
    request.method = "GET"
    request.user = user
    request.GET = QueryDict(urlencode(params))
    return request


def _counts(base, line_querysets: dict) -> dict[str, int]:
    """One query: for each line, how many of `base`'s rows are among the line's rows."""
    if not line_querysets:
        return {}
    return base.order_by().aggregate(
        **{
            key: Count("pk", filter=Q(pk__in=qs.order_by().values("pk")))
            for key, qs in line_querysets.items()
        }
    )


def work_for(user, on: datetime.date | None = None, *, campaign=None) -> list[WorkItem]:
    """The user's work, one `WorkItem` per line of their role (`LINES`), in that order. `on`: the
    day overdue and "due within" count from (today; the ledger counts from today too). `campaign`:
    the current campaign when the caller has it already (else read here, one query)."""
    lines = lines_for(user)
    if not lines:
        return []
    sources = {line.source for line in lines}
    if sources & {"own_answers", "matrix_answers"} and campaign is None:
        campaign = current_campaign_for(user)
    if campaign is None:  # no campaign: no checklist, no matrix (they answer 404)
        lines = [line for line in lines if line.source not in ("own_answers", "matrix_answers")]

    listed: dict[str, dict] = {"hazards": {}, "answers": {}, "self_reports": {}}
    for line in lines:
        params = dict(line.params)
        if line.source == "hazards":
            _filterset, rows = filtered_hazards(request_for(user, params), visible_hazards(user), on=on)
            listed["hazards"][line.key] = rows
        elif line.source in ("own_answers", "matrix_answers"):
            reader: Callable = own_answers if line.source == "own_answers" else matrix_answers
            listed["answers"][line.key] = reader(user, campaign, params)[1]
        elif line.source == "self_reports":
            listed["self_reports"][line.key] = self_reports_listed(user, params)[1]
        elif line.source == "own_self_report":
            # The institution's one open report, shown on its self-report page, when returned.
            listed["self_reports"][line.key] = SelfReport.objects.visible_to(user).filter(
                status=SelfReport.Status.RETURNED
            )

    counts: dict[str, int] = {}
    counts |= _counts(visible_hazards(user), listed["hazards"])
    counts |= _counts(ItemAnswer.objects.visible_to(user), listed["answers"])
    counts |= _counts(SelfReport.objects.visible_to(user), listed["self_reports"])

    items = []
    for line in lines:
        query = urlencode(line.params)
        url = reverse(line.url_name) + (f"?{query}" if query else "")
        items.append(WorkItem(line.key, line.label, counts[line.key], url, line.tone, line.hint))
    return items
