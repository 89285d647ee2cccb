"""The only place that changes a draw: create, freeze, enter the seed, draw, annul, redraw.

Each step checks the draw's status under a row lock (SELECT … FOR UPDATE), so two people pressing
"draw" at once draw once; a refused step raises `ValidationError` with a sentence saying why.
"""

import json

from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from core import dates
from inspections import draw as algo
from inspections.directory import build_inputs
from inspections.models import Assignment, Draw, DrawnInstitution


def _locked(draw: Draw) -> Draw:
    return Draw.objects.select_for_update().get(pk=draw.pk)


def stored_inputs(draw: Draw) -> algo.DrawInputs:
    """The frozen inputs as stored (raises `DrawInputError` if they no longer read or hash)."""
    inputs = algo.DrawInputs.from_dict(json.loads(draw.inputs_json))
    if algo.inputs_hash(inputs) != draw.inputs_sha256:
        raise algo.DrawInputError("inputs_sha256", "the stored inputs do not hash to the stored hash")
    return inputs


def document(draw: Draw) -> dict | None:
    """The published document (`inspections.draw.published_document`): None before the freeze;
    inputs and hash after it; plus seed and result once drawn."""
    if not draw.is_frozen:
        return None
    inputs = stored_inputs(draw)
    if draw.result is not None:
        return algo.published_document(inputs, draw.seed, draw.result)
    if draw.seed:
        return algo.published_document(inputs, draw.seed)
    return algo.published_document(inputs)


@transaction.atomic
def freeze(draw: Draw, *, by) -> Draw:
    """Freeze the directories and parameters: store the inputs' canonical JSON and SHA-256."""
    draw = _locked(draw)
    if draw.status != Draw.Status.DRAFT:
        raise ValidationError(_("Only a draft can be frozen; this draw is frozen already."))
    today = dates.today()
    if draw.seed_available_on and draw.seed_available_on < today:
        raise ValidationError(
            _(
                "The seed's date (%(day)s) has passed: the seed must be unknown at the freeze. Choose a later source."
            )
            % {"day": draw.seed_available_on.isoformat()}
        )
    try:
        inputs = build_inputs(draw, frozen_on=today)
    except algo.DrawInputError as error:
        raise ValidationError(
            _("The draw cannot be frozen: %(field)s %(message)s")
            % {"field": error.path, "message": error.message}
        ) from error
    draw.inputs_json = algo.canonical_json(inputs.to_dict()).decode("utf-8")
    draw.inputs_sha256 = algo.inputs_hash(inputs)
    draw.frozen_at, draw.frozen_by = timezone.now(), by
    draw.status = Draw.Status.FROZEN
    draw.version += 1
    draw.save()
    return draw


@transaction.atomic
def enter_seed(draw: Draw, *, seed: str, by) -> Draw:
    """Record the seed, character for character as published; only after the freeze and on or
    after the seed source's `available_on`."""
    draw = _locked(draw)
    if draw.status != Draw.Status.FROZEN:
        raise ValidationError(_("The seed can be entered only after the freeze and before the draw."))
    if draw.seed:
        raise ValidationError(_("The seed has been entered already; it cannot be changed."))
    if draw.seed_available_on and dates.today() < draw.seed_available_on:
        raise ValidationError(
            _("The seed becomes known on %(day)s; it cannot be entered before.")
            % {"day": draw.seed_available_on.isoformat()}
        )
    seed = (seed or "").strip()
    if not seed:
        raise ValidationError({"seed": _("Enter the seed as it was published.")})
    draw.seed, draw.seed_entered_at, draw.seed_entered_by = seed, timezone.now(), by
    draw.version += 1
    draw.save()
    return draw


@transaction.atomic
def run(draw: Draw, *, by) -> Draw:
    """Draw (`run_draw`) from the stored inputs and the seed; store the result and one row per
    drawn institution and inspector. A draw is drawn once."""
    draw = _locked(draw)
    if draw.status != Draw.Status.FROZEN or not draw.seed:
        if draw.status == Draw.Status.DRAWN:
            raise ValidationError(_("This draw has been drawn already; a drawn list can only be annulled."))
        raise ValidationError(_("The draw can be made only when it is frozen and its seed entered."))
    result = algo.run_draw(stored_inputs(draw), draw.seed)
    draw.result = result
    draw.drawn_at, draw.drawn_by = timezone.now(), by
    draw.status = Draw.Status.DRAWN
    draw.version += 1
    draw.save()
    rows = DrawnInstitution.objects.bulk_create(
        DrawnInstitution(
            draw=draw,
            institution_id=int(entry["id"]),
            rank=entry["rank"],
            weight=entry["weight"],
            risk_factors=entry["risk_factors"],
            problem=entry["problem"],
        )
        for entry in result["drawn"]
    )
    Assignment.objects.bulk_create(
        Assignment(drawn=row, inspector_id=int(i["id"]))
        for row, entry in zip(rows, result["drawn"], strict=True)
        for i in entry["inspectors"]
    )
    return draw


@transaction.atomic
def annul(draw: Draw, *, reason: str, by) -> Draw:
    """Annul a draw with a reason (kept and shown on its pages); its rows and result stay."""
    draw = _locked(draw)
    if draw.status == Draw.Status.ANNULLED:
        raise ValidationError(_("This draw has been annulled already."))
    reason = (reason or "").strip()
    if not reason:
        raise ValidationError({"reason": _("Give the reason for the annulment.")})
    draw.status = Draw.Status.ANNULLED
    draw.annulled_at, draw.annulled_by, draw.annul_reason = timezone.now(), by, reason
    draw.version += 1
    draw.save()
    return draw


@transaction.atomic
def redraw(draw: Draw, *, by, seed_kind: str, seed_description: str, seed_available_on) -> Draw:
    """A new draft with the annulled draw's parameters and `redraw_of` pointing back; it is frozen
    anew (the directories as they are now) and gets its own, new seed source."""
    draw = _locked(draw)
    if draw.status != Draw.Status.ANNULLED:
        raise ValidationError(_("Only an annulled draw can be redrawn."))
    if draw.redraws.exists():
        raise ValidationError(_("This draw has been redrawn already."))
    copy = Draw.objects.create(
        region=draw.region,
        title=draw.title,
        year=draw.year,
        kinds=draw.kinds,
        sample_size=draw.sample_size,
        ratio_percent=draw.ratio_percent,
        rounding=draw.rounding,
        minimum=draw.minimum,
        inspectors_per_institution=draw.inspectors_per_institution,
        avoid_own_region=draw.avoid_own_region,
        max_load=draw.max_load,
        recent_months=draw.recent_months,
        weights=draw.weights,
        thresholds=draw.thresholds,
        seed_kind=seed_kind,
        seed_description=seed_description,
        seed_available_on=seed_available_on,
        created_by=by,
        redraw_of=draw,
    )
    copy.scope_regions.set(draw.scope_regions.all())
    copy.items.set(draw.items.all())
    return copy


def check_stored(draw: Draw) -> tuple[bool, str]:
    """Re-run a drawn draw from its published document and compare with the stored result:
    (True, "") when they agree, else (False, the first differing field)."""
    try:
        doc = document(draw)
        if doc is None or draw.result is None:
            return False, "result"
        again = algo.rerun(doc)
    except algo.DrawInputError as error:
        return False, error.path or str(error)
    if again == draw.result:
        return True, ""
    for key in sorted(set(again) | set(draw.result)):
        if again.get(key) != draw.result.get(key):
            return False, key
    return False, "result"
