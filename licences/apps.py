"""证照 — licences and certificates of each institution (issue 17 item 5; measures 二, 三 and 十二)."""

from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class LicencesConfig(AppConfig):
    name = "licences"
    verbose_name = _("Licences and certificates")

    def ready(self):
        from core.evidence import register_owner
        from licences.models import Licence

        register_owner(Licence)
