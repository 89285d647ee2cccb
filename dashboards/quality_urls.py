"""The data-quality panel's URLs (issue 13, item 4), included by dashboards/urls.py."""

urlpatterns: list = []
