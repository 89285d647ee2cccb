"""The URL patterns of the summary report and the per-unit acceptance report (PDF) (issue 14), spread into reports/urls.py (namespace "reports")."""

urlpatterns: list = []
