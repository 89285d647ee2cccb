from django.urls import include, path

app_name = "dashboards"

urlpatterns = [
    path("quality/", include("dashboards.quality_urls")),
]
