"""The URL patterns of the official .docx (issue 14), spread into reports/urls.py (namespace "reports")."""

from django.urls import path

from reports import docx_views

urlpatterns: list = [
    path("official-document/<int:pk>/", docx_views.official_document_form, name="docx_form"),
    path("official-document/<int:pk>/download/", docx_views.official_document, name="docx"),
]
