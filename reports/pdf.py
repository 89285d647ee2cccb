"""The printed PDFs of issue 14, laid out by WeasyPrint from HTML templates:

- the summary report (总结报告) of a city or the province, from `reports.content.summary` only:
  `render_summary(summary) -> bytes`;
- a county-level unit's acceptance report (验收报告) for the joint team: `unit_report(region,
  campaign, as_of) -> UnitReport`, then `render_unit_report(report) -> bytes`.

Both are plain functions of their content (no request), so a Celery task can run them later. The
text is Chinese whatever the reader's language (`translation.override("zh-hans")`), set in Noto
Sans CJK SC / Noto Serif CJK SC (fonts-noto-cjk), which WeasyPrint embeds as subsets. The
stylesheet is `static/reports/pdf.css`; nothing is fetched from outside (`fetch_nothing`): the
charts are inline SVG (`reports.svg_charts`) and the fonts are the system's.
"""

from __future__ import annotations

import datetime
import gc
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

from django.conf import settings
from django.template.loader import render_to_string
from django.utils import translation
from django.utils.translation import gettext as _

from campaign.models import Campaign, ItemAnswer
from core import dates
from core.models import Region
from reports import content, listing, svg_charts

STYLESHEET = Path(settings.BASE_DIR) / "static" / "reports" / "pdf.css"

# The joint acceptance team (工作要求(四)): "市民政局、住房和城乡建设局、卫生健康委、应急管理厅、市场监督
# 管理局将于2020年10月底前联合对各地开展专项行动四年成效进行验收". Printed with the city's name and each
# body's full name, as the notice's issuing bodies are written (campaign.issuing_bodies:
# 鞍山市卫生健康委员会, 鞍山市应急管理局): a city has an 应急管理局; "厅" is the province's level.
JOINT_TEAM = ("民政局", "住房和城乡建设局", "卫生健康委员会", "应急管理局", "市场监督管理局")


def fetch_nothing(url: str, *args, **kwargs):
    """WeasyPrint's URL fetcher: the PDFs need no resource from anywhere (inline SVG, system
    fonts), so every URL is refused — user text can never make the server fetch a page."""
    raise ValueError(f"the report fetches nothing: {url[:80]}")


#: The steps `render_summary` reports to its `progress` callable: the HTML written, the pages laid
#: out, the PDF written (a job adds its own first step: the content gathered).
STEPS = 3


def _pdf(template: str, context: dict, progress: Callable[[int], None] | None = None) -> bytes:
    """The PDF of `template` with `context`; `progress(step)` after each of the `STEPS` steps."""
    from weasyprint import CSS, HTML  # loaded by the processes that print only

    tick = progress or (lambda step: None)
    with translation.override("zh-hans"):
        html = render_to_string(template, context)
    tick(1)
    # WeasyPrint builds hundreds of thousands of boxes that live until the PDF is written: the
    # cyclic collector walks them all again and again for nothing (measured: a third of the time of
    # a 2,000-row annex). Off while it works, one collection after.
    collecting = gc.isenabled()
    gc.disable()
    try:
        document = HTML(string=html, url_fetcher=fetch_nothing, base_url=str(settings.BASE_DIR))
        rendered = document.render(stylesheets=[CSS(filename=str(STYLESHEET))])
        tick(2)
        data = rendered.write_pdf()
        del document, rendered
    finally:
        if collecting:
            gc.enable()
        gc.collect()
    tick(3)
    return data


# The annexes --------------------------------------------------------------------------------------


def _day(value: datetime.date | None) -> str:
    return f"{value:%Y-%m-%d}" if value else ""


def annex_listings(summary: content.Summary) -> list[listing.Listing]:
    """The summary's three annexes as fixed-width listings (`reports.listing`), in the order of
    `summary.annexes`: overdue hazards, items not accepted, institutions not updated in the
    national system. A landscape A4 line holds about 175 half-width cells at 8.5 pt; each listing
    takes at most 165. Call under the report's language."""
    hazards, items, institutions = summary.annexes
    number = listing.Column(_("No."), 5, right=True)
    return [
        listing.listing(
            [
                number,
                listing.Column(_("Hazard code"), 22),
                listing.Column(_("Local unit"), 14),
                listing.Column(_("Institution"), 48),
                listing.Column(_("Category"), 14),
                listing.Column(_("Found on"), 10),
                listing.Column(_("Deadline"), 10),
                listing.Column(_("Days overdue"), 8, right=True),
                listing.Column(_("Status"), 12),
            ],
            (
                (
                    n,
                    line.code,
                    line.unit,
                    line.institution,
                    line.category,
                    _day(line.found_on),
                    _day(line.deadline),
                    line.days_overdue,
                    line.status,
                )
                for n, line in enumerate(hazards.rows, start=1)
            ),
        ),
        listing.listing(
            [
                number,
                listing.Column(_("Local unit"), 16),
                listing.Column(_("Item"), 4, right=True),
                listing.Column(_("Inspection item"), 112),
                listing.Column(_("Status"), 12),
            ],
            (
                (n, line.unit, line.number, line.text, line.status)
                for n, line in enumerate(items.rows, start=1)
            ),
        ),
        listing.listing(
            [
                number,
                listing.Column(_("Local unit"), 24),
                listing.Column(_("Institution"), 60),
                listing.Column(_("Unified social credit code"), 20),
                listing.Column(_("Last national-system update"), 26),
            ],
            (
                (n, line.unit, line.name, line.credit_code, _day(line.updated_on))
                for n, line in enumerate(institutions.rows, start=1)
            ),
        ),
    ]


# The summary report -------------------------------------------------------------------------------


def render_summary(summary: content.Summary, progress: Callable[[int], None] | None = None) -> bytes:
    """The summary report of `summary` (reports.content.summary) as PDF bytes: cover, contents,
    the targets, the ledger's and answers' numbers, the charts, one section per unit and the three
    annexes (landscape pages), with the title and measuring date on top of every page and
    "第 X 页 共 Y 页" at the bottom. `progress(step)`, if given, is called after each of the
    `STEPS` steps (HTML, layout, PDF), for a job's progress bar."""
    with translation.override("zh-hans"):
        charts = [{"chart": chart, "svg": svg_charts.svg(chart)} for chart in summary.charts]
        units_heading = (
            _("Cities") if summary.region.kind == Region.Kind.PROVINCE else _("County-level units")
        )
        listings = annex_listings(summary)
    return _pdf(
        "reports/pdf/summary.html",
        {
            "summary": summary,
            "charts": charts,
            "units_heading": units_heading,
            "annexes": list(zip(summary.annexes, listings, strict=True)),
        },
        progress,
    )


def summary_filename(summary: content.Summary) -> str:
    """ "鞍山市专项行动总结报告（截至2020-10-31）.pdf"."""
    return summary_filename_of(summary.region, summary.as_of)


def summary_filename_of(region: Region, as_of: datetime.date) -> str:
    """The summary report's file name for `region` measured on `as_of` (known before it is made)."""
    with translation.override("zh-hans"):
        return _("%(region)s campaign summary report (as of %(date)s).pdf") % {
            "region": region.name,
            "date": as_of.isoformat(),
        }


# The acceptance report of one unit ----------------------------------------------------------------


@dataclass
class AcceptanceLine:
    row: content.ItemRow
    conclusion: str  # "通过", "未通过" or "" (the team writes it by hand)
    reason: str  # the city's reason when it returned the answer


@dataclass
class UnitReport:
    region: Region
    campaign: Campaign
    as_of: datetime.date  # the measuring date
    generated_on: datetime.date
    lines: list[AcceptanceLine]
    team: list[str]  # the joint team's five bureaus, full names


def unit_report(region: Region, campaign: Campaign, as_of: datetime.date | None = None) -> UnitReport:
    """The acceptance report's content for the county-level unit `region` (the caller checked the
    reader sees it): its items (reports.content.unit_items) with their status at the end of `as_of`
    (None: today) and the joint team's conclusion: 通过 where the city had accepted the answer,
    未通过 with the city's reason where it had returned it, blank otherwise (written by hand)."""
    day = as_of or dates.today()
    rows = content.unit_items(region, campaign, as_of)
    city = region.parent.name if region.parent_id else ""
    with translation.override("zh-hans"):
        passed, failed = _("Passed"), _("Not passed")
    lines = []
    for row in rows:
        if row.status == ItemAnswer.Status.ACCEPTED:
            lines.append(AcceptanceLine(row, passed, ""))
        elif row.status == ItemAnswer.Status.RETURNED:
            lines.append(AcceptanceLine(row, failed, row.return_reason))
        else:
            lines.append(AcceptanceLine(row, "", ""))
    return UnitReport(
        region=region,
        campaign=campaign,
        as_of=day,
        generated_on=dates.today(),
        lines=lines,
        team=[f"{city}{body}" for body in JOINT_TEAM],
    )


def render_unit_report(report: UnitReport) -> bytes:
    """The acceptance report (验收报告) of one unit as PDF bytes: its items with status and the
    team's conclusion, then a signature-and-seal block per bureau of the joint team."""
    return _pdf("reports/pdf/unit.html", {"report": report})


def unit_filename(report: UnitReport) -> str:
    """ "铁东区专项行动验收报告（截至2020-10-31）.pdf"."""
    with translation.override("zh-hans"):
        return _("%(region)s campaign acceptance report (as of %(date)s).pdf") % {
            "region": report.region.name,
            "date": report.as_of.isoformat(),
        }
