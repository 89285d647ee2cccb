from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class DashboardsConfig(AppConfig):
    """The dashboards (issue 13): each role's home with its figures and its work, the city's and
    the province's figures against the campaign's targets, and the data-quality panel."""

    default_auto_field = "django.db.models.BigAutoField"
    name = "dashboards"
    verbose_name = _("Dashboards")

    def ready(self):
        from django.core.signals import request_finished, request_started

        from dashboards import cache

        request_started.connect(cache.request_started, dispatch_uid="dashboards.cache.request_started")
        request_finished.connect(cache.request_finished, dispatch_uid="dashboards.cache.request_finished")
