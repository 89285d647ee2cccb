"""The read API (DRF). Every viewset's queryset starts from `visible_to(request.user)`."""

from rest_framework.routers import DefaultRouter

from campaign.api import CampaignViewSet, MilestoneViewSet
from core.api import RegionViewSet

app_name = "api"

router = DefaultRouter()
router.register("regions", RegionViewSet, basename="region")
router.register("campaigns", CampaignViewSet, basename="campaign")
router.register("milestones", MilestoneViewSet, basename="milestone")

urlpatterns = router.urls
