"""The summary report's annexes as fixed-width listings (reports/listing.py): values wrap inside
their columns, and the columns line up on paper — checked on a page WeasyPrint lays out with the
report's own stylesheet and font, from pdftotext's word boxes."""

import re
import subprocess

import pytest
from django.template.loader import render_to_string

from reports import listing, pdf

COLUMNS = [
    listing.Column("序号", 5, right=True),
    listing.Column("隐患编号", 12),
    listing.Column("地区", 10),
    listing.Column("机构名称", 16),
    listing.Column("逾期天数", 8, right=True),
]
ROWS = [
    (1, "AS-1", "铁东区", "康乐老年公寓", 3),
    (2, "ABCDEFGHJKLMNPQR", "高新技术产业开发区", "铁东区颐和养老院（第二院区）", 1234),
    (3, "x·y→z", "立山区", "é Maison", None),
    (10, "Z-9", "", "千山区福寿养老院", 0),
]


@pytest.mark.parametrize(
    ("char", "cells"),
    [("A", 1), ("1", 1), ("é", 1), ("鞍", 2), ("（", 2), ("·", 2), ("→", 2), ("×", 2), ("“", 2)],
)
def test_a_character_takes_the_cells_the_cjk_monospace_font_gives_it(char, cells):
    assert listing.char_cells(char) == cells


@pytest.mark.parametrize(
    ("text", "width"),
    [
        ("ABCDEFGHJKLMNPQRSTUVWXYZ0123456789", 12),
        ("铁东区颐和养老院（第二院区）", 10),
        ("AB铁东CD区EF颐和", 5),
        ("第一行\n第二行很长很长很长", 8),
        ("铁", 1),  # wider than its column: alone on its line, never dropped
    ],
)
def test_wrapping_keeps_every_character_and_each_line_fits(text, width):
    lines = listing.wrap(text, width)
    assert "".join(lines) == text.replace("\n", "")
    assert all(listing.text_cells(line) <= max(width, 2) for line in lines)
    assert len(lines) >= text.count("\n") + 1


def test_a_row_puts_each_column_at_the_same_cell_on_every_line():
    text = listing.row_text(COLUMNS, ROWS[1])
    lines = text.split("\n")
    assert len(lines) == 2  # the code, the region and the name take two lines each
    starts = [sum(c.width for c in COLUMNS[:i]) + len(listing.GAP) * i for i in range(len(COLUMNS))]
    for line in lines:
        for start in (start for start in starts[1:] if listing.text_cells(line) > start):
            before = line[: _index_at(line, start)]
            assert listing.text_cells(before) == start, (line, start)
    assert lines[0].startswith("    2  ABCDEFGHJKLM") and "1234" in lines[0]
    assert lines[1].lstrip().startswith("NPQR")
    empty = listing.row_text(COLUMNS, ROWS[2])
    assert listing.EMPTY in empty and "None" not in empty


def _index_at(line: str, cells: int) -> int:
    used = 0
    for index, char in enumerate(line):
        if used >= cells:
            return index
        used += listing.char_cells(char)
    return len(line)


def test_on_paper_the_columns_line_up_and_the_heads_repeat(tmp_path):
    made = listing.listing(COLUMNS, ROWS * 30)
    body = render_to_string("reports/pdf/_listing.html", {"listing": made})
    html = f'<html lang="zh-CN"><body><section class="annex">{body}</section></body></html>'
    from weasyprint import CSS, HTML

    path = tmp_path / "listing.pdf"
    HTML(string=html, url_fetcher=pdf.fetch_nothing).write_pdf(
        path, stylesheets=[CSS(filename=pdf.STYLESHEET)]
    )
    boxes = subprocess.run(
        ["pdftotext", "-bbox", str(path), "-"], check=True, capture_output=True, text=True
    ).stdout
    pages = boxes.split("<page ")[1:]
    assert len(pages) >= 2
    for page in pages[:2]:
        words = [
            (float(x), float(y), word)
            for x, y, word in re.findall(r'<word xMin="([\d.]+)" yMin="([\d.]+)"[^>]*>([^<]*)</word>', page)
        ]
        assert any(word == "机构名称" for _x, _y, word in words)  # the heads on every page
        # the institution column: every name (and the head) starts at the same x
        starts = {
            round(x, 1)
            for x, _y, word in words
            if word.startswith(("康乐", "铁东区颐和", "é", "千山", "机构名称"))
        }
        assert max(starts) - min(starts) < 0.6, starts
        # the region column, after a code of mixed Latin, "·" and "→"
        regions = {round(x, 1) for x, _y, word in words if word in ("铁东区", "高新技术产", "立山区", "地区")}
        assert max(regions) - min(regions) < 0.6, regions
