"""从业人员 — staff, their qualifications and the 行业禁入 list (issue 17 item 8; measures 五 and 十二)."""

from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class StaffConfig(AppConfig):
    name = "staff"
    verbose_name = _("Staff")

    def ready(self):
        from core.evidence import register_owner
        from staff.models import Ban

        register_owner(Ban)
