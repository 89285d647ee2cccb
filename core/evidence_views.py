"""Sending evidence files: only to a logged-in user who may see the file's owner.

Both views start from `visible_evidence_or_404(request.user, pk)` (the file's one owner checked
against the user's scope), so an evidence file outside the user's
scope, a removed one and an unknown id all answer 404 alike. A preview of a type the browser
should not show (Office documents) answers 404 too, rather than silently turning into a download:
a preview link is only ever built for `evidence.previewable` files, so anything else is a crafted
URL.
"""

from django.contrib.auth.decorators import login_required
from django.http import Http404, HttpRequest, HttpResponse
from django.views.decorators.http import require_safe

from core.evidence import evidence_response, visible_evidence_or_404


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
    return evidence_response(evidence, inline=True)
