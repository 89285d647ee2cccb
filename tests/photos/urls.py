"""The project's URLs with the reused-photos page, as core/urls.py lists it once the lead adds
`path("files/reused/", evidence_views.reused_photos, name="evidence_reused")` (notes/needs16-photos.md)."""

from django.urls import include, path

from config.urls import urlpatterns as project
from core import evidence_views
from core import urls as core_urls

core_patterns = list(core_urls.urlpatterns)
if "evidence_reused" not in {pattern.name for pattern in core_patterns}:
    core_patterns.insert(0, path("files/reused/", evidence_views.reused_photos, name="evidence_reused"))

urlpatterns = [path("", include((core_patterns, "core"))), *project[1:]]
