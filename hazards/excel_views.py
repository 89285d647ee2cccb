"""The three lists (pages and Excel export) and the import of a district's ledger (template,
upload → preview → apply). The work is in hazards/three_lists.py and hazards/excel/; these views
parse the request, call it and answer."""

from django.core.paginator import Paginator
from django.http import Http404
from django.shortcuts import render
from django.urls import reverse
from django.utils.translation import gettext_lazy
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from core import dates, exports
from core.excel_import import ImportPages, UploadForm, xlsx_response  # noqa: F401 - UploadForm: as before
from core.filters import querystring
from core.models import ImportBatch, Region
from core.permissions import role_required
from core.roles import Role
from core.scoping import sees_several_regions
from hazards import excel
from hazards.filters import filtered_hazards
from hazards.labels import CARD_COLUMNS
from hazards.models import Hazard
from hazards.three_lists import LISTS, display_value, three_lists_queryset

PAGE_SIZE = 20
# Who reads the three lists: supervision (city), the district keeping the ledger, and the
# departments for the hazards referred to them (superusers pass too).
READERS = (Role.CITY, Role.DISTRICT, Role.DEPARTMENT)


def _hazards(user):
    return Hazard.objects.visible_to(user).live()


# The three lists ---------------------------------------------------------------------------------


@role_required(*READERS)
@require_GET
def three_lists(request, kind):
    three_list = LISTS.get(kind)
    if three_list is None:
        raise Http404
    filterset, results = filtered_hazards(request, _hazards(request.user))
    page = Paginator(three_lists_queryset(results), PAGE_SIZE).get_page(request.GET.get("page"))
    query = querystring(request)
    # On screen the region column only for a reader who sees several (the workbook keeps it).
    show_region = sees_several_regions(request.user)
    columns = [column for column in three_list.columns if show_region or column.key != "region"]
    rows = [(hazard, [(column, display_value(column, hazard)) for column in columns]) for hazard in page]
    tabs = [
        {
            "list": other,
            "url": reverse("hazards:lists", args=[other.kind]) + (f"?{query}" if query else ""),
            "active": other.kind == three_list.kind,
        }
        for other in LISTS.values()
    ]
    return render(
        request,
        "hazards/three_lists.html",
        {
            "three_list": three_list,
            "columns": columns,
            "card_columns": CARD_COLUMNS,
            "tabs": tabs,
            "filter": filterset,
            "page": page,
            "rows": rows,
            "querystring": query,
            "can_import": excel.can_import(request.user),
        },
    )


def _export_rows(user, params):
    """The hazards the export holds: the user's, as the three lists show them with `params`."""
    _filterset, results = filtered_hazards(exports.request_for(user, params), _hazards(user))
    return results


EXPORT = exports.Export(
    kind="hazards",
    title=gettext_lazy("Export the three lists"),
    roles=READERS,
    rows=_export_rows,
    write=lambda rows, user, **options: excel.three_lists_workbook(rows, **options),
    filename=lambda: f"风险隐患三个清单-{dates.today():%Y%m%d}.xlsx",
    back=lambda: reverse("hazards:lists", args=["hazards"]),
)


@role_required(*READERS)
@require_http_methods(["GET", "POST"])
def export(request):
    """The workbook (up to PORTAL_EXPORT_SYNC_ROWS hazards), else a background job: core.exports."""
    return exports.respond(request, EXPORT)


# Import ------------------------------------------------------------------------------------------


PAGES = ImportPages(
    namespace="hazards",
    kind=ImportBatch.Kind.HAZARDS,
    create_batch=excel.create_batch,
    apply_batch=excel.apply_batch,
    queue_apply=excel.queue_apply,
    max_rows=excel.MAX_ROWS,
    title=gettext_lazy("Import a hazard ledger"),
    list_label=gettext_lazy("Hazard ledger"),
    applied_message=gettext_lazy(
        "Imported %(file)s: %(create)s new hazards, %(update)s updated, %(unchanged)s unchanged."
    ),
)


def _importer(view):
    """District staff of a region only: the ledger is imported into the user's own district."""
    return role_required(Role.DISTRICT, superuser=False)(view)


@_importer
@require_GET
def template(request):
    regions = Region.objects.visible_to(request.user).county_level()
    return xlsx_response(excel.template_workbook(regions), "风险隐患整治工作台账导入模板.xlsx")


@_importer
def upload(request):
    return PAGES.upload(request)


@_importer
@require_GET
def preview(request, pk):
    return PAGES.preview(request, pk)


@_importer
@require_POST
def apply(request, pk):
    return PAGES.apply(request, pk)
