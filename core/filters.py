"""What the portal's filter sets share (django-filter): filters whose empty choice reads "全部" (not
Django's "---------"), sort choices in the portal's catalogue, and dates typed as YYYY-MM-DD."""

import django_filters
from django import forms
from django.utils.translation import gettext_lazy as _

from core.scoping import sees_several_regions
from core.widgets import ISODateField

#: A choice filter's empty choice: no filtering.
ALL = _("All")


class ChoiceFilter(django_filters.ChoiceFilter):
    """django-filter's ChoiceFilter whose empty choice reads "全部"."""

    def __init__(self, *args, **kwargs):
        kwargs.setdefault("empty_label", ALL)
        super().__init__(*args, **kwargs)


class ModelChoiceFilter(django_filters.ModelChoiceFilter):
    """django-filter's ModelChoiceFilter whose empty choice reads "全部"."""

    def __init__(self, *args, **kwargs):
        kwargs.setdefault("empty_label", ALL)
        super().__init__(*args, **kwargs)


class DateFilter(django_filters.DateFilter):
    """A date filter typed as YYYY-MM-DD whatever the browser's language (core.widgets.ISODateField:
    a text input, a Chinese message naming the filter when the date cannot be read)."""

    field_class = ISODateField


class OrderingFilter(django_filters.OrderingFilter):
    """django-filter's OrderingFilter with the descending choice's label in the portal's
    catalogue: django-filter ships a zh_CN catalogue, which Django's zh-hans never loads, so the
    choices read "截止日期 (descending)". Its empty choice reads "默认顺序" (the list's own order)."""

    descending_fmt = _("%s (descending)")

    def __init__(self, *args, **kwargs):
        kwargs.setdefault("empty_label", _("Default order"))
        super().__init__(*args, **kwargs)


def hide_region_from_one_region_readers(filterset, name: str = "region") -> None:
    """Turn `filterset`'s region filter into a hidden input for a reader whose scope is one
    county-level unit (`core.scoping.sees_several_regions` is False: district and institution
    staff, a district's departments): its only choice would be their own unit. The parameter keeps
    working (a dashboard's link with `?region=` still filters), it is just not offered."""
    request = getattr(filterset, "request", None)
    if request is None or name not in filterset.form.fields or sees_several_regions(request.user):
        return
    filterset.form.fields[name].widget = forms.HiddenInput()


def querystring(request, *drop: str) -> str:
    """The list's query string for its pagination and export links: the request's GET parameters
    without `page`, htmx's `fragment` and the names in `drop` (e.g. the status a count link sets
    itself). URL-encoded, "" when nothing is left."""
    params = request.GET.copy()
    for name in ("page", "fragment", *drop):
        params.pop(name, None)
    return params.urlencode()
