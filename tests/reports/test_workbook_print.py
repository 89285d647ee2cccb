"""The acceptance workbook printed by a real office suite: LibreOffice Calc converts 铁东区's
workbook to PDF and poppler reads it back — A4 pages (portrait for the item sheet, landscape for
the lists), the header rows repeated on the item sheet's second page, every column heading of the
wide lists on their first page (nothing cut off: one page wide), and the page count."""

import shutil
import subprocess
from pathlib import Path

import pytest
from django.urls import reverse

from tests.office import convert
from tests.reports.test_workbook import AS_OF, answers  # noqa: F401 - fixtures
from tests.test_url_sweep import get_writing_nothing

A4 = (595, 842)  # points, rounded


def to_pdf(content: bytes, tmp_path: Path) -> Path:
    return convert(content, tmp_path, "workbook.xlsx") / "workbook.pdf"


def page_text(pdf: Path, page: int) -> str:
    result = subprocess.run(
        ["pdftotext", "-layout", "-f", str(page), "-l", str(page), str(pdf), "-"],
        check=True,
        capture_output=True,
        text=True,
    )
    return result.stdout


def page_sizes(pdf: Path) -> list[tuple[int, int]]:
    """(width, height) in whole points of every page (pdfinfo -f 1 -l N)."""
    info = subprocess.run(["pdfinfo", str(pdf)], check=True, capture_output=True, text=True).stdout
    pages = int(next(line.split()[-1] for line in info.splitlines() if line.startswith("Pages:")))
    info = subprocess.run(
        ["pdfinfo", "-f", "1", "-l", str(pages), str(pdf)], check=True, capture_output=True, text=True
    ).stdout
    sizes = []
    for line in info.splitlines():
        if line.startswith("Page") and "size:" in line:
            parts = line.split("size:")[1].split()
            sizes.append((round(float(parts[0])), round(float(parts[2]))))
    return sizes


@pytest.fixture
def long_answers(answers):  # noqa: F811 - the fixture imported above
    """Long narratives, so that 铁东区's item sheet runs onto a second page."""
    from campaign.models import ItemAnswer

    ItemAnswer.objects.filter(region=answers.regions["210302"]).update(
        narrative="按照专项行动要求，逐项对照检查，建立台账，明确责任人和整改时限，定期调度推进。" * 6
    )
    return answers


def test_libreoffice_prints_the_workbook_on_a4_with_titles_and_every_column(
    client, long_answers, tmp_path, artifacts
):
    world = long_answers
    client.force_login(world.users["district"])
    url = reverse("reports:workbook_region", args=[world.regions["210302"].pk]) + f"?as_of={AS_OF}"
    response = get_writing_nothing(client, url)
    assert response.status_code == 200
    pdf = to_pdf(response.content, tmp_path)
    shutil.copy(pdf, artifacts / "acceptance-workbook-tiedong.pdf")
    sizes = page_sizes(pdf)
    texts = [page_text(pdf, n) for n in range(1, len(sizes) + 1)]

    def pages_with(text):
        return [n for n, page in enumerate(texts) if text in page]

    # Page 1: the summary (landscape, A4).
    assert "验收汇总" in texts[0] and sizes[0] == A4[::-1]
    # The item sheet: portrait A4, two pages, the unit line and the header row on both.
    item_pages = pages_with("各地落实及有关证明材料")
    assert len(item_pages) == 2, item_pages
    for n in item_pages:
        assert sizes[n] == A4, n
        assert "单位：铁东区" in texts[n] and "调研检查重点工作项目" in texts[n]
    assert "2020年养老院服务质量建设调研检查重点工作项目" in texts[item_pages[0]]
    assert "1、制定专项行动落实实施方案情况。" in texts[item_pages[0]].replace(" ", "")
    assert "30、" in texts[item_pages[1]]
    # The wide lists: landscape, every column heading on the list's first page (one page wide).
    for title, headings in (
        ("隐患清单", ["编号", "所属区域", "机构名称", "隐患描述", "发现日期", "挂牌督办"]),
        ("整改清单", ["整改措施", "整改时限", "核查意见", "销号日期"]),
        ("养老机构名单", ["机构名称", "统一社会信用代码", "地址", "消防安全改造", "全国系统数据"]),
    ):
        first = next(n for n in pages_with(title) if "——" in texts[n] or title == "养老机构名单")
        assert sizes[first] == A4[::-1], title
        flat = texts[first].replace(" ", "").replace("\n", "")
        for heading in headings:
            assert heading in flat, (title, heading)
    # The footer numbers every page; the page count: summary 1, items 2, indicators 1, the three
    # lists and the institution list 1 each (two hazards, one institution).
    assert all("第" in text and "页" in text for text in texts)
    assert len(sizes) == 1 + 2 + 1 + 3 + 1
