"""Who still owes what, due when: one function per `reminders.models.Source`, derived from the data
each time (nothing here is stored), so an obligation disappears the moment the work is done.

Each source is ``def <name>(on: date, rule: Rule) -> list[Obligation]`` registered in `SOURCES`;
a new deadline source (inspections, supervision) is a new function and a new `Source` value, not
new plumbing. A source returns every open obligation due within ``max(rule.lead_days)`` days of
`on` or already past; `reminders.scan` decides which day reminds of it.

Every source reads in a constant number of queries whatever the number of subjects: the users
and the region tree once (`_Directory`), the subjects in one or two queries, the rest in Python.
Recipients are chosen as the scoping rules (`core.scoping`) would let them see the subject:
district and city staff by their region being the subject's region or above it, institution
staff by their institution, department staff by their department and region.

`still_owed(pairs, on)` answers, for (source, subject) pairs, which are still owed (the work not
done), whatever the reminder window: the send task checks it before sending and the inbox shows a
notification resolved the moment the work is done.
"""

import datetime
import logging
from collections import defaultdict
from collections.abc import Callable, Iterable
from dataclasses import dataclass

from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _

from accounts.models import User
from campaign.models import Campaign, ItemAnswer, Milestone
from core import dates
from core.models import Region
from core.roles import Role
from core.workdays import UnknownCalendarYear
from hazards.models import Hazard, Referral
from hazards.models import Status as HazardStatus
from institutions.models import SelfReport
from reminders.models import Rule, Source
from reminders.obligations import Obligation
from reports.models import SummaryReport

logger = logging.getLogger(__name__)


@dataclass(frozen=True)
class EscalatedObligation(Obligation):
    """An obligation whose escalation is read on another page than the one the work is done on
    (the city's matrix of the late units rather than a unit's own checklist)."""

    escalation_url: str = ""


def fmt(day: datetime.date) -> str:
    return day.strftime("%Y-%m-%d")


#: The longest run of quiet days (a statutory holiday with its weekends) a reminder can be moved
#: back over: National Day 2020 ran from 1 to 8 October.
LONGEST_QUIET = 14


def horizon(on: datetime.date, rule: Rule) -> datetime.date:
    """The last due date that matters on `on`: the earliest reminder window is open (reaching
    further when reminders move back off quiet days: 7 days before 15 October 2020 was inside the
    National Day holiday and went out on 30 September)."""
    leads = [int(d) for d in (rule.lead_days or []) if int(d) >= 0]
    margin = LONGEST_QUIET if rule.skip_quiet_days else 0
    return on + datetime.timedelta(days=max(leads, default=0) + margin)


def due_after(start: datetime.date, working_days: int) -> datetime.date | None:
    """`working_days` Chinese working days after `start` (the hand-over day), counted from the day
    after (core.workdays: the admin's holiday table, else chinesecalendar). None when a year on the
    way is known to neither: the obligation is left out of the scan rather than given a guessed date
    (the health page and the admin's home say which year's holiday table is missing)."""
    try:
        return dates.add_working_days(start, working_days)
    except UnknownCalendarYear as error:
        logger.warning("reminders: no holiday calendar for %s; obligations due then are skipped", error.year)
        return None


def local_day(moment: datetime.datetime | None) -> datetime.date | None:
    return timezone.localdate(moment) if moment is not None else None


# Who is who, read once per source: two queries whatever the number of subjects ------------------


class _Directory:
    """Active users by role and binding, and the region tree (ids, paths, names, kinds)."""

    def __init__(self):
        self.regions = {
            pk: (path, name, kind)
            for pk, path, name, kind in Region.objects.values_list("pk", "path", "name", "kind")
        }
        self._by_path = {path: pk for pk, (path, _n, _k) in self.regions.items()}
        self._ancestors: dict[int, tuple[int, ...]] = {}
        self.by_role_region: dict[tuple[str, int], set[int]] = defaultdict(set)
        self.by_institution: dict[int, set[int]] = defaultdict(set)
        self.by_department_region: dict[tuple[str, int], set[int]] = defaultdict(set)
        users = User.objects.filter(
            is_active=True, role__in=[Role.CITY, Role.DISTRICT, Role.INSTITUTION, Role.DEPARTMENT]
        ).values_list("pk", "role", "region_id", "institution_id", "department")
        for pk, role, region_id, institution_id, department in users:
            if role == Role.INSTITUTION:
                if institution_id:
                    self.by_institution[institution_id].add(pk)
            elif role == Role.DEPARTMENT:
                if region_id and department:
                    self.by_department_region[(department, region_id)].add(pk)
            elif region_id:
                self.by_role_region[(role, region_id)].add(pk)

    def ancestors(self, region_id: int) -> tuple[int, ...]:
        """The region and every region above it (ids)."""
        kept = self._ancestors.get(region_id)
        if kept is None:
            codes = self.regions[region_id][0].strip("/").split("/")
            paths = ["/".join(codes[: i + 1]) + "/" for i in range(len(codes))]
            kept = self._ancestors[region_id] = tuple(self._by_path[p] for p in paths if p in self._by_path)
        return kept

    def name(self, region_id: int) -> str:
        return self.regions[region_id][1]

    def kind(self, region_id: int) -> str:
        return self.regions[region_id][2]

    def inside(self, region_id: int) -> list[int]:
        """The region and every region below it (ids)."""
        path = self.regions[region_id][0]
        return [pk for pk, (p, _n, _k) in self.regions.items() if p.startswith(path)]

    def staff(self, role: str, region_id: int) -> set[int]:
        """Staff of `role` bound to exactly this region."""
        return self.by_role_region.get((role, region_id), set())

    def staff_above(self, role: str, region_id: int) -> set[int]:
        """Staff of `role` whose region is this one or above it: they see the region's rows."""
        found: set[int] = set()
        for pk in self.ancestors(region_id):
            found |= self.by_role_region.get((role, pk), set())
        return found

    def department_above(self, department: str, region_id: int) -> set[int]:
        found: set[int] = set()
        for pk in self.ancestors(region_id):
            found |= self.by_department_region.get((department, pk), set())
        return found

    def unit_staff(self, region_id: int) -> set[int]:
        """The users who write a unit's answers: city staff for a city, district staff otherwise."""
        if self.kind(region_id) == Region.Kind.CITY:
            return self.staff(Role.CITY, region_id)
        return self.staff(Role.DISTRICT, region_id)


def current_campaigns(on: datetime.date) -> list[Campaign]:
    """Per region, the campaign of `on`'s year, else the latest one before it (one query)."""
    best: dict[int, Campaign] = {}
    for campaign in Campaign.objects.filter(year__lte=on.year).select_related("region"):
        kept = best.get(campaign.region_id)
        if kept is None or (campaign.year, campaign.pk) > (kept.year, kept.pk):
            best[campaign.region_id] = campaign
    return list(best.values())


# MILESTONE ------------------------------------------------------------------------------------

DONE_ANSWER = (ItemAnswer.Status.SUBMITTED, ItemAnswer.Status.ACCEPTED)


def _summary_done(milestones: list[Milestone]) -> set[tuple[int, int]]:
    """(campaign id, region id) of the summary reports sent (first submission meets the deadline)."""
    campaigns = {m.campaign_id for m in milestones}
    if not campaigns:
        return set()
    return set(
        SummaryReport.objects.filter(campaign_id__in=campaigns, first_submitted_at__isnull=False).values_list(
            "campaign_id", "region_id"
        )
    )


#: Milestones without items whose completion another model records, by milestone key. Those not
#: here and without items (the city bureaus' joint acceptance) remind no one yet.
LINKED: dict[str, tuple[Callable[[list[Milestone]], set[tuple[int, int]]], str, str]] = {
    "summary-report": (_summary_done, "reports:summary", "reports:summary_list"),
}


@dataclass
class _Owed:
    milestone: Milestone
    region_id: int
    numbers: list[int]  # the items still owed ([] for a linked milestone)


def _milestones_owed(
    milestones: list[Milestone], directory: _Directory, only: set[tuple[int, int]] | None = None
) -> list[_Owed]:
    """Per milestone and unit that must answer, what is still owed. Items are prefetched; the
    answers and the linked data are one query each."""
    units_of: dict[int, list[int]] = {}
    for m in milestones:
        inside = directory.inside(m.campaign.region_id)
        kinds = Region.COUNTY_LEVEL_KINDS if m.level == Milestone.Level.COUNTY else (Region.Kind.CITY,)
        units = [pk for pk in inside if directory.kind(pk) in kinds]
        if only is not None:
            units = [pk for pk in units if (m.pk, pk) in only]
        units_of[m.pk] = sorted(units, key=lambda pk: directory.regions[pk][0])

    item_ids = {item.pk for m in milestones for item in m.items.all()}
    unit_ids = {pk for units in units_of.values() for pk in units}
    done: set[tuple[int, int]] = set()
    if item_ids and unit_ids:
        done = set(
            ItemAnswer.objects.filter(item_id__in=item_ids, region_id__in=unit_ids, status__in=DONE_ANSWER)
            .values_list("item_id", "region_id")
            .order_by()
        )
    linked_done: dict[str, set[tuple[int, int]]] = {}
    for key, (reader, _url, _esc) in LINKED.items():
        concerned = [m for m in milestones if m.key == key and not m.items.all()]
        linked_done[key] = reader(concerned) if concerned else set()

    owed = []
    for m in milestones:
        items = list(m.items.all())
        for unit in units_of[m.pk]:
            if items:
                city_unit = directory.kind(unit) == Region.Kind.CITY
                applicable = [i for i in items if (i.answered_by_city if city_unit else i.answered_by_county)]
                numbers = sorted(i.number for i in applicable if (i.pk, unit) not in done)
                if numbers:
                    owed.append(_Owed(m, unit, numbers))
            elif m.key in LINKED and (m.campaign_id, unit) not in linked_done[m.key]:
                owed.append(_Owed(m, unit, []))
    return owed


def _milestone_query():
    return Milestone.objects.select_related("campaign").prefetch_related("items").order_by("due_on", "pk")


def milestone(on: datetime.date, rule: Rule) -> list[Obligation]:
    """A campaign milestone's items not yet submitted (missing, draft or returned) per unit that
    must answer them: county-level units for a county milestone, the city for a city or joint one.
    Recipients: the unit's staff; escalation: the city's staff."""
    directory = _Directory()
    campaigns = current_campaigns(on)
    milestones = list(_milestone_query().filter(campaign__in=campaigns, due_on__lte=horizon(on, rule)))
    result: list[Obligation] = []
    for owed in _milestones_owed(milestones, directory):
        m, unit = owed.milestone, owed.region_id
        if owed.numbers:
            title = _("%(title)s: item(s) %(numbers)s not yet submitted, due %(due)s") % {
                "title": m.title,
                "numbers": "、".join(str(n) for n in owed.numbers),
                "due": fmt(m.due_on),
            }
            if len(owed.numbers) == 1:
                url = reverse("checklist:answer", kwargs={"number": owed.numbers[0]})
            else:
                url = reverse("checklist:index")
            escalation_url = reverse("checklist:matrix")
        else:
            _reader, url_name, escalation_name = LINKED[m.key]
            title = _("%(title)s, due %(due)s") % {"title": m.title, "due": fmt(m.due_on)}
            url, escalation_url = reverse(url_name), reverse(escalation_name)
        result.append(
            EscalatedObligation(
                source=Source.MILESTONE,
                subject=f"milestone:{m.pk}:region:{unit}",
                title=title,
                url=url,
                due_on=m.due_on,
                recipients=frozenset(directory.unit_staff(unit)),
                escalate_to=frozenset(directory.staff_above(Role.CITY, unit)),
                unit=directory.name(unit),
                escalation_url=escalation_url,
            )
        )
    return result


# HAZARD ---------------------------------------------------------------------------------------


def _open_hazards():
    return Hazard.objects.live().exclude(status=HazardStatus.CLOSED)


def hazard(on: datetime.date, rule: Rule) -> list[Obligation]:
    """Open hazards whose rectification deadline is near or past: the district's staff and the
    institution's users; escalation: the city's staff."""
    directory = _Directory()
    rows = (
        _open_hazards()
        .filter(deadline__lte=horizon(on, rule))
        .values_list("pk", "code", "deadline", "region_id", "institution_id")
        .order_by("deadline", "pk")
    )
    result: list[Obligation] = []
    for pk, code, deadline, region_id, institution_id in rows:
        recipients = directory.staff_above(Role.DISTRICT, region_id) | directory.by_institution.get(
            institution_id, set()
        )
        result.append(
            Obligation(
                source=Source.HAZARD,
                subject=f"hazard:{pk}",
                title=_("Hazard %(code)s: rectification due %(due)s") % {"code": code, "due": fmt(deadline)},
                url=reverse("hazards:detail", kwargs={"pk": pk}),
                due_on=deadline,
                recipients=frozenset(recipients),
                escalate_to=frozenset(directory.staff_above(Role.CITY, region_id)),
                unit=directory.name(region_id),
            )
        )
    return result


# ANSWER_RETURNED / ANSWER_UNREVIEWED ------------------------------------------------------------


def _answers(status: str, on: datetime.date):
    return ItemAnswer.objects.filter(status=status, item__campaign__in=current_campaigns(on)).order_by("pk")


def answer_returned(on: datetime.date, rule: Rule) -> list[Obligation]:
    """Answers the city returned: the unit's staff revise and resubmit within `response_days`
    working days of the return."""
    directory = _Directory()
    last = horizon(on, rule)
    rows = _answers(ItemAnswer.Status.RETURNED, on).values_list(
        "pk", "region_id", "reviewed_at", "updated_at", "item__number"
    )
    result: list[Obligation] = []
    for pk, region_id, reviewed_at, updated_at, number in rows:
        due = due_after(local_day(reviewed_at or updated_at), rule.response_days)
        if due is None or due > last:
            continue
        result.append(
            Obligation(
                source=Source.ANSWER_RETURNED,
                subject=f"answer:{pk}",
                title=_("Item %(number)s was returned: revise and resubmit by %(due)s")
                % {"number": number, "due": fmt(due)},
                url=reverse("checklist:answer", kwargs={"number": number}),
                due_on=due,
                recipients=frozenset(directory.unit_staff(region_id)),
                unit=directory.name(region_id),
            )
        )
    return result


def answer_unreviewed(on: datetime.date, rule: Rule) -> list[Obligation]:
    """Submitted answers the city has not accepted or returned: the city's staff (not the one who
    submitted a city answer: no one accepts their own work), within `response_days` working days."""
    directory = _Directory()
    last = horizon(on, rule)
    rows = _answers(ItemAnswer.Status.SUBMITTED, on).values_list(
        "pk", "region_id", "submitted_at", "updated_at", "submitted_by_id", "item__number"
    )
    result: list[Obligation] = []
    for pk, region_id, submitted_at, updated_at, submitted_by, number in rows:
        submitted = local_day(submitted_at or updated_at)
        due = due_after(submitted, rule.response_days)
        if due is None or due > last:
            continue
        result.append(
            Obligation(
                source=Source.ANSWER_UNREVIEWED,
                subject=f"answer:{pk}",
                title=_("Review item %(number)s of %(unit)s, submitted %(submitted)s")
                % {"number": number, "unit": directory.name(region_id), "submitted": fmt(submitted)},
                url=reverse("checklist:review", kwargs={"pk": pk}),
                due_on=due,
                recipients=frozenset(directory.staff_above(Role.CITY, region_id) - {submitted_by}),
                unit=directory.name(region_id),
            )
        )
    return result


# SELF_REPORT_RETURNED ---------------------------------------------------------------------------


def self_report_returned(on: datetime.date, rule: Rule) -> list[Obligation]:
    """Self-reports the district returned: the institution's users revise and resubmit."""
    directory = _Directory()
    last = horizon(on, rule)
    rows = (
        SelfReport.objects.filter(status=SelfReport.Status.RETURNED)
        .values_list("pk", "institution_id", "reviewed_at", "updated_at")
        .order_by("pk")
    )
    result: list[Obligation] = []
    for pk, institution_id, reviewed_at, updated_at in rows:
        due = due_after(local_day(reviewed_at or updated_at), rule.response_days)
        if due is None or due > last:
            continue
        result.append(
            Obligation(
                source=Source.SELF_REPORT_RETURNED,
                subject=f"self_report:{pk}",
                title=_("Your self-report was returned: revise and resubmit by %(due)s") % {"due": fmt(due)},
                url=reverse("institutions:self_report"),
                due_on=due,
                recipients=frozenset(directory.by_institution.get(institution_id, set())),
            )
        )
    return result


# REFERRAL_UNREPLIED -----------------------------------------------------------------------------


def _open_referrals():
    return Referral.objects.filter(replied_on__isnull=True, hazard__deleted_at__isnull=True)


def referral_unreplied(on: datetime.date, rule: Rule) -> list[Obligation]:
    """Written notices to a department not yet replied to: that department's staff whose region
    covers the hazard (as `HazardQuerySet.department_lookup` scopes them)."""
    directory = _Directory()
    last = horizon(on, rule)
    rows = (
        _open_referrals()
        .values_list("pk", "department", "referred_on", "hazard_id", "hazard__code", "hazard__region_id")
        .order_by("pk")
    )
    result: list[Obligation] = []
    for pk, department, referred_on, hazard_id, code, region_id in rows:
        due = due_after(referred_on, rule.response_days)
        if due is None or due > last:
            continue
        result.append(
            Obligation(
                source=Source.REFERRAL_UNREPLIED,
                subject=f"referral:{pk}",
                title=_("Reply to the written notice about hazard %(code)s by %(due)s")
                % {"code": code, "due": fmt(due)},
                url=reverse("hazards:detail", kwargs={"pk": hazard_id}),
                due_on=due,
                recipients=frozenset(directory.department_above(department, region_id)),
                unit=directory.name(region_id),
            )
        )
    return result


SOURCES: dict[str, Callable[[datetime.date, Rule], list[Obligation]]] = {
    Source.MILESTONE: milestone,
    Source.HAZARD: hazard,
    Source.ANSWER_RETURNED: answer_returned,
    Source.ANSWER_UNREVIEWED: answer_unreviewed,
    Source.SELF_REPORT_RETURNED: self_report_returned,
    Source.REFERRAL_UNREPLIED: referral_unreplied,
}


# still_owed ------------------------------------------------------------------------------------


def _ids(subjects: Iterable[str], prefix: str) -> dict[int, str]:
    found = {}
    for subject in subjects:
        head, _sep, rest = subject.partition(":")
        if head == prefix and rest.isdigit():
            found[int(rest)] = subject
    return found


def _owed_by_pk(queryset, prefix: str) -> Callable[[set[str], datetime.date], set[str]]:
    def owed(subjects: set[str], on: datetime.date) -> set[str]:
        ids = _ids(subjects, prefix)
        if not ids:
            return set()
        return {ids[pk] for pk in queryset().filter(pk__in=ids).values_list("pk", flat=True)}

    return owed


def _milestones_still_owed(subjects: set[str], on: datetime.date) -> set[str]:
    pairs = {}
    for subject in subjects:
        parts = subject.split(":")
        well_formed = len(parts) == 4 and parts[0] == "milestone" and parts[2] == "region"
        if well_formed and parts[1].isdigit() and parts[3].isdigit():
            pairs[(int(parts[1]), int(parts[3]))] = subject
    if not pairs:
        return set()
    milestones = list(_milestone_query().filter(pk__in={m for m, _r in pairs}))
    owed = _milestones_owed(milestones, _Directory(), only=set(pairs))
    return {pairs[(o.milestone.pk, o.region_id)] for o in owed}


STILL_OWED: dict[str, Callable[[set[str], datetime.date], set[str]]] = {
    Source.MILESTONE: _milestones_still_owed,
    Source.HAZARD: _owed_by_pk(_open_hazards, "hazard"),
    Source.ANSWER_RETURNED: _owed_by_pk(
        lambda: ItemAnswer.objects.filter(status=ItemAnswer.Status.RETURNED), "answer"
    ),
    Source.ANSWER_UNREVIEWED: _owed_by_pk(
        lambda: ItemAnswer.objects.filter(status=ItemAnswer.Status.SUBMITTED), "answer"
    ),
    Source.SELF_REPORT_RETURNED: _owed_by_pk(
        lambda: SelfReport.objects.filter(status=SelfReport.Status.RETURNED), "self_report"
    ),
    Source.REFERRAL_UNREPLIED: _owed_by_pk(_open_referrals, "referral"),
}


# Comprehensive supervision's sources (issue 17) live in reminders.supervision, built on this module.
from reminders import supervision  # noqa: E402

SOURCES |= supervision.SOURCES
STILL_OWED |= supervision.STILL_OWED


def still_owed(pairs: Iterable[tuple[str, str]], on: datetime.date | None = None) -> set[tuple[str, str]]:
    """Of the (source, subject) pairs, those whose work is still not done on `on` (today by
    default): a few queries per source present, whatever the number of pairs. A source without a
    checker (unknown value) counts as owed, so nothing is hidden by mistake."""
    on = on or dates.today()
    by_source: dict[str, set[str]] = defaultdict(set)
    for source, subject in pairs:
        by_source[source].add(subject)
    result: set[tuple[str, str]] = set()
    for source, subjects in by_source.items():
        checker = STILL_OWED.get(source)
        if checker is None:
            result |= {(source, s) for s in subjects}
            continue
        result |= {(source, s) for s in checker(subjects, on)}
    return result
