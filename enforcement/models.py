"""Enforcement orders (issue 17 item 6; measure 十三 of ../shared/seeds/004_1e8d291cb6ab1272.txt).

Measure 十三: “对整改不到位、不达标的，联合采取措施 … 对安全隐患突出或者情况紧急需要立即处置的，应当依法
责令养老服务机构停业整顿或者采取紧急措施处置，并通知相关部门到场处理；对应当采取行政强制措施或者行政强制执行
的，应当通知具备相应执法权限的部门或者申请人民法院依法处理。”

An order is in force from `issued_on` until it is lifted (`lifted_on`, the day it stops: from that
day the institution may reopen) or its term ends (`ends_on`, the last day of the term). Nothing of
that is stored as a status: `in_force_q(on)` computes it for any day.
"""

from django.db import models
from django.db.models import Q
from django.utils.translation import gettext_lazy as _

from core.models import TimeStampedModel, VersionedModel
from core.roles import Department
from core.scoping import ScopedQuerySet


class Kind(models.TextChoices):
    RECTIFY = "rectify", _("Order to rectify")
    SUSPEND = "suspend", _("Suspension for rectification")
    EMERGENCY = "emergency", _("Emergency measures")
    REFER_DEPARTMENT = "refer_department", _("Referral to a department with enforcement power")
    COURT = "court", _("Application to the people's court")


class Status(models.TextChoices):
    PENDING = "pending", _("Not yet in force")
    IN_FORCE = "in_force", _("In force")
    ENDED = "ended", _("Term ended")
    LIFTED = "lifted", _("Lifted")


def in_force_q(on, prefix: str = "") -> Q:
    """Orders in force on the day `on`: issued on or before it, not lifted on or before it, and
    whose term (if any) has not ended before it (the last day of the term still counts)."""
    return (
        Q(**{f"{prefix}issued_on__lte": on})
        & (Q(**{f"{prefix}lifted_on__isnull": True}) | Q(**{f"{prefix}lifted_on__gt": on}))
        & (Q(**{f"{prefix}ends_on__isnull": True}) | Q(**{f"{prefix}ends_on__gte": on}))
    )


def status_q(status: str, on) -> Q:
    """The orders whose status on `on` is `status` (a `Status` value)."""
    if status == Status.IN_FORCE:
        return in_force_q(on)
    if status == Status.LIFTED:
        return Q(lifted_on__lte=on)
    if status == Status.ENDED:
        return Q(ends_on__lt=on) & (Q(lifted_on__isnull=True) | Q(lifted_on__gt=on))
    if status == Status.PENDING:
        return Q(issued_on__gt=on) & (Q(lifted_on__isnull=True) | Q(lifted_on__gt=on))
    return Q()


class EnforcementOrderQuerySet(ScopedQuerySet):
    """City and district staff: orders of their region's subtree; institution staff: orders to their
    own institution (read only); department staff: orders of their subtree that name their
    department (referred to it, or told to come and act, measure 十三), read only."""

    region_lookup = "region"
    institution_lookup = "institution"
    department_lookup = "department"

    def in_force(self, on):
        return self.filter(in_force_q(on))


class EnforcementOrder(TimeStampedModel, VersionedModel):
    institution = models.ForeignKey(
        "institutions.Institution",
        verbose_name=_("institution"),
        on_delete=models.PROTECT,
        related_name="enforcement_orders",
    )
    # the institution's region when the order was recorded (scoping reads it without a join)
    region = models.ForeignKey(
        "core.Region", verbose_name=_("region"), on_delete=models.PROTECT, related_name="+"
    )
    kind = models.CharField(_("measure"), max_length=24, choices=Kind.choices)
    department = models.CharField(
        _("department told or referred to"),
        max_length=16,
        choices=Department.choices,
        blank=True,
        help_text=_(
            "Required for a referral; for a suspension or emergency measures, the department told to come and act."
        ),
    )
    reason = models.TextField(_("facts and what is ordered"))
    issued_on = models.DateField(_("issued on"))
    document_number = models.CharField(_("document number"), max_length=100)
    ends_on = models.DateField(
        _("term ends on"), null=True, blank=True, help_text=_("The last day of the term; empty until lifted.")
    )
    lifted_on = models.DateField(_("lifted on"), null=True, blank=True)
    lift_note = models.TextField(_("why it was lifted"), blank=True)
    lifted_by = models.ForeignKey(
        "accounts.User",
        verbose_name=_("lifted by"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="+",
    )
    created_by = models.ForeignKey(
        "accounts.User", verbose_name=_("recorded by"), on_delete=models.PROTECT, related_name="+"
    )

    objects = EnforcementOrderQuerySet.as_manager()

    class Meta:
        ordering = ["-issued_on", "-pk"]
        verbose_name = _("enforcement order")
        verbose_name_plural = _("enforcement orders")
        indexes = [
            models.Index(fields=["kind", "issued_on"], name="enforcement_kind_idx"),
            models.Index(fields=["region", "-issued_on"], name="enforcement_region_idx"),
        ]

    def __str__(self):
        return f"{self.document_number} {self.get_kind_display()}"

    def status_on(self, on) -> str:
        if self.lifted_on and self.lifted_on <= on:
            return Status.LIFTED
        if self.issued_on > on:
            return Status.PENDING
        if self.ends_on and self.ends_on < on:
            return Status.ENDED
        return Status.IN_FORCE

    @property
    def status(self) -> str:
        from core import dates

        return self.status_on(dates.today())

    def get_status_display(self) -> str:
        return Status(self.status).label
