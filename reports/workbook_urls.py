"""The URL patterns of the acceptance workbook (issue 14), spread into reports/urls.py (namespace "reports")."""

from django.urls import path

from reports import workbook_views

urlpatterns: list = [
    path("workbook/", workbook_views.workbook_page, name="workbook"),
    path("workbook/<int:pk>/", workbook_views.workbook_region, name="workbook_region"),
]
