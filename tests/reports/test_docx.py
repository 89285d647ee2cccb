"""The summary report as an official document (.docx, GB/T 9704-2012) (issue 14, item 3): read back
with python-docx (page, masthead, document number, title, heading fonts, an East Asian font on every
run), printed by LibreOffice (A4, page count, text, 22 lines of 28 characters on a body page, a page
looked at), scope and roles, bad dates."""

import io
import re
import subprocess
from pathlib import Path

import pytest
from django.urls import reverse
from docx import Document
from docx.oxml.ns import qn

from hazards.models import Hazard
from reports.docx import BLANK_NUMBER, normalise_doc_number
from reports.models import SummaryReport
from tests.dashboards.test_dashboard import at, records  # noqa: F401  (fixture)
from tests.office import convert

AS_OF = "2020-10-31"
# A paragraph long enough to fill more than a page on its own (GB/T 9704's plain body text).
LONG = "各县区民政部门对照三十项重点工作逐项落实排查整治养老院安全隐患建立长效机制。" * 60


@pytest.fixture
def reported(records):  # noqa: F811  (the imported fixture)
    """The dashboard's records plus 铁东区's written summary report, submitted, one section long."""
    with at(2020, 10, 18, 9):
        SummaryReport.objects.create(
            campaign=records.campaign,
            region=records.regions["210302"],
            status="submitted",
            achievements=LONG,
            problems="部分民办养老机构消防设施改造资金不足。",
            suggestions="建议加大资金支持。",
            long_term_plan="建立健全长效监管机制。",
            submitted_by=records.users["district"],
        )
    return records


def download(client, world, who="city", region="210300", **params):
    client.force_login(world.users[who])
    return client.get(reverse("reports:docx", args=[world.regions[region].pk]), params)


def document_of(response) -> Document:
    assert response.status_code == 200
    return Document(io.BytesIO(b"".join(response.streaming_content)))


def every_run(document):
    """Every run of the body's paragraphs, the tables' cells and every header and footer."""

    def paragraphs_of(container):
        yield from container.paragraphs
        for table in getattr(container, "tables", []):
            for row in table.rows:
                for cell in row.cells:
                    yield from paragraphs_of(cell)

    containers = [document]
    for section in document.sections:
        containers += [
            section.header,
            section.footer,
            section.even_page_header,
            section.even_page_footer,
            section.first_page_header,
            section.first_page_footer,
        ]
    for container in containers:
        for paragraph in paragraphs_of(container):
            yield from paragraph.runs


def east_asian(run) -> str | None:
    fonts = run._element.rPr.rFonts if run._element.rPr is not None else None
    return None if fonts is None else fonts.get(qn("w:eastAsia"))


def test_the_document_reads_back_as_an_official_document(client, reported):
    document = document_of(download(client, reported, as_of=AS_OF, doc_number="鞍民发〔2020〕45号"))
    section = document.sections[0]
    sizes = (section.page_width, section.page_height)
    margins = (section.top_margin, section.bottom_margin, section.left_margin, section.right_margin)
    assert [round(length.mm, 1) for length in (*sizes, *margins)] == [210, 297, 37, 35, 28, 26]
    grid = section._sectPr.find(qn("w:docGrid"))
    assert grid.get(qn("w:linePitch")) == "579"  # 28.95 pt: 22 lines in 225 mm

    paragraphs = [p for p in document.paragraphs if p.text.strip()]
    mark, number = paragraphs[0], paragraphs[1]
    assert mark.text == "鞍山市民政局文件"
    assert mark.runs[0].font.color.rgb == (0xFF, 0x00, 0x00)
    assert east_asian(mark.runs[0]) == "方正小标宋简体"
    assert mark.alignment == 1  # centred
    assert number.text == "鞍民发〔2020〕45号"
    assert number._p.pPr.find(qn("w:pBdr")).find(qn("w:bottom")).get(qn("w:color")) == "FF0000"
    title = "".join(p.text for p in paragraphs[2:4])
    assert title == "鞍山市2020年养老院服务质量建设专项行动总结报告"
    assert {east_asian(p.runs[0]) for p in paragraphs[2:4]} == {"方正小标宋简体"}
    assert {p.runs[0].font.size.pt for p in paragraphs[2:4]} == {22}

    first_level = [p for p in paragraphs if re.match("[一二三四五六七八九十]+、", p.text)]
    second_level = [p for p in paragraphs if re.match("（[一二三四五六七八九十]+）", p.text)]
    assert len(first_level) == 3 and len(second_level) >= 3
    assert {east_asian(p.runs[0]) for p in first_level} == {"黑体"}
    assert {east_asian(p.runs[0]) for p in second_level} == {"楷体_GB2312"}
    assert any(p.text.startswith("（") and "铁东区" in p.text for p in second_level)
    assert east_asian(next(p for p in paragraphs if LONG[:20] in p.text).runs[0]) == "仿宋_GB2312"

    # The issuer and the date at the end of the body, the annexes on their own pages.
    texts = [p.text for p in paragraphs]
    assert texts[texts.index("鞍山市民政局", 2) + 1].endswith("日")
    assert [t for t in texts if re.fullmatch(r"附件\d", t)] == ["附件1", "附件2", "附件3"]
    overdue = Hazard.objects.get(region=reported.regions["210302"]).code
    assert overdue in [row.cells[0].text for row in document.tables[1].rows]  # annex 1's table

    runs = list(every_run(document))
    assert len(runs) > 100
    missing = [run.text for run in runs if not east_asian(run)]
    assert not missing, f"runs without an East Asian font: {missing[:5]}"
    styles = document.styles.element
    assert (
        styles.find(qn("w:docDefaults"))
        .find(qn("w:rPrDefault"))
        .find(qn("w:rPr"))
        .find(qn("w:rFonts"))
        .get(qn("w:eastAsia"))
    )

    # Page numbers: a PAGE field between 一字线, odd pages right, even pages left, 宋体 4号.
    odd, even = section.footer.paragraphs[0], section.even_page_footer.paragraphs[0]
    assert odd.alignment == 2 and even.alignment == 0
    for footer in (odd, even):
        assert footer._p.xpath(".//w:instrText")[0].text.strip() == "PAGE"
        assert footer.text.startswith("— ") and footer.text.endswith(" —")
        assert {east_asian(run) for run in footer.runs} == {"宋体"}
        assert {run.font.size.pt for run in footer.runs} == {14}
    assert document.settings.odd_and_even_pages_header_footer


def test_the_document_number_is_left_blank_for_the_clerk(client, reported):
    document = document_of(download(client, reported, as_of=AS_OF))
    assert [p.text for p in document.paragraphs if p.text.strip()][1] == BLANK_NUMBER == "〔    〕号"


def test_the_year_of_a_typed_number_goes_in_hexagonal_brackets(client, reported):
    assert normalise_doc_number(" 鞍民发[2020]45号 ") == "鞍民发〔2020〕45号"
    assert normalise_doc_number("鞍民发（2020）45号") == "鞍民发〔2020〕45号"
    document = document_of(download(client, reported, as_of=AS_OF, doc_number="鞍民发【2020】7号"))
    assert [p.text for p in document.paragraphs if p.text.strip()][1] == "鞍民发〔2020〕7号"


def to_pdf(content: bytes, tmp_path: Path) -> Path:
    return convert(content, tmp_path, "summary.docx") / "summary.pdf"


def page_text(pdf: Path, page: int, layout=True) -> str:
    args = ["pdftotext", *(["-layout"] if layout else []), "-f", str(page), "-l", str(page), str(pdf), "-"]
    return subprocess.run(args, check=True, capture_output=True, text=True).stdout


def test_libreoffice_prints_it_on_a4_with_22_lines_of_28_characters(client, reported, tmp_path, artifacts):
    body = b"".join(
        download(client, reported, as_of=AS_OF, doc_number="鞍民发〔2020〕45号").streaming_content
    )
    pdf = to_pdf(body, tmp_path)
    info = subprocess.run(["pdfinfo", str(pdf)], check=True, capture_output=True, text=True).stdout
    assert re.search(r"Page size:\s+595\.\d+ x 841\.\d+ pts \(A4\)", info)
    pages = int(re.search(r"Pages:\s+(\d+)", info).group(1))
    # The body with its 11 units and the long written report, annex 1 (2 hazards), annex 2 (300 of
    # its 310 rows: every unit's unanswered items) and annex 3 (3 institutions), with this machine's
    # fonts (Noto CJK standing in for 仿宋_GB2312 and 方正小标宋简体).
    assert pages == 31

    text = subprocess.run(["pdftotext", str(pdf), "-"], check=True, capture_output=True, text=True).stdout
    flat = re.sub(r"\s+", "", text)
    assert "鞍山市民政局文件" in flat and "鞍民发〔2020〕45号" in flat
    assert "鞍山市2020年养老院服务质量建设专项行动总结报告" in flat
    assert "附件1" in flat
    assert Hazard.objects.get(region=reported.regions["210302"]).code in flat  # the overdue annex

    # A page of plain body text (inside the long written report): 22 lines, full lines 28 characters.
    full_pages = []
    for page in range(1, pages + 1):
        lines = [line.strip() for line in page_text(pdf, page).splitlines() if line.strip()]
        body_lines = [line for line in lines if not re.fullmatch(r"—\s*\d+\s*—", line)]
        if body_lines and all(set(line) <= set(LONG) for line in body_lines):
            full_pages.append((page, body_lines))
    assert full_pages, "no page of plain body text"
    page, body_lines = full_pages[0]
    assert 21 <= len(body_lines) <= 23, body_lines
    assert {len(line.replace(" ", "")) for line in body_lines[:-1]} == {28}
    # The page number is on that page, on its side (odd right, even left).
    footer = [line for line in page_text(pdf, page).splitlines() if re.search(r"—\s*\d+\s*—", line)]
    assert footer and re.sub(r"\s", "", footer[0]) == f"—{page}—"
    indent = len(footer[0]) - len(footer[0].lstrip())
    assert indent > 30 if page % 2 else indent < 5

    subprocess.run(
        ["pdftoppm", "-png", "-r", "60", "-f", "1", "-l", "1", str(pdf), str(artifacts / "docx-page")]
    )
    subprocess.run(
        [
            "pdftoppm",
            "-png",
            "-r",
            "60",
            "-f",
            str(page),
            "-l",
            str(page),
            str(pdf),
            str(artifacts / "docx-body"),
        ]
    )


def test_the_figures_are_as_of_the_measuring_date(client, reported):
    """The overdue hazard of 铁东区 was closed on 5 November: listed as of 31 October, not after."""
    before = document_of(download(client, reported, as_of=AS_OF))
    after = document_of(download(client, reported, as_of="2020-11-06"))

    def overdue_codes(document):
        return [row.cells[0].text for row in document.tables[1].rows[1:]]

    code = Hazard.objects.get(region=reported.regions["210302"]).code
    assert code in overdue_codes(before)
    assert code not in overdue_codes(after)


def test_the_download_is_an_attachment_with_a_chinese_name(client, reported):
    response = download(client, reported, as_of=AS_OF)
    assert response["Content-Type"].startswith("application/vnd.openxmlformats-officedocument")
    disposition = response["Content-Disposition"]
    assert disposition.startswith("attachment;")
    assert "filename*=utf-8''" in disposition
    assert "%E9%9E%8D%E5%B1%B1%E5%B8%82" in disposition  # 鞍山市, percent-encoded (RFC 6266/5987)
    assert "2020-10-31" in disposition


@pytest.mark.parametrize("who", ["district", "other_district", "institution", "department"])
def test_other_roles_are_refused(client, reported, who):
    assert download(client, reported, who=who).status_code == 403


def test_a_region_out_of_scope_or_below_a_city_answers_404(client, reported):
    client.force_login(reported.users["city"])
    dalian = reported.foreign_region.parent
    assert client.get(reverse("reports:docx", args=[dalian.pk])).status_code == 404
    assert client.get(reverse("reports:docx_form", args=[dalian.pk])).status_code == 404
    assert download(client, reported, region="210302").status_code == 404  # a district: no summary


@pytest.mark.parametrize("value", ["abc", "2999-01-01", "31/10/2020"])
def test_a_bad_measuring_date_is_refused_in_chinese(client, reported, value):
    response = download(client, reported, as_of=value)
    assert response.status_code == 400
    body = response.content.decode()
    assert 'data-testid="docx-error"' in body and "测量日期" in body


def test_the_form_offers_the_download(client, reported):
    client.force_login(reported.users["city"])
    response = client.get(reverse("reports:docx_form", args=[reported.regions["210300"].pk]))
    body = response.content.decode()
    assert response.status_code == 200
    assert reverse("reports:docx", args=[reported.regions["210300"].pk]) in body
    assert 'name="as_of"' in body and 'name="doc_number"' in body


def test_a_document_number_with_control_characters_is_refused(client, reported):
    response = download(client, reported, as_of=AS_OF, doc_number="鞍民发\x07〔2020〕1号")
    assert response.status_code == 400


def test_a_province_user_gets_the_province_and_a_city(client, reported):
    from tests.conftest import make_user

    province = make_user("liaoning", "city", region=reported.regions["210000"])
    reported.users["province"] = province
    for code in ("210000", "210300"):
        document = document_of(download(client, reported, who="province", region=code, as_of=AS_OF))
        mark = next(p.text for p in document.paragraphs if p.text.strip())
        assert mark == ("辽宁省民政厅文件" if code == "210000" else "鞍山市民政局文件")
