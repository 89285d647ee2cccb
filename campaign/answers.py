"""The units' answers to the 30 items and the city's acceptance (验收): who may write, submit,
accept, return and reopen, and the history of each step.

- A county-level unit (district staff) answers the items its level covers (county or both), for
  its own region only; the city (city staff, region = the city) answers the city-level items.
- City staff accept or return a district's submitted answer. A city answer is accepted by a city
  user other than the one who submitted it (no one accepts their own work).
- An accepted answer is locked; city staff reopen it with a reason (it goes back as returned).
- City staff never edit a district's narrative or figures.
"""

import datetime

from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction
from django.utils.translation import gettext as _

from campaign.models import AnswerEvent, InspectionItem, ItemAnswer, Milestone
from core import evidence as evidence_files
from core import review
from core.concurrency import save_versioned
from core.models import Region
from core.roles import Role

Status = ItemAnswer.Status
Action = AnswerEvent.Action
EVIDENCE_PURPOSE = "answer"


def answering_region(user, item: InspectionItem) -> Region | None:
    """The region whose answer to `item` this user writes, or None if they write none."""
    if not user.is_authenticated or user.region_id is None:
        return None
    if user.role == Role.DISTRICT and item.answered_by_county and user.region.is_county_level:
        return user.region
    if user.role == Role.CITY and item.answered_by_city and user.region.kind == Region.Kind.CITY:
        return user.region
    return None


def is_answerer(user, answer: ItemAnswer) -> bool:
    region = answering_region(user, answer.item)
    return region is not None and region.pk == answer.region_id


def can_edit(user, answer: ItemAnswer) -> bool:
    return is_answerer(user, answer) and answer.status in (Status.DRAFT, Status.RETURNED)


def can_review(user, answer: ItemAnswer) -> bool:
    """City staff review a submitted answer; a city answer not by the one who submitted it."""
    if user.role != Role.CITY or answer.status != Status.SUBMITTED:
        return False
    return answer.submitted_by_id != user.pk


can_reopen = review.can_reopen


def due_on(item: InspectionItem, region: Region) -> datetime.date | None:
    """The item's deadline for this kind of unit, from the campaign's milestones: the county
    milestone for a county-level unit, the city (or joint) one for the city; the earliest if
    several. None when no milestone names the item."""
    levels = (
        (Milestone.Level.COUNTY, Milestone.Level.JOINT)
        if region.is_county_level
        else (Milestone.Level.CITY, Milestone.Level.JOINT)
    )
    dates = sorted(m.due_on for m in item.milestones.all() if m.level in levels)
    return dates[0] if dates else None


def _visible(user, answer: ItemAnswer) -> None:
    if not ItemAnswer.objects.visible_to(user).filter(pk=answer.pk).exists():
        raise PermissionDenied


def answer_for(*, item: InspectionItem, by) -> ItemAnswer:
    """The user's unit's answer to `item`; until the unit first saves it or adds a file, an unsaved
    empty draft (pk None). Reads only: opening the page writes nothing, so a unit that only looked
    is not "in draft" on the city's matrix. PermissionDenied if the user answers no such item."""
    region = answering_region(by, item)
    if region is None:
        raise PermissionDenied
    stored = ItemAnswer.objects.filter(item=item, region=region).first()
    return stored or ItemAnswer(item=item, region=region)


def _stored(answer: ItemAnswer, by) -> ItemAnswer:
    """`answer` as a database row: an unsaved draft from `answer_for` is created now, by its unit's
    first save or file (inside the caller's transaction, so a refused save leaves no row)."""
    if answer.pk is not None:
        return answer
    if not is_answerer(by, answer):
        raise PermissionDenied
    stored, _created = ItemAnswer.objects.get_or_create(item=answer.item, region=answer.region)
    return stored


@transaction.atomic
def answer_save(
    *, answer: ItemAnswer, narrative: str, values: dict, by, expected_version: int, submit: bool = False
) -> ItemAnswer:
    """Save the unit's narrative and figures; with `submit`, hand them to the city for acceptance.
    Returns the stored answer (created by this first save if `answer` was an unsaved draft)."""
    answer = _stored(answer, by)
    _visible(by, answer)
    if not is_answerer(by, answer):
        raise PermissionDenied
    if not can_edit(by, answer):
        raise ValidationError(
            _("This answer is “%(status)s” and cannot be changed now.")
            % {"status": answer.get_status_display()},
            code="locked",
        )
    narrative = (narrative or "").strip()
    if submit and not narrative:
        raise ValidationError({"narrative": _("Describe how the item was implemented before submitting.")})
    answer.narrative = narrative
    answer.values = values or {}
    if submit:
        review.mark_submitted(answer, by)
    save_versioned(answer, expected_version=expected_version, by=by)
    review.record(answer, Action.SUBMIT if submit else Action.SAVE, by)
    return answer


@transaction.atomic
def answer_add_evidence(*, answer: ItemAnswer, file, by):
    """Attach a file to the unit's answer, creating the draft if `answer` is not stored yet (a file
    before any save). Returns the Evidence; its `owner` is the stored answer. A refused file
    (ValidationError) writes nothing."""
    answer = _stored(answer, by)
    _visible(by, answer)
    if not can_edit(by, answer):
        raise PermissionDenied
    evidence = evidence_files.evidence_attach(owner=answer, file=file, purpose=EVIDENCE_PURPOSE, by=by)
    review.record(answer, Action.EVIDENCE, by, note=evidence.original_name)
    return evidence


def _review_target(answer: ItemAnswer, by) -> ItemAnswer:
    _visible(by, answer)
    answer = review.review_target(
        answer,
        by,
        forbidden=_("Only the city bureau accepts or returns answers."),
        wrong_status=_("Only a submitted answer can be reviewed; this one is “%(status)s”."),
    )
    if answer.submitted_by_id == by.pk:
        raise ValidationError(
            _("You submitted this answer; another colleague of the city bureau accepts or returns it."),
            code="own_answer",
        )
    return answer


@transaction.atomic
def answer_accept(*, answer: ItemAnswer, by) -> ItemAnswer:
    answer = _review_target(answer, by)
    review.accept(answer, by)
    return answer


@transaction.atomic
def answer_return(*, answer: ItemAnswer, by, reason: str) -> ItemAnswer:
    reason = review.required_reason(reason, _("Give the reason for returning the answer."))
    answer = _review_target(answer, by)
    review.send_back(answer, by, reason)
    return answer


@transaction.atomic
def answer_reopen(*, answer: ItemAnswer, by, reason: str) -> ItemAnswer:
    """Unlock an accepted answer: it goes back to its unit as returned, with the reason."""
    _visible(by, answer)
    if not can_reopen(by, answer):
        raise ValidationError(_("Only the city bureau reopens an accepted answer."), code="forbidden")
    reason = review.required_reason(reason, _("Give the reason for reopening the answer."))
    # re-checked under the row lock: two colleagues reopening at once do not both succeed
    return review.reopen(answer, by, reason, forbidden=_("Only the city bureau reopens an accepted answer."))
