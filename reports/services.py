"""The summary report's workflow: who writes, submits, accepts, returns and reopens, and whether it
reached the city by the deadline.

- District staff write their own county-level unit's report, for a campaign they can see; nobody
  else writes it (the city never edits a district's text).
- All four sections of the notice are needed to submit.
- City staff accept or return a submitted report; an accepted report is locked until city staff
  reopen it with a reason (it goes back to the unit as returned).
- The deadline is the campaign's summary-report milestone (20 October 2020 for the 2020 notice),
  inclusive: a report first submitted on or before that day (Asia/Shanghai) is on time.
"""

import datetime
from dataclasses import dataclass

from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from campaign.models import Campaign, Milestone
from core import dates, review
from core.concurrency import save_versioned
from core.models import Region
from core.roles import Role
from reports.models import SummaryReport, SummaryReportEvent

Status = SummaryReport.Status
Action = SummaryReportEvent.Action

#: The key of the campaign milestone that dates the summary report (campaign/data/*.yaml); copies
#: of a campaign to other years keep the key and move the date.
MILESTONE_KEY = "summary-report"


# Deadline ---------------------------------------------------------------------------------------


def deadline(campaign: Campaign) -> Milestone | None:
    """The campaign's summary-report milestone, or None if the campaign dates no summary report."""
    return campaign.milestones.filter(key=MILESTONE_KEY).first()


class Timeliness:
    """Where a report stands against its deadline."""

    ON_TIME = "on_time"  # submitted on or before the due date
    LATE = "late"  # submitted after it
    OVERDUE = "overdue"  # not submitted, and the due date has passed
    PENDING = "pending"  # not submitted, still time
    LABELS = {
        ON_TIME: gettext_lazy("On time"),
        LATE: gettext_lazy("Late"),
        OVERDUE: gettext_lazy("Overdue, not submitted"),
        PENDING: gettext_lazy("Not submitted yet"),
    }
    CSS = {ON_TIME: "success", LATE: "danger", OVERDUE: "danger", PENDING: "secondary"}


def submitted_on(report: SummaryReport | None) -> datetime.date | None:
    """The local (Asia/Shanghai) date the report first reached the city."""
    if report is None or report.first_submitted_at is None:
        return None
    return timezone.localdate(report.first_submitted_at)


def timeliness(report: SummaryReport | None, due_on: datetime.date | None, on: datetime.date | None = None):
    """Timeliness code of a report (None when there is no deadline). `on` defaults to today."""
    if due_on is None:
        return None
    day = submitted_on(report)
    if day is not None:
        return Timeliness.ON_TIME if day <= due_on else Timeliness.LATE
    return Timeliness.OVERDUE if (on or dates.today()) > due_on else Timeliness.PENDING


@dataclass
class Deadline:
    """The deadline as a page shows it."""

    milestone: Milestone
    days_left: int
    working_days_left: int | None

    @property
    def due_on(self) -> datetime.date:
        return self.milestone.due_on

    # The shape of campaign.selectors.MilestoneRow, for the `countdown` template filters.
    @property
    def is_past(self) -> bool:
        return self.days_left < 0


def deadline_row(campaign: Campaign, on: datetime.date | None = None) -> Deadline | None:
    milestone = deadline(campaign)
    if milestone is None:
        return None
    on = on or dates.today()
    return Deadline(
        milestone=milestone,
        days_left=dates.days_left(milestone.due_on, on),
        working_days_left=dates.working_days_left(milestone.due_on, on),
    )


# Rules ------------------------------------------------------------------------------------------


def is_author(user, report: SummaryReport) -> bool:
    """District staff of the report's own unit."""
    return (
        user.is_authenticated
        and user.role == Role.DISTRICT
        and user.region_id is not None
        and user.region_id == report.region_id
    )


def can_edit(user, report: SummaryReport) -> bool:
    return is_author(user, report) and report.status in (Status.DRAFT, Status.RETURNED)


def can_review(user, report: SummaryReport) -> bool:
    return user.role == Role.CITY and report.status == Status.SUBMITTED


can_reopen = review.can_reopen


def _visible(user, report: SummaryReport) -> None:
    if not SummaryReport.objects.visible_to(user).filter(pk=report.pk).exists():
        raise PermissionDenied


# Writing ----------------------------------------------------------------------------------------


def report_for(*, campaign: Campaign, by) -> SummaryReport:
    """The user's county-level unit's report for `campaign`; until the unit first saves it, an
    unsaved empty draft (pk None). Reads only: opening the page writes nothing. Only district staff
    of a county-level unit have one, for a campaign they can see (else PermissionDenied)."""
    region = by.region if by.is_authenticated and by.role == Role.DISTRICT else None
    if region is None or not region.is_county_level:
        raise PermissionDenied
    if not Campaign.objects.visible_to(by).filter(pk=campaign.pk).exists():
        raise PermissionDenied
    stored = SummaryReport.objects.filter(campaign=campaign, region=region).first()
    return stored or SummaryReport(campaign=campaign, region=region)


def _stored(report: SummaryReport, by) -> SummaryReport:
    """`report` as a database row: an unsaved draft from `report_for` is created by its unit's first
    save (inside the caller's transaction, so a refused save leaves no row)."""
    if report.pk is not None:
        return report
    if not is_author(by, report):
        raise PermissionDenied
    stored, _created = SummaryReport.objects.get_or_create(campaign=report.campaign, region=report.region)
    return stored


def section_label(name: str) -> str:
    return str(SummaryReport._meta.get_field(name).verbose_name)


@transaction.atomic
def report_save(
    *, report: SummaryReport, sections: dict, by, expected_version: int, submit: bool = False
) -> SummaryReport:
    """Save the unit's four sections; with `submit`, send the report to the city bureau. Returns the
    stored report (created by this first save if `report` was an unsaved draft)."""
    report = _stored(report, by)
    _visible(by, report)
    if not is_author(by, report):
        raise PermissionDenied
    if not can_edit(by, report):
        raise ValidationError(
            _("This report is “%(status)s” and cannot be changed now.")
            % {"status": report.get_status_display()},
            code="locked",
        )
    values = {name: (sections.get(name) or "").strip() for name in SummaryReport.SECTIONS}
    if submit:
        missing = {
            name: ValidationError(
                _("Fill in “%(section)s” before submitting the report.") % {"section": section_label(name)},
                code="required",
            )
            for name, text in values.items()
            if not text
        }
        if missing:
            raise ValidationError(missing)
    for name, text in values.items():
        setattr(report, name, text)
    if submit:
        review.mark_submitted(report, by)
        report.first_submitted_at = report.first_submitted_at or report.submitted_at
    save_versioned(report, expected_version=expected_version, by=by)
    review.record(report, Action.SUBMIT if submit else Action.SAVE, by)
    return report


# Review -----------------------------------------------------------------------------------------


def _review_target(report: SummaryReport, by) -> SummaryReport:
    _visible(by, report)
    return review.review_target(
        report,
        by,
        forbidden=_("Only the city bureau accepts or returns summary reports."),
        wrong_status=_("Only a submitted report can be reviewed; this one is “%(status)s”."),
    )


@transaction.atomic
def report_accept(*, report: SummaryReport, by) -> SummaryReport:
    report = _review_target(report, by)
    review.accept(report, by)
    return report


@transaction.atomic
def report_return(*, report: SummaryReport, by, reason: str) -> SummaryReport:
    reason = review.required_reason(reason, _("Give the reason for returning the report."), code="required")
    report = _review_target(report, by)
    review.send_back(report, by, reason)
    return report


@transaction.atomic
def report_reopen(*, report: SummaryReport, by, reason: str) -> SummaryReport:
    """Unlock an accepted report: it goes back to its unit as returned, with the reason."""
    _visible(by, report)
    forbidden = _("Only the city bureau reopens an accepted report.")
    if not can_reopen(by, report):
        raise ValidationError(forbidden, code="forbidden")
    reason = review.required_reason(reason, _("Give the reason for reopening the report."), code="required")
    return review.reopen(report, by, reason, forbidden=forbidden)


# Reads ------------------------------------------------------------------------------------------


@dataclass
class UnitRow:
    """A county-level unit on the city's list, with its report (None: not started)."""

    region: object
    report: SummaryReport | None
    timeliness: str | None

    @property
    def status_display(self) -> str:
        return self.report.get_status_display() if self.report else _("Not started")

    @property
    def submitted_on(self) -> datetime.date | None:
        return submitted_on(self.report)

    @property
    def timeliness_label(self):
        return Timeliness.LABELS.get(self.timeliness, "")

    @property
    def timeliness_css(self) -> str:
        return Timeliness.CSS.get(self.timeliness, "secondary")


def unit_rows(campaign: Campaign, user, due_on: datetime.date | None, on: datetime.date | None = None):
    """Every county-level unit inside the campaign's region that the user can see, with its report
    (two queries whatever the number of units)."""
    regions = (
        Region.objects.visible_to(user)
        .county_level()
        .filter(path__startswith=campaign.region.path)
        .order_by("sort_key")
    )
    reports = {
        report.region_id: report
        for report in SummaryReport.objects.visible_to(user).filter(campaign=campaign)
    }
    return [
        UnitRow(
            region=region,
            report=reports.get(region.pk),
            timeliness=timeliness(reports.get(region.pk), due_on, on),
        )
        for region in regions
    ]
