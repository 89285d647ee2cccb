"""Registry pages: list, detail with history, create and edit, self-reports and their review."""

from django.contrib import messages
from django.core.exceptions import ValidationError
from django.core.paginator import Paginator
from django.shortcuts import get_object_or_404, redirect, render
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from campaign.indicators.links import INSTITUTIONS, figure_filter
from core.display import field_rows
from core.filters import querystring
from core.forms import add_errors
from core.permissions import STAFF, role_required
from core.roles import Role
from core.scoping import sees_several_regions
from institutions import services
from institutions.filters import InstitutionFilter, self_report_status_tabs, self_reports_listed
from institutions.forms import FIELDSETS, InstitutionForm, ReturnForm, SelfReportForm
from institutions.history import history_rows
from institutions.models import Institution, SelfReport

PAGE_SIZE = 20


@role_required(*STAFF)
def institution_list(request):
    queryset = Institution.objects.visible_to(request.user).select_related("region", "parent")
    # A dashboard number's list (campaign.indicators.links): the institutions that figure counted.
    figure = figure_filter(request, INSTITUTIONS)
    if figure is not None:
        queryset = queryset.filter(pk__in=figure.members.values("pk"))
    filterset = InstitutionFilter(request.GET or None, queryset=queryset, request=request)
    results = filterset.qs if filterset.is_bound else queryset
    page = Paginator(results, PAGE_SIZE).get_page(request.GET.get("page"))
    template = "institutions/_list_results.html" if request.htmx else "institutions/list.html"
    return render(
        request,
        template,
        {
            "filter": filterset,
            "page": page,
            "querystring": querystring(request),
            "figure": figure,
            "show_region": sees_several_regions(request.user),
        },
    )


@role_required(*STAFF, Role.INSTITUTION)
def institution_detail(request, pk):
    institution = get_object_or_404(
        Institution.objects.visible_to(request.user).select_related("region", "parent"), pk=pk
    )
    return render(
        request,
        "institutions/detail.html",
        {
            "institution": institution,
            "fieldsets": [(legend, field_rows(institution, names)) for legend, names in FIELDSETS],
            "history": history_rows(institution),
            "can_edit": services.can_edit_registry(request.user, institution),
        },
    )


@role_required(*STAFF)
def institution_create(request):
    form = InstitutionForm(request.POST or None, user=request.user)
    if request.method == "POST" and form.is_valid():
        try:
            institution = services.institution_create(institution=form.instance, by=request.user)
        except ValidationError as error:
            add_errors(form, error)
        else:
            messages.success(request, _("Institution %(name)s added.") % {"name": institution.name})
            return redirect("institutions:detail", pk=institution.pk)
    return render(request, "institutions/form.html", {"form": form, "institution": None})


@role_required(*STAFF)
def institution_edit(request, pk):
    institution = get_object_or_404(Institution.objects.visible_to(request.user), pk=pk)
    form = InstitutionForm(request.POST or None, instance=institution, user=request.user)
    if request.method == "POST" and form.is_valid():
        try:
            services.institution_update(
                institution=form.instance,
                expected_version=form.cleaned_data["expected_version"] or 0,
                by=request.user,
            )
        except ValidationError as error:  # a concurrent edit too (ConcurrentEditError)
            add_errors(form, error)
        else:
            messages.success(request, _("Changes to %(name)s saved.") % {"name": institution.name})
            return redirect("institutions:detail", pk=institution.pk)
    return render(request, "institutions/form.html", {"form": form, "institution": institution})


# Self-reports ---------------------------------------------------------------------------------


@role_required(Role.INSTITUTION, superuser=False)
def self_report(request):
    institution = request.user.institution
    report = SelfReport.objects.visible_to(request.user).open().first()
    initial = report.values if report else services.self_report_values_from(institution)
    form = SelfReportForm(request.POST or None, initial=initial, institution=institution)
    locked = report is not None and report.status == SelfReport.Status.SUBMITTED
    if request.method == "POST" and not locked and form.is_valid():
        submit = "submit" in request.POST
        try:
            report = services.self_report_save(
                institution=institution, values=form.values(), by=request.user, submit=submit
            )
        except ValidationError as error:
            add_errors(form, error)
        else:
            messages.success(
                request, _("Report submitted to your district for review.") if submit else _("Draft saved.")
            )
            return redirect("institutions:self_report")
    past = SelfReport.objects.visible_to(request.user).exclude(status__in=SelfReport.OPEN_STATUSES)[:10]
    return render(
        request,
        "institutions/self_report.html",
        {
            "form": form,
            "report": report,
            "locked": locked,
            "institution": institution,
            "past": past,
            "changes": services.self_report_changes(report) if report else [],
        },
    )


@role_required(*STAFF)
def self_report_list(request):
    filterset, reports = self_reports_listed(request.user, request.GET)
    reports = reports.select_related("institution__region", "submitted_by", "reviewed_by")
    status = filterset.data.get("status")
    page = Paginator(reports, PAGE_SIZE).get_page(request.GET.get("page"))
    return render(
        request,
        "institutions/self_report_list.html",
        {
            "page": page,
            "status": status,
            "status_tabs": self_report_status_tabs(request.user),
            "show_region": sees_several_regions(request.user),
        },
    )


def _visible_report(request, pk) -> SelfReport:
    return get_object_or_404(
        SelfReport.objects.visible_to(request.user).select_related("institution__region", "submitted_by"),
        pk=pk,
    )


@role_required(*STAFF)
def self_report_review(request, pk):
    report = _visible_report(request, pk)
    return render(
        request,
        "institutions/self_report_review.html",
        {"report": report, "changes": services.self_report_changes(report), "return_form": ReturnForm()},
    )


@require_POST
@role_required(*STAFF)
def self_report_accept(request, pk):
    report = _visible_report(request, pk)
    try:
        services.self_report_accept(report=report, by=request.user)
    except ValidationError as error:
        messages.error(request, " ".join(error.messages))
        return redirect("institutions:self_report_review", pk=pk)
    messages.success(
        request, _("Report accepted; the record of %(name)s is updated.") % {"name": report.institution}
    )
    return redirect("institutions:self_report_list")


@require_POST
@role_required(*STAFF)
def self_report_return(request, pk):
    report = _visible_report(request, pk)
    form = ReturnForm(request.POST)
    if form.is_valid():
        try:
            services.self_report_return(report=report, by=request.user, reason=form.cleaned_data["reason"])
        except ValidationError as error:
            messages.error(request, " ".join(error.messages))
        else:
            messages.success(request, _("Report returned to %(name)s.") % {"name": report.institution})
            return redirect("institutions:self_report_list")
    return render(
        request,
        "institutions/self_report_review.html",
        {"report": report, "changes": services.self_report_changes(report), "return_form": form},
        status=400,
    )
