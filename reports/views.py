"""Summary-report pages: the district writes its unit's report, the city lists and reviews them."""

from django.contrib import messages
from django.core.exceptions import ValidationError
from django.shortcuts import get_object_or_404, redirect, render
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from campaign.selectors import current_campaign_for
from core.concurrency import ConcurrentEditError
from core.forms import add_errors
from core.permissions import role_required
from core.roles import Role
from reports import services
from reports.forms import ReasonForm, SummaryReportForm
from reports.models import SummaryReport

# District ---------------------------------------------------------------------------------------


@role_required(Role.DISTRICT, superuser=False)
def summary(request):
    campaign = current_campaign_for(request.user)
    if campaign is None:
        return render(request, "reports/summary.html", {"campaign": None})
    report = services.report_for(campaign=campaign, by=request.user)
    report.campaign = campaign
    if request.method != "POST":
        return _summary_page(request, report, SummaryReportForm(initial=_initial(report)))
    form = SummaryReportForm(request.POST)
    conflict = False
    if form.is_valid():
        submit = "submit" in request.POST
        try:
            services.report_save(
                report=report,
                sections=form.sections(),
                by=request.user,
                expected_version=form.cleaned_data["expected_version"] or 0,
                submit=submit,
            )
        except ValidationError as error:  # a missing section, a locked report, a concurrent edit
            add_errors(form, error)
            # What is stored now (still nothing if this was the unit's first save and it was refused).
            report = services.report_for(campaign=campaign, by=request.user)
            report.campaign = campaign
            if isinstance(error, ConcurrentEditError):
                # The input stays in the boxes; the page shows what is stored now, and saving again
                # is based on it (a deliberate overwrite, not a blind one).
                conflict = True
                data = request.POST.copy()
                data["expected_version"] = report.version
                form.data = data
        else:
            messages.success(
                request,
                _("Summary report submitted to the city bureau.") if submit else _("Draft saved."),
            )
            return redirect("reports:summary")
    return _summary_page(request, report, form, conflict=conflict, status=400)


def _initial(report: SummaryReport) -> dict:
    return {
        **{name: getattr(report, name) for name in SummaryReport.SECTIONS},
        "expected_version": report.version,
    }


def _summary_page(request, report, form, *, conflict=False, status=200):
    deadline = services.deadline_row(report.campaign)
    timeliness = services.timeliness(report, deadline.due_on if deadline else None)
    return render(
        request,
        "reports/summary.html",
        {
            "campaign": report.campaign,
            "report": report,
            "form": form,
            "editable": services.can_edit(request.user, report),
            "conflict": conflict,
            "deadline": deadline,
            "submitted_on": services.submitted_on(report),
            "timeliness": timeliness,
            "timeliness_label": services.Timeliness.LABELS.get(timeliness, ""),
            "timeliness_css": services.Timeliness.CSS.get(timeliness, "secondary"),
            "events": report.events.select_related("by") if report.pk else [],
        },
        status=status,
    )


# City -------------------------------------------------------------------------------------------


@role_required(Role.CITY)
def summary_list(request):
    campaign = current_campaign_for(request.user)
    rows, deadline = [], None
    if campaign is not None:
        deadline = services.deadline_row(campaign)
        rows = services.unit_rows(campaign, request.user, deadline.due_on if deadline else None)
    counts = {
        "units": len(rows),
        "submitted": sum(1 for row in rows if row.submitted_on),
        "accepted": sum(
            1 for row in rows if row.report and row.report.status == SummaryReport.Status.ACCEPTED
        ),
        "late": sum(
            1 for row in rows if row.timeliness in (services.Timeliness.LATE, services.Timeliness.OVERDUE)
        ),
    }
    return render(
        request,
        "reports/summary_list.html",
        {"campaign": campaign, "rows": rows, "deadline": deadline, "counts": counts},
    )


def _visible_report(request, pk) -> SummaryReport:
    return get_object_or_404(
        SummaryReport.objects.visible_to(request.user).select_related(
            "campaign", "region", "submitted_by", "reviewed_by"
        ),
        pk=pk,
    )


def _detail(request, report, *, return_form=None, reopen_form=None, status=200):
    deadline = services.deadline_row(report.campaign)
    timeliness = services.timeliness(report, deadline.due_on if deadline else None)
    return render(
        request,
        "reports/summary_detail.html",
        {
            "report": report,
            "deadline": deadline,
            "submitted_on": services.submitted_on(report),
            "timeliness": timeliness,
            "timeliness_label": services.Timeliness.LABELS.get(timeliness, ""),
            "timeliness_css": services.Timeliness.CSS.get(timeliness, "secondary"),
            "can_review": services.can_review(request.user, report),
            "can_reopen": services.can_reopen(request.user, report),
            "return_form": return_form or ReasonForm(prefix="return"),
            "reopen_form": reopen_form or ReasonForm(prefix="reopen"),
            "events": report.events.select_related("by"),
        },
        status=status,
    )


@role_required(Role.CITY)
def summary_detail(request, pk):
    return _detail(request, _visible_report(request, pk))


@require_POST
@role_required(Role.CITY)
def summary_accept(request, pk):
    report = _visible_report(request, pk)
    try:
        services.report_accept(report=report, by=request.user)
    except ValidationError as error:
        messages.error(request, " ".join(error.messages))
        return redirect("reports:summary_detail", pk=pk)
    messages.success(request, _("Summary report of %(region)s accepted.") % {"region": report.region})
    return redirect("reports:summary_list")


def _with_reason(request, pk, *, prefix, action, done_message):
    """Return or reopen: the reason form, then the service; a 400 page with the errors otherwise."""
    report = _visible_report(request, pk)
    form = ReasonForm(request.POST, prefix=prefix)
    if form.is_valid():
        try:
            action(report=report, by=request.user, reason=form.cleaned_data["reason"])
        except ValidationError as error:
            add_errors(form, error)
        else:
            messages.success(request, done_message % {"region": report.region})
            return redirect("reports:summary_list")
    report.refresh_from_db()
    return _detail(request, report, status=400, **{f"{prefix}_form": form})


@require_POST
@role_required(Role.CITY)
def summary_return(request, pk):
    return _with_reason(
        request,
        pk,
        prefix="return",
        action=services.report_return,
        done_message=_("Summary report returned to %(region)s."),
    )


@require_POST
@role_required(Role.CITY)
def summary_reopen(request, pk):
    return _with_reason(
        request,
        pk,
        prefix="reopen",
        action=services.report_reopen,
        done_message=_("Summary report of %(region)s reopened; it is back with the unit as returned."),
    )
