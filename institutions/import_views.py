"""Excel template, import (upload → preview → apply) and export of the institution list.

The work is in institutions/excel/ (and the shared steps and pages in core/excel_import/);
these views parse the request, call it and answer."""

from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext_lazy
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from core import exports
from core.excel_import import ImportPages, UploadForm, xlsx_response  # noqa: F401 - UploadForm: as before
from core.models import ImportBatch, Region
from core.permissions import role_required
from core.roles import Role
from institutions import excel
from institutions.filters import InstitutionFilter
from institutions.models import Institution

PAGES = ImportPages(
    namespace="institutions",
    kind=ImportBatch.Kind.INSTITUTIONS,
    create_batch=excel.create_batch,
    apply_batch=excel.apply_batch,
    queue_apply=excel.queue_apply,
    max_rows=excel.MAX_ROWS,
    title=gettext_lazy("Import from Excel"),
    list_label=gettext_lazy("Institution registry"),
    applied_message=gettext_lazy(
        "Imported %(file)s: %(create)s new, %(update)s updated, %(unchanged)s unchanged."
    ),
)


def _regions(user):
    return Region.objects.visible_to(user).county_level()


@role_required(Role.CITY, Role.DISTRICT)
@require_GET
def template(request):
    return xlsx_response(excel.template_workbook(_regions(request.user)), "养老机构导入模板.xlsx")


@role_required(Role.CITY, Role.DISTRICT)
def upload(request):
    return PAGES.upload(request)


@role_required(Role.CITY, Role.DISTRICT)
@require_GET
def preview(request, pk):
    return PAGES.preview(request, pk)


@role_required(Role.CITY, Role.DISTRICT)
@require_POST
def apply(request, pk):
    return PAGES.apply(request, pk)


def _export_rows(user, params):
    """The institutions the export holds: the user's, as the list shows them with `params`."""
    queryset = Institution.objects.visible_to(user)
    filterset = InstitutionFilter(
        params or None, queryset=queryset, request=exports.request_for(user, params)
    )
    return filterset.qs if filterset.is_bound else queryset


EXPORT = exports.Export(
    kind="institutions",
    title=gettext_lazy("Export to Excel"),
    roles=(Role.CITY, Role.DISTRICT),
    rows=_export_rows,
    write=lambda rows, user, **options: excel.export_workbook(rows, _regions(user), **options),
    filename=lambda: f"养老机构名单-{timezone.localdate():%Y%m%d}.xlsx",
    back=lambda: reverse("institutions:list"),
)


@role_required(Role.CITY, Role.DISTRICT)
@require_http_methods(["GET", "POST"])
def export(request):
    """The workbook (up to PORTAL_EXPORT_SYNC_ROWS institutions), else a background job: core.exports."""
    return exports.respond(request, EXPORT)
