"""The URL patterns of the official .docx (issue 14), spread into reports/urls.py (namespace "reports")."""

urlpatterns: list = []
