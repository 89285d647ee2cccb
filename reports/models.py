"""The county-level units' written summary report of the campaign (专项行动总结报告).

工作要求(五) of the 2020 notice: each county-level unit's civil-affairs bureau reviews the campaign
since 2017 and, by 20 October, sends the city bureau a written summary report "内容主要包括专项行动
四年来主要工作及成效、存在的突出问题、意见建议和下一步落实长效机制的打算" — the four sections below.
The notice asks for no figures, so the report has none.

Status: 草稿 → 已提交 → 已退回 (with the reason) → 已提交 … → 已验收; an accepted report is locked
until the city reopens it with a reason (the same rules as the answers to the 30 items).
"""

from django.db import models
from django.utils.translation import gettext_lazy as _
from django.utils.translation import pgettext_lazy

from core.models import TimeStampedModel, VersionedModel
from core.review import ReviewedModel, ReviewEvent, status_field
from core.scoping import ScopedQuerySet


class SummaryReportQuerySet(ScopedQuerySet):
    region_lookup = "region"


class SummaryReport(TimeStampedModel, VersionedModel, ReviewedModel):
    """One county-level unit's summary report for one campaign."""

    class Status(models.TextChoices):
        DRAFT = "draft", _("Draft")
        # Not the bare "Submitted": the catalogue translates that one as a column heading (提交时间).
        SUBMITTED = "submitted", _("Submitted, awaiting review")
        RETURNED = "returned", _("Returned")
        ACCEPTED = "accepted", _("Accepted")

    #: The report's sections, in the notice's order; all four are needed to submit.
    SECTIONS = ("achievements", "problems", "suggestions", "long_term_plan")

    campaign = models.ForeignKey(
        "campaign.Campaign",
        verbose_name=_("campaign"),
        on_delete=models.PROTECT,
        related_name="summary_reports",
    )
    region = models.ForeignKey(
        "core.Region", verbose_name=_("region"), on_delete=models.PROTECT, related_name="summary_reports"
    )
    status = status_field(Status)
    achievements = models.TextField(_("main work and results of the four years"), blank=True)
    problems = models.TextField(_("outstanding problems"), blank=True)
    suggestions = models.TextField(_("opinions and suggestions"), blank=True)
    long_term_plan = models.TextField(_("plans for the long-term mechanism"), blank=True)
    # The deadline is met by the first submission: a report the city returns for more work after
    # the deadline was still sent on time.
    first_submitted_at = models.DateTimeField(_("first submitted at"), null=True, blank=True, editable=False)

    objects = SummaryReportQuerySet.as_manager()

    class Meta:
        ordering = ["campaign", "region__path"]
        verbose_name = _("summary report")
        verbose_name_plural = _("summary reports")
        constraints = [
            models.UniqueConstraint(fields=["campaign", "region"], name="summaryreport_once_per_region")
        ]

    def __str__(self):
        return f"{self.region} · {self.campaign}"

    def sections(self) -> list[tuple[str, str, str]]:
        """(field name, label, text) of the four sections, in the notice's order."""
        return [
            (name, self._meta.get_field(name).verbose_name, getattr(self, name)) for name in self.SECTIONS
        ]


class SummaryReportEventQuerySet(ScopedQuerySet):
    region_lookup = "report__region"


class SummaryReportEvent(ReviewEvent):
    """One line of a report's history: who did what, when, with which reason."""

    class Action(models.TextChoices):
        SAVE = "save", _("Draft saved")
        SUBMIT = "submit", pgettext_lazy("workflow step", "Submitted")
        RETURN = "return", _("Returned")
        ACCEPT = "accept", _("Accepted")
        REOPEN = "reopen", _("Reopened")

    owner = "report"
    report = models.ForeignKey(SummaryReport, on_delete=models.CASCADE, related_name="events")
    action = models.CharField(_("action"), max_length=16, choices=Action.choices)

    objects = SummaryReportEventQuerySet.as_manager()

    class Meta(ReviewEvent.Meta):
        verbose_name = _("summary report event")
        verbose_name_plural = _("summary report events")
