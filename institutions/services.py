"""Every write to the registry: edits by the district, self-reports and their review."""

from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from core.concurrency import save_versioned
from core.display import display_value
from core.roles import Role
from institutions.models import SELF_REPORT_FIELDS, Institution, SelfReport


def can_edit_registry(user, institution: Institution | None = None) -> bool:
    """City and district staff keep the registry; an institution only self-reports."""
    if user.is_superuser:
        return True
    if user.role not in (Role.CITY, Role.DISTRICT):
        return False
    if institution is None:
        return True
    return Institution.objects.visible_to(user).filter(pk=institution.pk).exists()


def _check_region(user, institution: Institution) -> None:
    if user.is_superuser:
        return
    if not institution.region.path.startswith(user.region.path):
        raise ValidationError({"region": _("You can only keep institutions of your own region.")})


@transaction.atomic
def institution_create(*, institution: Institution, by) -> Institution:
    if not can_edit_registry(by):
        raise PermissionDenied
    _check_region(by, institution)
    institution.checked_for = by
    institution.full_clean()
    institution.record_code_confirmation(by=by, before=None)
    institution._history_user = by
    institution.save()
    return institution


@transaction.atomic
def institution_update(
    *, institution: Institution, expected_version: int, by, reason: str = ""
) -> Institution:
    if not can_edit_registry(by, institution):
        raise PermissionDenied
    _check_region(by, institution)
    institution.checked_for = by
    institution.full_clean()
    before = Institution.objects.filter(pk=institution.pk).first()
    institution.record_code_confirmation(by=by, before=before)
    return save_versioned(institution, expected_version=expected_version, by=by, reason=reason)


# Self-reports ---------------------------------------------------------------------------------


def self_report_values_from(institution: Institution) -> dict:
    return {name: getattr(institution, name) for name in SELF_REPORT_FIELDS}


def self_report_changes(report: SelfReport) -> list[dict]:
    """Field by field: label, current value, reported value, changed?"""
    institution = report.institution
    rows = []
    for name in SELF_REPORT_FIELDS:
        field = Institution._meta.get_field(name)
        current = getattr(institution, name)
        reported = report.values.get(name, current)
        rows.append(
            {
                "name": name,
                "label": field.verbose_name,
                "current": display_value(field, current),
                "reported": display_value(field, reported),
                "changed": current != reported,
            }
        )
    return rows


def _apply(institution: Institution, values: dict) -> Institution:
    for name in SELF_REPORT_FIELDS:
        if name in values:
            setattr(institution, name, values[name])
    return institution


def _validate_values(institution: Institution, values: dict) -> None:
    """The report must leave the record valid: same cross-field rules as the district's form."""
    probe = Institution.objects.get(pk=institution.pk)
    _apply(probe, values)
    try:
        probe.full_clean(
            exclude=[f.name for f in Institution._meta.fields if f.name not in SELF_REPORT_FIELDS]
        )
    except ValidationError as error:
        # Only the rules on what the institution reports are its to fix; a problem elsewhere in the
        # record is the district's and does not block the report.
        own = {name: messages for name, messages in error.message_dict.items() if name in SELF_REPORT_FIELDS}
        if own:
            raise ValidationError(own) from error


@transaction.atomic
def self_report_save(*, institution: Institution, values: dict, by, submit: bool = False) -> SelfReport:
    """Create or update the institution's open report; submit it if asked."""
    if by.role != Role.INSTITUTION or by.institution_id != institution.pk:
        raise PermissionDenied
    report = SelfReport.objects.select_for_update().filter(
        institution=institution
    ).open().first() or SelfReport(institution=institution, created_by=by)
    if report.status == SelfReport.Status.SUBMITTED:
        raise ValidationError(
            _("This report has been submitted and is awaiting review; it cannot be changed now.")
        )
    clean = {name: values[name] for name in SELF_REPORT_FIELDS if name in values}
    if submit:
        _validate_values(institution, clean)
    report.values = clean
    if submit:
        report.status = SelfReport.Status.SUBMITTED
        report.submitted_at = timezone.now()
        report.submitted_by = by
    elif report.status != SelfReport.Status.RETURNED:
        report.status = SelfReport.Status.DRAFT
    report._history_user = by
    report.save()
    return report


def _check_reviewer(report: SelfReport, by) -> None:
    if by.role not in (Role.DISTRICT, Role.CITY) and not by.is_superuser:
        raise PermissionDenied
    if not SelfReport.objects.visible_to(by).filter(pk=report.pk).exists():
        raise PermissionDenied
    if report.status != SelfReport.Status.SUBMITTED:
        raise ValidationError(_("Only a submitted report can be reviewed."))


@transaction.atomic
def self_report_accept(*, report: SelfReport, by) -> SelfReport:
    """Apply the reported values to the record (its history names the reviewer) and close the report."""
    report = SelfReport.objects.select_for_update().get(pk=report.pk)
    _check_reviewer(report, by)
    institution = Institution.objects.select_for_update().get(pk=report.institution_id)
    _validate_values(institution, report.values)
    _apply(institution, report.values)
    save_versioned(
        institution,
        expected_version=institution.version,
        by=by,
        reason=_("Self-report #%(id)s accepted") % {"id": report.pk},
    )
    report.status = SelfReport.Status.ACCEPTED
    report.reviewed_at = timezone.now()
    report.reviewed_by = by
    report.return_reason = ""
    report._history_user = by
    report.save()
    return report


@transaction.atomic
def self_report_return(*, report: SelfReport, by, reason: str) -> SelfReport:
    report = SelfReport.objects.select_for_update().get(pk=report.pk)
    _check_reviewer(report, by)
    if not reason.strip():
        raise ValidationError({"reason": _("Give the reason for returning the report.")})
    report.status = SelfReport.Status.RETURNED
    report.reviewed_at = timezone.now()
    report.reviewed_by = by
    report.return_reason = reason.strip()
    report._history_user = by
    report.save()
    return report
