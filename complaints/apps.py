"""投诉举报 (issue 17 item 1): intake, routing to the competent department, handling deadline, reply, repeats."""

from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class ComplaintsConfig(AppConfig):
    name = "complaints"
    verbose_name = _("Complaints and reports")
