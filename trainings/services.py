"""Training sessions: the only place that writes them, and what other apps read.

Writes: `create_training`, `update_training` — city and district staff, for sessions of their own
region (the organiser is always the writer's region); version-checked. Errors are
`ValidationError`s whose dict names the form field, in Chinese.

Read by others (the lead wires them): `counts_for(user)` for the 综合监管 card; item 22 reads the
table directly in `campaign.indicators.supervision` (one grouped query).
"""

from __future__ import annotations

from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction
from django.db.models import Count, Q, Sum
from django.utils.translation import gettext as _

from core import dates
from core import evidence as evidence_files
from core.concurrency import save_versioned
from core.roles import Role
from institutions.models import Institution
from trainings.models import Training

EVIDENCE = "training"  # the evidence purpose: sign-in sheets, photos, the programme
WRITERS = (Role.CITY, Role.DISTRICT)


def can_write(user) -> bool:
    return (
        user.is_authenticated
        and not user.is_superuser
        and user.role in WRITERS
        and user.region_id is not None
    )


def can_edit(user, training: Training) -> bool:
    """Only staff of the organising region edit a session (the city does not edit a district's)."""
    return can_write(user) and training.region_id == user.region_id


def _prepare(training: Training, institutions, *, by) -> None:
    errors: dict[str, list[str]] = {}
    today = dates.today()
    if training.held_on and training.held_on > today:
        errors["held_on"] = [_("Held on: the date cannot be in the future.")]
    if training.participants is not None and training.participants < 1:
        errors["participants"] = [_("Participants: enter a number of at least 1.")]
    if training.hours is not None and not (0 < training.hours <= 1000):
        errors["hours"] = [_("Hours: enter a number between 0.5 and 1000.")]
    if not (training.title or "").strip():
        errors["title"] = [_("Title: enter the title of the session.")]
    ids = {i.pk for i in institutions or ()}
    if ids and Institution.objects.visible_to(by).filter(pk__in=ids).count() != len(ids):
        errors["institutions"] = [_("Institutions taking part: choose institutions of your own area.")]
    if errors:
        raise ValidationError(errors)
    training.title = training.title.strip()


def _attach(training, files, by):
    for file in files or ():
        try:
            evidence_files.evidence_attach(owner=training, file=file, purpose=EVIDENCE, by=by)
        except ValidationError as error:
            raise ValidationError({"files": error.messages}) from None


@transaction.atomic
def create_training(training: Training, *, by, institutions=(), files=()) -> Training:
    """Save a new session organised by `by`'s region (city or district staff), with the
    institutions that took part and its evidence files. ValidationError naming the field;
    PermissionDenied for other roles."""
    if not can_write(by):
        raise PermissionDenied
    _prepare(training, institutions, by=by)
    training.region_id = by.region_id
    training.created_by = by
    training.save()
    training.institutions.set(institutions or ())
    _attach(training, files, by)
    return training


@transaction.atomic
def update_training(training: Training, *, by, expected_version: int, institutions=(), files=()) -> Training:
    """Save an edited session if nobody saved it since `expected_version`
    (`core.concurrency.ConcurrentEditError` otherwise). Only the organising region's staff."""
    if not can_edit(by, training):
        raise PermissionDenied
    _prepare(training, institutions, by=by)
    save_versioned(training, expected_version=expected_version, by=by)
    training.institutions.set(institutions or ())
    _attach(training, files, by)
    return training


def counts_for(user, on=None) -> dict[str, int]:
    """The 综合监管 card's figures over the sessions `user` sees (`visible_to`), one query:
    {"year": sessions held this calendar year (Asia/Shanghai) up to `on` (default today),
    "participants": their participants, "total": all sessions}."""
    on = on or dates.today()
    this_year = Q(held_on__year=on.year, held_on__lte=on)
    row = (
        Training.objects.visible_to(user)
        .order_by()
        .aggregate(
            total=Count("pk", distinct=True),
            year=Count("pk", filter=this_year, distinct=True),
            participants=Sum("participants", filter=this_year),
        )
    )
    return {"year": row["year"], "participants": row["participants"] or 0, "total": row["total"]}
