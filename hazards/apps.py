from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class HazardsConfig(AppConfig):
    name = "hazards"
    verbose_name = _("Hazard ledger")

    def ready(self):
        from core.evidence import register_owner
        from hazards.models import Hazard, Referral

        register_owner(Hazard)
        register_owner(Referral)
