from django.urls import include, path

from dashboards import dashboard_views, supervision

app_name = "dashboards"

urlpatterns = [
    path("region/<int:pk>/", dashboard_views.region_dashboard, name="region"),
    path("quality/", include("dashboards.quality_urls")),
    path("supervision/", supervision.supervision, name="supervision"),
]
