"""The URL patterns of the acceptance workbook (issue 14), spread into reports/urls.py (namespace "reports")."""

urlpatterns: list = []
