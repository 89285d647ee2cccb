"""The roles a user can hold (one per user) and the departments that receive referrals."""

from django.db import models
from django.utils.translation import gettext_lazy as _


class Role(models.TextChoices):
    CITY = "city", _("City bureau staff")
    DISTRICT = "district", _("District staff")
    INSTITUTION = "institution", _("Institution staff")
    DEPARTMENT = "department", _("Department staff")
    ADMIN = "admin", _("System administrator")


class Department(models.TextChoices):
    """Competent departments the notice names beside civil affairs (书面告知 goes to one of them)."""

    HOUSING = "housing", _("Housing and urban-rural development")
    HEALTH = "health", _("Health commission")
    EMERGENCY = "emergency", _("Emergency management / fire rescue")
    MARKET = "market", _("Market regulation")
    # Issue 17: complaints of elder abuse (欺老虐老) and injuries go to the police (item 27: "及时提请公安
    # 等部门依法查处"; measure 八: 人身伤害事件 → 公安部门).
    POLICE = "police", _("Public security")
