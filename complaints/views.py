"""The complaint pages: the list (city, district and department staff, each in scope), intake
(city and district staff), the detail with its steps, and raising a hazard in one step.

Every read goes through `Complaint.objects.visible_to`; out of scope answers 404. Institution users
see no complaint (403): the complainant is protected from the institution complained about.
"""

from django.contrib import messages
from django.core.exceptions import PermissionDenied, ValidationError
from django.core.paginator import Paginator
from django.shortcuts import get_object_or_404, redirect, render
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views.decorators.http import require_POST

from complaints import privacy, services
from complaints.forms import (
    CloseForm,
    ComplaintForm,
    FilterForm,
    HazardFromComplaintForm,
    ReplyForm,
    ResultForm,
    RouteForm,
)
from complaints.models import Complaint
from core import dates
from core.forms import add_errors
from core.models import Region
from core.permissions import role_required
from core.roles import Role
from core.scoping import sees_several_regions
from hazards.models import Hazard

READERS = (Role.CITY, Role.DISTRICT, Role.DEPARTMENT)
CIVIL_AFFAIRS = (Role.CITY, Role.DISTRICT)
PAGE_SIZE = 30


def _visible(user):
    return Complaint.objects.visible_to(user).select_related("institution", "region")


@role_required(*READERS)
def complaint_list(request):
    user = request.user
    regions = Region.objects.visible_to(user).county_level() if sees_several_regions(user) else None
    form = FilterForm(request.GET or None, user=user, regions=regions)
    complaints = _visible(user).with_flags()
    if form.is_bound and form.is_valid():
        data = form.cleaned_data
        if data.get("status"):
            complaints = complaints.filter(status=data["status"])
        if data.get("category"):
            complaints = complaints.filter(category=data["category"])
        if data.get("region"):
            complaints = complaints.filter(region__path__startswith=data["region"].path)
        if data.get("overdue"):
            complaints = complaints.overdue()
    elif form.is_bound:
        complaints = complaints.none()
    page = Paginator(complaints, PAGE_SIZE).get_page(request.GET.get("page"))
    rows = list(page)
    for complaint in rows:
        complaint.complainant = privacy.complainant_for(user, complaint)
    params = request.GET.copy()
    params.pop("page", None)
    return render(
        request,
        "complaints/list.html",
        {
            "form": form,
            "page": page,
            "rows": rows,
            "querystring": params.urlencode(),
            "can_record": services.can_record(user),
            "show_region": regions is not None,
            "sees_complainant": privacy.sees_complainant(user),
        },
    )


@role_required(*CIVIL_AFFAIRS, superuser=False)
def complaint_create(request):
    form = ComplaintForm(request.POST or None, user=request.user)
    if request.method == "POST" and form.is_valid():
        complaint = form.save(commit=False)
        try:
            services.complaint_create(complaint=complaint, by=request.user)
        except ValidationError as error:
            add_errors(form, error)
        else:
            messages.success(request, _("Complaint %(number)s recorded.") % {"number": complaint.number})
            return redirect("complaints:detail", pk=complaint.pk)
    status = 400 if request.method == "POST" else 200
    return render(request, "complaints/form.html", {"form": form}, status=status)


def _detail_context(request, complaint, **forms) -> dict:
    user = request.user
    version = {"expected_version": complaint.version}
    earlier = []
    if privacy.sees_complainant(user) or user.role == Role.DEPARTMENT:
        earlier = list(
            Complaint.objects.visible_to(user)
            .earlier_of(complaint)
            .only("pk", "received_on", "category", "status")
            .order_by("-received_on", "-pk")
        )
    is_repeat = Complaint.objects.earlier_of(complaint).exists()
    hazard_visible = (
        complaint.hazard_id is not None
        and Hazard.objects.visible_to(user).live().filter(pk=complaint.hazard_id).exists()
    )
    hazard_form = forms.get("hazard_form") or HazardFromComplaintForm(
        complaint=complaint,
        prefix="hazard",
        initial={
            **version,
            "category": services.hazard_category_for(complaint),
            "description": complaint.content,
            "responsible_unit": complaint.institution.name,
        },
    )
    return {
        "complaint": complaint,
        "complainant": privacy.complainant_for(user, complaint, full=True),
        "is_overdue": complaint.is_open and complaint.deadline < dates.today(),
        "is_repeat": is_repeat,
        "earlier": earlier,
        "hazard_visible": hazard_visible,
        "route_form": forms.get("route_form")
        or RouteForm(
            prefix="route",
            initial={**version, "department": complaint.department or complaint.suggested_department},
        ),
        "result_form": forms.get("result_form")
        or ResultForm(prefix="result", initial={**version, "result": complaint.result}),
        "reply_form": forms.get("reply_form")
        or ReplyForm(
            prefix="reply",
            initial={
                **version,
                "reply": complaint.reply,
                "replied_on": complaint.replied_on or dates.today(),
            },
        ),
        "close_form": forms.get("close_form") or CloseForm(prefix="close", initial=version),
        "hazard_form": hazard_form,
        "can_route": services.can_route(user, complaint),
        "can_record_result": services.can_record_result(user, complaint),
        "can_reply": services.can_reply(user, complaint),
        "can_close": services.can_close(user, complaint),
        "can_raise_hazard": services.can_raise_hazard(user, complaint),
        "open_step": forms.get("open_step", ""),
    }


@role_required(*READERS)
def complaint_detail(request, pk):
    complaint = get_object_or_404(_visible(request.user).select_related("created_by"), pk=pk)
    return render(request, "complaints/detail.html", _detail_context(request, complaint))


STEPS = {
    "route": (RouteForm, "route_form", lambda c, d, by: services.complaint_route(complaint=c, by=by, **d)),
    "result": (
        ResultForm,
        "result_form",
        lambda c, d, by: services.complaint_record_result(complaint=c, by=by, **d),
    ),
    "reply": (ReplyForm, "reply_form", lambda c, d, by: services.complaint_reply(complaint=c, by=by, **d)),
    "close": (CloseForm, "close_form", lambda c, d, by: services.complaint_close(complaint=c, by=by, **d)),
}
DONE = {
    "route": gettext_lazy("%(number)s routed."),
    "result": gettext_lazy("%(number)s: handling result recorded."),
    "reply": gettext_lazy("%(number)s: reply to the complainant recorded."),
    "close": gettext_lazy("%(number)s closed."),
}
ALLOWED = {
    "route": services.can_route,
    "result": services.can_record_result,
    "reply": services.can_reply,
    "close": services.can_close,
}


@require_POST
@role_required(*READERS, superuser=False)
def complaint_step(request, pk, step):
    if step not in STEPS:
        raise PermissionDenied
    complaint = get_object_or_404(_visible(request.user).select_related("created_by"), pk=pk)
    if not ALLOWED[step](request.user, complaint):
        raise PermissionDenied
    form_class, form_name, action = STEPS[step]
    form = form_class(request.POST, prefix=step)
    if form.is_valid():
        try:
            action(complaint, form.cleaned_data, request.user)
        except ValidationError as error:
            add_errors(form, error)
        else:
            messages.success(request, str(DONE[step]) % {"number": complaint.number})
            return redirect("complaints:detail", pk=complaint.pk)
    complaint.refresh_from_db()
    context = _detail_context(request, complaint, **{form_name: form, "open_step": step})
    return render(request, "complaints/detail.html", context, status=400)


@require_POST
@role_required(Role.DISTRICT, superuser=False)
def complaint_hazard(request, pk):
    complaint = get_object_or_404(_visible(request.user).select_related("created_by"), pk=pk)
    if not services.can_raise_hazard(request.user, complaint):
        messages.error(request, _("A hazard has already been raised from this complaint."))
        return redirect("complaints:detail", pk=complaint.pk)
    form = HazardFromComplaintForm(request.POST, complaint=complaint, prefix="hazard")
    if form.is_valid():
        hazard = form.save(commit=False)
        hazard.found_on = complaint.received_on
        try:
            services.complaint_raise_hazard(
                complaint=complaint,
                hazard=hazard,
                expected_version=form.cleaned_data["expected_version"],
                by=request.user,
            )
        except ValidationError as error:
            add_errors(form, error)
        else:
            messages.success(
                request,
                _("Hazard %(code)s raised from complaint %(number)s.")
                % {"code": hazard.code, "number": complaint.number},
            )
            return redirect("complaints:detail", pk=complaint.pk)
    complaint.refresh_from_db()
    context = _detail_context(request, complaint, hazard_form=form, open_step="hazard")
    return render(request, "complaints/detail.html", context, status=400)
