"""The filters of the answers to the 30 items: a unit's checklist and the city's matrix show the
answers of one status when asked (`?status=returned`), and the home page's work counts run the same
filter over the same answers (dashboards.work), so a number and the list behind it agree.

`?as_of=YYYY-MM-DD` shows the answers as they stood at the end of that day (Asia/Shanghai), read
from their events (`AnswerEvent`), not from their current status: the status an answer had then is
the one its latest submit / return / reopen / accept event before the next midnight gave it (draft
when it had none), and an answer without any event by then did not exist yet. A dashboard measured
as of a date links its answer numbers to these lists, so a number and its list agree for any date,
and an acceptance given after the measuring date does not rewrite the figures as of it.
"""

import datetime

import django_filters
from django.db.models import Case, Exists, OuterRef, QuerySet, Subquery, Value, When
from django.utils.translation import gettext_lazy as _

from campaign.models import AnswerEvent, ItemAnswer
from core import asof
from core.filters import ChoiceFilter, DateFilter

#: The events that set an answer's status, and the status each sets (reopen: back to returned).
STATUS_OF_ACTION = {
    AnswerEvent.Action.SUBMIT: ItemAnswer.Status.SUBMITTED,
    AnswerEvent.Action.RETURN: ItemAnswer.Status.RETURNED,
    AnswerEvent.Action.REOPEN: ItemAnswer.Status.RETURNED,
    AnswerEvent.Action.ACCEPT: ItemAnswer.Status.ACCEPTED,
}


def as_of(queryset: QuerySet, day: datetime.date) -> QuerySet:
    """`queryset` (of ItemAnswer) kept to the answers that existed at the end of `day`, each with
    `status_then`: its status at that moment (one of ItemAnswer.Status). Two correlated subqueries
    on the events' (answer, at) order; no query per answer."""
    before = AnswerEvent.objects.filter(answer=OuterRef("pk"), at__lt=asof.end_of(day))
    last = before.filter(action__in=list(STATUS_OF_ACTION)).order_by("-at", "-pk").values("action")[:1]
    return (
        queryset.filter(Exists(before))
        .annotate(last_action=Subquery(last))
        .annotate(
            status_then=Case(
                *(
                    When(last_action=action, then=Value(status))
                    for action, status in STATUS_OF_ACTION.items()
                ),
                default=Value(ItemAnswer.Status.DRAFT),
            )
        )
    )


class AnswerFilter(django_filters.FilterSet):
    status = ChoiceFilter(label=_("Status"), choices=ItemAnswer.Status.choices, method="keep")
    as_of = DateFilter(label=_("Measuring date"), method="keep")

    class Meta:
        model = ItemAnswer
        fields: list[str] = []

    def keep(self, queryset, _name, _value):
        return queryset  # both applied together in filter_queryset: the status is the one as of the date

    def filter_queryset(self, queryset):
        data = self.form.cleaned_data
        field = "status"
        if data.get("as_of"):
            queryset, field = as_of(queryset, data["as_of"]), "status_then"
        if data.get("status"):
            queryset = queryset.filter(**{field: data["status"]})
        return queryset


def _filtered(queryset, params):
    filterset = AnswerFilter(params or None, queryset=queryset)
    return filterset, (filterset.qs if filterset.is_bound else queryset)


def own_answers(user, campaign, params=None):
    """(filterset, queryset): the answers of the user's own unit to the campaign's items, as its
    checklist (`/checklist/`) lists them. An answer exists only for an item the unit answers."""
    queryset = ItemAnswer.objects.visible_to(user).filter(region=user.region, item__campaign=campaign)
    return _filtered(queryset, params)


def matrix_answers(user, campaign, params=None):
    """(filterset, queryset): every answer to the campaign's items the user can see, as the city's
    matrix (`/checklist/matrix/`) shows them: the city's own and its county-level units'."""
    return _filtered(ItemAnswer.objects.visible_to(user).filter(item__campaign=campaign), params)


def chosen_status(filterset) -> str:
    """The status the filter set keeps ("" for all: none given, or one the form refuses)."""
    if not filterset.is_bound or not filterset.is_valid():
        return ""
    return filterset.form.cleaned_data.get("status") or ""


def chosen_as_of(filterset) -> datetime.date | None:
    """The measuring date the filter set shows the answers at (None: as they stand now, also when
    the date is refused)."""
    if not filterset.is_bound or not filterset.is_valid():
        return None
    return filterset.form.cleaned_data.get("as_of")


def shown_answers(filterset, *fields: str) -> list[ItemAnswer]:
    """Every answer of the page (all statuses: the page mutes or leaves out the others itself), each
    with the status it had on the chosen measuring date in `status` (read-only: never saved);
    `fields`, when given, the only columns read."""
    queryset = filterset.queryset.only(*fields) if fields else filterset.queryset
    day = chosen_as_of(filterset)
    if day is None:
        return list(queryset)
    answers = list(as_of(queryset, day))
    for answer in answers:
        answer.status = answer.status_then
    return answers
