from django.urls import path

from core import evidence_views, views

app_name = "core"

urlpatterns = [
    path("", views.home, name="home"),
    path("healthz", views.healthz, name="healthz"),
    path("files/<int:pk>/", evidence_views.evidence_download, name="evidence_download"),
    path("files/<int:pk>/preview/", evidence_views.evidence_preview, name="evidence_preview"),
]
