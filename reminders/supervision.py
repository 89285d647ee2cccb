"""The reminder sources of comprehensive supervision (issue 17), beside `reminders.sources`'s
campaign and ledger ones and built the same way: derived from the records every scan, a constant
number of queries whatever the number of subjects, recipients chosen as the scoping rules would
let them see the subject, titles naming only what every recipient may see.

- `complaint_due`: complaints not closed whose handling deadline (15 working days, measure 二's
  "民政牵头、归口负责" and `complaints.services.default_deadline`) is near or past: the district staff
  of the unit and, once routed, the department's staff; escalation to the city. The title names the
  complaint's number and category, never the complainant.
- `incident_notification`: per measure 八, each recipient of an incident report not yet told:
  the institution's users and the unit's district staff, due the day the time limit ends
  (`IncidentNotification.due_at` in Asia/Shanghai); escalation to the city.
- `licence_expiry`: the licences that count (the latest of each institution and kind,
  `licences.services.obligations`) expiring within 30 days or expired, due their last valid day:
  the institution's users and the unit's district staff; escalation to the city.
- `qualification_expiry`: staff certificates (measure 五's qualified staff) of staff on the payroll
  expiring or expired and not renewed (no later certificate of the same kind), due their last
  valid day: the institution's users and the unit's district staff.
- `preparedness`: measure 八 "每半年至少开展1次应急知识宣传普及活动，至少开展1次应急演练": an operating
  institution missing either in the current half-year, due its last day (30 June, 31 December): the
  institution's users for their own, and one line per unit for its district staff (how many are
  missing, linking to the list), so a district with 60 institutions gets one reminder, not 60.
"""

import datetime
from collections import defaultdict

from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _

from complaints.models import Complaint
from complaints.models import Status as ComplaintStatus
from core.models import Region
from core.roles import Role
from emergencies.models import IncidentNotification
from emergencies.rules import HalfYear
from emergencies.services import preparedness
from reminders.models import Rule, Source
from reminders.obligations import Obligation
from reminders.sources import _Directory, _ids, fmt, horizon

# COMPLAINT_DUE -------------------------------------------------------------------------------------


def _open_complaints():
    return Complaint.objects.exclude(status=ComplaintStatus.CLOSED)


def complaint_due(on: datetime.date, rule: Rule) -> list[Obligation]:
    """Open complaints due by the rule's horizon or overdue."""
    directory = _Directory()
    rows = (
        _open_complaints()
        .filter(deadline__lte=horizon(on, rule))
        .select_related(None)
        .only("pk", "deadline", "region_id", "department", "category")
        .order_by("deadline", "pk")
    )
    result = []
    for complaint in rows:
        region_id = complaint.region_id
        recipients = directory.staff_above(Role.DISTRICT, region_id)
        if directory.kind(region_id) == Region.Kind.CITY:
            recipients = recipients | directory.staff(Role.CITY, region_id)
        if complaint.department:
            recipients = recipients | directory.department_above(complaint.department, region_id)
        result.append(
            Obligation(
                source=Source.COMPLAINT_DUE,
                subject=f"complaint:{complaint.pk}",
                title=_("Complaint %(number)s (%(category)s): handling due %(due)s")
                % {
                    "number": complaint.number,
                    "category": complaint.get_category_display(),
                    "due": fmt(complaint.deadline),
                },
                url=reverse("complaints:detail", kwargs={"pk": complaint.pk}),
                due_on=complaint.deadline,
                recipients=frozenset(recipients),
                escalate_to=frozenset(directory.staff_above(Role.CITY, region_id)),
                unit=directory.name(region_id),
            )
        )
    return result


# INCIDENT_NOTIFICATION ------------------------------------------------------------------------------


def _untold():
    return IncidentNotification.objects.filter(notified_at__isnull=True)


def incident_notification(on: datetime.date, rule: Rule) -> list[Obligation]:
    """Recipients of an incident report not yet told, due the day their time limit ends."""
    directory = _Directory()
    last = horizon(on, rule)
    rows = (
        _untold()
        .select_related("incident__institution")
        .only(
            "pk",
            "recipient",
            "department",
            "due_at",
            "incident__id",
            "incident__kind",
            "incident__region_id",
            "incident__institution_id",
            "incident__institution__name",
        )
        .order_by("due_at", "pk")
    )
    result = []
    for notification in rows:
        due = timezone.localdate(notification.due_at)
        if due > last:
            continue
        incident = notification.incident
        recipients = directory.staff_above(Role.DISTRICT, incident.region_id) | directory.by_institution.get(
            incident.institution_id, set()
        )
        result.append(
            Obligation(
                source=Source.INCIDENT_NOTIFICATION,
                subject=f"incident_notification:{notification.pk}",
                title=_("%(institution)s, %(kind)s: tell %(recipient)s by %(due)s")
                % {
                    "institution": incident.institution.name,
                    "kind": incident.get_kind_display(),
                    "recipient": notification.get_recipient_display(),
                    "due": timezone.localtime(notification.due_at).strftime("%Y-%m-%d %H:%M"),
                },
                url=reverse("emergencies:incident_detail", kwargs={"pk": incident.pk}),
                due_on=due,
                recipients=frozenset(recipients),
                escalate_to=frozenset(directory.staff_above(Role.CITY, incident.region_id)),
                unit=directory.name(incident.region_id),
            )
        )
    return result


# PREPAREDNESS ---------------------------------------------------------------------------------------


def _missing(half: HalfYear) -> list:
    """The rows missing a drill or an awareness activity in `half`, over every root region (one
    query per root: a province or a city, a handful)."""
    rows = []
    for root in Region.objects.filter(parent__isnull=True).order_by("pk"):
        rows += [row for row in preparedness(root, half) if row.missing]
    return rows


def _what_missing(row) -> str:
    if row.missing_drill and row.missing_awareness:
        return _("an emergency drill and an awareness activity")
    return _("an emergency drill") if row.missing_drill else _("an awareness activity")


def preparedness_due(on: datetime.date, rule: Rule) -> list[Obligation]:
    """Institutions missing a drill or an awareness activity in `on`'s half-year, due its last day."""
    half = HalfYear.of(on)
    if half.end > horizon(on, rule):
        return []
    directory = _Directory()
    result = []
    per_unit: dict[int, int] = defaultdict(int)
    for row in _missing(half):
        institution = row.institution
        per_unit[institution.region_id] += 1
        result.append(
            Obligation(
                source=Source.PREPAREDNESS,
                subject=f"preparedness:{half}:institution:{institution.pk}",
                title=_("This half-year still lacks %(what)s: hold and record it by %(due)s")
                % {"what": _what_missing(row), "due": fmt(half.end)},
                url=reverse("emergencies:drills"),
                due_on=half.end,
                recipients=frozenset(directory.by_institution.get(institution.pk, set())),
            )
        )
    for region_id, count in sorted(per_unit.items()):
        result.append(
            Obligation(
                source=Source.PREPAREDNESS,
                subject=f"preparedness:{half}:region:{region_id}",
                title=_(
                    "%(count)s institutions of %(unit)s lack a drill or an awareness activity this half-year "
                    "(due %(due)s)"
                )
                % {"count": count, "unit": directory.name(region_id), "due": fmt(half.end)},
                url=reverse("emergencies:missing") + f"?half={half}",
                due_on=half.end,
                recipients=frozenset(directory.staff(Role.DISTRICT, region_id)),
                escalate_to=frozenset(directory.staff_above(Role.CITY, region_id)),
                unit=directory.name(region_id),
            )
        )
    return result


def _preparedness_still_owed(subjects: set[str], on: datetime.date) -> set[str]:
    """A subject is owed while its institution (or one of its unit's) still misses an activity in
    the subject's half-year."""
    by_half: dict[str, set[str]] = defaultdict(set)
    for subject in subjects:
        parts = subject.split(":")
        if len(parts) == 4 and parts[0] == "preparedness" and parts[3].isdigit():
            by_half[parts[1]].add(subject)
    owed = set()
    for text, members in by_half.items():
        try:
            year, half = (int(p) for p in text.split("-"))
            rows = _missing(HalfYear(year, half))
        except ValueError:
            continue
        keys = {f"institution:{row.institution.pk}" for row in rows}
        keys |= {f"region:{row.institution.region_id}" for row in rows}
        owed |= {s for s in members if s.split(":", 2)[2] in keys}
    return owed


# LICENCE_EXPIRY -------------------------------------------------------------------------------------


def licence_expiry(on: datetime.date, rule: Rule) -> list[Obligation]:
    """Licences that count, expiring by the rule's horizon (at most the list's 30 days) or expired."""
    from institutions.models import Institution
    from licences.models import Kind as LicenceKind
    from licences.services import obligations

    directory = _Directory()
    last = horizon(on, rule)
    rows = [row for row in obligations(on) if row["valid_to"] <= last]
    names = dict(
        Institution.objects.filter(pk__in={row["institution_id"] for row in rows}).values_list("pk", "name")
    )
    labels = dict(LicenceKind.choices)
    result = []
    for row in rows:
        region_id = row["region_id"]
        recipients = directory.staff_above(Role.DISTRICT, region_id) | directory.by_institution.get(
            row["institution_id"], set()
        )
        result.append(
            Obligation(
                source=Source.LICENCE_EXPIRY,
                subject=f"licence:{row['id']}",
                title=_("%(institution)s: %(kind)s valid until %(due)s, renew it and record the new one")
                % {
                    "institution": names.get(row["institution_id"], ""),
                    "kind": labels.get(row["kind"], row["kind"]),
                    "due": fmt(row["valid_to"]),
                },
                url=reverse("licences:detail", kwargs={"pk": row["id"]}),
                due_on=row["valid_to"],
                recipients=frozenset(recipients),
                escalate_to=frozenset(directory.staff_above(Role.CITY, region_id)),
                unit=directory.name(region_id),
            )
        )
    return result


def _licences_still_owed(subjects: set[str], on: datetime.date) -> set[str]:
    from licences.services import obligations

    ids = _ids(subjects, "licence")
    if not ids:
        return set()
    return {ids[row["id"]] for row in obligations(on) if row["id"] in ids}


# QUALIFICATION_EXPIRY -------------------------------------------------------------------------------


def _unrenewed(on: datetime.date):
    """Certificates of staff on the payroll on `on` with no later certificate of the same kind."""
    from django.db.models import Exists, OuterRef

    from staff.models import Qualification, employed_q

    later = Qualification.objects.filter(
        staff_id=OuterRef("staff_id"), kind=OuterRef("kind"), valid_to__gt=OuterRef("valid_to")
    )
    return (
        Qualification.objects.filter(valid_to__isnull=False)
        .filter(employed_q(on, prefix="staff__"))
        .exclude(Exists(later))
    )


def qualification_expiry(on: datetime.date, rule: Rule) -> list[Obligation]:
    """Staff certificates expiring by the rule's horizon or expired, not renewed."""
    directory = _Directory()
    rows = (
        _unrenewed(on)
        .filter(valid_to__lte=horizon(on, rule))
        .values_list(
            "pk", "kind", "valid_to", "staff_id", "staff__name", "staff__region_id", "staff__institution_id"
        )
        .order_by("valid_to", "pk")
    )
    from staff.models import QualificationKind

    labels = dict(QualificationKind.choices)
    result = []
    for pk, kind, valid_to, staff_id, name, region_id, institution_id in rows:
        recipients = directory.staff_above(Role.DISTRICT, region_id) | directory.by_institution.get(
            institution_id, set()
        )
        result.append(
            Obligation(
                source=Source.QUALIFICATION_EXPIRY,
                subject=f"qualification:{pk}",
                title=_("%(name)s: %(kind)s valid until %(due)s, record the renewed certificate")
                % {"name": name, "kind": labels.get(kind, kind), "due": fmt(valid_to)},
                url=reverse("staff:detail", kwargs={"pk": staff_id}),
                due_on=valid_to,
                recipients=frozenset(recipients),
                unit=directory.name(region_id),
            )
        )
    return result


def _qualifications_still_owed(subjects: set[str], on: datetime.date) -> set[str]:
    ids = _ids(subjects, "qualification")
    if not ids:
        return set()
    return {ids[pk] for pk in _unrenewed(on).filter(pk__in=ids).values_list("pk", flat=True)}


def _owed(queryset, prefix):
    def owed(subjects: set[str], on: datetime.date) -> set[str]:
        ids = _ids(subjects, prefix)
        return (
            {ids[pk] for pk in queryset().filter(pk__in=ids).values_list("pk", flat=True)} if ids else set()
        )

    return owed


SOURCES = {
    Source.COMPLAINT_DUE: complaint_due,
    Source.INCIDENT_NOTIFICATION: incident_notification,
    Source.PREPAREDNESS: preparedness_due,
    Source.LICENCE_EXPIRY: licence_expiry,
    Source.QUALIFICATION_EXPIRY: qualification_expiry,
}

STILL_OWED = {
    Source.COMPLAINT_DUE: _owed(_open_complaints, "complaint"),
    Source.INCIDENT_NOTIFICATION: _owed(_untold, "incident_notification"),
    Source.PREPAREDNESS: _preparedness_still_owed,
    Source.LICENCE_EXPIRY: _licences_still_owed,
    Source.QUALIFICATION_EXPIRY: _qualifications_still_owed,
}
