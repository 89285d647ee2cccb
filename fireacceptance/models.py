"""一事一议 — fire-acceptance problems submitted to the county government (issue 17 item 7; item 23 of
the attachment to 鞍民发〔2020〕37号).

Key task 十二 of the notice: “对农村敬老院及利用学校、厂房、商业场所等举办的符合消防安全要求的养老机构，
因未办理土地规划等手续问题未能通过消防审验的，各县（市）区、开发区民政部门要在8月底前牵头会同住房城乡建设、
应急管理、消防救援机构提请本级人民政府（管委会）采取“一事一议”等方式集中研究解决。”

A case's status is not stored: it follows from its dates (`status_on`), so item 23 can be measured
as of any day: 待提请 (no submission yet), 已提请 (submitted_on), 已议定 (decided_on), 已解决
(resolved_on).
"""

import datetime

from django.db import models
from django.db.models import Q
from django.utils.translation import gettext_lazy as _

from core.models import TimeStampedModel, VersionedModel
from core.scoping import ScopedQuerySet


class Status(models.TextChoices):
    PENDING = "pending", _("Not yet submitted")
    SUBMITTED = "submitted", _("Submitted to the government")
    DECIDED = "decided", _("Decided")
    RESOLVED = "resolved", _("Resolved")


def status_q(status: str, on: datetime.date) -> Q:
    """The cases whose status on the day `on` is `status` (a `Status` value)."""
    submitted = Q(submitted_on__isnull=False, submitted_on__lte=on)
    decided = Q(decided_on__isnull=False, decided_on__lte=on)
    resolved = Q(resolved_on__isnull=False, resolved_on__lte=on)
    if status == Status.RESOLVED:
        return resolved
    if status == Status.DECIDED:
        return decided & ~resolved
    if status == Status.SUBMITTED:
        return submitted & ~decided & ~resolved
    if status == Status.PENDING:
        return ~submitted & ~decided & ~resolved
    return Q()


class CaseQuerySet(ScopedQuerySet):
    """City and district staff: cases of institutions in their region's subtree. Institutions and
    departments see none (a matter between the civil-affairs department and the government)."""

    region_lookup = "region"
    institution_lookup = None
    department_lookup = None


class Case(TimeStampedModel, VersionedModel):
    institution = models.ForeignKey(
        "institutions.Institution",
        verbose_name=_("institution"),
        on_delete=models.PROTECT,
        related_name="fire_acceptance_cases",
    )
    # the institution's region when the case was recorded (scoping without a join)
    region = models.ForeignKey(
        "core.Region", verbose_name=_("region"), on_delete=models.PROTECT, related_name="+"
    )
    problem = models.TextField(_("fire-acceptance problem"))
    submitted_to = models.CharField(
        _("submitted to"),
        max_length=100,
        blank=True,
        help_text=_("The county-level government or the development zone's management committee."),
    )
    submitted_on = models.DateField(_("submitted on"), null=True, blank=True)
    decision = models.TextField(_("decision"), blank=True)
    decided_on = models.DateField(_("decided on"), null=True, blank=True)
    resolved_on = models.DateField(_("resolved on"), null=True, blank=True)
    resolution = models.TextField(_("how it was resolved"), blank=True)
    created_by = models.ForeignKey(
        "accounts.User", verbose_name=_("recorded by"), on_delete=models.PROTECT, related_name="+"
    )

    objects = CaseQuerySet.as_manager()

    class Meta:
        ordering = ["-created_at", "-pk"]
        verbose_name = _("one-matter-one-discussion case")
        verbose_name_plural = _("one-matter-one-discussion cases")
        indexes = [models.Index(fields=["region", "submitted_on"], name="fireacceptance_region_idx")]

    def __str__(self):
        return f"{self.institution} {self.get_status_display()}"

    def status_on(self, on: datetime.date) -> str:
        if self.resolved_on and self.resolved_on <= on:
            return Status.RESOLVED
        if self.decided_on and self.decided_on <= on:
            return Status.DECIDED
        if self.submitted_on and self.submitted_on <= on:
            return Status.SUBMITTED
        return Status.PENDING

    @property
    def status(self) -> str:
        from core import dates

        return self.status_on(dates.today())

    def get_status_display(self) -> str:
        return str(Status(self.status).label)
