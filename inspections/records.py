"""Inspection records (issue 16 item 4): recording, the finding-to-hazard step, the conclusion, the
publication due date, and the filing checks of measure 三.

Sources: 辽民发〔2021〕28号 三 "养老机构备案后，民政部门应当在20个工作日内对其进行现场检查……发现存在无障碍
设施、消防安全等方面问题的，应当及时告知相关部门"; 十一 (双随机: "抽查结果……及时向社会公开"); 十三 ("对检查中
发现的问题……书面告知相关部门"). The 20 working days of publication follow 国办发〔2015〕58号 practice ("抽查
情况及查处结果……20个工作日内向社会公开").
"""

import datetime

from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction
from django.utils.translation import gettext as _

from core import dates, workdays
from core import evidence as evidence_files
from core.concurrency import ConcurrentEditError
from core.roles import Role
from hazards import services as hazard_services
from hazards.models import CATEGORIES, Hazard
from inspections.models import ChecklistPoint, DrawnInstitution, Finding, Inspection, Kind
from institutions.models import Institution

PHOTO_PURPOSE = "inspection"
PUBLICATION_WORKING_DAYS = 20
FILING_CHECK_WORKING_DAYS = 20
#: Point fields whose 不符合 in a 备案核查 is marked on the filing record (measure 三: 无障碍设施、消防安全).
FILING_MARK_FIELDS = ("fire", "accessibility")
HAZARD_CATEGORIES = {code for code, _label in CATEGORIES}


def can_record(user) -> bool:
    """City and district staff record inspections (institution and department users read)."""
    return user.is_authenticated and user.role in (Role.CITY, Role.DISTRICT)


def _points(items) -> list[ChecklistPoint]:
    return list(ChecklistPoint.objects.filter(item__in=items).order_by("item__code", "number"))


@transaction.atomic
def inspection_create(
    *, institution, kind, inspected_on, inspectors, items, by, drawn=None, representative=""
):
    """Record a new inspection with one empty finding per checklist point of `items`. Raises
    PermissionDenied when `by` cannot record or cannot see the institution; ValidationError
    naming the field for a future date or no items."""
    if not can_record(by):
        raise PermissionDenied
    if not Institution.objects.visible_to(by).filter(pk=institution.pk).exists():
        raise PermissionDenied
    if inspected_on > dates.today():
        raise ValidationError({"inspected_on": _("The inspection date cannot be in the future.")})
    if not items:
        raise ValidationError({"items": _("Choose at least one inspection item.")})
    inspection = Inspection.objects.create(
        institution=institution,
        region_id=institution.region_id,
        kind=kind,
        drawn=drawn,
        inspected_on=inspected_on,
        representative=representative or institution.legal_representative,
        created_by=by,
    )
    inspection.inspectors.set(inspectors)
    inspection.items.set(items)
    Finding.objects.bulk_create([Finding(inspection=inspection, point=p) for p in _points(items)])
    return inspection


@transaction.atomic
def inspection_from_drawn(*, drawn: DrawnInstitution, by) -> tuple[Inspection, bool]:
    """The inspection of a drawn institution: (record, created). Its team and the draw's items
    are pre-filled, kind 双随机, today's date. The drawn row is locked, so two clicks make one record."""
    drawn = (
        DrawnInstitution.objects.select_for_update().select_related("institution", "draw").get(pk=drawn.pk)
    )
    existing = Inspection.objects.filter(drawn=drawn).first()
    if existing is not None:
        return existing, False
    inspection = inspection_create(
        institution=drawn.institution,
        kind=Kind.RANDOM,
        inspected_on=dates.today(),
        inspectors=[a.inspector for a in drawn.assignments.select_related("inspector")],
        items=list(drawn.draw.items.all()),
        by=by,
        drawn=drawn,
    )
    return inspection, True


def _require_open(inspection: Inspection, by) -> None:
    if not can_record(by):
        raise PermissionDenied
    if inspection.is_concluded:
        raise ValidationError(_("The record is concluded and can no longer be changed."))


@transaction.atomic
def finding_record(
    *, finding: Finding, answer: str, note: str, photos=(), by, expected_version: int | None = None
) -> Finding:
    """Save a point's result (符合 / 不符合 / 不适用), its note and new photos (all files checked
    before any is stored; a refused file raises ValidationError({"photos": …})).

    `expected_version` is the version the form was opened at (the record page always sends it): if
    someone saved the point since, `core.concurrency.ConcurrentEditError` (a ValidationError) and
    nothing is saved. None skips the check (the demo and scripts)."""
    _require_open(finding.inspection, by)
    current = Finding.objects.select_for_update().only("version", "hazard").get(pk=finding.pk)
    if expected_version is not None and current.version != expected_version:
        raise ConcurrentEditError(
            _(
                "Someone else saved this point after you opened the page. Your input is kept below: "
                "check the current result and save again."
            ),
            code="concurrent_edit",
        )
    finding.hazard_id = current.hazard_id
    if answer not in Finding.Answer.values:
        raise ValidationError({"answer": _("Choose 符合, 不符合 or 不适用.")})
    if finding.hazard_id and answer != Finding.Answer.FAILS:
        raise ValidationError({"answer": _("This finding is already a hazard in the ledger.")})
    errors = []
    for file in photos:
        try:
            evidence_files.validate_upload(file)
        except ValidationError as error:
            errors.extend(error.messages)
    if errors:
        raise ValidationError({"photos": errors})
    finding.answer, finding.note = answer, note
    finding.version = current.version + 1
    finding.save(update_fields=["answer", "note", "version"])
    for file in photos:
        evidence_files.evidence_attach(owner=finding, file=file, purpose=PHOTO_PURPOSE, by=by)
    return finding


def hazard_category(point: ChecklistPoint) -> str:
    """The ledger category of a point's field (the same codes, "service" becomes "other")."""
    return point.category if point.category in HAZARD_CATEGORIES else "other"


@transaction.atomic
def finding_to_hazard(*, finding: Finding, deadline: datetime.date, severity: str, by) -> tuple[Hazard, bool]:
    """Turn a 不符合 into a hazard of the ledger (`hazards.services.hazard_create`, so it gets its
    ledger number and its "recorded" event): category from the point's field, description from the
    point and the note, source 双随机 for a planned inspection and 督导检查 otherwise, found on the
    inspection date. Returns (hazard, created): the finding is locked, a second click returns the
    first hazard. PermissionDenied for a user who does not record hazards (district staff do)."""
    finding = (
        Finding.objects.select_for_update()
        .select_related("inspection__institution", "point__item")
        .get(pk=finding.pk)
    )
    if finding.hazard_id:
        return finding.hazard, False
    if finding.answer != Finding.Answer.FAILS:
        raise ValidationError({"answer": _("Only a 不符合 finding becomes a hazard.")})
    inspection = finding.inspection
    if deadline < inspection.inspected_on:
        raise ValidationError({"deadline": _("The deadline cannot be before the inspection date.")})
    institution = inspection.institution
    point = finding.point
    description = f"{point.item.code}.{point.number} {point.text}"
    if finding.note:
        description += f"\n{finding.note}"
    hazard = Hazard(
        institution=institution,
        category=hazard_category(point),
        severity=severity,
        source=Hazard.Source.RANDOM_CHECK if inspection.kind == Kind.RANDOM else Hazard.Source.SUPERVISION,
        description=description,
        found_on=inspection.inspected_on,
        responsible_unit=institution.name,
        responsible_person=institution.legal_representative or inspection.representative or institution.name,
        responsible_phone=institution.phone,
        deadline=deadline,
    )
    hazard = hazard_services.hazard_create(hazard=hazard, by=by)
    finding.hazard = hazard
    finding.version += 1
    finding.save(update_fields=["hazard", "version"])
    return hazard, True


def finding_notice(*, finding: Finding, department: str, notice, by):
    """A serious finding's written notice (书面告知, measure 十三) to the competent department:
    the referral of its hazard (`hazards.services.referral_create`), dated today."""
    if not finding.hazard_id:
        raise ValidationError({"department": _("Turn the finding into a hazard first.")})
    return hazard_services.referral_create(
        hazard=finding.hazard, department=department, referred_on=dates.today(), note="", notice=notice, by=by
    )


@transaction.atomic
def conclude(*, inspection: Inspection, conclusion: str, summary: str, by) -> Inspection:
    """Conclude the record (合格 / 责令整改 / 处罚, with a summary), dated today: from then on it is
    read only, its institution sees it, and a 双随机 result is due on the public page within 20
    working days. Every point must be answered; 合格 with a 不符合 is refused."""
    inspection = Inspection.objects.select_for_update().get(pk=inspection.pk)
    _require_open(inspection, by)
    if conclusion not in Inspection.Conclusion.values:
        raise ValidationError({"conclusion": _("Choose a conclusion.")})
    answers = list(inspection.findings.values_list("answer", flat=True))
    if "" in answers:
        raise ValidationError({"conclusion": _("Answer every checklist point before concluding.")})
    if conclusion == Inspection.Conclusion.QUALIFIED and Finding.Answer.FAILS in answers:
        raise ValidationError({"conclusion": _("A record with a 不符合 point cannot be 合格.")})
    inspection.conclusion, inspection.summary = conclusion, summary
    inspection.concluded_on = dates.today()
    inspection.version += 1
    inspection.save()
    return inspection


def progress(inspection: Inspection) -> dict:
    """{"total": points, "answered": points answered, "fails": 不符合} of a record, in one query."""
    from django.db.models import Count, Q

    return inspection.findings.aggregate(
        total=Count("pk"),
        answered=Count("pk", filter=~Q(answer="")),
        fails=Count("pk", filter=Q(answer=Finding.Answer.FAILS)),
    )


def publication_due(inspection: Inspection) -> datetime.date | None:
    """The day by which a concluded result is published: 20 working days after the conclusion
    (counting from the next day). Raises `workdays.UnknownCalendarYear` for an unknown year."""
    if inspection.concluded_on is None:
        return None
    return workdays.add_working_days(inspection.concluded_on, PUBLICATION_WORKING_DAYS)


def last_inspected_on(institution_ids) -> dict[int, datetime.date]:
    """{institution id: date of its latest inspection record} in one grouped query."""
    from django.db.models import Max

    rows = (
        Inspection.objects.filter(institution_id__in=list(institution_ids))
        .values("institution_id")
        .annotate(last=Max("inspected_on"))
    )
    return {row["institution_id"]: row["last"] for row in rows}


# Filing checks (measure 三) ---------------------------------------------------------------------


class FilingCheck:
    """One institution's on-site filing check: `start` (filing date, or the day an unfiled
    institution was found taking in elders), `due` (20 working days later, None when the year is
    unknown), `state` ("done" / "overdue" / "due" / "unknown"), `error` (UnknownCalendarYear's
    Chinese message), `marks` (the 不符合 findings on fire safety or accessibility of its 备案核查,
    each with the departments told)."""

    def __init__(self, institution, start, done_on, marks):
        self.institution, self.start, self.done_on, self.marks = institution, start, done_on, marks
        self.error = ""
        try:
            self.due = workdays.add_working_days(start, FILING_CHECK_WORKING_DAYS)
        except workdays.UnknownCalendarYear as error:
            self.due, self.error = None, str(error)
        if done_on is not None:
            self.state = "done"
        elif self.due is None:
            self.state = "unknown"
        elif dates.today() > self.due:
            self.state = "overdue"
        else:
            self.state = "due"


def is_filing_mark(finding: Finding) -> bool:
    """A 不符合 on fire safety (the point's field) or accessibility (无障碍 in the point's text:
    the items list has no field of its own for it), measure 三."""
    return finding.point.category == "fire" or "无障碍" in finding.point.text


def filing_checks(user, *, since: datetime.date) -> list[FilingCheck]:
    """The filing checks of the institutions `user` sees whose filing date (or unfiled discovery)
    is on or after `since`, earliest first. A check is done by a 备案核查 record on or after that
    date. Three queries (institutions with their first such check, marks, the working-day table
    when not yet kept, and the referrals), whatever the count."""
    from django.db.models import Q
    from django.db.models.functions import Coalesce

    institutions = (
        Institution.objects.visible_to(user)
        .annotate(start=Coalesce("filed_on", "unfiled_found_on"))
        .filter(Q(start__gte=since))
    )
    return _filing_checks(institutions)


def filing_checks_since(today: datetime.date) -> datetime.date:
    """The first filing date the filing checks follow: January 1 of last year (older filings were
    checked, or not, before the portal; the list and the registry's card show the same window)."""
    return datetime.date(today.year - 1, 1, 1)


def filing_check_of(institution: Institution) -> FilingCheck | None:
    """The filing check of one institution (its registry page), or None when it has neither a
    filing date nor an unfiled discovery date, or when that date is before `filing_checks_since`.
    The caller has checked that its reader sees it."""
    from django.db.models.functions import Coalesce

    start = institution.filed_on or institution.unfiled_found_on
    if start is None or start < filing_checks_since(dates.today()):
        return None
    institutions = Institution.objects.filter(pk=institution.pk).annotate(
        start=Coalesce("filed_on", "unfiled_found_on")
    )
    checks = _filing_checks(institutions)
    return checks[0] if checks else None


def _filing_checks(institutions) -> list[FilingCheck]:
    """`institutions` (annotated with `start`) as filing checks, earliest first."""
    from django.db.models import F, Min, OuterRef, Subquery

    first_check = (
        Inspection.objects.filter(
            institution_id=OuterRef("pk"), kind=Kind.FILING, inspected_on__gte=OuterRef("start")
        )
        .order_by()
        .values("institution_id")
        .annotate(first=Min("inspected_on"))
        .values("first")
    )
    institutions = list(
        institutions.annotate(done_on=Subquery(first_check))
        .select_related("region")
        .order_by("start", "name", "pk")
    )
    ids = [i.pk for i in institutions]
    marks: dict[int, list] = {}
    findings = (
        Finding.objects.filter(
            inspection__institution_id__in=ids, inspection__kind=Kind.FILING, answer=Finding.Answer.FAILS
        )
        .annotate(institution_id=F("inspection__institution_id"))
        .select_related("point__item", "hazard")
        .prefetch_related("hazard__referrals")
    )
    for finding in findings:
        if is_filing_mark(finding):
            told = (
                [r.get_department_display() for r in finding.hazard.referrals.all()] if finding.hazard else []
            )
            marks.setdefault(finding.institution_id, []).append({"finding": finding, "told": told})
    return [FilingCheck(i, i.start, i.done_on, marks.get(i.pk, [])) for i in institutions]
