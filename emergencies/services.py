"""The only place that writes incidents and drills, and the figures others read.

Writes raise `ValidationError` with a dict naming the field in Chinese; `PermissionDenied` when the
user may not act on the record. Readers: `missing_preparedness` (the list of institutions without a
drill or an awareness activity in a half-year: the page, item 24 of 鞍民发〔2020〕37号 and the
reminders) and `preparedness_counts`.
"""

import datetime
from dataclasses import dataclass

from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction
from django.db.models import Count, Q
from django.utils import timezone
from django.utils.translation import gettext as _

from core import dates
from core.concurrency import save_versioned
from core.evidence import evidence_attach
from core.models import Region
from core.roles import Role
from emergencies import rules
from emergencies.models import DEPARTMENT_OF, Drill, DrillKind, Incident, IncidentNotification
from emergencies.rules import HalfYear
from institutions.models import Institution

#: The evidence purpose of a drill's files (photos, sign-in sheets, the plan).
DRILL_EVIDENCE = "drill"
#: Roles that record incidents and drills: the institution itself and the district's staff
#: (measure 八 puts the duty on the institution; the district records what it learns).
RECORDERS = (Role.INSTITUTION, Role.DISTRICT)


def can_record(user) -> bool:
    return user.is_authenticated and user.role in RECORDERS and not user.is_superuser


def _check_institution(user, institution: Institution) -> None:
    if not can_record(user) or not Institution.objects.visible_to(user).filter(pk=institution.pk).exists():
        raise PermissionDenied


# Incidents ---------------------------------------------------------------------------------------


@transaction.atomic
def record_incident(
    *, by, institution: Institution, kind: str, occurred_at: datetime.datetime, description: str
) -> Incident:
    """Record an incident and one notification per recipient measure 八 names for its `kind`
    (`rules.recipients`), each due `rules.limit_hours` after `occurred_at`. `occurred_at` must be
    aware and not in the future."""
    _check_institution(by, institution)
    errors = {}
    if kind not in rules.ROUTES:
        errors["kind"] = _("Kind of incident: choose one of the listed kinds.")
    if occurred_at is None or timezone.is_naive(occurred_at):
        errors["occurred_at"] = _("Occurred at: enter the date and the time.")
    elif occurred_at > timezone.now():
        errors["occurred_at"] = _("Occurred at: the time cannot be in the future.")
    if not (description or "").strip():
        errors["description"] = _("What happened: describe the incident.")
    if errors:
        raise ValidationError(errors)
    incident = Incident.objects.create(
        institution=institution,
        region_id=institution.region_id,
        kind=kind,
        occurred_at=occurred_at,
        description=description.strip(),
        recorded_by=by,
    )
    IncidentNotification.objects.bulk_create(
        IncidentNotification(
            incident=incident,
            recipient=recipient,
            department=DEPARTMENT_OF.get(recipient, ""),
            due_at=rules.due_at(kind, recipient, occurred_at),
        )
        for recipient in rules.recipients(kind)
    )
    return incident


def can_notify(user, incident: Incident) -> bool:
    """Institution users of the incident's institution and district staff of its unit enter when
    each recipient was told (the institution reports; the district may report for it)."""
    if not can_record(user):
        return False
    if user.role == Role.INSTITUTION:
        return user.institution_id == incident.institution_id
    return incident.region_id in _unit_ids(user)


def _unit_ids(user) -> list[int]:
    from core.scoping import subtree_ids

    return subtree_ids(user)


def record_notification(
    notification: IncidentNotification,
    *,
    by,
    notified_at: datetime.datetime,
    note: str,
    expected_version: int,
) -> IncidentNotification:
    """Enter (or correct) when `notification`'s recipient was told. Refused when `notified_at` is
    before the occurrence or in the future; `core.concurrency.ConcurrentEditError` when someone
    saved the row since `expected_version`."""
    incident = notification.incident
    if not can_notify(by, incident):
        raise PermissionDenied
    if incident.closed_at is not None:
        raise ValidationError({"notified_at": _("Told at: the incident is closed.")})
    if notified_at is None or timezone.is_naive(notified_at):
        raise ValidationError({"notified_at": _("Told at: enter the date and the time.")})
    if notified_at > timezone.now():
        raise ValidationError({"notified_at": _("Told at: the time cannot be in the future.")})
    if notified_at < incident.occurred_at:
        raise ValidationError({"notified_at": _("Told at: the time cannot be before the incident occurred.")})
    notification.notified_at = notified_at
    notification.note = (note or "").strip()[:200]
    notification.notified_by = by
    return save_versioned(notification, expected_version=expected_version)


def can_close(user, incident: Incident) -> bool:
    """District staff of the incident's unit close it (the institution cannot close its own)."""
    return (
        user.is_authenticated
        and user.role == Role.DISTRICT
        and not user.is_superuser
        and incident.region_id in _unit_ids(user)
    )


@transaction.atomic
def close_incident(incident: Incident, *, by, note: str, expected_version: int) -> Incident:
    """Close an incident once every recipient has been told, with how it was handled."""
    if not can_close(by, incident):
        raise PermissionDenied
    if incident.closed_at is not None:
        raise ValidationError({"note": _("How it was handled: the incident is already closed.")})
    if not (note or "").strip():
        raise ValidationError({"note": _("How it was handled: say how the incident was handled.")})
    if incident.notifications.filter(notified_at=None).exists():
        raise ValidationError(
            {"note": _("How it was handled: every recipient must be told before the incident is closed.")}
        )
    incident.closed_at = timezone.now()
    incident.closed_by = by
    incident.closing_note = note.strip()
    return save_versioned(incident, expected_version=expected_version)


# Drills ------------------------------------------------------------------------------------------


@transaction.atomic
def record_drill(
    *,
    by,
    institution: Institution,
    held_on: datetime.date,
    kind: str,
    topic: str,
    participants: int,
    note: str = "",
    files=(),
) -> Drill:
    """Record a drill or awareness activity with its evidence files (`core.evidence`). Refused
    when `held_on` is in the future or before 2000, or `participants` is not at least 1."""
    _check_institution(by, institution)
    errors = {}
    if held_on is None:
        errors["held_on"] = _("Held on: enter the date.")
    elif held_on > dates.today():
        errors["held_on"] = _("Held on: the date cannot be in the future.")
    elif held_on < datetime.date(2000, 1, 1):
        errors["held_on"] = _("Held on: the date must be in 2000 or later.")
    if kind not in DrillKind.values:
        errors["kind"] = _("Kind of activity: choose a drill or an awareness activity.")
    if participants is None or participants < 1:
        errors["participants"] = _("Participants: enter a number of at least 1.")
    if errors:
        raise ValidationError(errors)
    drill = Drill.objects.create(
        institution=institution,
        region_id=institution.region_id,
        held_on=held_on,
        kind=kind,
        topic=topic,
        participants=participants,
        note=(note or "").strip(),
        recorded_by=by,
    )
    for file in files:
        evidence_attach(owner=drill, file=file, purpose=DRILL_EVIDENCE, by=by)
    return drill


# Figures -----------------------------------------------------------------------------------------


@dataclass
class PreparednessRow:
    """One operating institution's drills and awareness activities in a half-year."""

    institution: Institution
    drills: int
    awareness: int

    @property
    def missing_drill(self) -> bool:
        return self.drills == 0

    @property
    def missing_awareness(self) -> bool:
        return self.awareness == 0

    @property
    def missing(self) -> bool:
        return self.missing_drill or self.missing_awareness


def _institutions(region_or_user):
    if isinstance(region_or_user, Region):
        return Institution.objects.filter(region__path__startswith=region_or_user.path)
    return Institution.objects.visible_to(region_or_user)


def preparedness(region_or_user, half_year: HalfYear, *, topic: str | None = None) -> list[PreparednessRow]:
    """Every operating institution (`Institution.objects.operating()`) of a region's subtree (a
    `core.models.Region`) or of a user's scope (a user: `visible_to`), with its number of drills
    and of awareness activities held in `half_year` (dates, inclusive); with `topic` (a
    `DrillTopic` value, e.g. "fire" for item 24's 消防应急演练) only activities of that topic count.
    One query; ordered by region (`sort_key`) and name."""
    window = Q(drills__held_on__gte=half_year.start, drills__held_on__lte=half_year.end)
    if topic is not None:
        window &= Q(drills__topic=topic)
    institutions = (
        _institutions(region_or_user)
        .operating()
        .select_related("region")
        .annotate(
            n_drills=Count("drills", filter=window & Q(drills__kind=DrillKind.DRILL)),
            n_awareness=Count("drills", filter=window & Q(drills__kind=DrillKind.AWARENESS)),
        )
        .order_by("region__sort_key", "name", "pk")
    )
    return [PreparednessRow(i, i.n_drills, i.n_awareness) for i in institutions]


def missing_preparedness(
    region_or_user, half_year: HalfYear, *, topic: str | None = None
) -> list[PreparednessRow]:
    """The operating institutions missing a drill (应急演练) or an awareness activity (宣传普及) in
    `half_year`: measure 八 "每半年至少开展1次应急知识宣传普及活动，至少开展1次应急演练".

    `region_or_user`: a `Region` (its whole subtree: what item 24 of 鞍民发〔2020〕37号, "消防应急演练…
    情况", counts per district) or a user (that user's scope: the page and the reminders). Returns
    `PreparednessRow`s (institution with its region loaded, `drills`, `awareness`, `missing_drill`,
    `missing_awareness`), ordered by region and name; one query. `topic`: count only activities
    of that topic (item 24 reads fire drills: `topic="fire"`)."""
    return [row for row in preparedness(region_or_user, half_year, topic=topic) if row.missing]


def preparedness_counts(rows: list[PreparednessRow]) -> dict[str, int]:
    """The two counters of measure 八 over `preparedness` rows: institutions counted, without a
    drill, without an awareness activity, and with both (complete)."""
    return {
        "institutions": len(rows),
        "missing_drill": sum(row.missing_drill for row in rows),
        "missing_awareness": sum(row.missing_awareness for row in rows),
        "complete": sum(not row.missing for row in rows),
    }


def current_half_year() -> HalfYear:
    """The half-year of today in Asia/Shanghai."""
    return HalfYear.of(dates.today())
