"""突发事件 and 应急演练/宣传普及 (issue 17 items 2 and 3; measure 八)."""

from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class EmergenciesConfig(AppConfig):
    name = "emergencies"
    verbose_name = _("Incidents and emergency preparedness")

    def ready(self):
        from core.evidence import register_owner
        from emergencies.models import Drill

        register_owner(Drill)
