"""Public disclosure pages (no login) and the staff pages that keep and publish the lists."""

from django.contrib import messages
from django.core.exceptions import ValidationError
from django.db.models import Q
from django.http import FileResponse, Http404
from django.shortcuts import get_object_or_404, redirect, render
from django.utils.http import content_disposition_header
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from core.evidence import CSP_PDF
from core.forms import add_errors
from core.models import Region
from core.permissions import STAFF, role_required
from disclosure import selectors, services
from disclosure.forms import PolicyForm
from disclosure.models import SOURCE_DOCUMENT, Publication, SupportPolicy, kinds_for

# Public ------------------------------------------------------------------------------------------


def index(request):
    """Every city and county-level unit, with the date each list was last published."""
    regions = list(
        Region.objects.filter(Q(kind__in=Region.COUNTY_LEVEL_KINDS) | Q(kind=Region.Kind.CITY))
        .select_related("parent")
        .order_by(*selectors.REGION_ORDER)
    )
    dates = selectors.latest_dates(regions)
    cities = [region for region in regions if region.kind == Region.Kind.CITY]
    groups = [
        {
            "city": city,
            "policies_on": dates.get((city.pk, Publication.Kind.POLICIES)),
            "units": [
                {"region": unit, "dates": [dates.get((unit.pk, kind)) for kind in Publication.Kind.values]}
                for unit in regions
                if unit.parent_id == city.pk and unit.is_county_level
            ],
        }
        for city in cities
    ]
    return render(request, "disclosure/index.html", {"groups": groups, "kinds": Publication.Kind.choices})


def region(request, code):
    region = get_object_or_404(Region.objects.select_related("parent"), code=code)
    if not kinds_for(region):
        raise Http404
    units = (
        region.children.county_level().order_by(*selectors.REGION_ORDER) if not region.is_county_level else []
    )
    return render(
        request,
        "disclosure/region.html",
        {
            "region": region,
            "lists": selectors.public_lists(region),
            "units": units,
            "source": SOURCE_DOCUMENT,
        },
    )


def policy_file(request, pk):
    """A policy's PDF, only while it is part of the latest published policy list of its region."""
    policy = get_object_or_404(SupportPolicy, pk=pk)
    if not selectors.is_published_file(policy):
        raise Http404
    try:
        stream = policy.file.open("rb")
    except FileNotFoundError as error:
        raise Http404 from error
    response = FileResponse(stream, content_type="application/pdf")
    response["Content-Disposition"] = content_disposition_header(
        False, policy.original_filename or "policy.pdf"
    )
    response["X-Content-Type-Options"] = "nosniff"
    response["Content-Security-Policy"] = CSP_PDF  # shown by the browser's viewer, sandboxed
    return response


# Staff -------------------------------------------------------------------------------------------


@role_required(*STAFF)
def manage(request):
    regions = list(selectors.manageable_regions(request.user).order_by(*selectors.REGION_ORDER))
    dates = selectors.latest_dates(regions)
    rows = [
        {
            "region": region,
            "dates": [
                (dates.get((region.pk, kind)), kind in kinds_for(region)) for kind in Publication.Kind.values
            ],
        }
        for region in regions
    ]
    return render(request, "disclosure/manage.html", {"rows": rows, "kinds": Publication.Kind.choices})


@role_required(*STAFF)
def manage_region(request, code):
    region = get_object_or_404(selectors.manageable_regions(request.user), code=code)
    latest = Publication.objects.select_related("published_by").latest_per_kind(region)
    cards = []
    for kind in kinds_for(region):
        publication = latest.get(kind)
        current = selectors.current_rows(region, kind)
        cards.append(
            {
                "kind": kind,
                "label": Publication.Kind(kind).label,
                "publication": publication,
                "rows": selectors.display_rows(kind, current),
                "changes": selectors.changes_since(
                    kind, publication.snapshot if publication else [], current
                ),
            }
        )
    return render(request, "disclosure/manage_region.html", {"region": region, "cards": cards})


@role_required(*STAFF)
@require_POST
def publish(request, code, kind):
    region = get_object_or_404(selectors.manageable_regions(request.user), code=code)
    if kind not in kinds_for(region):
        raise Http404
    publication = services.publication_publish(region=region, kind=kind, by=request.user)
    messages.success(
        request,
        _("%(list)s of %(region)s published.")
        % {"list": publication.get_kind_display(), "region": region.name},
    )
    return redirect("disclosure:manage_region", code=region.code)


@role_required(*STAFF)
def policy_create(request):
    initial = {}
    if code := request.GET.get("region"):
        initial["region"] = selectors.manageable_regions(request.user).filter(code=code).first()
    form = PolicyForm(request.POST or None, request.FILES or None, user=request.user, initial=initial)
    if request.method == "POST" and form.is_valid():
        try:
            policy = services.policy_create(by=request.user, **form.service_arguments())
        except ValidationError as error:
            add_errors(form, error)
        else:
            messages.success(request, _("Policy %(title)s added.") % {"title": policy.title})
            return redirect("disclosure:manage_region", code=policy.region.code)
    return render(request, "disclosure/policy_form.html", {"form": form, "policy": None})


@role_required(*STAFF)
def policy_edit(request, pk):
    policy = get_object_or_404(SupportPolicy.objects.visible_to(request.user).select_related("region"), pk=pk)
    initial = {
        name: getattr(policy, name) for name in ("region", "title", "issuing_body", "issued_on", "url")
    }
    form = PolicyForm(
        request.POST or None, request.FILES or None, user=request.user, policy=policy, initial=initial
    )
    if request.method == "POST" and form.is_valid():
        try:
            services.policy_update(policy=policy, by=request.user, **form.service_arguments())
        except ValidationError as error:
            add_errors(form, error)
        else:
            messages.success(request, _("Changes to %(title)s saved.") % {"title": policy.title})
            return redirect("disclosure:manage_region", code=policy.region.code)
    return render(request, "disclosure/policy_form.html", {"form": form, "policy": policy})


@role_required(*STAFF)
@require_POST
def policy_delete(request, pk):
    policy = get_object_or_404(SupportPolicy.objects.visible_to(request.user).select_related("region"), pk=pk)
    services.policy_delete(policy=policy, by=request.user)
    messages.success(request, _("Policy %(title)s deleted.") % {"title": policy.title})
    return redirect("disclosure:manage_region", code=policy.region.code)
