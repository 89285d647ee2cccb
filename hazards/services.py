"""Everything that changes the hazard ledger goes through here, with the rules of who may do what.

- District staff record hazards, edit them, change deadlines (with a reason), refer them to a
  department, and are the only ones who verify and close (销号) or return a rectification.
- An institution user moves its own hazards to 整改中 and 已整改待核查, with evidence, and never
  closes them.
- Department staff see the hazards referred to their department and record their reply.
- City staff read (supervision); they do not write the districts' ledgers.

Every change is a `HazardEvent` (who, when, from which status to which), and every save that
started from a form is version-checked (`core.concurrency.save_versioned`).
"""

import dataclasses
import datetime

from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction
from django.db.models.functions import Length
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from core import evidence as evidence_files
from core.concurrency import save_versioned
from core.models import Evidence, Region
from core.roles import Role
from hazards.models import Hazard, HazardEvent, Referral, Status

Action = HazardEvent.Action


class EvidencePurpose:
    BEFORE = "before"
    AFTER = "after"
    NOTICE = "notice"  # the written notice of a referral
    REPLY = "reply"  # a department's written reply

    LABELS = {
        BEFORE: gettext_lazy("Before rectification"),
        AFTER: gettext_lazy("After rectification"),
        NOTICE: gettext_lazy("Written notice"),
        REPLY: gettext_lazy("Department's reply"),
    }
    HAZARD = (BEFORE, AFTER)


@dataclasses.dataclass(frozen=True)
class Transition:
    action: str
    source: str
    target: str
    roles: frozenset
    label: str
    done: str = ""  # the message after the step, with %(code)s: what was done, not only the status
    needs_note: bool = False
    note_label: str = ""  # the label of the step's own box (核查意见, 退回理由)
    note_missing: str = ""  # the error when that box is left empty
    needs_after_evidence: bool = False


TRANSITIONS = {
    t.action: t
    for t in (
        Transition(
            Action.START,
            Status.PENDING,
            Status.IN_PROGRESS,
            frozenset({Role.DISTRICT, Role.INSTITUTION}),
            gettext_lazy("Start rectification"),
            done=gettext_lazy("%(code)s: rectification started."),
        ),
        Transition(
            Action.SUBMIT,
            Status.IN_PROGRESS,
            Status.AWAITING_VERIFICATION,
            frozenset({Role.DISTRICT, Role.INSTITUTION}),
            gettext_lazy("Report rectified"),
            done=gettext_lazy("%(code)s reported rectified; it awaits the district's verification."),
            needs_after_evidence=True,
        ),
        Transition(
            Action.CLOSE,
            Status.AWAITING_VERIFICATION,
            Status.CLOSED,
            frozenset({Role.DISTRICT}),
            gettext_lazy("Verify and close"),
            done=gettext_lazy("%(code)s verified and closed."),
            needs_note=True,
            note_label=gettext_lazy("Verification opinion"),
            note_missing=gettext_lazy("Write the verification opinion."),
        ),
        Transition(
            Action.RETURN,
            Status.AWAITING_VERIFICATION,
            Status.IN_PROGRESS,
            frozenset({Role.DISTRICT}),
            gettext_lazy("Return: not rectified"),
            done=gettext_lazy("%(code)s returned for rectification."),
            needs_note=True,
            note_label=gettext_lazy("Reason for returning"),
            note_missing=gettext_lazy("Write the reason for returning the rectification."),
        ),
    )
}


# Scope and role checks ---------------------------------------------------------------------------


def _require_visible(user, hazard: Hazard) -> None:
    if not Hazard.objects.visible_to(user).live().filter(pk=hazard.pk).exists():
        raise PermissionDenied


def is_district_staff(user) -> bool:
    return user.is_authenticated and user.role == Role.DISTRICT


def can_record(user) -> bool:
    return is_district_staff(user)


def can_edit(user, hazard: Hazard) -> bool:
    return is_district_staff(user) and hazard.is_open and hazard.deleted_at is None


def can_add_evidence(user, hazard: Hazard) -> bool:
    return user.role in (Role.DISTRICT, Role.INSTITUTION) and hazard.is_open and hazard.deleted_at is None


def can_refer(user, hazard: Hazard) -> bool:
    return is_district_staff(user) and hazard.deleted_at is None


def can_reply(user, referral: Referral) -> bool:
    return user.role == Role.DEPARTMENT and user.department == referral.department


def transitions_for(user, hazard: Hazard) -> list[Transition]:
    """The transitions this user may take from the hazard's current status."""
    if hazard.deleted_at is not None:
        return []
    return [t for t in TRANSITIONS.values() if t.source == hazard.status and user.role in t.roles]


def _event(hazard, action, by, note="", from_status="", to_status="") -> HazardEvent:
    return HazardEvent.objects.create(
        hazard=hazard, action=action, by=by, note=note, from_status=from_status, to_status=to_status
    )


# Recording and editing ---------------------------------------------------------------------------


def next_code(region: Region, year: int) -> str:
    """The next ledger number of a region and year, e.g. 210302-2026-0007. The caller holds a lock
    on the region row, so two hazards recorded at once do not get the same number."""
    prefix = f"{region.code}-{year}-"
    # The highest serial as a number: past 9999 the text order ("…-10000" < "…-9999") would hand
    # out a number already taken. Serials that are not all digits (a district's own) are skipped.
    serials = (
        Hazard.objects.filter(code__startswith=prefix, code__regex=rf"^{region.code}-{year}-[0-9]+$")
        .annotate(length=Length("code"))
        .order_by("-length", "-code")
        .values_list("code", flat=True)
    )
    last = serials.first()
    number = int(last.removeprefix(prefix)) + 1 if last else 1
    return f"{prefix}{number:04d}"


def assign_code(hazard: Hazard) -> None:
    region = Region.objects.select_for_update().get(pk=hazard.institution.region_id)
    hazard.code = next_code(region, hazard.found_on.year)


def _check_institution(user, hazard: Hazard) -> None:
    from institutions.models import Institution

    if not Institution.objects.visible_to(user).filter(pk=hazard.institution_id).exists():
        raise ValidationError({"institution": _("Choose an institution of your own region.")})


@transaction.atomic
def hazard_create(*, hazard: Hazard, by, photos=()) -> Hazard:
    """Record a new hazard (status 待整改, the next ledger number of its region and year), with
    its "before" photos or documents if `photos` (uploaded files) are given.

    All or nothing: every file is checked (`core.evidence.validate_upload`) before anything is
    written, and a refused file raises ValidationError({"photos": [sentence naming the file, …]})
    with no hazard recorded. PermissionDenied for a user who does not record hazards."""
    if not can_record(by):
        raise PermissionDenied
    _check_institution(by, hazard)
    _check_files("photos", photos)
    hazard.status = Status.PENDING
    hazard.created_by = by
    hazard.original_deadline = hazard.deadline
    if not hazard.code:
        assign_code(hazard)
    hazard.full_clean()
    hazard._history_user = by
    hazard.save()
    _event(hazard, Action.CREATE, by, to_status=hazard.status)
    _attach_all(hazard, photos, EvidencePurpose.BEFORE, by)
    return hazard


def _check_files(field: str, files) -> None:
    errors = []
    for file in files:
        try:
            evidence_files.validate_upload(file)
        except ValidationError as error:
            errors.extend(error.messages)
    if errors:
        raise ValidationError({field: errors})


def _attach_all(hazard: Hazard, files, purpose: str, by) -> None:
    """Attach `files` to `hazard`, each with its timeline entry. Inside the caller's transaction;
    if one fails, the files already stored are deleted (their rows roll back with the hazard)."""
    stored = []
    try:
        for file in files:
            evidence = evidence_files.evidence_attach(owner=hazard, file=file, purpose=purpose, by=by)
            # the file, and for a photo its thumbnail and (HEIC) its JPEG rendition
            stored += [
                name
                for name in (evidence.file.name, evidence.thumbnail.name, evidence.rendition.name)
                if name
            ]
            _event(
                hazard,
                Action.EVIDENCE,
                by,
                note=f"{EvidencePurpose.LABELS[purpose]}：{evidence.original_name}",
            )
    except Exception:
        storage = Evidence._meta.get_field("file").storage
        for name in stored:
            storage.delete(name)
        raise


@transaction.atomic
def hazard_update(*, hazard: Hazard, expected_version: int, by) -> Hazard:
    """Save a form's edits to the record (not its status, not its deadline: those have their own
    steps). Refused when someone else saved in between."""
    _require_visible(by, hazard)
    if not can_edit(by, hazard):
        raise PermissionDenied
    stored = Hazard.objects.only("deadline").get(pk=hazard.pk)
    if hazard.deadline != stored.deadline:
        raise ValidationError(
            {
                "deadline": _(
                    "Change the deadline with “Change deadline”, which keeps the original and a reason."
                )
            }
        )
    _check_institution(by, hazard)
    hazard.full_clean()
    save_versioned(hazard, expected_version=expected_version, by=by)
    _event(hazard, Action.EDIT, by)
    return hazard


@transaction.atomic
def hazard_transition(
    *, hazard: Hazard, action: str, by, note: str = "", expected_version: int | None = None
) -> Hazard:
    """Move a hazard along its workflow. Refused with a clear message when the step is not allowed
    from the current status or not for this user's role."""
    _require_visible(by, hazard)
    transition = TRANSITIONS.get(action)
    if transition is None:
        raise ValidationError(_("Unknown step."), code="unknown")
    hazard = Hazard.objects.select_for_update().get(pk=hazard.pk)
    if expected_version is not None and hazard.version != expected_version:
        raise ValidationError(
            _(
                "Someone else changed this hazard after you opened it; it is now “%(status)s”. Reload and try again."
            )
            % {"status": hazard.get_status_display()},
            code="concurrent_edit",
        )
    if hazard.status != transition.source:
        raise ValidationError(
            _("“%(step)s” is only possible when the hazard is “%(source)s”; it is now “%(status)s”.")
            % {
                "step": transition.label,
                "source": Status(transition.source).label,
                "status": hazard.get_status_display(),
            },
            code="wrong_status",
        )
    if by.role not in transition.roles:
        if action in (Action.CLOSE, Action.RETURN):
            raise ValidationError(
                _("Only district civil-affairs staff verify a rectification and close a hazard."),
                code="forbidden",
            )
        raise ValidationError(_("Your role cannot take the step “%(step)s”.") % {"step": transition.label})
    note = (note or "").strip()
    if transition.needs_note and not note:
        raise ValidationError({"note": str(transition.note_missing)}, code="note_required")
    if transition.needs_after_evidence and not _has_fresh_after_evidence(hazard):
        raise ValidationError(
            _("Attach at least one photo or document of the finished rectification first."),
            code="evidence_required",
        )
    source = hazard.status
    hazard.status = transition.target
    if action == Action.SUBMIT:  # a new round of verification: the last verdict is in the timeline
        hazard.verified_by, hazard.verified_at, hazard.verification_opinion = None, None, ""
    if action in (Action.CLOSE, Action.RETURN):
        hazard.verified_by = by
        hazard.verified_at = timezone.now()
        hazard.verification_opinion = note
    if action == Action.CLOSE:
        hazard.closed_on = timezone.localdate()
    hazard.version += 1
    hazard._history_user = by
    hazard.save()
    _event(hazard, action, by, note=note, from_status=source, to_status=hazard.status)
    return hazard


def _has_fresh_after_evidence(hazard: Hazard) -> bool:
    """An "after" file exists, uploaded after the last return if the hazard was returned (the
    photo the district already rejected does not prove the second attempt)."""
    files = hazard.evidence.live().filter(purpose=EvidencePurpose.AFTER)
    last_return = hazard.events.filter(action=Action.RETURN).order_by("-at", "-pk").first()
    if last_return is not None:
        files = files.filter(created_at__gt=last_return.at)
    return files.exists()


def _not_in_future(field: str, day: datetime.date) -> None:
    if day > timezone.localdate():
        raise ValidationError({field: _("This date is in the future.")})


@transaction.atomic
def hazard_extend(
    *, hazard: Hazard, new_deadline: datetime.date, reason: str, by, expected_version: int
) -> Hazard:
    """Change the deadline, keeping the original deadline and every change with its reason."""
    from hazards.models import DeadlineChange

    _require_visible(by, hazard)
    if not can_edit(by, hazard):
        raise PermissionDenied
    reason = (reason or "").strip()
    if not reason:
        raise ValidationError({"reason": _("Give the reason for changing the deadline.")})
    if new_deadline == hazard.deadline:
        raise ValidationError({"new_deadline": _("The new deadline is the same as the current one.")})
    if new_deadline < hazard.found_on:
        raise ValidationError(
            {"new_deadline": _("The deadline cannot be earlier than the day the hazard was found.")}
        )
    old = hazard.deadline
    hazard.deadline = new_deadline
    save_versioned(hazard, expected_version=expected_version, by=by, reason=reason)
    DeadlineChange.objects.create(
        hazard=hazard, old_deadline=old, new_deadline=new_deadline, reason=reason, changed_by=by
    )
    _event(
        hazard,
        Action.EXTEND,
        by,
        note=_("%(old)s → %(new)s: %(reason)s") % {"old": old, "new": new_deadline, "reason": reason},
    )
    return hazard


@transaction.atomic
def hazard_delete(*, hazard: Hazard, reason: str, by) -> Hazard:
    """Take a wrongly recorded hazard off the ledger. Its rows and files stay until it is purged."""
    _require_visible(by, hazard)
    if not is_district_staff(by):
        raise PermissionDenied
    reason = (reason or "").strip()
    if not reason:
        raise ValidationError({"reason": _("Give the reason for deleting this hazard.")})
    hazard.deleted_at = timezone.now()
    hazard.deleted_by = by
    hazard.delete_reason = reason
    hazard._history_user = by
    hazard.save(update_fields=["deleted_at", "deleted_by", "delete_reason", "updated_at"])
    _event(hazard, Action.DELETE, by, note=reason)
    return hazard


def hazards_purge(*, older_than: datetime.timedelta) -> int:
    """Delete for good the hazards deleted longer ago than `older_than`, with their files."""
    cutoff = timezone.now() - older_than
    count = 0
    for hazard in Hazard.objects.filter(deleted_at__lt=cutoff):
        with transaction.atomic():
            for referral in hazard.referrals.all():
                evidence_files.evidence_purge_for(referral)
            evidence_files.evidence_purge_for(hazard)
            hazard.history.all().delete()
            hazard.delete()
        count += 1
    return count


# Evidence ------------------------------------------------------------------------------------------


@transaction.atomic
def evidence_add(*, hazard: Hazard, file, purpose: str, by):
    _require_visible(by, hazard)
    if purpose not in EvidencePurpose.HAZARD:
        raise ValidationError({"purpose": _("Choose whether the file shows the state before or after.")})
    if not can_add_evidence(by, hazard):
        if not hazard.is_open:
            raise ValidationError(_("This hazard is closed; its evidence can no longer change."))
        raise PermissionDenied
    evidence = evidence_files.evidence_attach(owner=hazard, file=file, purpose=purpose, by=by)
    _event(
        hazard,
        Action.EVIDENCE,
        by,
        note=f"{EvidencePurpose.LABELS[purpose]}：{evidence.original_name}",
    )
    return evidence


# Referrals (书面告知) --------------------------------------------------------------------------------


@transaction.atomic
def referral_create(*, hazard: Hazard, department: str, referred_on: datetime.date, note: str, notice, by):
    """Record the written notice of a hazard to a department, with the notice itself attached."""
    _require_visible(by, hazard)
    if not can_refer(by, hazard):
        raise PermissionDenied
    if hazard.referrals.filter(department=department).exists():
        raise ValidationError({"department": _("This hazard has already been referred to that department.")})
    _not_in_future("referred_on", referred_on)
    if referred_on < hazard.found_on:
        raise ValidationError({"referred_on": _("The notice cannot predate the day the hazard was found.")})
    if notice is None:
        raise ValidationError({"notice": _("Attach the written notice.")})
    referral = Referral.objects.create(
        hazard=hazard, department=department, referred_on=referred_on, note=note, referred_by=by
    )
    evidence_files.evidence_attach(owner=referral, file=notice, purpose=EvidencePurpose.NOTICE, by=by)
    _event(hazard, Action.REFER, by, note=referral.get_department_display())
    return referral


@transaction.atomic
def referral_reply(*, referral: Referral, reply: str, replied_on: datetime.date, by, attachment=None):
    if not Referral.objects.visible_to(by).filter(pk=referral.pk).exists():
        raise PermissionDenied
    if not can_reply(by, referral):
        raise PermissionDenied
    reply = (reply or "").strip()
    if not reply:
        raise ValidationError({"reply": _("Write the department's reply.")})
    _not_in_future("replied_on", replied_on)
    if replied_on < referral.referred_on:
        raise ValidationError({"replied_on": _("The reply cannot predate the notice.")})
    referral.reply = reply
    referral.replied_on = replied_on
    referral.replied_by = by
    referral.save(update_fields=["reply", "replied_on", "replied_by", "updated_at"])
    if attachment is not None:
        evidence_files.evidence_attach(owner=referral, file=attachment, purpose=EvidencePurpose.REPLY, by=by)
    _event(referral.hazard, Action.REPLY, by, note=f"{referral.get_department_display()}：{reply}")
    return referral
