"""The summary report as an official document (公文) in Word (.docx) (issue 14, item 3).

Bureaus edit and stamp Word files, so the city's summary report is also written as a .docx laid out
by GB/T 9704-2012 (党政机关公文格式), from the same content as the PDF: `reports.content.summary`
(every figure comes from there). `render_summary(summary, doc_number) -> bytes`; nothing is read from
the database here.

Layout (GB/T 9704-2012, the clause in brackets):

- A4, margins top 37 mm, bottom 35 mm, left 28 mm, right 26 mm: a 156 × 225 mm type area (5.2);
  22 lines × 28 characters of 3号 (16 pt) text (5.2.2): a line grid (`w:docGrid`) of pitch 579
  twips (28.95 pt; 22 lines = 636.9 pt of the 637.8 pt area) and the body's characters condensed by
  0.25 pt (15.75 pt each: 28 = 441 pt of the 442.2 pt line). Not a "linesAndChars" grid with
  `w:charSpace` −849, the usual Word template: Word squeezes 16 pt characters into its 15.79 pt
  cells, but LibreOffice (and so the PDF made from this file) gives each character wider than a
  cell two cells — 14 characters a line. Condensing gives 28 in both;
- 版头: the 发文机关标志 "鞍山市民政局文件" in 方正小标宋简体, red, centred, its top 35 mm below the type
  area's (7.2.3); two lines below it the 发文字号 (7.2.4; blank "〔    〕号" for the clerk when none is
  given); 4 mm below that a red separator as wide as the type area (7.2.5);
- the title two lines below the separator, 2号 方正小标宋简体, centred, broken before "专项行动总结报告"
  into a trapezoid (7.3.1); the body in 3号 仿宋_GB2312 with a two-character first-line indent;
  first-level headings "一、" in 黑体, second-level "（一）" in 楷体_GB2312, third-level "1．" in
  仿宋 (7.3.3);
- 附件说明 one line below the body (7.3.5), then the 发文机关署名 and 成文日期 for a stamped document:
  the date right-indented by four characters, the issuer centred over the date, with room above for
  the seal (7.3.5.1);
- each annex on a new page: "附件1" in 黑体 in the type area's top-left corner, its title centred on
  the third line (8), then a table (repeated header row) of at most `DOCX_ANNEX_ROWS` rows, with a
  line saying how many more the workbook holds;
- page numbers "— 1 —" in 4号 宋体 half-width digits (a `PAGE` field), odd pages right and even pages
  left, one character in from the edge, 7 mm below the type area (7.5).

Every run names its East Asian font (`w:rFonts w:eastAsia`), and so do the document defaults and
every style used: without it Word falls back to a Latin font for Chinese text.
"""

from __future__ import annotations

import datetime
import io
import re

from django.utils import translation
from django.utils.translation import gettext as _
from django.utils.translation import pgettext_lazy
from docx import Document
from docx.enum.section import WD_ORIENT
from docx.enum.table import WD_CELL_VERTICAL_ALIGNMENT, WD_TABLE_ALIGNMENT
from docx.enum.text import WD_ALIGN_PARAGRAPH, WD_LINE_SPACING
from docx.oxml import OxmlElement
from docx.oxml.ns import qn
from docx.shared import Mm, Pt, RGBColor, Twips

from core.excel import XML_ILLEGAL_RE
from dashboards.figures import STATES
from reports.content import Annex, HazardLine, InstitutionLine, ItemLine, Summary

#: The most rows an annex lists in the .docx; the workbook holds them all.
DOCX_ANNEX_ROWS = 300

# Fonts (GB/T 9704-2012 7.x; the names Word and WPS know on Chinese systems).
XIAOBIAOSONG = "方正小标宋简体"
FANGSONG = "仿宋_GB2312"
HEITI = "黑体"
KAITI = "楷体_GB2312"
SONGTI = "宋体"

# 字号 in points.
CHU = 42  # 初号
ER = 22  # 2号
SAN = 16  # 3号
SI = 14  # 4号
XIAO_SI = 12  # 小四
WU = 10.5  # 5号

RED = RGBColor(0xFF, 0x00, 0x00)
LINE_PITCH = 579  # twips: 28.95 pt, 22 lines in the 225 mm type area
CONDENSE = -5  # twentieths of a point: 3号 characters advance 15.75 pt, 28 fit in 156 mm (442.2 pt)
CHAR_ADVANCE = SAN + CONDENSE / 20  # points per body character
BLANK_NUMBER = "〔    〕号"

_CHINESE_DIGITS = "零一二三四五六七八九"


def chinese_number(n: int) -> str:
    """1 → "一", 10 → "十", 12 → "十二", 21 → "二十一" (1–99), for "一、" and "（一）" headings."""
    if n < 10:
        return _CHINESE_DIGITS[n]
    tens, ones = divmod(n, 10)
    return ("" if tens == 1 else _CHINESE_DIGITS[tens]) + "十" + (_CHINESE_DIGITS[ones] if ones else "")


def chinese_date(day: datetime.date) -> str:
    """2020-10-31 → "2020年10月31日" (GB/T 9704-2012 7.3.5.1: Arabic numerals, no leading zeros)."""
    return f"{day.year}年{day.month}月{day.day}日"


def _text(value) -> str:
    """`value` as text that XML can carry (control characters dropped)."""
    return XML_ILLEGAL_RE.sub("", "" if value is None else str(value))


def _width(text: str) -> float:
    """The width of `text` in characters of its size: CJK one, half-width (ASCII) a half."""
    return sum(0.5 if ord(ch) < 0x2E80 else 1 for ch in text)


# Fonts and runs --------------------------------------------------------------------------------


def _child(parent, tag: str, first: bool = False):
    """`parent`'s child `tag` (e.g. "w:rPr"), made when missing (first among its children if `first`)."""
    element = parent.find(qn(tag))
    if element is None:
        element = OxmlElement(tag)
        if first:
            parent.insert(0, element)
        else:
            parent.append(element)
    return element


def set_fonts(element, font: str) -> None:
    """Name `font` for every script (ascii, hAnsi, East Asian, complex script) on `element`: a run
    (`w:r`), a style (`w:style`) or the document defaults (`w:rPrDefault`), dropping theme fonts
    that would override the names."""
    # Runs and styles: python-docx's own methods keep the schema's order of the children.
    r_pr = element.get_or_add_rPr() if hasattr(element, "get_or_add_rPr") else _child(element, "w:rPr")
    fonts = r_pr.get_or_add_rFonts() if hasattr(r_pr, "get_or_add_rFonts") else _child(r_pr, "w:rFonts", True)
    for attribute in ("asciiTheme", "hAnsiTheme", "eastAsiaTheme", "cstheme"):
        fonts.attrib.pop(qn(f"w:{attribute}"), None)
    for attribute in ("ascii", "hAnsi", "eastAsia", "cs"):
        fonts.set(qn(f"w:{attribute}"), font)


def add_run(paragraph, text: str, font: str = FANGSONG, size: float = SAN, *, color=None, bold=False):
    """A run of `text` in `font` (East Asian and Latin) at `size` points."""
    run = paragraph.add_run(_text(text))
    set_fonts(run._element, font)
    run.font.size = Pt(size)
    run.font.bold = bold
    if color is not None:
        run.font.color.rgb = color
    return run


def _snap(paragraph, snap: bool) -> None:
    """Whether the paragraph's lines sit on the document grid (body text does; tables, the header
    block and footers do not, or each line would take a full grid line or two)."""
    p_pr = paragraph._p.get_or_add_pPr()
    element = p_pr.find(qn("w:snapToGrid"))
    if element is None:
        element = OxmlElement("w:snapToGrid")
        p_pr.append(element)
    element.set(qn("w:val"), "1" if snap else "0")


def _indent_chars(paragraph, *, first=0.0, left=0.0, right=0.0, hanging=0.0) -> None:
    """Indents in body characters ("左空二字": first=2), written in twips of `CHAR_ADVANCE` (the
    `w:…Chars` attributes are ignored by LibreOffice)."""
    fmt = paragraph.paragraph_format
    if first or hanging:
        fmt.first_line_indent = Pt((first - hanging) * CHAR_ADVANCE)
    if left:
        fmt.left_indent = Pt(left * CHAR_ADVANCE)
    if right:
        fmt.right_indent = Pt(right * CHAR_ADVANCE)


def _border(paragraph, side: str, color: str, eighths: int, space_pt: int) -> None:
    p_pr = paragraph._p.get_or_add_pPr()
    borders = OxmlElement("w:pBdr")
    line = OxmlElement(f"w:{side}")
    line.set(qn("w:val"), "single")
    line.set(qn("w:sz"), str(eighths))
    line.set(qn("w:space"), str(space_pt))
    line.set(qn("w:color"), color)
    borders.append(line)
    p_pr.append(borders)


# The document ----------------------------------------------------------------------------------


def _setup(document) -> None:
    """Page, grid, default fonts and the styles used."""
    section = document.sections[0]
    section.orientation = WD_ORIENT.PORTRAIT
    section.page_width, section.page_height = Mm(210), Mm(297)
    section.top_margin, section.bottom_margin = Mm(37), Mm(35)
    section.left_margin, section.right_margin = Mm(28), Mm(26)
    section.header_distance = Mm(15)
    section.footer_distance = Mm(21)  # the number's line top 7 mm below the type area (35 − 7 − 7)
    sect_pr = section._sectPr
    for old in sect_pr.findall(qn("w:docGrid")):
        sect_pr.remove(old)
    grid = OxmlElement("w:docGrid")
    grid.set(qn("w:type"), "lines")
    grid.set(qn("w:linePitch"), str(LINE_PITCH))
    sect_pr.append(grid)
    document.settings.odd_and_even_pages_header_footer = True

    # Document defaults: 3号 仿宋 for every script (what an unstyled run falls back to).
    defaults = document.styles.element.find(qn("w:docDefaults"))
    r_pr_default = defaults.find(qn("w:rPrDefault"))
    if r_pr_default is None:
        r_pr_default = OxmlElement("w:rPrDefault")
        defaults.insert(0, r_pr_default)
    set_fonts(r_pr_default, FANGSONG)
    _child(_child(r_pr_default, "w:rPr"), "w:lang").set(qn("w:eastAsia"), "zh-CN")

    normal = document.styles["Normal"]
    set_fonts(normal.element, FANGSONG)
    normal.font.size = Pt(SAN)
    _child(normal.element.get_or_add_rPr(), "w:spacing").set(qn("w:val"), str(CONDENSE))
    fmt = normal.paragraph_format
    fmt.space_before = fmt.space_after = Pt(0)
    fmt.line_spacing_rule = WD_LINE_SPACING.SINGLE
    fmt.alignment = WD_ALIGN_PARAGRAPH.JUSTIFY
    fmt.widow_control = False  # the grid's 22 lines per page: no line pushed over for widows

    for name, font in (("Heading 1", HEITI), ("Heading 2", KAITI), ("Heading 3", FANGSONG)):
        style = document.styles[name]
        set_fonts(style.element, font)
        style.font.size = Pt(SAN)
        style.font.bold = False
        style.font.italic = False
        style.font.color.rgb = RGBColor(0, 0, 0)
        style.paragraph_format.space_before = style.paragraph_format.space_after = Pt(0)
        style.paragraph_format.line_spacing_rule = WD_LINE_SPACING.SINGLE
        style.paragraph_format.keep_with_next = True
    for name in ("Table Grid", "Header", "Footer"):
        style = document.styles[name]
        set_fonts(style.element, FANGSONG if name == "Table Grid" else SONGTI)


def _body(document, text: str, *, indent=True, align=None):
    paragraph = document.add_paragraph()
    if indent:
        _indent_chars(paragraph, first=2)
    if align is not None:
        paragraph.alignment = align
    add_run(paragraph, text)
    return paragraph


def _blank(document, lines: int = 1) -> None:
    for _line in range(lines):
        document.add_paragraph()


def _heading(document, level: int, text: str):
    paragraph = document.add_paragraph(style=f"Heading {level}")
    _indent_chars(paragraph, first=2)
    add_run(paragraph, text, (HEITI, KAITI, FANGSONG)[level - 1])
    return paragraph


def _masthead(document, summary: Summary, doc_number: str) -> None:
    """发文机关标志, 发文字号 and the red separator line (GB/T 9704-2012 7.2)."""
    mark = document.add_paragraph()
    mark.alignment = WD_ALIGN_PARAGRAPH.CENTER
    _snap(mark, False)
    mark.paragraph_format.space_before = Mm(35)
    mark.paragraph_format.line_spacing = Pt(CHU * 1.3)
    mark.paragraph_format.line_spacing_rule = WD_LINE_SPACING.EXACTLY
    add_run(mark, f"{summary.issuer}文件", XIAOBIAOSONG, CHU, color=RED)

    number = document.add_paragraph()
    number.alignment = WD_ALIGN_PARAGRAPH.CENTER
    _snap(number, False)
    number.paragraph_format.space_before = Twips(LINE_PITCH * 2)
    number.paragraph_format.line_spacing = Twips(LINE_PITCH)
    number.paragraph_format.line_spacing_rule = WD_LINE_SPACING.EXACTLY
    add_run(number, doc_number or BLANK_NUMBER)
    _border(number, "bottom", "FF0000", 12, 11)  # 4 mm ≈ 11 pt below the number


def _title(document, title: str) -> None:
    """The title, 2号 方正小标宋简体, centred, two lines below the separator; a long title is broken
    before "专项行动总结报告" (7.3.1: 回行时词意完整、排列对称)."""
    _blank(document, 1)
    lines = [title]
    cut = title.find("专项行动")
    if _width(title) > 20 and cut > 0:
        lines = [title[:cut], title[cut:]]
    for line in lines:
        paragraph = document.add_paragraph()
        paragraph.alignment = WD_ALIGN_PARAGRAPH.CENTER
        add_run(paragraph, line, XIAOBIAOSONG, ER)
    _blank(document, 1)


def _cell(cell, text, size: float, *, bold_font=None, align=WD_ALIGN_PARAGRAPH.LEFT) -> None:
    paragraph = cell.paragraphs[0]
    paragraph.alignment = align
    _snap(paragraph, False)
    paragraph.paragraph_format.first_line_indent = Pt(0)
    cell.vertical_alignment = WD_CELL_VERTICAL_ALIGNMENT.CENTER
    add_run(paragraph, _text(text), bold_font or FANGSONG, size)


def _table(document, headers: list[str], rows: list[list], widths_mm: list[float], size: float):
    """A bordered table, its header row in 黑体 repeated on every page, widths in mm (summing to 156)."""
    table = document.add_table(rows=1, cols=len(headers))
    table.style = document.styles["Table Grid"]
    table.alignment = WD_TABLE_ALIGNMENT.CENTER
    table.autofit = False
    header = table.rows[0]
    tr_pr = header._tr.get_or_add_trPr()
    repeat = OxmlElement("w:tblHeader")
    repeat.set(qn("w:val"), "1")
    tr_pr.append(repeat)
    for cell, text in zip(header.cells, headers, strict=True):
        _cell(cell, text, size, bold_font=HEITI, align=WD_ALIGN_PARAGRAPH.CENTER)
    for values in rows:
        cells = table.add_row().cells
        for cell, value in zip(cells, values, strict=True):
            _cell(cell, value, size)
    # Fixed layout: the grid's column widths (what LibreOffice reads) and each cell's (what Word reads).
    for col, width in zip(table._tbl.tblGrid.findall(qn("w:gridCol")), widths_mm, strict=True):
        col.set(qn("w:w"), str(Mm(width).twips))
    for row in table.rows:
        _child(row._tr.get_or_add_trPr(), "w:cantSplit")  # a row is never cut across two pages
        for cell, width in zip(row.cells, widths_mm, strict=True):
            cell.width = Mm(width)
    return table


def _day(value) -> str:
    return value.isoformat() if value else ""


def _state(state: str) -> str:
    return str(STATES.get(state, state))


# Content ---------------------------------------------------------------------------------------


def _overview(document, summary: Summary) -> None:
    _heading(document, 1, "一、" + _("Overall progress against the targets"))
    _body(
        document,
        _(
            "As of %(date)s, the targets of the campaign stood as follows (each measured against its "
            "item's deadline)."
        )
        % {"date": chinese_date(summary.as_of)},
    )
    rows = [
        [str(t.label), str(t.goal), t.shown, t.state_label, _day(t.due_on), str(t.item)]
        for t in summary.targets
    ]
    rows += [[str(label), "", shown, _state(state), "", ""] for label, shown, state in summary.extra]
    _table(
        document,
        [str(h) for h in TARGET_COLUMNS],
        rows,
        [44, 14, 30, 26, 27, 15],
        XIAO_SI,
    )


def _hazard_sentence(numbers: dict) -> str:
    return (
        _(
            "%(found)s hazards found, %(closed)s closed, %(open)s not closed, of which %(overdue)s "
            "overdue and %(listed_open)s under listed supervision."
        )
        % numbers
    )


def _answer_sentence(answers: dict, answered: int | None = None) -> str:
    numbers = {key: answers.get(key, 0) for key in ("submitted", "returned", "accepted")}
    sentence = (
        _(
            "Answers to the items: %(submitted)s awaiting review, %(returned)s returned, %(accepted)s accepted."
        )
        % numbers
    )
    if answered is not None:
        sentence = _("The unit answers %(count)s items. ") % {"count": answered} + sentence
    return sentence


def _ledger_and_answers(document, summary: Summary) -> None:
    _heading(document, 1, "二、" + _("The hazard ledger and the answers to the items"))
    _heading(document, 2, "（一）" + _("The hazard ledger"))
    _body(document, _hazard_sentence(summary.hazards))
    _heading(document, 2, "（二）" + _("The answers to the 30 items"))
    _body(document, _answer_sentence(summary.answers))


def _units(document, summary: Summary) -> None:
    _heading(document, 1, "三、" + _("Work of each unit"))
    for number, unit in enumerate(summary.units, start=1):
        _heading(document, 2, f"（{chinese_number(number)}）{unit.region.name}")
        targets = "；".join(f"{t.label}{t.shown}（{t.state_label}）" for t in unit.targets)
        if targets:
            _body(document, _("Targets: %(targets)s.") % {"targets": targets})
        _body(document, _hazard_sentence(unit.hazards))
        _body(document, _answer_sentence(unit.answers, unit.items_answered))
        if not unit.written:
            _body(document, _("The unit has not sent its written summary report."))
            continue
        _body(document, _("Its written summary report (%(status)s):") % {"status": unit.written_status})
        for index, (label, text) in enumerate(unit.written, start=1):
            _heading(document, 3, f"{index}．{label}")
            for line in _text(text).splitlines() or [""]:
                if line.strip():
                    _body(document, line.strip())


def _annex_list(document, annexes: list[Annex]) -> None:
    """附件说明 (7.3.5.1): "附件：1．…", later lines aligned with the first name's first character."""
    _blank(document, 1)
    for number, annex in enumerate(annexes, start=1):
        paragraph = document.add_paragraph()
        # "附件：" three characters from the second, "N．" one and a half: names start at 6.5.
        _indent_chars(paragraph, left=6.5, hanging=4.5 if number == 1 else 1.5)
        add_run(paragraph, ("附件：" if number == 1 else "") + f"{number}．{annex.title}")


def _signature(document, summary: Summary) -> None:
    """发文机关署名 and 成文日期 of a stamped document (7.3.5.1): the date four characters in from
    the right, the issuer centred over it, three lines above for the seal."""
    _blank(document, 3)
    date = chinese_date(summary.generated_on)
    offset = 4 + (_width(date) - _width(summary.issuer)) / 2
    issuer = document.add_paragraph()
    issuer.alignment = WD_ALIGN_PARAGRAPH.RIGHT
    _indent_chars(issuer, right=max(offset, 0))
    add_run(issuer, summary.issuer)
    dated = document.add_paragraph()
    dated.alignment = WD_ALIGN_PARAGRAPH.RIGHT
    _indent_chars(dated, right=4)
    add_run(dated, date)


# Column names of the document's tables (context "official document": their own Chinese).
TARGET_COLUMNS = [
    pgettext_lazy("official document", "Target"),
    pgettext_lazy("official document", "Goal"),
    pgettext_lazy("official document", "Figure"),
    pgettext_lazy("official document", "State"),
    pgettext_lazy("official document", "Deadline"),
    pgettext_lazy("official document", "Item"),
]

ANNEX_COLUMNS = {
    HazardLine: (
        [
            pgettext_lazy("official document", "Code"),
            pgettext_lazy("official document", "Unit"),
            pgettext_lazy("official document", "Institution"),
            pgettext_lazy("official document", "Category"),
            pgettext_lazy("official document", "Found on"),
            pgettext_lazy("official document", "Deadline"),
            pgettext_lazy("official document", "Days overdue"),
            pgettext_lazy("official document", "Status"),
        ],
        [30, 20, 30, 14, 18, 18, 11, 15],
        lambda r: [
            r.code,
            r.unit,
            r.institution,
            r.category,
            _day(r.found_on),
            _day(r.deadline),
            str(r.days_overdue),
            r.status,
        ],
    ),
    ItemLine: (
        [
            pgettext_lazy("official document", "Unit"),
            pgettext_lazy("official document", "Item"),
            pgettext_lazy("official document", "Inspection item"),
            pgettext_lazy("official document", "Status"),
        ],
        [26, 12, 96, 22],
        lambda r: [r.unit, str(r.number), r.text, r.status],
    ),
    InstitutionLine: (
        [
            pgettext_lazy("official document", "Unit"),
            pgettext_lazy("official document", "Institution"),
            pgettext_lazy("official document", "Unified social credit code"),
            pgettext_lazy("official document", "Last update"),
        ],
        [30, 56, 44, 26],
        lambda r: [r.unit, r.name, r.credit_code, _day(r.updated_on)],
    ),
}


def _annex(document, number: int, annex: Annex, kind) -> None:
    """One annex on a new page (GB/T 9704-2012 8): "附件N" top left in 黑体, the title centred on
    the third line, the table of at most DOCX_ANNEX_ROWS rows, the count of the rest."""
    start = document.add_paragraph()
    start.paragraph_format.page_break_before = True
    add_run(start, f"附件{number}", HEITI)
    _blank(document, 1)
    title = document.add_paragraph()
    title.alignment = WD_ALIGN_PARAGRAPH.CENTER
    add_run(title, annex.title, XIAOBIAOSONG, ER)
    _blank(document, 1)
    shown = annex.rows[:DOCX_ANNEX_ROWS]
    if annex.total == 0:
        _body(document, _("None as of the measuring date."))
        return
    headers, widths, values = ANNEX_COLUMNS[kind]
    _table(document, [str(h) for h in headers], [values(row) for row in shown], widths, WU)
    more = annex.total - len(shown)
    if more > 0:
        _body(
            document,
            _(
                "%(total)s rows in all; the first %(shown)s are listed here, the other %(more)s are in the "
                "acceptance workbook."
            )
            % {"total": annex.total, "shown": len(shown), "more": more},
        )


def _footers(document) -> None:
    """ "— 1 —" in 4号 宋体: odd pages right, even pages left, one character (14 pt) in (7.5)."""
    section = document.sections[0]
    for footer, align in (
        (section.footer, WD_ALIGN_PARAGRAPH.RIGHT),
        (section.even_page_footer, WD_ALIGN_PARAGRAPH.LEFT),
    ):
        footer.is_linked_to_previous = False
        paragraph = footer.paragraphs[0]
        paragraph.alignment = align
        _snap(paragraph, False)
        if align == WD_ALIGN_PARAGRAPH.RIGHT:
            paragraph.paragraph_format.right_indent = Pt(SI)
        else:
            paragraph.paragraph_format.left_indent = Pt(SI)
        add_run(paragraph, "— ", SONGTI, SI)
        _page_field(paragraph)
        add_run(paragraph, " —", SONGTI, SI)


def _page_field(paragraph) -> None:
    """A `PAGE` field (begin, instruction, separate, a cached "1", end), each run in 宋体 4号."""
    for kind, text in (
        ("begin", None),
        ("instr", " PAGE "),
        ("separate", None),
        ("text", "1"),
        ("end", None),
    ):
        run = add_run(paragraph, "", SONGTI, SI)
        if kind == "instr":
            instruction = OxmlElement("w:instrText")
            instruction.set(qn("xml:space"), "preserve")
            instruction.text = text
            run._element.append(instruction)
        elif kind == "text":
            run.text = text
        else:
            char = OxmlElement("w:fldChar")
            char.set(qn("w:fldCharType"), kind)
            run._element.append(char)


def render_summary(summary: Summary, doc_number: str = "") -> bytes:
    """The summary report `summary` (`reports.content.summary`) as a GB/T 9704-2012 .docx (bytes).

    `doc_number`: the 发文字号 ("鞍民发〔2020〕45号"); empty: "〔    〕号" for the clerk to fill in.
    Text written into the document is Chinese whatever the reader's language. Reads nothing from the
    database; a few hundred milliseconds for a city."""
    with translation.override("zh-hans"):
        document = Document()
        _setup(document)
        _masthead(document, summary, _text(doc_number).strip())
        _title(document, summary.title)
        campaign = summary.campaign.title
        _body(
            document,
            _("The work of %(campaign)s as of %(date)s is reported as follows.")
            % {"campaign": campaign, "date": chinese_date(summary.as_of)},
        )
        _overview(document, summary)
        _ledger_and_answers(document, summary)
        _units(document, summary)
        _annex_list(document, summary.annexes)
        _signature(document, summary)
        for number, (annex, kind) in enumerate(
            zip(summary.annexes, (HazardLine, ItemLine, InstitutionLine), strict=True), start=1
        ):
            _annex(document, number, annex, kind)
        _footers(document)
        output = io.BytesIO()
        document.save(output)
    return output.getvalue()


_YEAR_BRACKETS = re.compile(r"[\[［【(（〔]\s*(\d{4})\s*[\]］】)）〕]")


def normalise_doc_number(value: str) -> str:
    """The 发文字号 as GB/T 9704-2012 7.2.4 writes it: the year in 六角括号 "〔2020〕" whatever
    brackets were typed ("鞍民发[2020]45号" → "鞍民发〔2020〕45号"), spaces around it dropped."""
    return _YEAR_BRACKETS.sub(lambda m: f"〔{m.group(1)}〕", _text(value).strip())
