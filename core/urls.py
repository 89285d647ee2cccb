from django.urls import path

from core import evidence_views, export_views, views

app_name = "core"

urlpatterns = [
    path("", views.home, name="home"),
    path("healthz", views.healthz, name="healthz"),
    path("files/reused/", evidence_views.reused_photos, name="evidence_reused"),
    path("files/<int:pk>/", evidence_views.evidence_download, name="evidence_download"),
    path("files/<int:pk>/preview/", evidence_views.evidence_preview, name="evidence_preview"),
    path("exports/<slug:job>/", export_views.job_page, name="export_job"),
    path("exports/<slug:job>/status/", export_views.job_status, name="export_status"),
    path("exports/<slug:job>/download/", export_views.job_download, name="export_download"),
]
