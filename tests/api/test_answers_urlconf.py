"""The URL configuration the answers' and indicators' API tests run on until config/api_urls.py calls
`campaign.api.register` (the lead's line, /work/notes/needs18-institutions.md): the project's own,
with those viewsets added to the API's router. Once the line is in, this is the project's own
configuration unchanged. ``PYTHONPATH=. pytest -p tests.api.test_answers_plugin`` makes it the
configuration of a whole run (the URL sweep, the schema test)."""

from django.urls import include, path
from rest_framework.routers import DefaultRouter

import campaign.api
import config.urls as project
from config import api_urls


def _api_patterns():
    if any(basename == "answer" for _prefix, _viewset, basename in api_urls.router.registry):
        return None  # registered by the project itself
    router = DefaultRouter()
    router.registry.extend(api_urls.router.registry)
    campaign.api.register(router)
    fixed = [p for p in api_urls.urlpatterns if getattr(p, "name", None) in ("schema", "docs", "redoc")]
    return [*fixed, *router.urls]


_patterns = _api_patterns()
urlpatterns = [
    path("api/v1/", include((_patterns, "api"))) if _patterns and str(p.pattern) == "api/v1/" else p
    for p in project.urlpatterns
]
