"""Public pages of the draws (一公开, no login): the list, a draw's page, its published document
and the two files an outsider needs to re-run it.

Nothing private: the pages and the document carry institution names, regions and kinds, the risk
counts that weigh them, and the inspectors' names, departments, regions and the ids of declared
conflicts (without their notes), which the re-run needs to check 回避. Phones and certificate
numbers are never part of `DrawInputs`, so they cannot reach the document.
"""

import json
from pathlib import Path

from django.conf import settings
from django.http import FileResponse, Http404, HttpResponse
from django.shortcuts import get_object_or_404, render
from django.utils.http import content_disposition_header

from inspections import services
from inspections.labels import draw_context
from inspections.models import Draw, Inspection

SOURCE_FILES = {
    "draw.py": Path(settings.BASE_DIR) / "inspections" / "draw.py",
    "rerun_draw.py": Path(settings.BASE_DIR) / "scripts" / "rerun_draw.py",
}


def _published():
    return Draw.objects.published().select_related("region", "redraw_of")


def draw_list(request):
    draws = list(_published().prefetch_related("scope_regions", "redraws"))
    return render(request, "inspections/public_list.html", {"draws": draws})


def draw_detail(request, pk):
    draw = get_object_or_404(_published().prefetch_related("redraws"), pk=pk)
    context = draw_context(draw)
    context.update(
        draw=draw,
        public=True,
        redraws=[d for d in draw.redraws.all() if d.status != Draw.Status.DRAFT],
        results=public_results(draw),
    )
    return render(request, "inspections/public_detail.html", context)


def public_results(draw: Draw) -> list[dict]:
    """The published results of `draw`'s inspections (一公开, measure 十一): for each concluded
    inspection of a drawn institution, {"institution": name, "conclusion": label, "concluded_on":
    date}, in the draw's rank order. One query. Nothing else of the record is public: no
    inspector, no note, no photo, no summary (it may name people)."""
    rows = (
        Inspection.objects.filter(drawn__draw=draw, concluded_on__isnull=False)
        .order_by("drawn__rank")
        .values("institution__name", "conclusion", "concluded_on")
    )
    labels = dict(Inspection.Conclusion.choices)
    return [
        {
            "institution": row["institution__name"],
            "conclusion": labels.get(row["conclusion"], row["conclusion"]),
            "concluded_on": row["concluded_on"],
        }
        for row in rows
    ]


def draw_document(request, pk):
    """The published JSON document (`published_document`), as a download."""
    draw = get_object_or_404(_published(), pk=pk)
    body = json.dumps(services.document(draw), ensure_ascii=False, sort_keys=True, indent=1)
    response = HttpResponse(body.encode("utf-8"), content_type="application/json; charset=utf-8")
    response["Content-Disposition"] = content_disposition_header(True, f"draw-{draw.pk}.json")
    return response


def source_file(request, name):
    """`draw.py` or `rerun_draw.py` from the repository, as the portal runs them."""
    path = SOURCE_FILES.get(name)
    if path is None:
        raise Http404
    response = FileResponse(path.open("rb"), content_type="text/x-python; charset=utf-8")
    response["Content-Disposition"] = content_disposition_header(True, name)
    response["X-Content-Type-Options"] = "nosniff"
    return response
