"""The data-quality panel (issue 13): regions × checks, and the records behind each number.

Both pages read through `dashboards.quality` (one definition per check); a GET writes nothing."""

import datetime

from django.core.paginator import Paginator
from django.db.models import Q
from django.http import Http404
from django.shortcuts import get_object_or_404, render
from django.urls import reverse
from django.utils.translation import gettext as _

from campaign.models import ItemAnswer
from core.models import Region
from core.permissions import role_required
from core.roles import Role
from dashboards import quality
from dashboards.cache import kept
from hazards.models import Hazard
from institutions.models import Institution

PAGE_SIZE = 20
REGION_SORT = "region"
TOTAL_SORT = "total"


@role_required(Role.CITY, Role.DISTRICT)
def panel(request):
    """The county-level units the user sees (and any other region holding a counted record, e.g. a
    city's own answers) × the checks, worst first; `?sort=<check key>|total|region`."""
    scope = quality.Scope(request.user)
    user = request.user
    # kept while the data is unchanged (dashboards.cache): every reader of one region and role
    # counts the same records
    result = kept(
        ("quality", user.region_id, user.role, user.is_superuser),
        lambda: quality.counts(user, scope=scope),
    )
    regions = Region.objects.visible_to(request.user).filter(
        Q(kind__in=Region.COUNTY_LEVEL_KINDS) | Q(pk__in=list(result.by_region))
    )
    urls = {check.key: reverse("dashboards:quality_records", args=[check.key]) for check in quality.CHECKS}
    rows = []
    for region in regions.order_by("sort_key"):
        line = result.by_region.get(region.pk) or dict.fromkeys(quality.BY_KEY, 0)
        rows.append(
            {
                "region": region,
                "cells": [
                    _cell(check, line[check.key], f"{urls[check.key]}?region={region.pk}")
                    for check in quality.CHECKS
                ],
                "total": sum(line.values()),
                "line": line,
            }
        )
    sort = request.GET.get("sort", TOTAL_SORT)
    if sort not in quality.BY_KEY and sort != REGION_SORT:
        sort = TOTAL_SORT
    if sort == TOTAL_SORT:
        rows.sort(key=lambda row: -row["total"])  # stable: ties keep the regions' order
    elif sort != REGION_SORT:
        rows.sort(key=lambda row: -row["line"][sort])
    totals = [_cell(check, result.totals[check.key], urls[check.key]) for check in quality.CHECKS]
    return render(
        request,
        "dashboards/quality.html",
        {
            "checks": quality.CHECKS,
            "rows": rows,
            "totals": totals,
            "grand_total": sum(result.totals.values()),
            "sort": sort,
            "on": scope.on,
        },
    )


def _cell(check, n: int, url: str) -> dict:
    return {"key": check.key, "n": n, "url": url if n else ""}


@role_required(Role.CITY, Role.DISTRICT)
def check_records(request, check):
    """The records failing one check in the user's scope (`?region=<id>`: in that region only)."""
    check = quality.check_for(check)
    if check is None:
        raise Http404
    region = None
    if request.GET.get("region"):
        try:
            region_id = int(request.GET["region"])
        except ValueError:
            raise Http404 from None
        region = get_object_or_404(Region.objects.visible_to(request.user), pk=region_id)
    scope = quality.Scope(request.user)
    found = quality.records(check, request.user, scope=scope)
    if region is not None:
        found = found.filter(region=region)
    found = _ordered(check.model, found)
    page = Paginator(found, PAGE_SIZE).get_page(request.GET.get("page"))
    rows = [_row(request.user, check, record, scope) for record in page]
    querystring = f"region={region.pk}" if region else ""
    return render(
        request,
        "dashboards/quality_records.html",
        {"check": check, "region": region, "page": page, "rows": rows, "querystring": querystring},
    )


def _ordered(model, found):
    if model is Institution:
        return found.select_related("region").order_by("region__sort_key", "name", "pk")
    if model is Hazard:
        return found.select_related("region", "institution").order_by("region__sort_key", "deadline", "pk")
    return found.select_related("region", "item").order_by("region__sort_key", "item__number", "pk")


def _row(user, check, record, scope) -> dict:
    """What the list shows of a record: its name, its page (None where the user has none), its
    region, the fields the check concerns, and for a declared figure the two numbers."""
    values = [(_label(record, name), _display(record, name)) for name in check.fields]
    if isinstance(record, Institution):
        title, url = record.name, reverse("institutions:detail", args=[record.pk])
    elif isinstance(record, Hazard):
        title, url = (
            f"{record.code} {record.get_category_display()}",
            reverse("hazards:detail", args=[record.pk]),
        )
        values.insert(0, (_("Institution"), record.institution.name))
    else:
        title, url = _("Item %(number)s") % {"number": record.item.number}, _answer_url(user, record)
        far = scope.far_figures.get(record.pk, ()) if check.key == "declared-figures" else ()
        for figure, declared in far:
            values.append(
                (
                    str(figure.label),
                    _("declared %(declared)s, computed %(computed)s")
                    % {"declared": declared, "computed": figure.display()},
                )
            )
    return {"record": record, "title": title, "url": url, "region": record.region, "values": values}


def _answer_url(user, answer: ItemAnswer) -> str | None:
    """The city reviews an answer; a district opens its own; other users (administrators) have no
    page for it."""
    if user.role == Role.CITY:
        return reverse("checklist:review", args=[answer.pk])
    if user.role == Role.DISTRICT and answer.region_id == user.region_id:
        return reverse("checklist:answer", args=[answer.item.number])
    return None


def _label(record, name: str) -> str:
    return str(record._meta.get_field(name).verbose_name)


def _display(record, name: str) -> str:
    field = record._meta.get_field(name)
    value = getattr(record, name)
    if field.choices and value:
        return str(getattr(record, f"get_{name}_display")())
    if value is None or value == "":
        return "—"
    if isinstance(value, bool):
        return _("Yes") if value else _("No")
    if isinstance(value, datetime.date):
        return value.isoformat()
    return str(value)
