"""What the city prints for the acceptance (issue 14), gathered once: the summary report's content,
which the PDF (`reports.pdf`) and the official .docx (`reports.docx`) both lay out, and the per-unit
answers that the acceptance workbook (`reports.workbook`) and the per-unit acceptance report share.

Every figure comes from the dashboards' as-of functions (`dashboards.figures.build`, itself on
`campaign.indicators.data.Data`): one definition per figure, measured at the end of the measuring
date (Asia/Shanghai) from the records as they stood then; the answers' statuses as of that date come
from their events (`campaign.answer_filters.as_of`). Nothing here writes.

Shapes (all plain dataclasses, safe to hand to a template or a writer):

- `summary(region, campaign, as_of)` → `Summary`: the title ("鞍山市2020年养老院服务质量建设专项行动
  总结报告"), the issuing bureau ("鞍山市民政局"), the measuring date, the targets (`Target` of
  dashboards.figures: label, goal, shown, state, due_on, item, numerator / denominator `Number`),
  the ledger's numbers, the answers' numbers, one `UnitSection` per county-level unit under the
  region (a province: per city), the dashboard's charts (`core.charts.Chart`), and three annexes:
  overdue hazards (`HazardLine`), items not accepted (`ItemLine`), operating institutions whose
  national-system data was not updated by item 30's deadline (`InstitutionLine`).
- `unit_items(region, campaign, as_of)` → list of `ItemRow`: the unit's answer to each of the items
  it answers (item, answer or None, status as of the date, due date).

Queries: a constant number per call whatever the number of units, items or records (the annexes are
capped at `ANNEX_LIMIT` rows each, with the full count kept).
"""

from __future__ import annotations

import datetime
from dataclasses import dataclass, field

from django.utils.translation import gettext as _

from campaign import answer_filters, answers
from campaign.models import AnswerEvent, Campaign, InspectionItem, ItemAnswer
from core import dates
from core.asof import as_of_rows, end_of
from core.charts import Chart
from core.models import Region
from dashboards import figures
from dashboards.charts import charts
from hazards.models import Hazard
from reports.models import SummaryReport

#: The most rows an annex lists (the PDF's bench target is set for 5,000 table rows).
ANNEX_LIMIT = 5000


@dataclass
class HazardLine:
    code: str
    unit: str
    institution: str
    category: str
    found_on: datetime.date | None
    deadline: datetime.date | None
    days_overdue: int
    status: str


@dataclass
class ItemLine:
    unit: str
    number: int
    text: str
    status: str  # the status's label as of the measuring date; "未填报" when there was no answer


@dataclass
class InstitutionLine:
    unit: str
    name: str
    credit_code: str
    updated_on: datetime.date | None  # the last national-system update recorded, if any


@dataclass
class Annex:
    title: str
    total: int  # every row, even beyond ANNEX_LIMIT
    rows: list


@dataclass
class UnitSection:
    region: Region
    targets: list  # dashboards.figures.Target, the unit's own
    hazards: dict[str, int]  # found, closed, open, overdue, listed_open
    answers: dict[str, int]  # submitted, returned, accepted (as of the date)
    items_answered: int  # how many of the items this unit answers
    written: list[tuple[str, str]] = field(default_factory=list)  # its summary report: (section, text)
    written_status: str = ""  # that report's status label ("" when it sent none)


@dataclass
class Summary:
    title: str
    issuer: str
    region: Region
    campaign: Campaign
    as_of: datetime.date  # the measuring date (today when none was chosen)
    generated_on: datetime.date
    targets: list
    extra: list  # (label, shown, state) — the nursing-bed share, the lists published on time
    hazards: dict[str, int]
    answers: dict[str, int]
    units: list[UnitSection]
    charts: list[Chart]
    annexes: list[Annex]


@dataclass
class ItemRow:
    item: InspectionItem
    answer: ItemAnswer | None
    status: str  # ItemAnswer.Status value as of the date ("" when there was no answer)
    status_label: str
    due_on: datetime.date | None
    # The city's review opinion as of the date (`review_opinions`): its last return or reopen, or
    # its acceptance when it wrote a note; None otherwise.
    opinion: AnswerEvent | None = None

    @property
    def return_reason(self) -> str:
        """The city's reason when the answer stood returned on the date ("" otherwise)."""
        if self.status != ItemAnswer.Status.RETURNED or self.opinion is None:
            return ""
        return self.opinion.note if self.opinion.action == AnswerEvent.Action.RETURN else ""


def issuer_of(region: Region) -> str:
    """The civil-affairs body of `region`: "鞍山市民政局", "辽宁省民政厅"."""
    return f"{region.name}民政厅" if region.kind == Region.Kind.PROVINCE else f"{region.name}民政局"


def title_of(region: Region, campaign: Campaign) -> str:
    return f"{region.name}{campaign.year}年养老院服务质量建设专项行动总结报告"


def _values(numbers: dict) -> dict[str, int]:
    return {name: number.value for name, number in numbers.items()}


def _applies(item: InspectionItem, region: Region) -> bool:
    return item.answered_by_county if region.is_county_level else item.answered_by_city


def targets_by_unit(
    region: Region, campaign: Campaign, as_of: datetime.date | None = None
) -> tuple[list, list[tuple[Region, list]]]:
    """The campaign's targets as the dashboard measures them at the end of `as_of` (None: today):
    (`region`'s own targets, [(unit, its targets)] for the units the dashboard lists under `region`,
    in code order; none for a county-level unit). What the workbook's 指标 sheet prints, without
    the summary's charts and annexes."""
    dashboard = figures.build(region, campaign, as_of)
    rows = sorted(dashboard.rows, key=lambda row: row.region.code)
    return dashboard.targets, [(row.region, list(row.targets.values())) for row in rows]


def summary(region: Region, campaign: Campaign, as_of: datetime.date | None = None) -> Summary:
    """The summary report's content for `region` (a city or a province; the caller checked the
    reader sees it) and `campaign`, measured at the end of `as_of` (None: today)."""
    dashboard = figures.build(region, campaign, as_of)
    data = dashboard.data
    day = as_of or dates.today()
    chart_list = charts(dashboard, data)
    units = [row.region for row in sorted(dashboard.rows, key=lambda row: row.region.code)]
    rows_by_region = {row.region.pk: row for row in dashboard.rows}

    items = list(campaign.items.order_by("number"))
    written = {
        report.region_id: report
        for report in SummaryReport.objects.filter(campaign=campaign, region__in=units).exclude(
            status=SummaryReport.Status.DRAFT
        )
    }
    sections = []
    for unit in units:
        row = rows_by_region[unit.pk]
        report = written.get(unit.pk)
        sections.append(
            UnitSection(
                region=unit,
                targets=list(row.targets.values()),
                hazards=_values(row.hazards),
                answers=_values(row.answers),
                items_answered=sum(1 for item in items if _applies(item, unit)),
                written=[(str(label), text) for _name, label, text in report.sections()] if report else [],
                written_status=report.get_status_display() if report else "",
            )
        )
    return Summary(
        title=title_of(region, campaign),
        issuer=issuer_of(region),
        region=region,
        campaign=campaign,
        as_of=day,
        generated_on=dates.today(),
        targets=dashboard.targets,
        extra=dashboard.extra,
        hazards=_values(dashboard.hazards),
        answers=_values(dashboard.answers),
        units=sections,
        charts=chart_list,
        annexes=[
            _overdue_hazards(data, region, day, as_of),
            _items_not_accepted(campaign, region, items, as_of),
            _not_in_national_system(data, region),
        ],
    )


def _overdue_hazards(data, region: Region, day: datetime.date, as_of: datetime.date | None) -> Annex:
    """The hazards overdue at the end of `day` (the as-of figure "overdue": `Data` reads the history
    rows), with the status and deadline each had then; the live record gives the names and codes."""
    members = data.hazard_members(region, "overdue").select_related("region", "institution")
    hazards = list(members.order_by("region__sort_key", "deadline", "pk")[:ANNEX_LIMIT])
    labels = dict(Hazard.Status.choices)
    categories = dict(Hazard._meta.get_field("category").flatchoices)
    then: dict[int, tuple[str, datetime.date | None]] = {}
    if as_of is not None:
        rows_then = as_of_rows(Hazard, as_of).filter(id__in=[h.pk for h in hazards])
        then = {
            pk: (status, deadline)
            for pk, status, deadline in rows_then.values_list("id", "status", "deadline")
        }
    rows = []
    for hazard in hazards:
        status, deadline = then.get(hazard.pk, (hazard.status, hazard.deadline))
        rows.append(
            HazardLine(
                code=hazard.code,
                unit=hazard.region.name,
                institution=hazard.institution.name,
                category=str(categories.get(hazard.category, hazard.category)),
                found_on=hazard.found_on,
                deadline=deadline,
                days_overdue=(day - deadline).days if deadline else 0,
                status=str(labels.get(status, hazard.get_status_display())),
            )
        )
    return Annex(_("Overdue hazards"), members.count(), rows)


def _items_not_accepted(campaign, region: Region, items, as_of) -> Annex:
    units = list(Region.objects.filter(path__startswith=region.path).exclude(kind=Region.Kind.PROVINCE))
    queryset = ItemAnswer.objects.filter(item__campaign=campaign, region__in=units)
    if as_of is not None:
        queryset = answer_filters.as_of(queryset, as_of)
    status_of = {
        (a.region_id, a.item_id): (a.status_then if as_of is not None else a.status) for a in queryset
    }
    labels = dict(ItemAnswer.Status.choices)
    rows = []
    for unit in sorted(units, key=lambda r: r.path):
        if unit.kind != Region.Kind.CITY and not unit.is_county_level:
            continue
        for item in items:
            if not _applies(item, unit):
                continue
            status = status_of.get((unit.pk, item.pk), "")
            if status != ItemAnswer.Status.ACCEPTED:
                rows.append(
                    ItemLine(unit.name, item.number, item.text, labels.get(status) or _("Not answered"))
                )
    return Annex(_("Items not accepted"), len(rows), rows[:ANNEX_LIMIT])


def _not_in_national_system(data, region: Region) -> Annex:
    missing = (
        data.institution_members(region, "all")
        .exclude(pk__in=data.institution_members(region, "updated_by_30").values("pk"))
        .select_related("region")
    )
    rows = [
        InstitutionLine(home.region.name, home.name, home.credit_code, home.national_data_updated_on)
        for home in missing.order_by("region__sort_key", "name", "pk")[:ANNEX_LIMIT]
    ]
    return Annex(_("Institutions whose national-system data was not updated"), missing.count(), rows)


def review_opinions(answers: list[ItemAnswer], day: datetime.date) -> dict[int, AnswerEvent]:
    """{answer id: the city's review opinion at the end of `day`}: its last return or reopen event
    by then; an acceptance replaces it, and stands as the opinion itself when it has a note (an
    acceptance without a word leaves no opinion). One query (none without answers)."""
    if not answers:
        return {}
    actions = [AnswerEvent.Action.RETURN, AnswerEvent.Action.REOPEN, AnswerEvent.Action.ACCEPT]
    events = AnswerEvent.objects.filter(
        answer_id__in=[a.pk for a in answers], action__in=actions, at__lt=end_of(day)
    ).order_by("at", "pk")
    last: dict[int, AnswerEvent] = {}
    for event in events:
        if event.action == AnswerEvent.Action.ACCEPT and not event.note:
            last.pop(event.answer_id, None)
            continue
        last[event.answer_id] = event
    return last


def unit_items(region: Region, campaign: Campaign, as_of: datetime.date | None = None) -> list[ItemRow]:
    """The unit's (a county-level unit or the city itself) answer to each item it answers, with the
    status as of `as_of` (None: now) and the city's review opinion then (`review_opinions`), in the
    items' order. Five queries (items, their milestones, answers, their evidence, events), and
    the evidence's content type once per process."""
    items = [
        item
        for item in campaign.items.select_related("key_task")
        .prefetch_related("milestones")
        .order_by("number")
        if _applies(item, region)
    ]
    queryset = ItemAnswer.objects.filter(item__campaign=campaign, region=region).prefetch_related("evidence")
    if as_of is not None:
        queryset = answer_filters.as_of(queryset, as_of)
    found = {answer.item_id: answer for answer in queryset}
    opinions = review_opinions(list(found.values()), as_of or dates.today())
    labels = dict(ItemAnswer.Status.choices)
    rows = []
    for item in items:
        answer = found.get(item.pk)
        status = "" if answer is None else (answer.status_then if as_of is not None else answer.status)
        rows.append(
            ItemRow(
                item,
                answer,
                status,
                labels.get(status, _("Not answered")),
                answers.due_on(item, region),
                opinions.get(answer.pk) if answer is not None else None,
            )
        )
    return rows
