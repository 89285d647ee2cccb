"""The data-quality panel's URLs (issue 13, item 4), included by dashboards/urls.py."""

from django.urls import path

from dashboards import quality_views as views

urlpatterns = [
    path("", views.panel, name="quality"),
    path("<slug:check>/", views.check_records, name="quality_records"),
]
