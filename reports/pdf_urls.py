"""The URL patterns of the summary report and the per-unit acceptance report (PDF) (issue 14), spread into reports/urls.py (namespace "reports")."""

from django.urls import path

from reports import pdf_views

urlpatterns: list = [
    path("pdf/summary/", pdf_views.summary_pdf, name="pdf_summary"),
    path("pdf/units/<int:pk>/acceptance/", pdf_views.unit_pdf, name="pdf_unit"),
]
