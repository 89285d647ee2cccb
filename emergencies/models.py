"""突发事件 (incident reports) and 应急演练/宣传普及 (drills and awareness activities).

Source: 辽民发〔2021〕28号 八 "加强突发事件应对":

- "每半年至少开展1次应急知识宣传普及活动，至少开展1次应急演练" → `Drill` with two separate kinds;
- "发生或可能发生传染病暴发或流行、不明原因群体性疾病、重大食物中毒事件的，按照有关规定，向所在地县级卫生健康主管部门、
  疾病预防控制机构和民政部门报告" / "发生生产安全事故的，按要求向事故发生地县级以上应急管理部门和民政部门报告" /
  "发生人身伤害事件的，民政应及时向事发地公安和民政部门报告" → `Incident` and one `IncidentNotification` per
  recipient (`emergencies.rules`).
"""

from django.db import models
from django.utils.translation import gettext_lazy as _
from django.utils.translation import pgettext_lazy

from core.models import TimeStampedModel, VersionedModel
from core.roles import Department
from core.scoping import ScopedQuerySet


class IncidentKind(models.TextChoices):
    OUTBREAK = "outbreak", _("Infectious-disease outbreak")  # 传染病疫情
    CLUSTER = "cluster", _("Unexplained cluster illness")  # 不明原因群体性疾病
    FOOD_POISONING = "food_poisoning", _("Major food poisoning")  # 重大食物中毒
    PRODUCTION_SAFETY = "production_safety", _("Production-safety accident")  # 安全生产事故
    INJURY = "injury", _("Personal injury")  # 人身伤害事件


class Recipient(models.TextChoices):
    """Who must be told of an incident. Not `core.roles.Department`: the CDC (疾病预防控制机构) is
    no department of the portal, and civil affairs is the portal's own staff; `DEPARTMENT_OF` maps
    the recipients that are departments, for the department users' scope."""

    HEALTH = "health", _("County health department")  # 县级卫生健康主管部门
    CDC = "cdc", _("Disease control and prevention agency")  # 疾病预防控制机构
    MARKET = "market", _("Market regulation department")  # 市场监督管理部门
    EMERGENCY = "emergency", _("Emergency management department")  # 应急管理部门
    POLICE = "police", _("Public security")  # 公安部门
    CIVIL_AFFAIRS = "civil_affairs", _("Civil affairs department")  # 民政部门


#: Recipients that are departments of the portal (their users read the incidents told to them).
DEPARTMENT_OF = {
    Recipient.HEALTH: Department.HEALTH,
    Recipient.MARKET: Department.MARKET,
    Recipient.EMERGENCY: Department.EMERGENCY,
    Recipient.POLICE: Department.POLICE,
}


class IncidentQuerySet(ScopedQuerySet):
    region_lookup = "region"
    institution_lookup = "institution"
    # at most one notification per recipient and each department maps from one recipient: no duplicates
    department_lookup = "notifications__department"

    def open(self):
        """Incidents not closed, or with a recipient not yet told."""
        return self.filter(
            models.Q(closed_at__isnull=True)
            | models.Exists(
                IncidentNotification.objects.filter(incident=models.OuterRef("pk"), notified_at=None)
            )
        )


class Incident(TimeStampedModel, VersionedModel):
    """突发事件: one incident at an institution, with its time of occurrence (stored in UTC, entered and
    shown in Asia/Shanghai), and the recipients that must be told (`notifications`)."""

    institution = models.ForeignKey(
        "institutions.Institution",
        verbose_name=_("institution"),
        on_delete=models.PROTECT,
        related_name="incidents",
    )
    # the institution's region when recorded (scoping reads it without a join)
    region = models.ForeignKey(
        "core.Region", verbose_name=_("region"), on_delete=models.PROTECT, related_name="+"
    )
    kind = models.CharField(pgettext_lazy("incident", "kind"), max_length=24, choices=IncidentKind.choices)
    occurred_at = models.DateTimeField(_("occurred at"))
    description = models.TextField(_("what happened"))
    recorded_by = models.ForeignKey(
        "accounts.User", verbose_name=_("recorded by"), on_delete=models.PROTECT, related_name="+"
    )
    closed_at = models.DateTimeField(_("closed at"), null=True, blank=True)
    closed_by = models.ForeignKey(
        "accounts.User",
        verbose_name=_("closed by"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="+",
    )
    closing_note = models.TextField(_("how it was handled"), blank=True)

    objects = IncidentQuerySet.as_manager()

    class Meta:
        ordering = ["-occurred_at", "-pk"]
        verbose_name = _("incident")
        verbose_name_plural = _("incidents")
        indexes = [models.Index(fields=["region", "-occurred_at"], name="incident_region_idx")]

    def __str__(self):
        return f"{self.institution} {self.get_kind_display()} {self.occurred_at:%Y-%m-%d}"


class NotificationQuerySet(ScopedQuerySet):
    region_lookup = "incident__region"
    institution_lookup = "incident__institution"
    department_lookup = "incident__notifications__department"


class IncidentNotification(TimeStampedModel, VersionedModel):
    """One recipient that must be told of an incident: when it is due (occurred_at plus the time
    limit in force when the incident was recorded, `emergencies.rules.limit_hours`) and when it
    was told (entered by whoever told it)."""

    incident = models.ForeignKey(
        Incident, verbose_name=_("incident"), on_delete=models.CASCADE, related_name="notifications"
    )
    recipient = models.CharField(
        pgettext_lazy("incident", "recipient"), max_length=16, choices=Recipient.choices
    )
    # the portal department the recipient is (empty for the CDC and civil affairs)
    department = models.CharField(_("department"), max_length=16, choices=Department.choices, blank=True)
    due_at = models.DateTimeField(_("to be told by"))
    notified_at = models.DateTimeField(_("told at"), null=True, blank=True)
    note = models.CharField(_("how and whom"), max_length=200, blank=True)
    notified_by = models.ForeignKey(
        "accounts.User",
        verbose_name=_("entered by"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="+",
    )

    objects = NotificationQuerySet.as_manager()

    class Meta:
        ordering = ["incident", "pk"]
        verbose_name = _("incident notification")
        verbose_name_plural = _("incident notifications")
        constraints = [
            models.UniqueConstraint(
                fields=["incident", "recipient"], name="incident_notified_once_per_recipient"
            )
        ]
        indexes = [models.Index(fields=["department"], name="incident_notification_dept_idx")]

    def __str__(self):
        return f"{self.incident_id} → {self.get_recipient_display()}"

    def state(self, now) -> str:
        """ "on_time", "late" (told after it was due), "overdue" (not told, past due) or "pending"."""
        if self.notified_at is not None:
            return "late" if self.notified_at > self.due_at else "on_time"
        return "overdue" if now > self.due_at else "pending"


class DrillKind(models.TextChoices):
    DRILL = "drill", _("Emergency drill")  # 应急演练
    AWARENESS = "awareness", _("Awareness activity")  # 应急知识宣传普及


class DrillTopic(models.TextChoices):
    FIRE = "fire", _("Fire")  # 消防
    FLOOD = "flood", _("Flood")  # 防汛
    FOOD_POISONING = "food_poisoning", _("Food poisoning")  # 食物中毒
    INFECTIOUS = "infectious", _("Infectious disease")  # 传染病
    OTHER = "other", _("Other")  # 其他


class DrillQuerySet(ScopedQuerySet):
    region_lookup = "region"
    institution_lookup = "institution"
    department_lookup = None


class Drill(TimeStampedModel):
    """One 应急演练 or 应急知识宣传普及 activity of an institution. `held_on` is a date (the day it was
    held, as the record says): half-years are counted on dates, so no time zone enters."""

    institution = models.ForeignKey(
        "institutions.Institution",
        verbose_name=_("institution"),
        on_delete=models.PROTECT,
        related_name="drills",
    )
    region = models.ForeignKey(
        "core.Region", verbose_name=_("region"), on_delete=models.PROTECT, related_name="+"
    )
    held_on = models.DateField(_("held on"))
    kind = models.CharField(pgettext_lazy("drill", "kind"), max_length=12, choices=DrillKind.choices)
    topic = models.CharField(_("topic"), max_length=16, choices=DrillTopic.choices)
    participants = models.PositiveIntegerField(_("participants"))
    note = models.TextField(_("content"), blank=True)
    recorded_by = models.ForeignKey(
        "accounts.User", verbose_name=_("recorded by"), on_delete=models.PROTECT, related_name="+"
    )

    objects = DrillQuerySet.as_manager()

    class Meta:
        ordering = ["-held_on", "-pk"]
        verbose_name = _("drill or awareness activity")
        verbose_name_plural = _("drills and awareness activities")
        indexes = [models.Index(fields=["institution", "kind", "held_on"], name="drill_institution_idx")]

    def __str__(self):
        return f"{self.institution} {self.get_kind_display()} {self.held_on:%Y-%m-%d}"
