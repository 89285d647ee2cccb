"""The REST API under /api/v1/ (issue 18). Every viewset's queryset starts from
`visible_to(request.user)`; each app registers its own viewsets (``<app>/api.py``'s `register`)."""

from django.contrib.auth.decorators import login_required
from django.urls import path
from django.utils.translation import gettext_lazy as _
from drf_spectacular.views import SpectacularAPIView, SpectacularRedocView, SpectacularSwaggerSplitView
from rest_framework.routers import DefaultRouter

import campaign.api
import complaints.api
import credit.api
import hazards.api
import inspections.api
import institutions.api
import national.api
from campaign.api import CampaignViewSet, MilestoneViewSet
from core.imports_api import import_viewset
from core.regions_api import RegionViewSet
from hazards import excel_views as hazard_imports
from institutions import import_views as institution_imports

app_name = "api"

router = DefaultRouter()
# Excel imports as on the pages (core/imports_api.py): upload = dry run, then apply.
router.register(
    "imports/institutions",
    import_viewset(institution_imports.PAGES, noun=_("institutions")),
    basename="import-institutions",
)
router.register(
    "imports/hazards",
    import_viewset(hazard_imports.PAGES, noun=_("hazards")),
    basename="import-hazards",
)
router.register("regions", RegionViewSet, basename="region")
router.register("campaigns", CampaignViewSet, basename="campaign")
router.register("milestones", MilestoneViewSet, basename="milestone")
for module in (
    institutions.api,
    hazards.api,
    inspections.api,
    complaints.api,
    credit.api,
    national.api,
    campaign.api,
):
    module.register(router)

urlpatterns = [
    path("schema/", SpectacularAPIView.as_view(), name="schema"),
    # the two readers are pages: a visitor who is not logged in goes to the login page
    path("docs/", login_required(SpectacularSwaggerSplitView.as_view(url_name="api:schema")), name="docs"),
    path("redoc/", login_required(SpectacularRedocView.as_view(url_name="api:schema")), name="redoc"),
    *router.urls,
]
