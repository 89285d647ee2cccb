"""Sending evidence files: only to a logged-in user who may see the file's owner.

Both views start from `visible_evidence_or_404(request.user, pk)` (the file's one owner checked
against the user's scope), so an evidence file outside the user's
scope, a removed one and an unknown id all answer 404 alike. A preview of a type the browser
should not show (Office documents) answers 404 too, rather than silently turning into a download:
a preview link is only ever built for `evidence.previewable` files, so anything else is a crafted
URL. `?size=thumbnail` asks the preview for the image's thumbnail (what lists show): same checks, 404
when the file has none (not an image, or uploaded before thumbnails and not yet filled by
`manage.py evidence_thumbnails`).

`reused_photos` lists the photos the reader can see that are also used by another record
(`core.photos`): each with the records using it that the reader can see, and for city and district
staff how many others (outside their scope, never named).
"""

from django.contrib.auth.decorators import login_required
from django.core.paginator import Paginator
from django.db.models import Exists, OuterRef
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import render
from django.views.decorators.http import require_safe

from core.evidence import evidence_response, visible_evidence, visible_evidence_or_404
from core.models import Evidence

REUSED_PER_PAGE = 50


@login_required
@require_safe
def evidence_download(request: HttpRequest, pk: int) -> HttpResponse:
    """The file as an attachment, under its original name."""
    evidence = visible_evidence_or_404(request.user, pk)
    return evidence_response(evidence, inline=False)


@login_required
@require_safe
def evidence_preview(request: HttpRequest, pk: int) -> HttpResponse:
    """An image or PDF shown inline (thumbnails, the browser's PDF viewer); 404 for other types."""
    evidence = visible_evidence_or_404(request.user, pk)
    if not evidence.previewable:
        raise Http404
    size = request.GET.get("size", "")
    if size not in ("", "thumbnail") or (size and not evidence.is_image):
        raise Http404
    return evidence_response(evidence, inline=True, variant=size)


@login_required
@require_safe
def reused_photos(request: HttpRequest) -> HttpResponse:
    """重复使用的照片: the live photos `request.user` can see that another record also uses (the same or a
    near-identical picture, `core.photos`), newest first, 50 a page. Each names the records using it
    that the reader can see. A constant number of queries per page (`core.photos.annotate`)."""
    links = Evidence.reused_with.through.objects.filter(
        from_evidence_id=OuterRef("pk"), to_evidence__removed_at__isnull=True
    )
    if getattr(request.user, "role", "") not in ("city", "district"):
        # others are told only of reuses they can see (staff also get a count of the rest)
        links = links.filter(to_evidence_id__in=visible_evidence(request.user).values("pk"))
    queryset = (
        visible_evidence(request.user)
        .filter(Exists(links))
        .select_related("uploaded_by")
        .order_by("-created_at", "-pk")
    )
    paginator = Paginator(queryset, REUSED_PER_PAGE)
    page = paginator.get_page(request.GET.get("page"))
    files = list(page.object_list)
    return render(request, "core/reused_photos.html", {"page": page, "evidence_files": files})
