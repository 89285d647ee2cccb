"""信用记录 keyed by the Unified Social Credit Code (issue 17 item 4; measures 九 and 十二)."""

from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class CreditConfig(AppConfig):
    name = "credit"
    verbose_name = _("Credit records")

    def ready(self):
        from core.evidence import register_owner
        from credit.models import CreditRecord

        register_owner(CreditRecord)
