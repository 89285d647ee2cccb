"""Enforcement orders: 责令整改, 停业整顿, emergency measures, referrals (issue 17 item 6; measure 十三)."""

from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class EnforcementConfig(AppConfig):
    name = "enforcement"
    verbose_name = _("Enforcement")

    def ready(self):
        from core.evidence import register_owner
        from enforcement.models import EnforcementOrder

        register_owner(EnforcementOrder)
