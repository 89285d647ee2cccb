"""The city's review (验收) that the answers to the 30 items (campaign) and the summary reports
(reports) both go through: 草稿 → 已提交 → 已退回 (with the reason) → 已提交 … → 已验收. An accepted
one is locked until city staff reopen it with a reason (it goes back as returned); every step is an
event.

The models here are abstract: each app keeps its own tables, its own status and action labels and
its own messages (passed in), so that the shared part is the workflow only.
"""

from django.core.exceptions import ValidationError
from django.db import models
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from core.roles import Role

# Models -----------------------------------------------------------------------------------------


def status_field(status: type[models.TextChoices]) -> models.CharField:
    """The workflow status, with the model's own labels: `status` has DRAFT, SUBMITTED, RETURNED
    and ACCEPTED."""
    return models.CharField(
        _("status"), max_length=16, choices=status.choices, default=status.DRAFT, editable=False
    )


def _user_field(verbose_name) -> models.ForeignKey:
    return models.ForeignKey(
        "accounts.User",
        verbose_name=verbose_name,
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="+",
        editable=False,
    )


class ReviewedModel(models.Model):
    """Who submitted and who reviewed. A subclass defines `Status` (DRAFT, SUBMITTED, RETURNED,
    ACCEPTED) and `status = status_field(Status)`, and has its events as `events`."""

    submitted_by = _user_field(_("submitted by"))
    submitted_at = models.DateTimeField(_("submitted at"), null=True, blank=True, editable=False)
    reviewed_by = _user_field(_("reviewed by"))
    reviewed_at = models.DateTimeField(_("reviewed at"), null=True, blank=True, editable=False)
    return_reason = models.TextField(_("reason for return"), blank=True, editable=False)

    class Meta:
        abstract = True

    @property
    def is_locked(self) -> bool:
        return self.status in (self.Status.SUBMITTED, self.Status.ACCEPTED)


class ReviewEvent(models.Model):
    """One line of the history: who did what, when, with which reason. A subclass adds `action =
    models.CharField(_("action"), max_length=16, choices=Action.choices)` with its own `Action`
    (SAVE, SUBMIT, RETURN, ACCEPT, REOPEN at least) and the foreign key `owner` names, with
    related_name="events"."""

    #: The name of the foreign key to the reviewed row.
    owner: str

    note = models.TextField(_("note"), blank=True)
    by = models.ForeignKey("accounts.User", verbose_name=_("by"), on_delete=models.PROTECT, related_name="+")
    at = models.DateTimeField(_("at"), auto_now_add=True)

    class Meta:
        abstract = True
        ordering = ["at", "pk"]

    def __str__(self):
        return f"{getattr(self, f'{self.owner}_id')} {self.action}"


# Steps ------------------------------------------------------------------------------------------
# Each runs inside the caller's transaction.


def record(obj: ReviewedModel, action: str, by, note: str = ""):
    """Add a line to the history of `obj`."""
    return obj.events.create(action=action, by=by, note=note)


def locked(obj: ReviewedModel) -> ReviewedModel:
    """`obj` read again and locked until the end of the transaction."""
    return type(obj)._default_manager.select_for_update().get(pk=obj.pk)


def required_reason(reason: str, message: str, code: str | None = None) -> str:
    """The reason, stripped; without one, a ValidationError on the "reason" field."""
    reason = (reason or "").strip()
    if not reason:
        raise ValidationError({"reason": ValidationError(message, code=code)})
    return reason


def can_reopen(user, obj: ReviewedModel) -> bool:
    return user.role == Role.CITY and obj.status == obj.Status.ACCEPTED


def mark_submitted(obj: ReviewedModel, by) -> None:
    """Hand `obj` to the city (the caller saves it)."""
    obj.status = obj.Status.SUBMITTED
    obj.submitted_by, obj.submitted_at = by, timezone.now()


def review_target(obj: ReviewedModel, by, *, forbidden: str, wrong_status: str) -> ReviewedModel:
    """`obj` locked for city staff to accept or return; `wrong_status` has a "%(status)s"."""
    obj = locked(obj)
    if by.role != Role.CITY:
        raise ValidationError(forbidden, code="forbidden")
    if obj.status != obj.Status.SUBMITTED:
        raise ValidationError(wrong_status % {"status": obj.get_status_display()}, code="wrong_status")
    return obj


def mark_reviewed(obj: ReviewedModel, by, status: str, reason: str = "") -> None:
    """Give `obj` its new status, by whom, when and why, and save it as a new version."""
    obj.status = status
    obj.reviewed_by, obj.reviewed_at, obj.return_reason = by, timezone.now(), reason
    obj.version += 1
    obj.save()


def accept(obj: ReviewedModel, by) -> None:
    mark_reviewed(obj, by, obj.Status.ACCEPTED)
    record(obj, obj.events.model.Action.ACCEPT, by)


def send_back(obj: ReviewedModel, by, reason: str) -> None:
    mark_reviewed(obj, by, obj.Status.RETURNED, reason)
    record(obj, obj.events.model.Action.RETURN, by, note=reason)


def reopen(obj: ReviewedModel, by, reason: str, *, forbidden: str | None = None) -> ReviewedModel:
    """Lock an accepted `obj` and send it back as returned, with the reason. With `forbidden`, the
    message refusing it when it is no longer accepted once locked."""
    obj = locked(obj)
    if forbidden is not None and obj.status != obj.Status.ACCEPTED:  # changed meanwhile
        raise ValidationError(forbidden, code="forbidden")
    mark_reviewed(obj, by, obj.Status.RETURNED, reason)
    record(obj, obj.events.model.Action.REOPEN, by, note=reason)
    return obj
