"""Enforcement orders: the only place that writes them, and what other apps read.

Read by other apps (the lead wires them):

- `suspended_ids(on)`: the institutions under 停业整顿 in force on a day (one query) — the draws
  leave them out while the order stands (issue 17 item 6), and lists flag them;
- `is_suspended(institution, on)`: the same for one institution;
- the template tag ``{% load enforcement_tags %}{% suspension_badge institution %}``.

Writes: `create_order`, `update_order`, `lift_order` (city and district staff of the institution's
region; version-checked). Errors are `ValidationError`s whose dict names the form field.
"""

from __future__ import annotations

import datetime

from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction
from django.db.models import Exists, OuterRef
from django.utils.translation import gettext as _

from core import dates
from core import evidence as evidence_files
from core.concurrency import save_versioned
from core.roles import Role
from enforcement.models import EnforcementOrder, Kind, in_force_q
from institutions.models import Institution

DOCUMENT = "document"  # the evidence purpose of the order's document
LIFT_DOCUMENT = "lift"  # the document lifting it
WRITERS = (Role.CITY, Role.DISTRICT)


def suspended_ids(on: datetime.date | None = None) -> set[int]:
    """Ids of the institutions under a 停业整顿 order in force on `on` (default today, Asia/
    Shanghai). One query; not scoped (ids only)."""
    on = on or dates.today()
    return set(
        EnforcementOrder.objects.filter(in_force_q(on), kind=Kind.SUSPEND).values_list(
            "institution_id", flat=True
        )
    )


def suspended_q(institution_field: str = "pk", on: datetime.date | None = None) -> Exists:
    """An `Exists` expression to annotate a queryset with whether the institution in
    `institution_field` is under a 停业整顿 order in force on `on` (default today): a subquery in the
    same query, so an export of any length costs nothing more (the three lists' 机构名称 cell)."""
    on = on or dates.today()
    return Exists(
        EnforcementOrder.objects.filter(
            in_force_q(on), kind=Kind.SUSPEND, institution_id=OuterRef(institution_field)
        )
    )


def is_suspended(institution, on: datetime.date | None = None) -> bool:
    """Whether `institution` (a row or its id) is under 停业整顿 in force on `on`. One query."""
    on = on or dates.today()
    pk = getattr(institution, "pk", institution)
    return EnforcementOrder.objects.filter(in_force_q(on), kind=Kind.SUSPEND, institution_id=pk).exists()


def _check_writer(by):
    if by.role not in WRITERS or by.region is None:
        raise PermissionDenied


def _prepare(order: EnforcementOrder, *, by) -> None:
    errors: dict[str, list[str]] = {}
    if order.institution_id is None:
        errors["institution"] = [_("Choose the institution.")]
    elif not Institution.objects.visible_to(by).filter(pk=order.institution_id).exists():
        errors["institution"] = [_("Choose an institution of your own area.")]
    else:
        order.region_id = order.institution.region_id
    if order.kind in (Kind.REFER_DEPARTMENT,) and not order.department:
        errors["department"] = [_("Choose the department the case is referred to.")]
    if order.kind == Kind.COURT:
        order.department = ""
    today = dates.today()
    if order.issued_on and order.issued_on > today:
        errors["issued_on"] = [_("The date of issue cannot be in the future.")]
    if order.issued_on and order.ends_on and order.ends_on < order.issued_on:
        errors["ends_on"] = [_("The term cannot end before the date of issue.")]
    if order.issued_on and order.lifted_on and order.lifted_on < order.issued_on:
        errors["lifted_on"] = [_("An order cannot be lifted before it was issued.")]
    if errors:
        raise ValidationError(errors)


def _attach(order, document, purpose, by, field="document"):
    try:
        evidence_files.evidence_attach(owner=order, file=document, purpose=purpose, by=by)
    except ValidationError as error:
        raise ValidationError({field: error.messages}) from None


@transaction.atomic
def create_order(order: EnforcementOrder, *, by, document=None) -> EnforcementOrder:
    """Save a new order recorded by `by` (city or district staff of the institution's region) with
    its document (required). ValidationError naming the field."""
    _check_writer(by)
    _prepare(order, by=by)
    if document is None:
        raise ValidationError({"document": _("Attach the order's document (a scan or PDF).")})
    order.created_by = by
    order.save()
    _attach(order, document, DOCUMENT, by)
    return order


@transaction.atomic
def update_order(order: EnforcementOrder, *, by, expected_version: int, document=None) -> EnforcementOrder:
    """Save an edited order if nobody saved it since `expected_version`."""
    _check_writer(by)
    if not EnforcementOrder.objects.visible_to(by).filter(pk=order.pk).exists():
        raise PermissionDenied
    _prepare(order, by=by)
    save_versioned(order, expected_version=expected_version, by=by)
    if document is not None:
        _attach(order, document, DOCUMENT, by)
    return order


@transaction.atomic
def lift_order(
    order: EnforcementOrder, *, by, lifted_on: datetime.date, note: str, expected_version: int, document=None
) -> EnforcementOrder:
    """Lift an order from the day `lifted_on` (from that day it no longer applies: a suspended
    institution may reopen), with the reason (for 停业整顿 usually the rectification checked and
    accepted). ValidationError naming ``lifted_on`` or ``lift_note``."""
    _check_writer(by)
    if not EnforcementOrder.objects.visible_to(by).filter(pk=order.pk).exists():
        raise PermissionDenied
    errors = {}
    if order.lifted_on:
        errors["lifted_on"] = [_("This order has already been lifted.")]
    elif lifted_on is None:
        errors["lifted_on"] = [_("Enter the day the order is lifted.")]
    elif lifted_on < order.issued_on:
        errors["lifted_on"] = [_("An order cannot be lifted before it was issued.")]
    elif lifted_on > dates.today():
        errors["lifted_on"] = [_("The day of lifting cannot be in the future.")]
    if not (note or "").strip():
        errors["lift_note"] = [
            _("Say why the order is lifted (for a suspension: the rectification accepted).")
        ]
    if errors:
        raise ValidationError(errors)
    order.lifted_on, order.lift_note, order.lifted_by = lifted_on, note.strip(), by
    save_versioned(order, expected_version=expected_version, by=by)
    if document is not None:
        _attach(order, document, LIFT_DOCUMENT, by, field="lift_document")
    return order
