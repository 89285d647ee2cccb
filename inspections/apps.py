from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class InspectionsConfig(AppConfig):
    name = "inspections"
    verbose_name = _("Inspections")

    def ready(self):
        from core.evidence import register_owner
        from core.photos import register_finding_date
        from inspections.models import Finding

        register_owner(Finding)
        register_finding_date("inspections.finding", "inspection__inspected_on", _("the inspection"))
