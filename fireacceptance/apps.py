"""一事一议 — fire-acceptance problems submitted to the county government (issue 17 item 7; Anshan 2020 item 23)."""

from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class FireacceptanceConfig(AppConfig):
    name = "fireacceptance"
    verbose_name = _("One-matter-one-discussion cases")

    def ready(self):
        from core.evidence import register_owner
        from fireacceptance.models import Case

        register_owner(Case)
