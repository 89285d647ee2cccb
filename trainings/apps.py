"""培训 — training sessions organised by the city or a district (issue 17 item 7; Anshan 2020 item 22)."""

from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class TrainingsConfig(AppConfig):
    name = "trainings"
    verbose_name = _("Trainings")

    def ready(self):
        from core.evidence import register_owner
        from trainings.models import Training

        register_owner(Training)
