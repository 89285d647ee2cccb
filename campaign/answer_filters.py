"""The filters of the answers to the 30 items: a unit's checklist and the city's matrix show the
answers of one status when asked (`?status=returned`), and the home page's work counts run the same
filter over the same answers (dashboards.work), so a number and the list behind it agree."""

import django_filters
from django.utils.translation import gettext_lazy as _

from campaign.models import ItemAnswer


class AnswerFilter(django_filters.FilterSet):
    status = django_filters.ChoiceFilter(label=_("Status"), choices=ItemAnswer.Status.choices)

    class Meta:
        model = ItemAnswer
        fields: list[str] = []


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
