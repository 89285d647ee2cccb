"""The reconciliation pages: upload (with the tolerance options) and the runs, a run's dry-run
result per district, the district's 待同步 list with a decision per row, and the export template.
Reads go through `visible_to`; a GET never writes; decisions through `national.services`."""

from urllib.parse import urlencode

from django.contrib import messages
from django.core.exceptions import PermissionDenied, ValidationError
from django.core.paginator import Paginator
from django.http import Http404, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from core.excel import WorkbookError
from core.permissions import STAFF, role_required
from core.roles import Role
from national import services
from national.columns import COLUMNS
from national.forms import UploadForm
from national.models import ReconciliationRow, ReconciliationRun
from national.presentation import field_label, row_view
from national.template import template_bytes

PAGE_SIZE = 50


@role_required(*STAFF)
def index(request):
    user = request.user
    form = UploadForm(request.POST or None, request.FILES or None)
    problems = []
    if request.method == "POST" and form.is_valid():
        data = form.cleaned_data
        tolerance = services.Tolerance(
            beds=data["beds_tolerance"] or 0,
            beds_percent=data["beds_tolerance_percent"] or 0,
            ignore_area_granularity=data["ignore_area_granularity"],
        )
        try:
            run = services.dry_run(
                file=data["file"], user=user, tolerance=tolerance, file_name=data["file"].name
            )
        except WorkbookError as error:
            form.add_error("file", error.messages)
        except ValidationError as error:
            problems = error.messages
        else:
            return redirect("national:run", pk=run.pk)
    runs = ReconciliationRun.objects.visible_to(user).select_related("created_by", "region")[:20]
    return render(
        request,
        "national/index.html",
        {"form": form, "problems": problems, "runs": runs, "columns": COLUMNS},
    )


@role_required(*STAFF)
def template(request):
    response = HttpResponse(
        template_bytes(), content_type="application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
    )
    response["Content-Disposition"] = "attachment; filename*=UTF-8''national-export-template.xlsx"
    return response


def _run(request, pk) -> ReconciliationRun:
    return get_object_or_404(
        ReconciliationRun.objects.visible_to(request.user).select_related("created_by", "region"), pk=pk
    )


@role_required(*STAFF)
def run_detail(request, pk):
    run = _run(request, pk)
    return render(
        request,
        "national/run.html",
        {
            "run": run,
            "districts": services.district_counts(run, request.user),
            "compared": [field_label(name) for name in run.compared],
            "own_run": request.user.is_superuser or run.region_id == request.user.region_id,
        },
    )


FILTERS = {
    "open": {"state": ReconciliationRow.State.OPEN},
    "decided": {"state__in": [ReconciliationRow.State.ADOPTED, ReconciliationRow.State.NATIONAL_TO_FIX]},
    "all": {},
}


@role_required(*STAFF)
def pending(request, pk):
    user = request.user
    run = _run(request, pk)
    rows = (
        ReconciliationRow.objects.visible_to(user)
        .filter(run=run)
        .exclude(kind=ReconciliationRow.Kind.UNCHANGED)
        .select_related("region", "institution", "decided_by")
    )
    region_code = request.GET.get("region", "")
    if region_code:
        rows = rows.filter(region__code=region_code)
    show = request.GET.get("show", "open")
    if show not in FILTERS:
        show = "open"
    rows = rows.filter(**FILTERS[show])
    page = Paginator(rows, PAGE_SIZE).get_page(request.GET.get("page"))
    return render(
        request,
        "national/pending.html",
        {
            "run": run,
            "page": page,
            "rows": [row_view(row, user) for row in page.object_list],
            "region_code": region_code,
            "show": show,
            "filters": [("open", _("To be synchronised")), ("decided", _("Decided")), ("all", _("All"))],
            "querystring": urlencode({"region": region_code, "show": show}),
            "can_decide": user.role == Role.DISTRICT,
        },
    )


@require_POST
@role_required(Role.DISTRICT, superuser=False)
def decide(request, pk, action):
    user = request.user
    row = get_object_or_404(
        ReconciliationRow.objects.visible_to(user).select_related("run", "region", "institution"), pk=pk
    )
    if action not in ("adopt", "national"):
        raise Http404
    error = None
    try:
        if action == "adopt":
            services.adopt(row=row, by=user)
        else:
            services.mark_national_to_fix(row=row, by=user)
    except PermissionDenied:
        raise
    except ValidationError as problem:  # a concurrent edit too (ConcurrentEditError)
        error = " ".join(problem.messages)
    row = ReconciliationRow.objects.select_related("run", "region", "institution", "decided_by").get(
        pk=row.pk
    )
    if request.headers.get("HX-Request"):
        return render(
            request,
            "national/_row.html",
            {"r": row_view(row, user), "can_decide": True, "error": error, "run": row.run},
        )
    if error:
        messages.error(request, error)
    else:
        messages.success(request, _("Row %(row)s decided.") % {"row": row.row_number or row.institution})
    return redirect("national:pending", pk=row.run_id)
