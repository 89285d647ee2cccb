"""Optimistic locking for edits: the form carries the version it was based on."""

from django.core.exceptions import ValidationError
from django.db import models, transaction
from django.utils.translation import gettext as _


class ConcurrentEditError(ValidationError):
    pass


@transaction.atomic
def save_versioned(obj: models.Model, *, expected_version: int, by=None, reason: str = "") -> models.Model:
    """Save `obj` if the stored row is still at `expected_version`; bump the version.

    The stored row is locked (SELECT ... FOR UPDATE) so two saves cannot both pass the check. The
    history entry records `by` and `reason` (django-simple-history reads `_history_user`)."""
    current = type(obj).objects.select_for_update().only("version").get(pk=obj.pk)
    if current.version != expected_version:
        raise ConcurrentEditError(
            _(
                "Someone else saved this record after you opened it. Your input is kept below: "
                "check the current values and save again."
            ),
            code="concurrent_edit",
        )
    obj.version = current.version + 1
    if by is not None:
        obj._history_user = by
    if reason:
        obj._change_reason = reason
    obj.save()
    return obj
