"""Licence pages: the list (filters, cards on a phone), 即将到期与已过期 per region, a licence with its
scans, and the form. Reads go through `Licence.objects.visible_to`; writes are district staff's and
the institution's own users', through `licences.services`, with one-time tokens and version checks.
A GET never writes."""

from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.core.paginator import Paginator
from django.db.models import Q
from django.shortcuts import get_object_or_404, render
from django.urls import reverse
from django.utils.translation import gettext as _

from core import dates
from core.edit import FormPage, edit_page
from core.evidence import visible_evidence
from core.filters import querystring
from core.models import Region
from core.permissions import role_required
from core.roles import Role
from core.scoping import sees_several_regions
from licences import services
from licences.forms import FilterForm, LicenceForm
from licences.models import Licence, Status

PAGE_SIZE = 50
READERS = (Role.CITY, Role.DISTRICT, Role.INSTITUTION, Role.DEPARTMENT)
# 即将到期与已过期: city and district staff (the reminders' readers) and departments (their kinds)
DUE_READERS = (Role.CITY, Role.DISTRICT, Role.DEPARTMENT)


@role_required(*READERS)
def licence_list(request):
    user = request.user
    form = FilterForm(request.GET or None, user=user)
    form.is_valid()
    data = {
        name: value for name, value in getattr(form, "cleaned_data", {}).items() if name not in form.errors
    }
    today = dates.today()
    licences = services.with_renewal(Licence.objects.visible_to(user).select_related("institution", "region"))
    if q := (data.get("q") or "").strip():
        licences = licences.filter(
            Q(institution__name__icontains=q) | Q(number__icontains=services.clean_number(q))
        )
    if data.get("kind"):
        licences = licences.filter(kind=data["kind"])
    if value := data.get("status"):
        if value == Status.RENEWED:
            licences = licences.filter(renewed=True)
        else:
            licences = licences.filter(services.status_q(value, today), renewed=False)
    if data.get("region"):
        licences = licences.filter(region=data["region"])
    page = Paginator(licences.order_by("valid_to", "pk"), PAGE_SIZE).get_page(request.GET.get("page"))
    rows = list(page.object_list)
    for licence in rows:
        licence.status = services.status(licence, today)
    return render(
        request,
        "licences/list.html",
        {
            "form": form,
            "page": page,
            "licences": rows,
            "querystring": querystring(request),
            "can_write": services.can_write(user),
            "show_region_filter": sees_several_regions(user),
        },
    )


@role_required(*DUE_READERS)
def licence_due(request):
    """即将到期与已过期: per region the counts, then the rows (expired first, oldest first), of the
    licences that count (the latest of their kind, operating institutions)."""
    user = request.user
    today = dates.today()
    which = request.GET.get("which")
    counts = services.counts_by_region(user, today)
    regions = list(Region.objects.filter(pk__in=counts).order_by("sort_key", "code"))
    for region in regions:
        region.expiring, region.expired = counts[region.pk]["expiring"], counts[region.pk]["expired"]
    region_id = request.GET.get("region")
    if which == "expired":
        rows = services.expired(user, today)
    elif which == "expiring":
        rows = services.expiring(user, today)
    else:
        rows = services.due(user, today)
    if region_id and region_id.isdigit():
        rows = rows.filter(region_id=int(region_id))
    rows = rows.select_related("institution", "region")
    page = Paginator(rows, PAGE_SIZE).get_page(request.GET.get("page"))
    items = list(page.object_list)
    for licence in items:
        licence.renewed = False
        licence.status = services.status(licence, today)
    return render(
        request,
        "licences/due.html",
        {
            "regions": regions,
            "totals": {
                "expiring": sum(r.expiring for r in regions),
                "expired": sum(r.expired for r in regions),
            },
            "page": page,
            "licences": items,
            "which": which if which in ("expired", "expiring") else "",
            "region_id": int(region_id) if region_id and region_id.isdigit() else None,
            "querystring": querystring(request),
            "today": today,
            "days": services.EXPIRY_WARNING_DAYS,
        },
    )


@role_required(*READERS)
def licence_detail(request, pk):
    user = request.user
    licence = get_object_or_404(
        services.with_renewal(Licence.objects.visible_to(user)).select_related(
            "institution", "region", "created_by"
        ),
        pk=pk,
    )
    licence.status = services.status(licence)
    return render(
        request,
        "licences/detail.html",
        {
            "licence": licence,
            "evidence_files": visible_evidence(user)
            .filter(owner_type__model="licence", owner_type__app_label="licences", owner_id=licence.pk)
            .select_related("uploaded_by"),
            "can_write": services.can_write(user),
            "days": services.EXPIRY_WARNING_DAYS,
        },
    )


@login_required
def licence_edit(request, pk=None):
    user = request.user
    if not services.can_write(user):
        raise PermissionDenied
    licence = get_object_or_404(Licence.objects.visible_to(user), pk=pk) if pk else None
    form = LicenceForm(request.POST or None, request.FILES or None, instance=licence, user=user)

    def save(form):
        obj = form.save(commit=False)
        if licence:
            services.update_licence(
                obj,
                by=user,
                expected_version=form.cleaned_data["expected_version"] or 0,
                scans=form.cleaned_data.get("scans") or (),
            )
        else:
            services.create_licence(obj, by=user, scans=form.cleaned_data.get("scans") or ())
        return obj

    crumbs = [(reverse("licences:list"), _("Licences and certificates"))]
    if licence:
        crumbs.append((reverse("licences:detail", args=[licence.pk]), licence.number))
    page = FormPage(
        title=_("Edit licence") if licence else _("New licence"),
        crumbs=crumbs,
        cancel_url=crumbs[-1][0],
        testid="licence-form",
        note=_("Leave “valid until” empty for a licence valid indefinitely."),
    )
    return edit_page(
        request,
        form,
        save,
        page=page,
        done=lambda obj: _("Licence %(number)s saved.") % {"number": obj.number},
        success_url=lambda obj: reverse("licences:detail", args=[obj.pk]),
    )
