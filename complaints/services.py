"""Everything that writes complaints goes through here ("民政牵头、归口负责", measure 二 of the 2021
measures): civil-affairs staff (city and district) take a complaint in and route it to the
competent department; the department (or civil affairs itself) records the result; civil affairs
replies to the complainant and closes it. District staff raise a hazard from a complaint in one step.

Every step that starts from a form is version-checked (`core.concurrency.save_versioned`): a
concurrent edit is refused, never silently overwritten. Errors are `ValidationError`s whose dict
names the field, in Chinese.
"""

import datetime

from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction
from django.db.models import Count
from django.utils.translation import gettext as _

from complaints.models import HANDLING_WORKING_DAYS, HAZARD_CATEGORY, Complaint, Status
from core import dates, workdays
from core.concurrency import save_versioned
from core.roles import Role

CIVIL_AFFAIRS = (Role.CITY, Role.DISTRICT)


# Who may do what ----------------------------------------------------------------------------------


def can_record(user) -> bool:
    """City and district staff take complaints in (the 12345 hotline reaches either)."""
    return user.is_authenticated and not user.is_superuser and user.role in CIVIL_AFFAIRS


def can_route(user, complaint: Complaint) -> bool:
    return can_record(user) and complaint.is_open


def can_record_result(user, complaint: Complaint) -> bool:
    """Civil affairs on a routed complaint, or the department it was routed to."""
    if complaint.status != Status.HANDLING:
        return False
    if user.role == Role.DEPARTMENT:
        return bool(complaint.department) and user.department == complaint.department
    return can_record(user)


def can_reply(user, complaint: Complaint) -> bool:
    """Only civil affairs answers the complainant (it alone holds the contact)."""
    return can_record(user) and complaint.status == Status.HANDLING


def can_close(user, complaint: Complaint) -> bool:
    return can_record(user) and complaint.status == Status.HANDLING


def can_raise_hazard(user, complaint: Complaint) -> bool:
    """District staff (who keep the hazard ledger), once per complaint."""
    return (
        user.is_authenticated
        and not user.is_superuser
        and user.role == Role.DISTRICT
        and complaint.hazard_id is None
    )


def _require_visible(user, complaint: Complaint) -> None:
    if not Complaint.objects.visible_to(user).filter(pk=complaint.pk).exists():
        raise PermissionDenied


# Deadlines ----------------------------------------------------------------------------------------


def default_deadline(received_on: datetime.date) -> datetime.date:
    """15 working days after the day of receipt, counted from the next day (statutory holidays
    off, make-up working days on: `core.workdays`). Raises ValidationError({"deadline": the
    Chinese sentence asking for the year's holidays}) when that year's calendar is unknown —
    never calendar days instead."""
    try:
        return workdays.add_working_days(received_on, HANDLING_WORKING_DAYS)
    except workdays.UnknownCalendarYear as error:
        raise ValidationError(
            {"deadline": _("%(reason)s Enter the handling deadline yourself.") % {"reason": error}}
        ) from error


# Intake -------------------------------------------------------------------------------------------


@transaction.atomic
def complaint_create(*, complaint: Complaint, by) -> Complaint:
    """Record a complaint taken in (status 受理). The deadline defaults to 15 working days after
    receipt (`default_deadline`). PermissionDenied for a user who does not take complaints in;
    ValidationError naming the field for an institution outside the user's scope, a date in the
    future or a deadline before receipt."""
    from institutions.models import Institution

    if not can_record(by):
        raise PermissionDenied
    if (
        complaint.institution_id
        and not Institution.objects.visible_to(by).filter(pk=complaint.institution_id).exists()
    ):
        raise ValidationError({"institution": _("Choose an institution of your own region.")})
    errors = {}
    if complaint.received_on and complaint.received_on > dates.today():
        errors["received_on"] = _("A complaint cannot be received in the future.")
    if complaint.received_on and complaint.deadline is None and not errors:
        try:
            complaint.deadline = default_deadline(complaint.received_on)
        except ValidationError as error:
            errors.update(error.message_dict)
    if complaint.received_on and complaint.deadline and complaint.deadline < complaint.received_on:
        errors["deadline"] = _("The handling deadline cannot be earlier than the day of receipt.")
    if errors:
        raise ValidationError(errors)
    complaint.status = Status.RECEIVED
    complaint.created_by = by
    complaint.full_clean(exclude=["region", "created_by"])
    complaint.save()
    return complaint


# Steps --------------------------------------------------------------------------------------------


def _locked(complaint: Complaint) -> Complaint:
    return Complaint.objects.select_for_update().get(pk=complaint.pk)


@transaction.atomic
def complaint_route(*, complaint: Complaint, department: str, expected_version: int, by) -> Complaint:
    """Route the complaint to the competent department (`core.roles.Department`; "" = civil
    affairs handles it itself): status 办理中, routed today. Routing again changes the department
    (the previous one no longer sees it)."""
    from core.roles import Department

    _require_visible(by, complaint)
    if not can_route(by, complaint):
        raise PermissionDenied
    if department and department not in Department.values:
        raise ValidationError({"department": _("Choose a department from the list.")})
    complaint.department = department or ""
    complaint.routed_on = dates.today()
    complaint.status = Status.HANDLING
    return save_versioned(complaint, expected_version=expected_version, by=by)


@transaction.atomic
def complaint_record_result(*, complaint: Complaint, result: str, expected_version: int, by) -> Complaint:
    """The handling result (查处结果), by civil affairs or the department the complaint was routed to."""
    _require_visible(by, complaint)
    if not can_record_result(by, complaint):
        raise PermissionDenied
    if not (result or "").strip():
        raise ValidationError({"result": _("Write the handling result.")})
    complaint.result = result.strip()
    complaint.result_on = dates.today()
    return save_versioned(complaint, expected_version=expected_version, by=by)


@transaction.atomic
def complaint_reply(
    *, complaint: Complaint, reply: str, replied_on: datetime.date, expected_version: int, by
) -> Complaint:
    """The reply to the complainant (what was said, and the day), by civil affairs."""
    _require_visible(by, complaint)
    if not can_reply(by, complaint):
        raise PermissionDenied
    errors = {}
    if not (reply or "").strip():
        errors["reply"] = _("Write what the complainant was told.")
    if replied_on is None:
        errors["replied_on"] = _("Enter the day of the reply.")
    elif replied_on > dates.today():
        errors["replied_on"] = _("The reply cannot be dated in the future.")
    elif replied_on < complaint.received_on:
        errors["replied_on"] = _("The reply cannot be earlier than the day of receipt.")
    if errors:
        raise ValidationError(errors)
    complaint.reply = reply.strip()
    complaint.replied_on = replied_on
    return save_versioned(complaint, expected_version=expected_version, by=by)


@transaction.atomic
def complaint_close(*, complaint: Complaint, expected_version: int, by) -> Complaint:
    """办结: needs the handling result and the reply to the complainant (text and day)."""
    _require_visible(by, complaint)
    if not can_close(by, complaint):
        raise PermissionDenied
    current = _locked(complaint)
    if current.version != expected_version:
        save_versioned(complaint, expected_version=expected_version, by=by)  # raises ConcurrentEditError
    errors = {}
    if not current.result:
        errors["result"] = _("Record the handling result before closing.")
    if not (current.reply and current.replied_on):
        errors["reply"] = _("Record the reply to the complainant before closing.")
    if errors:
        raise ValidationError(errors)
    complaint.status = Status.CLOSED
    complaint.closed_on = dates.today()
    return save_versioned(complaint, expected_version=expected_version, by=by)


@transaction.atomic
def complaint_raise_hazard(*, complaint: Complaint, hazard, expected_version: int, by, photos=()):
    """Raise a hazard (source 投诉举报) from the complaint in one step and link both ways
    (`Complaint.hazard`, `Hazard.complaint`). `hazard` is an unsaved `hazards.models.Hazard` with
    the form's fields; the institution comes from the complaint. The complaint row is locked first,
    so two submissions (two tabs, two clerks) never raise two hazards: the second gets
    ValidationError({"hazard": …}). Version-checked like every step."""
    from hazards import services as hazard_services
    from hazards.models import Hazard

    _require_visible(by, complaint)
    current = _locked(complaint)
    if current.hazard_id is not None:
        raise ValidationError({"hazard": _("A hazard has already been raised from this complaint.")})
    if current.version != expected_version:
        save_versioned(complaint, expected_version=expected_version, by=by)  # raises ConcurrentEditError
    if not can_raise_hazard(by, current):
        raise PermissionDenied
    hazard.institution_id = complaint.institution_id
    hazard.source = Hazard.Source.COMPLAINT
    hazard_services.hazard_create(hazard=hazard, by=by, photos=photos)
    complaint.hazard = hazard
    return save_versioned(complaint, expected_version=expected_version, by=by)


def hazard_category_for(complaint: Complaint) -> str:
    """The hazard category a complaint's category suggests ("other" when none matches)."""
    return HAZARD_CATEGORY.get(complaint.category, "other")


# For other apps -----------------------------------------------------------------------------------


def counts_by_institution(
    institution_ids, since: datetime.date, until: datetime.date | None = None
) -> dict[int, int]:
    """{institution_id: complaints received from `since` to `until` (inclusive; no end when None)}
    for every id given (0 when none),
    in one query, whoever's scope: the draws' risk weight (measure 十一: "对…投诉举报多…的养老服务
    机构，应增加抽查的比例和频次"). Not scoped: the caller (the draw) decides who sees the weights."""
    ids = list(institution_ids)
    counts = dict.fromkeys(ids, 0)
    if not ids:
        return counts
    rows = (
        Complaint.objects.filter(institution_id__in=ids, received_on__gte=since)
        .filter(**({"received_on__lte": until} if until else {}))
        .order_by()
        .values_list("institution_id")
        .annotate(n=Count("id"))
    )
    counts.update(dict(rows))
    return counts
