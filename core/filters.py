"""What the portal's filter sets share (django-filter)."""

import django_filters
from django.utils.translation import gettext_lazy as _


class OrderingFilter(django_filters.OrderingFilter):
    """django-filter's OrderingFilter with the descending choice's label in the portal's
    catalogue: django-filter ships a zh_CN catalogue, which Django's zh-hans never loads, so the
    choices read "截止日期 (descending)"."""

    descending_fmt = _("%s (descending)")
