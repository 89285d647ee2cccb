"""The acceptance workbook (验收工作簿, issue 14 item 1): what the joint team prints to accept each
county-level unit's work against the 30 items of the attachment to 鞍民发〔2020〕37号 (工作要求(四)).

`write_workbook(plan, progress=None, output=None)` writes one .xlsx for a `Plan` (the reader, the
region the workbook covers, the campaign, the measuring date). Its sheets, in this order:

1. 汇总 — one row per unit (the county-level units, then the city's own items), one column per item:
   the answer's status as of the measuring date (`reports.content.unit_items`, itself on
   `campaign.answer_filters.as_of`), "—" where the unit does not answer the item, and
   "accepted / items the unit answers". Landscape.
2. One sheet per unit, reproducing the attachment's table: title "<year>年养老院服务质量建设调研检查
   重点工作项目", the unit, the measuring date; columns 调研检查重点工作项目 | 各地落实及有关证明材料.
   Column 1 is "<number>、<item text as issued>"; column 2 holds the status as of the date, the
   unit's narrative, its declared figures beside the computed ones
   (`campaign.indicators.compute_many(..., as_of=...)`, `Figure.display()`), the evidence files (name
   and the first 8 hex digits of their SHA-256) and the city's review opinion (`ItemRow.opinion`:
   the note of the last return or reopen event by the end of the date). Portrait A4.
3. 指标 — per unit, the campaign's targets (`reports.content.targets_by_unit(...)`): target, goal, the item,
   the deadline, the figure shown and its state; then the region's own row.
4. 隐患清单, 整改清单, 责任清单 — the three lists (`hazards.excel.workbook`'s sheet writer), the same
   hazards the three lists' export gives the reader inside the region, as the ledger stands when the
   file is made (the title says that day); and 机构名单 — the institutions the reader sees inside the
   region, in the columns of the institution list's export.

A county-level unit's workbook (a district reader's, or the city's for one unit) holds only that
unit: its item sheet, its summary row, its indicators, its hazards and institutions.

Print-ready: A4 (portrait item sheets, landscape lists), the header rows repeated on every page,
column widths, wrapped text with row heights computed from the lines the text takes at the
column's width (`text_lines`: a CJK character is two width units), frozen panes, an autofilter on
the list sheets, the footer "第 &P 页 共 &N 页", fit to one page wide. Every user value is text,
never a formula (`core.excel.SheetWriter`). The whole workbook is written in openpyxl's write-only
mode, so memory stays flat at province scale (20,000 hazards).

Queries: a constant number per unit sheet (`unit_items`: four, with the review opinions; evidence: one) plus a
constant number for the rest, whatever the number of hazards and institutions.
"""

from __future__ import annotations

import datetime
import functools
import re
import unicodedata
from collections.abc import Callable
from dataclasses import dataclass

from django.db.models import Q
from django.utils import translation
from openpyxl.styles import Alignment, Border, Font, Side
from openpyxl.utils import get_column_letter
from openpyxl.worksheet.worksheet import Worksheet

from campaign import indicators
from campaign.models import AnswerEvent, Campaign, InspectionItem, ItemAnswer
from core import asof, dates
from core.excel import (
    DATE_FORMAT,
    HEADER_FILL,
    HEADER_FONT,
    TEXT_FORMAT,
    CellStyle,
    SheetWriter,
    save_workbook,
    streaming_workbook,
)
from core.models import Evidence, Region
from hazards import three_lists
from hazards.excel import workbook as hazard_workbook
from hazards.models import Hazard
from institutions.excel import columns as institution_columns
from institutions.excel import workbook as institution_workbook
from institutions.models import Institution
from reports import content

SUMMARY_SHEET = "汇总"
INDICATORS_SHEET = "指标"
INSTITUTIONS_SHEET = "机构名单"
ITEM_HEADERS = ("调研检查重点工作项目", "各地落实及有关证明材料")
FOOTER = "第 &P 页 共 &N 页"
NOT_ANSWERED = "未填报"
NOT_APPLICABLE = "—"
SHORT_HASH = 8  # hex digits of an evidence file's SHA-256 shown
PROGRESS_EVERY = 500

# Points per line of 11-point text: LibreOffice and Excel draw CJK text (Noto Sans CJK, 宋体) at
# about 1.4 times the font size; 3 points of padding per row.
LINE_POINTS = {10: 14.5, 11: 15.5}
ROW_PADDING = 3.0
MAX_ROW_POINTS = 409  # Excel's highest row

THIN = Side(style="thin", color="808080")
BOX = Border(left=THIN, right=THIN, top=THIN, bottom=THIN)
WRAP_TOP = Alignment(wrap_text=True, vertical="top")
CENTER = Alignment(wrap_text=True, vertical="center", horizontal="center")
TITLE = CellStyle(Font(bold=True, size=16), alignment=Alignment(horizontal="center", vertical="center"))
SUBTITLE = CellStyle(Font(size=11), alignment=Alignment(vertical="center", wrap_text=True))
SUBTITLE_RIGHT = CellStyle(Font(size=11), alignment=Alignment(vertical="center", horizontal="right"))
HEADER = CellStyle(HEADER_FONT, HEADER_FILL, CENTER)
ITEM = CellStyle(Font(size=11), alignment=WRAP_TOP, number_format=TEXT_FORMAT)
BODY = CellStyle(Font(size=10), alignment=WRAP_TOP, number_format=TEXT_FORMAT)
CELL = CellStyle(Font(size=10), alignment=CENTER, number_format=TEXT_FORMAT)
UNIT = CellStyle(Font(size=10, bold=True), alignment=Alignment(wrap_text=True, vertical="center"))
ACCEPTED = CellStyle(Font(size=10, color="006100"), alignment=CENTER, number_format=TEXT_FORMAT)
MISSING = CellStyle(Font(size=10, color="9C0006"), alignment=CENTER, number_format=TEXT_FORMAT)
DATE_CELL = CellStyle(Font(size=10), alignment=CENTER, number_format=DATE_FORMAT)

ITEM_WIDTHS = (36, 64)  # the attachment's two columns, portrait A4 at one page wide
_SHEET_FORBIDDEN = re.compile(r"[\[\]:*?/\\]")


# Print layout ---------------------------------------------------------------------------------------


def char_units(char: str) -> int:
    """Width units of one character: 2 for a wide (CJK, full-width) character, 1 otherwise."""
    return 2 if unicodedata.east_asian_width(char) in ("W", "F") else 1


@functools.lru_cache(maxsize=65536)  # the same names, categories and texts recur row after row
def text_lines(text, width: float, size: int = 11) -> int:
    """How many lines `text` takes when wrapped in a column `width` units wide (Excel's column
    width: the number of "0" of the default font; a CJK character takes two). Every explicit line
    break starts a line; a line is broken where the next character no longer fits (CJK text breaks
    anywhere, which is how Excel and LibreOffice wrap it). `size`: the font's points (a column
    holds proportionally more of smaller text). At least 1."""
    if text is None or text == "":
        return 1
    room = max((width - 1.5) * 11 / size, 2)  # the cell's inner margins
    text = str(text)
    if len(text) * 2 <= room and "\n" not in text:
        return 1  # fits even if every character is wide: most cells, without the walk below
    lines = 0
    for paragraph in text.split("\n"):
        lines += 1
        if len(paragraph) * 2 <= room:
            continue
        used = 0
        for char in paragraph:
            units = char_units(char)
            if used + units > room:
                lines += 1
                used = 0
            used += units
    return lines


def row_height(values, widths, size: int = 10, minimum: float = 0) -> float:
    """The row height in points that shows every wrapped value of a row whole: the most lines any
    cell takes at its column's width (`text_lines`), times the line height of `size`-point text,
    plus padding; at least `minimum`; at most Excel's 409 points."""
    lines = max((text_lines(_shown(v), w, size) for v, w in zip(values, widths, strict=False)), default=1)
    return min(max(lines * LINE_POINTS.get(size, size * 1.4) + ROW_PADDING, minimum), MAX_ROW_POINTS)


def _shown(value) -> str:
    if value is None:
        return ""
    if isinstance(value, datetime.datetime):
        return f"{value:%Y-%m-%d %H:%M}"
    if isinstance(value, datetime.date):
        return value.isoformat()
    return str(value)


def sheet_head(sheet: Worksheet, freeze: str) -> None:
    """What openpyxl's write-only mode writes with the sheet's head, so before the first row: the
    frozen panes (`freeze`, "A4": rows 1–3 stay) and fit to page."""
    sheet.freeze_panes = freeze
    sheet.sheet_properties.pageSetUpPr.fitToPage = True


def print_setup(sheet: Worksheet, *, landscape: bool, title_rows: str, margins: float = 0.5) -> None:
    """After the rows (`sheet_head` before them): A4, one page wide (as many pages down as it
    takes), `title_rows` ("3:3") on every page, centred, with the footer "第 &P 页 共 &N 页"."""
    sheet.page_setup.paperSize = Worksheet.PAPERSIZE_A4
    sheet.page_setup.orientation = "landscape" if landscape else "portrait"
    sheet.page_setup.fitToWidth = 1
    sheet.page_setup.fitToHeight = 0
    sheet.print_title_rows = title_rows
    sheet.print_options.horizontalCentered = True
    sheet.page_margins.left = sheet.page_margins.right = margins
    sheet.page_margins.top = 0.6
    sheet.page_margins.bottom = 0.7
    sheet.page_margins.footer = 0.3
    sheet.oddFooter.center.text = FOOTER
    sheet.oddFooter.center.size = 9


def sheet_name(text: str, taken: set[str]) -> str:
    """A worksheet name from `text`: without the characters Excel forbids, at most 31 characters,
    unique among `taken` (which it joins)."""
    base = _SHEET_FORBIDDEN.sub("", text)[:31] or "Sheet"
    name, n = base, 2
    while name in taken:
        suffix = f"({n})"
        name, n = base[: 31 - len(suffix)] + suffix, n + 1
    taken.add(name)
    return name


# What the workbook covers ---------------------------------------------------------------------------


@dataclass(frozen=True)
class Unit:
    """A unit with an item sheet: a county-level unit, or a city for its own (city-level) items."""

    region: Region
    label: str  # "铁东区"; "鞍山市（市级）" for the city's own items; at province scale "鞍山市铁东区"
    city_items: bool = False


@dataclass
class Plan:
    """One acceptance workbook: `region` (a county-level unit, a city or a province, which `user`
    sees), `campaign`, `as_of` (the measuring date; None: today). Built by `plan_for`, which scopes
    it; `count()` is the number of rows the workbook writes (the progress of a job counts them)."""

    user: object
    region: Region
    campaign: Campaign
    as_of: datetime.date | None
    units: list[Unit]
    hazards: object  # queryset of Hazard: the three lists' rows
    institutions: object  # queryset of Institution

    @property
    def day(self) -> datetime.date:
        return self.as_of or dates.today()

    @property
    def is_unit(self) -> bool:
        """A county-level unit's own workbook (small: downloaded at once)."""
        return self.region.is_county_level

    def count(self) -> int:
        levels = list(self.campaign.items.values_list("level", flat=True))
        county = sum(1 for level in levels if level != InspectionItem.Level.CITY)
        city = sum(1 for level in levels if level != InspectionItem.Level.COUNTY)
        items = sum(city if unit.city_items else county for unit in self.units)
        return items + self.hazards.count() + self.institutions.count()

    def filename(self) -> str:
        return f"{self.region.name}{self.campaign.year}年验收工作簿-{self.day:%Y%m%d}.xlsx"


def units_of(region: Region, campaign: Campaign) -> list[Unit]:
    """The units with an item sheet in `region`'s workbook, in code order: a county-level unit
    itself; a city's county-level units, then the city itself if the campaign has city-level items;
    a province's, city by city (labels prefixed with the city's name: two cities may both have a
    铁西区)."""
    if region.is_county_level:
        return [Unit(region, region.name)]
    levels = [InspectionItem.Level.CITY, InspectionItem.Level.BOTH]
    city_level = campaign.items.filter(level__in=levels).exists()
    if region.kind == Region.Kind.CITY:
        cities = [region]
    else:
        cities = list(Region.objects.filter(parent=region, kind=Region.Kind.CITY).order_by("code"))
    county = Region.objects.filter(parent__in=cities, kind__in=Region.COUNTY_LEVEL_KINDS).select_related(
        "parent"
    )
    by_city: dict[int, list[Region]] = {}
    for unit in county.order_by("sort_key"):
        by_city.setdefault(unit.parent_id, []).extend([unit])
    prefix = region.kind == Region.Kind.PROVINCE
    units = []
    for city in cities:
        for unit in by_city.get(city.pk, []):
            units.extend([Unit(unit, f"{city.name}{unit.name}" if prefix else unit.name)])
        if city_level:
            units.extend([Unit(city, f"{city.name}（市级）", city_items=True)])
    return units


def plan_for(user, region: Region, campaign: Campaign, as_of: datetime.date | None) -> Plan:
    """The workbook of `region` for `user` (the caller checked the user sees the region): the units,
    and the hazards and institutions the user sees inside the region (the three lists' and the
    institution list's own scoping, `visible_to`)."""
    inside = Q(region__path__startswith=region.path)
    return Plan(
        user=user,
        region=region,
        campaign=campaign,
        as_of=as_of,
        units=units_of(region, campaign),
        hazards=Hazard.objects.visible_to(user).live().filter(inside),
        institutions=Institution.objects.visible_to(user).filter(inside),
    )


# The answers' particulars ---------------------------------------------------------------------------


def evidence_at(answers: list[ItemAnswer], day: datetime.date) -> dict[int, list[Evidence]]:
    """{answer id: its evidence files as they stood at the end of `day`} (added by then, not removed
    by then), in upload order. One query."""
    end = asof.end_of(day)
    found: dict[int, list[Evidence]] = {}
    if not answers:
        return found
    owner_type = _content_type(ItemAnswer)
    files = (
        Evidence.objects.filter(
            owner_type=owner_type, owner_id__in=[a.pk for a in answers], created_at__lt=end
        )
        .filter(Q(removed_at__isnull=True) | Q(removed_at__gte=end))
        .order_by("created_at", "pk")
    )
    for evidence in files:
        found.setdefault(evidence.owner_id, []).extend([evidence])
    return found


def _content_type(model):
    from django.contrib.contenttypes.models import ContentType

    return ContentType.objects.get_for_model(model)


def short_hash(sha256: str) -> str:
    """The SHA-256's short form: its first 8 hex digits, lower case."""
    return (sha256 or "")[:SHORT_HASH].lower()


def answer_text(row: content.ItemRow, indicator, files, day: datetime.date) -> str:
    """Column 2 of an item's row (各地落实及有关证明材料): status as of `day`, narrative, the figures
    declared and computed, the evidence files, the city's review opinion; one paragraph each."""
    answer = row.answer
    status = row.status_label if row.status else NOT_ANSWERED
    lines = [f"【状态】{status}（截至{day:%Y年%-m月%-d日}）"]
    if answer is None:
        return lines[0]
    narrative = (answer.narrative or "").strip()
    lines.extend([f"【落实情况】{narrative or '（未填写）'}"])
    if indicator is not None:
        declared = answer.values or {}
        for figure in indicator.figures:
            lines.extend(
                [
                    f"【数据】{figure.label}：填报 {declared.get(figure.key) or NOT_APPLICABLE}；"
                    f"系统计算 {figure.display()}"
                ]
            )
    else:
        for key, value in sorted((answer.values or {}).items()):
            lines.extend([f"【数据】{key}：填报 {value}"])
    if files:
        names = "；".join(f"{f.original_name}（SHA-256 {short_hash(f.sha256)}）" for f in files)
        lines.extend([f"【证明材料】{names}"])
    else:
        lines.extend(["【证明材料】无"])
    opinion = row.opinion
    if opinion is not None:
        label = "市局退回意见" if opinion.action != AnswerEvent.Action.ACCEPT else "市局验收意见"
        lines.extend([f"【{label}】{opinion.note or '（未写明理由）'}（{_local_day(opinion.at)}）"])
    return "\n".join(lines)


def _local_day(moment) -> str:
    from django.utils import timezone

    return f"{timezone.localtime(moment):%Y-%m-%d}"


# The sheets -----------------------------------------------------------------------------------------


def _title(campaign: Campaign) -> str:
    return f"{campaign.year}年养老院服务质量建设调研检查重点工作项目"


def _write_item_sheet(workbook, name, unit: Unit, rows, computed, plan: Plan, tick) -> dict:
    """A unit's sheet, the attachment's table; returns {item number: status} for the summary."""
    writer = SheetWriter(workbook, name)
    writer.columns(list(ITEM_WIDTHS))
    sheet = writer.sheet
    sheet_head(sheet, "A4")
    day = plan.day
    answers = [row.answer for row in rows if row.answer is not None]
    files = evidence_at(answers, day)
    writer.write_row([_title(plan.campaign)], [TITLE], height=30)
    writer.merge("A1:B1")
    writer.write_row(
        [f"单位：{unit.label}", f"测量日期：{day:%Y年%-m月%-d日}（状态按当日末）"],
        [SUBTITLE, SUBTITLE_RIGHT],
        height=22,
    )
    header_style = CellStyle(HEADER_FONT, HEADER_FILL, CENTER)
    writer.write_row(list(ITEM_HEADERS), [_boxed(header_style)] * 2, height=24)
    statuses = {}
    item_style, body_style = _boxed(ITEM), _boxed(BODY)
    for row in rows:
        answer = row.answer
        indicator = computed.get(row.item.number)
        text = answer_text(
            row,
            indicator,
            files.get(answer.pk, []) if answer else [],
            day,
        )
        first = f"{row.item.number}、{row.item.text}"
        height = max(
            row_height([first], ITEM_WIDTHS[:1], size=11), row_height([None, text], ITEM_WIDTHS, size=10)
        )
        writer.write_row([first, text], [item_style, body_style], height=height)
        statuses[row.item.number] = row.status or ""
        tick()
    print_setup(sheet, landscape=False, title_rows="2:3", margins=0.6)
    return statuses


_BOXED: dict[int, CellStyle] = {}


def _boxed(style: CellStyle) -> CellStyle:
    """`style` with thin borders all round (one object per style: SheetWriter keys on identity)."""
    found = _BOXED.get(id(style))
    if found is None:
        found = _BOXED[id(style)] = CellStyle(
            style.font, style.fill, style.alignment, style.number_format, BOX
        )
    return found


def _write_summary(writer: SheetWriter, plan: Plan, items, statuses: dict) -> None:
    """汇总: units × items, each cell the status as of the date; last column accepted / answered."""
    labels = dict(ItemAnswer.Status.choices)
    widths = [16] + [6.5] * len(items) + [10]
    writer.columns(widths)
    sheet_head(writer.sheet, "B3")
    last = get_column_letter(len(widths))
    writer.write_row(
        [f"{plan.region.name}{_title(plan.campaign)}验收汇总（截至{plan.day:%Y年%-m月%-d日}）"],
        [TITLE],
        height=30,
    )
    writer.merge(f"A1:{last}1")
    header = _boxed(HEADER)
    writer.write_row(
        ["单位", *(f"{item.number}" for item in items), "已验收/应答项目"], [header] * len(widths), height=30
    )
    cell, accepted_style, missing_style, unit_style = (
        _boxed(CELL),
        _boxed(ACCEPTED),
        _boxed(MISSING),
        _boxed(UNIT),
    )
    for unit in plan.units:
        answered = statuses[unit.region.pk, unit.city_items]
        values, styles = [unit.label], [unit_style]
        accepted = 0
        for item in items:
            if item.number not in answered:
                values.extend([NOT_APPLICABLE])
                styles.extend([cell])
                continue
            status = answered[item.number]
            if status == ItemAnswer.Status.ACCEPTED:
                accepted += 1
                styles.extend([accepted_style])
            else:
                styles.extend([missing_style if not status else cell])
            values.extend([str(labels[status]) if status else NOT_ANSWERED])
        values.extend([f"{accepted}/{len(answered)}"])
        styles.extend([cell])
        writer.write_row(values, styles, height=row_height(values, widths, size=10, minimum=30))
    sheet = writer.sheet
    sheet.auto_filter.ref = f"A2:{last}{max(writer.rows, 2)}"
    print_setup(sheet, landscape=True, title_rows="2:2", margins=0.4)
    writer.write_row([])
    legend = (
        "说明：表中为各单位对各项目填报的状态（截至测量日期当日末，按审核记录）；“—”为该单位不需填报的项目；"
        "“未填报”为截至当日尚未填报。"
    )
    writer.write_row([legend], [SUBTITLE], height=row_height([legend], [sum(widths)], size=11))
    writer.merge(f"A{writer.rows}:{last}{writer.rows}")


INDICATOR_HEADERS = ("单位", "指标", "目标", "对应项目", "截止日期", "当前数值", "状态")
INDICATOR_WIDTHS = (16, 34, 12, 9, 12, 22, 10)


def _write_indicators(writer: SheetWriter, plan: Plan) -> None:
    """指标: per unit the campaign's targets as the dashboard measures them on the date, then the
    region's own row (content.targets_by_unit; for a unit's workbook, its own targets)."""
    widths = list(INDICATOR_WIDTHS)
    writer.columns(widths)
    sheet_head(writer.sheet, "B3")
    last = get_column_letter(len(widths))
    writer.write_row(
        [f"{plan.region.name}{plan.campaign.year}年专项行动目标指标（截至{plan.day:%Y年%-m月%-d日}）"],
        [TITLE],
        height=30,
    )
    writer.write_row(list(INDICATOR_HEADERS), [_boxed(HEADER)] * len(widths), height=24)
    writer.merge(f"A1:{last}1")
    own_targets, units = content.targets_by_unit(plan.region, plan.campaign, plan.as_of)
    groups = [] if plan.is_unit else [(unit.name, targets) for unit, targets in units]
    own = plan.region.name if plan.is_unit else f"{plan.region.name}（全{_level_word(plan.region)}）"
    groups.extend([(own, own_targets)])
    body, cell, date_cell, unit_style = _boxed(BODY), _boxed(CELL), _boxed(DATE_CELL), _boxed(UNIT)
    for name, targets in groups:
        for target in targets:
            values = [
                name,
                str(target.label),
                str(target.goal),
                f"第{target.item}项",
                target.due_on,
                target.shown,
                str(target.state_label),
            ]
            writer.write_row(
                values,
                [unit_style, body, cell, cell, date_cell, cell, cell],
                height=row_height(values, widths, size=10, minimum=20),
            )
    sheet = writer.sheet
    sheet.auto_filter.ref = f"A2:{last}{max(writer.rows, 2)}"
    print_setup(sheet, landscape=True, title_rows="2:2", margins=0.5)


def _level_word(region: Region) -> str:
    return "省" if region.kind == Region.Kind.PROVINCE else "市"


class _HazardSheet(hazard_workbook.ListSheet):
    """A three lists' sheet (hazards.excel.workbook), with row heights computed for its wrapped
    columns and the workbook's footer."""

    def write(self, cells: hazard_workbook.HazardCells) -> None:
        values, styles = self.row(cells)
        height = row_height(
            [v if column.wrap else None for v, column in zip(values, self.columns, strict=True)],
            self.widths,
            size=11,
        )
        self.writer.write_row(values, styles, height=height, style_blanks=False)

    def finish(self) -> None:
        super().finish()
        self.writer.sheet.oddFooter.center.text = FOOTER


# The institution list's columns a printed page holds (of the export's 49), with their printed widths:
# what the acceptance checks of an institution. The full list stays the institution export's.
INSTITUTION_PRINT = {
    "name": 24,
    "credit_code": 20,
    "region": 10,
    "address": 24,
    "legal_representative": 10,
    "phone": 13,
    "nature": 10,
    "filing_status": 8,
    "operating_status": 8,
    "beds": 7,
    "nursing_beds": 7,
    "residents": 7,
    "star_rating": 5,
    "gb38600_compliant": 9,
    "fire_safety_status": 10,
    "national_data_updated_on": 11,
}


def institution_columns_printed():
    """The institution export's `Column`s the printed list holds (`INSTITUTION_PRINT`), in order."""
    by_field = {column.field: column for column in institution_columns.COLUMNS}
    return [by_field[name] for name in INSTITUTION_PRINT]


def _write_institutions(writer: SheetWriter, plan: Plan, tick) -> None:
    """机构名单: the institutions the reader sees in the region, in `INSTITUTION_PRINT`'s columns of
    the institution list's export (values as it writes them), printable."""
    columns = institution_columns_printed()
    widths = list(INSTITUTION_PRINT.values())
    formats = [institution_workbook.FORMATS.get(column.kind) for column in columns]
    writer.columns(widths)
    sheet_head(writer.sheet, "B3")
    last = get_column_letter(len(columns))
    total = plan.institutions.count()
    writer.write_row(
        [f"{plan.region.name}养老机构名单（{dates.today():%Y-%m-%d}导出，共{total}家）"], [TITLE], height=30
    )
    writer.merge(f"A1:{last}1")
    headers = [column.header for column in columns]
    writer.write_row(headers, [_boxed(HEADER)] * len(columns), height=row_height(headers, widths, size=11))
    styles = [
        _boxed(CellStyle(Font(size=10), alignment=WRAP_TOP, number_format=number_format))
        for number_format in formats
    ]
    queryset = plan.institutions.select_related("region", "parent").order_by("region__sort_key", "name", "pk")
    for institution in queryset.iterator(chunk_size=institution_workbook.CHUNK_ROWS):
        values = [institution_workbook.export_value(institution, column) for column in columns]
        writer.write_row(values, styles, height=row_height(values, widths, size=10), style_blanks=False)
        tick()
    sheet = writer.sheet
    sheet.auto_filter.ref = f"A2:{last}{max(writer.rows, 2)}"
    print_setup(sheet, landscape=True, title_rows="2:2", margins=0.3)


def write_workbook(
    plan: Plan, *, total: int | None = None, progress: Callable | None = None, output=None
) -> bytes | None:
    """The acceptance workbook of `plan` (see the module's docstring): its bytes, or nothing when
    written to `output` (a path or a binary file). `progress(done, total)` is called every
    `PROGRESS_EVERY` rows and at the end; `total` is `plan.count()` if the caller has it. Raises
    nothing of its own."""
    if progress and total is None:
        total = plan.count()
    done = 0

    def tick():
        nonlocal done
        done += 1
        if progress and done % PROGRESS_EVERY == 0:
            progress(done, total)

    workbook = streaming_workbook()
    with translation.override("zh-hans"):
        items = list(plan.campaign.items.order_by("number"))
        summary = SheetWriter(workbook, SUMMARY_SHEET)
        taken = {
            SUMMARY_SHEET,
            INDICATORS_SHEET,
            INSTITUTIONS_SHEET,
            *(t.sheet for t in three_lists.LISTS.values()),
        }
        regions = [unit.region for unit in plan.units]
        computed = indicators.compute_many(plan.campaign, regions, as_of=plan.as_of) if regions else {}
        statuses = {}
        for unit in plan.units:
            rows = content.unit_items(unit.region, plan.campaign, plan.as_of)
            name = sheet_name(unit.label, taken)
            statuses[unit.region.pk, unit.city_items] = _write_item_sheet(
                workbook, name, unit, rows, computed.get(unit.region.pk, {}), plan, tick
            )
        _write_summary(summary, plan, items, statuses)
        _write_indicators(SheetWriter(workbook, INDICATORS_SHEET), plan)
        today = dates.today()
        hazards = plan.hazards
        count = hazards.count()
        sheets = [
            _HazardSheet(workbook, three_list, count, today) for three_list in three_lists.LISTS.values()
        ]
        for hazard in hazard_workbook.export_queryset(hazards).iterator(
            chunk_size=hazard_workbook.CHUNK_ROWS
        ):
            cells = hazard_workbook.HazardCells(hazard)
            for sheet in sheets:
                sheet.write(cells)
            tick()
        for sheet in sheets:
            sheet.finish()
        _write_institutions(SheetWriter(workbook, INSTITUTIONS_SHEET), plan, tick)
    if progress:
        progress(done, total)
    return save_workbook(workbook, output)
