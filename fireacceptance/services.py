"""一事一议 cases: the only place that writes them, and what other apps read.

Writes: `create_case`, `update_case` — district staff of the institution's county-level unit (key
task 十二: “各县（市）区、开发区民政部门 … 提请本级人民政府（管委会）”); version-checked. Errors are
`ValidationError`s whose dict names the form field, in Chinese.

Read by others (the lead wires them): `counts_for(user)` for the 综合监管 card; item 23 reads the
table directly in `campaign.indicators.supervision` (one grouped query).
"""

from __future__ import annotations

from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction
from django.db.models import Count
from django.utils.translation import gettext as _

from core import dates
from core import evidence as evidence_files
from core.concurrency import save_versioned
from core.roles import Role
from fireacceptance.models import Case, Status, status_q
from institutions.models import Institution

EVIDENCE = "case"  # the evidence purpose: the request, the meeting minutes, the decision
WRITERS = (Role.DISTRICT,)


def can_write(user) -> bool:
    return (
        user.is_authenticated
        and not user.is_superuser
        and user.role in WRITERS
        and user.region_id is not None
    )


def _prepare(case: Case, *, by) -> None:
    errors: dict[str, list[str]] = {}
    today = dates.today()
    if case.institution_id is None:
        errors["institution"] = [_("Institution: choose the institution.")]
    elif not Institution.objects.visible_to(by).filter(pk=case.institution_id).exists():
        errors["institution"] = [_("Institution: choose an institution of your own area.")]
    else:
        case.region_id = case.institution.region_id
    if not (case.problem or "").strip():
        errors["problem"] = [_("Problem: describe why the institution cannot pass the fire acceptance.")]
    for field, label in (
        ("submitted_on", _("Submitted on")),
        ("decided_on", _("Decided on")),
        ("resolved_on", _("Resolved on")),
    ):
        day = getattr(case, field)
        if day and day > today:
            errors.setdefault(field, []).append(
                _("%(field)s: the date cannot be in the future.") % {"field": label}
            )
    if case.decided_on and not case.submitted_on:
        errors.setdefault("submitted_on", []).append(
            _("Submitted on: a decision needs the date of submission.")
        )
    if case.decided_on and case.submitted_on and case.decided_on < case.submitted_on:
        errors.setdefault("decided_on", []).append(
            _("Decided on: the decision cannot precede the submission.")
        )
    if case.decided_on and not (case.decision or "").strip():
        errors.setdefault("decision", []).append(_("Decision: enter what the government decided."))
    if case.resolved_on and not case.decided_on:
        errors.setdefault("decided_on", []).append(
            _("Decided on: a resolved case needs the date of the decision.")
        )
    if case.resolved_on and case.decided_on and case.resolved_on < case.decided_on:
        errors.setdefault("resolved_on", []).append(
            _("Resolved on: the case cannot be resolved before the decision.")
        )
    if case.submitted_on and not (case.submitted_to or "").strip():
        errors.setdefault("submitted_to", []).append(
            _("Submitted to: name the government or management committee the case was submitted to.")
        )
    if errors:
        raise ValidationError(errors)
    case.problem = case.problem.strip()


def _attach(case, files, by):
    for file in files or ():
        try:
            evidence_files.evidence_attach(owner=case, file=file, purpose=EVIDENCE, by=by)
        except ValidationError as error:
            raise ValidationError({"files": error.messages}) from None


@transaction.atomic
def create_case(case: Case, *, by, files=()) -> Case:
    """Save a new case recorded by district staff for an institution of their unit.
    ValidationError naming the field; PermissionDenied for other roles."""
    if not can_write(by):
        raise PermissionDenied
    _prepare(case, by=by)
    case.created_by = by
    case.save()
    _attach(case, files, by)
    return case


@transaction.atomic
def update_case(case: Case, *, by, expected_version: int, files=()) -> Case:
    """Save an edited case (submission, decision, resolution) if nobody saved it since
    `expected_version` (`core.concurrency.ConcurrentEditError` otherwise)."""
    if not can_write(by) or not Case.objects.visible_to(by).filter(pk=case.pk).exists():
        raise PermissionDenied
    _prepare(case, by=by)
    save_versioned(case, expected_version=expected_version, by=by)
    _attach(case, files, by)
    return case


def counts_for(user, on=None) -> dict[str, int]:
    """The 综合监管 card's figures over the cases `user` sees (`visible_to`), one query:
    {"pending": 待提请, "submitted": 已提请, "decided": 已议定, "resolved": 已解决, "open": not yet
    resolved} as of `on` (default today, Asia/Shanghai)."""
    on = on or dates.today()
    row = (
        Case.objects.visible_to(user)
        .order_by()
        .aggregate(**{status.value: Count("pk", filter=status_q(status, on)) for status in Status})
    )
    return {**row, "open": row["pending"] + row["submitted"] + row["decided"]}
