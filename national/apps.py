"""金民工程对账 — reconciliation of the registry with the national eldercare information system's
institution export (全国养老服务信息系统; issue 18 part 5; Anshan 2020 items 14, 20, 30)."""

from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class NationalConfig(AppConfig):
    name = "national"
    verbose_name = _("National system reconciliation")
