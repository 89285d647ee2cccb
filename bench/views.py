"""The bench's anchor page (issue 11): what every page costs at least — the session, the user, the
base template with navigation and user menu — plus one COUNT. The bench compares every list page's
throughput with it. Reached only when settings.PORTAL_BENCH is on (config/urls.py)."""

from django.contrib.auth.decorators import login_required
from django.shortcuts import render
from django.views.decorators.http import require_GET

from institutions.models import Institution


@login_required
@require_GET
def anchor(request):
    count = Institution.objects.visible_to(request.user).count()
    return render(request, "bench/anchor.html", {"count": count})
