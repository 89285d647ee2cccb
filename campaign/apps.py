from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class CampaignConfig(AppConfig):
    name = "campaign"
    verbose_name = _("Campaign")

    def ready(self):
        from campaign.models import ItemAnswer
        from core.evidence import register_owner

        register_owner(ItemAnswer)
