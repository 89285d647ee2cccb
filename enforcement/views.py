"""Enforcement pages: the list (filters, cards on a phone), an order, the form and lifting. Reads go
through `EnforcementOrder.objects.visible_to`; writes are city and district staff's, through
`enforcement.services`, with one-time tokens and version checks. A GET never writes."""

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied, ValidationError
from django.core.paginator import Paginator
from django.db.models import Q
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from core import dates
from core.edit import FormPage, edit_page
from core.evidence import visible_evidence
from core.filters import querystring
from core.forms import add_errors
from core.permissions import role_required
from core.roles import Role
from enforcement import services
from enforcement.forms import FilterForm, LiftForm, OrderForm
from enforcement.models import EnforcementOrder, status_q

PAGE_SIZE = 50
READERS = (Role.CITY, Role.DISTRICT, Role.INSTITUTION, Role.DEPARTMENT)


def can_write(user) -> bool:
    return not user.is_superuser and user.role in services.WRITERS and user.region_id is not None


@role_required(*READERS)
def order_list(request):
    user = request.user
    form = FilterForm(request.GET or None, user=user)
    form.is_valid()
    data = {
        name: value for name, value in getattr(form, "cleaned_data", {}).items() if name not in form.errors
    }
    orders = EnforcementOrder.objects.visible_to(user).select_related("institution", "region")
    today = dates.today()
    if q := (data.get("q") or "").strip():
        orders = orders.filter(Q(institution__name__icontains=q) | Q(document_number__icontains=q))
    if data.get("kind"):
        orders = orders.filter(kind=data["kind"])
    if data.get("status"):
        orders = orders.filter(status_q(data["status"], today))
    if data.get("department"):
        orders = orders.filter(department=data["department"])
    if data.get("region"):
        orders = orders.filter(region=data["region"])
    page = Paginator(orders, PAGE_SIZE).get_page(request.GET.get("page"))
    return render(
        request,
        "enforcement/list.html",
        {
            "form": form,
            "page": page,
            "orders": page.object_list,
            "querystring": querystring(request),
            "can_write": can_write(user),
            "show_region_filter": user.is_superuser or user.role == Role.CITY,
        },
    )


def _detail(request, order, lift_form=None, status=200):
    user = request.user
    return render(
        request,
        "enforcement/detail.html",
        {
            "order": order,
            "evidence_files": visible_evidence(user)
            .filter(
                owner_type__model="enforcementorder", owner_type__app_label="enforcement", owner_id=order.pk
            )
            .select_related("uploaded_by"),
            "can_write": can_write(user),
            "lift_form": lift_form
            or (
                LiftForm(initial={"expected_version": order.version, "lifted_on": dates.today()})
                if can_write(user) and not order.lifted_on
                else None
            ),
        },
        status=status,
    )


@role_required(*READERS)
def order_detail(request, pk):
    order = get_object_or_404(
        EnforcementOrder.objects.visible_to(request.user).select_related(
            "institution", "region", "created_by", "lifted_by"
        ),
        pk=pk,
    )
    return _detail(request, order)


@login_required
def order_edit(request, pk=None):
    user = request.user
    if not can_write(user):
        raise PermissionDenied
    order = get_object_or_404(EnforcementOrder.objects.visible_to(user), pk=pk) if pk else None
    form = OrderForm(request.POST or None, request.FILES or None, instance=order, user=user)

    def save(form):
        obj = form.save(commit=False)
        if order:
            services.update_order(
                obj,
                by=user,
                expected_version=form.cleaned_data["expected_version"] or 0,
                document=form.cleaned_data.get("document"),
            )
        else:
            services.create_order(obj, by=user, document=form.cleaned_data["document"])
        return obj

    crumbs = [(reverse("enforcement:list"), _("Enforcement orders"))]
    if order:
        crumbs.append((reverse("enforcement:detail", args=[order.pk]), order.document_number))
    page = FormPage(
        title=_("Edit order") if order else _("New order"),
        crumbs=crumbs,
        cancel_url=crumbs[-1][0],
        testid="order-form",
    )
    return edit_page(
        request,
        form,
        save,
        page=page,
        done=lambda obj: _("Order %(number)s saved.") % {"number": obj.document_number},
        success_url=lambda obj: reverse("enforcement:detail", args=[obj.pk]),
    )


@require_POST
@login_required
def order_lift(request, pk):
    user = request.user
    order = get_object_or_404(
        EnforcementOrder.objects.visible_to(user).select_related("institution", "region"), pk=pk
    )
    if not can_write(user):
        raise PermissionDenied
    form = LiftForm(request.POST, request.FILES)
    if form.is_valid():
        try:
            services.lift_order(
                order,
                by=user,
                lifted_on=form.cleaned_data["lifted_on"],
                note=form.cleaned_data["lift_note"],
                expected_version=form.cleaned_data["expected_version"],
                document=form.cleaned_data.get("lift_document"),
            )
        except ValidationError as error:
            add_errors(form, error)
        else:
            messages.success(request, _("Order %(number)s lifted.") % {"number": order.document_number})
            return redirect("enforcement:detail", pk=order.pk)
    order.refresh_from_db()
    return _detail(request, order, lift_form=form, status=400)
