"""Staff pages of the directories and draws (city staff keep them; district staff read the draws
covering their unit and keep their own inspectors). Every read goes through `visible_to`; every
POST is guarded by `role_required`, the one-time token (core.submissions) and, for edits, the
row's version (core.concurrency)."""

import json

from django.contrib import messages
from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction
from django.shortcuts import get_object_or_404, redirect, render
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from core import dates
from core.concurrency import save_versioned
from core.forms import add_errors
from core.models import Region
from core.permissions import STAFF, role_required
from core.roles import Role
from inspections import directory, services
from inspections import draw as algo
from inspections.forms import AnnulForm, DrawForm, InspectorForm, ItemForm, PointForm, RedrawForm, SeedForm
from inspections.labels import draw_context
from inspections.models import ChecklistPoint, Conflict, Draw, InspectionItem, Inspector

CITY = (Role.CITY,)


def _city(user) -> Region | None:
    """The city whose directories the user keeps or reads: a city user's own region, a district
    user's parent; None for anyone else."""
    region = user.region
    if region is None:
        return None
    return region if user.role == Role.CITY else region.parent


# Items -------------------------------------------------------------------------------------------


@role_required(*STAFF)
def item_list(request):
    items = list(InspectionItem.objects.visible_to(request.user).prefetch_related("points").order_by("code"))
    for item in items:
        item.department_label = directory.department_name(item.department)
    return render(
        request,
        "inspections/items.html",
        {"items": items, "can_edit": request.user.role == Role.CITY},
    )


@role_required(*CITY, superuser=False)
def item_edit(request, pk=None):
    city = request.user.region
    item = get_object_or_404(InspectionItem.objects.filter(region=city), pk=pk) if pk else None
    form = ItemForm(request.POST or None, instance=item, region=city)
    if request.method == "POST" and form.is_valid():
        obj = form.save(commit=False)
        obj.region = city
        try:
            if item:
                save_versioned(obj, expected_version=form.cleaned_data["expected_version"] or 0)
            else:
                obj.save()
        except ValidationError as error:
            add_errors(form, error)
        else:
            messages.success(request, _("Item %(code)s saved.") % {"code": obj.code})
            return redirect("inspections:items")
    return render(
        request, "inspections/item_form.html", {"form": form, "item": item, "point_fields": PointForm()}
    )


@require_POST
@role_required(*CITY, superuser=False)
def point_add(request, pk):
    item = get_object_or_404(InspectionItem.objects.filter(region=request.user.region), pk=pk)
    form = PointForm(request.POST)
    if form.is_valid():
        with transaction.atomic():
            locked = InspectionItem.objects.select_for_update().get(pk=item.pk)
            last = locked.points.order_by("-number").values_list("number", flat=True).first() or 0
            ChecklistPoint.objects.create(item=locked, number=last + 1, **form.cleaned_data)
        messages.success(request, _("Checklist point added to %(code)s.") % {"code": item.code})
        return redirect("inspections:item_edit", pk=item.pk)
    return render(
        request,
        "inspections/item_form.html",
        {"form": ItemForm(instance=item, region=item.region), "item": item, "point_fields": form},
        status=400,
    )


@require_POST
@role_required(*CITY, superuser=False)
def point_delete(request, pk):
    point = get_object_or_404(ChecklistPoint.objects.filter(item__region=request.user.region), pk=pk)
    item_pk = point.item_id
    point.delete()
    messages.success(request, _("Checklist point deleted."))
    return redirect("inspections:item_edit", pk=item_pk)


# Inspectors --------------------------------------------------------------------------------------


@role_required(*STAFF)
def inspector_list(request):
    inspectors = list(
        Inspector.objects.visible_to(request.user)
        .select_related("region")
        .prefetch_related("conflict_rows__institution")
        .order_by("region__code", "name", "pk")
    )
    for inspector in inspectors:
        inspector.department_label = directory.department_name(inspector.department)
    return render(request, "inspections/inspectors.html", {"inspectors": inspectors})


@role_required(*STAFF, superuser=False)
def inspector_edit(request, pk=None):
    inspector = get_object_or_404(Inspector.objects.visible_to(request.user), pk=pk) if pk else None
    form = InspectorForm(request.POST or None, instance=inspector, user=request.user)
    if request.method == "POST" and form.is_valid():
        obj = form.save(commit=False)
        try:
            with transaction.atomic():
                if inspector:
                    save_versioned(obj, expected_version=form.cleaned_data["expected_version"] or 0)
                else:
                    obj.save()
                Conflict.objects.filter(inspector=obj).delete()
                note = form.cleaned_data["conflict_note"]
                Conflict.objects.bulk_create(
                    Conflict(inspector=obj, institution=i, note=note)
                    for i in form.cleaned_data["conflict_institutions"]
                )
        except ValidationError as error:
            add_errors(form, error)
        else:
            messages.success(request, _("Inspector %(name)s saved.") % {"name": obj.name})
            return redirect("inspections:inspectors")
    return render(request, "inspections/inspector_form.html", {"form": form, "inspector": inspector})


# The objects directory ---------------------------------------------------------------------------


@role_required(*STAFF)
def object_list(request):
    """The registry's operating institutions the user sees, with the facts a draw weighs."""
    user = request.user
    regions = (
        list(Region.objects.visible_to(user).county_level().order_by("code"))
        if not user.is_superuser
        else list(Region.objects.county_level().order_by("code"))
    )
    rows = directory.objects_directory(regions)
    return render(
        request,
        "inspections/objects.html",
        {
            "rows": rows,
            "any_inspected": any(row["last_inspected_on"] for row in rows),
            "weights": algo.DEFAULT_WEIGHTS,
            "thresholds": algo.DEFAULT_THRESHOLDS,
            "risk_months": directory.RISK_PERIOD_MONTHS,
        },
    )


# Draws -------------------------------------------------------------------------------------------


@role_required(*STAFF)
def draw_list(request):
    draws = list(
        Draw.objects.visible_to(request.user)
        .select_related("region", "redraw_of")
        .prefetch_related("scope_regions")
    )
    return render(
        request, "inspections/draws.html", {"draws": draws, "can_create": request.user.role == Role.CITY}
    )


@role_required(*CITY, superuser=False)
def draw_create(request):
    city = request.user.region
    form = DrawForm(request.POST or None, user=request.user, city=city, initial={"year": dates.today().year})
    if request.method == "POST" and form.is_valid():
        with transaction.atomic():
            draw = Draw.objects.create(region=city, created_by=request.user, **form.draw_values())
            draw.scope_regions.set(form.cleaned_data["scope_regions"])
            draw.items.set(form.cleaned_data["items"])
        messages.success(request, _("Draw created as a draft. Check it, then freeze it."))
        return redirect("inspections:draw_detail", pk=draw.pk)
    return render(request, "inspections/draw_form.html", {"form": form})


def _draw_page(request, draw, status=200, **forms):
    can_act = request.user.role == Role.CITY and draw.region_id == request.user.region_id
    context = draw_context(draw)
    context.update(
        draw=draw,
        can_act=can_act,
        seed_form=forms.get("seed_form") or SeedForm(),
        annul_form=forms.get("annul_form") or AnnulForm(),
        redraw_form=forms.get("redraw_form") or RedrawForm(initial={"seed_kind": draw.seed_kind}),
        seed_open=draw.seed_available_on is None or dates.today() >= draw.seed_available_on,
        public=False,
        redraws=list(draw.redraws.all()),
    )
    return render(request, "inspections/draw_detail.html", context, status=status)


def _visible_draws(user):
    return Draw.objects.visible_to(user).select_related(
        "region", "redraw_of", "created_by", "frozen_by", "seed_entered_by", "drawn_by", "annulled_by"
    )


@role_required(*STAFF)
def draw_detail(request, pk):
    draw = get_object_or_404(_visible_draws(request.user), pk=pk)
    return _draw_page(request, draw)


def _own_draw(request, pk) -> Draw:
    """The draw, if the city user's own city runs it (others: 404 if out of scope, else 403)."""
    draw = get_object_or_404(_visible_draws(request.user), pk=pk)
    if draw.region_id != request.user.region_id:
        raise PermissionDenied
    return draw


def _step(request, pk, step, form_name=None, form_class=None):
    draw = _own_draw(request, pk)
    form = form_class(request.POST) if form_class else None
    if form is not None and not form.is_valid():
        return _draw_page(request, draw, status=400, **{form_name: form})
    try:
        result = step(draw, form.cleaned_data if form is not None else {})
    except ValidationError as error:
        if form is not None:
            add_errors(form, error)
            return _draw_page(request, draw, status=400, **{form_name: form})
        messages.error(request, " ".join(error.messages))
        return redirect("inspections:draw_detail", pk=draw.pk)
    return result


@require_POST
@role_required(*CITY, superuser=False)
def draw_freeze(request, pk):
    def step(draw, _data):
        draw = services.freeze(draw, by=request.user)
        messages.success(
            request, _("Frozen. The inputs' hash is published: %(hash)s") % {"hash": draw.inputs_sha256}
        )
        return redirect("inspections:draw_detail", pk=draw.pk)

    return _step(request, pk, step)


@require_POST
@role_required(*CITY, superuser=False)
def draw_seed(request, pk):
    def step(draw, data):
        services.enter_seed(draw, seed=data["seed"], by=request.user)
        messages.success(request, _("Seed recorded."))
        return redirect("inspections:draw_detail", pk=draw.pk)

    return _step(request, pk, step, "seed_form", SeedForm)


@require_POST
@role_required(*CITY, superuser=False)
def draw_run(request, pk):
    def step(draw, _data):
        draw = services.run(draw, by=request.user)
        messages.success(request, _("Drawn: %(count)d institutions.") % {"count": len(draw.result["drawn"])})
        return redirect("inspections:draw_detail", pk=draw.pk)

    return _step(request, pk, step)


@require_POST
@role_required(*CITY, superuser=False)
def draw_annul(request, pk):
    def step(draw, data):
        services.annul(draw, reason=data["reason"], by=request.user)
        messages.success(request, _("The draw is annulled; it stays on its pages with the reason."))
        return redirect("inspections:draw_detail", pk=draw.pk)

    return _step(request, pk, step, "annul_form", AnnulForm)


@require_POST
@role_required(*CITY, superuser=False)
def draw_redraw(request, pk):
    def step(draw, data):
        new = services.redraw(draw, by=request.user, **data)
        messages.success(request, _("A new draft redraws the annulled draw. Check it, then freeze it."))
        return redirect("inspections:draw_detail", pk=new.pk)

    return _step(request, pk, step, "redraw_form", RedrawForm)


def inputs_of(draw) -> dict | None:
    return json.loads(draw.inputs_json) if draw.inputs_json else None
