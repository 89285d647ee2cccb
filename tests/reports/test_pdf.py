"""The summary report (PDF) and a unit's acceptance report (PDF) (issue 14, item 2): the text a
reader finds in them (pypdf), the CJK font embedded (pdffonts), long codes wrapped inside their
cells (pdftotext's word boxes), pages rendered for a look (pdftoppm, test-artifacts/pdf-*.png),
statuses as of the measuring date, scope; the summary report made by a background job
(core.exports) for its asker only, a unit's acceptance report downloaded at once."""

import datetime
import io
import re
import subprocess
from pathlib import Path
from urllib.parse import unquote, urlencode

import pytest
from django.urls import reverse
from pypdf import PdfReader

from core import exports
from hazards.models import Hazard
from reports import pdf
from reports.models import SummaryReport
from tests.campaign.test_indicators import inst
from tests.dashboards.test_dashboard import answer, at, step
from tests.submissions import with_token
from tests.test_url_sweep import get_writing_nothing

LONG_CODE = "210302-2020-ABCDEFGHJKLMNPQRSTU"  # 32 characters, no break opportunity
WRITTEN = {
    "achievements": "四年来全区共排查整治隐患126处。",
    "problems": "部分民办机构消防设施老化。",
    "suggestions": "建议市级统筹消防改造资金。",
    "long_term_plan": "建立季度排查、年度评估的长效机制。",
}


@pytest.fixture
def summary_job(client, eager, django_capture_on_commit_callbacks):
    """make(world, who, **params) -> (job id, the job's download response): the summary report's
    GET offers the job (writing nothing), its POST starts it (Celery eager), the job's page links
    to the download, which `who` then GETs."""

    def make(world, who="city", **params):
        client.force_login(world.users[who])
        url = reverse("reports:pdf_summary") + ("?" + urlencode(params) if params else "")
        with at(2020, 12, 1, 10):
            offer = get_writing_nothing(client, url)
            assert offer.status_code == 200 and 'data-testid="export-large"' in offer.content.decode()
            with django_capture_on_commit_callbacks(execute=True):
                started = client.post(url, with_token(client))
            assert started.status_code == 302
            job_id = started["Location"].split("/")[2]
            link = reverse("core:export_download", args=[job_id])
            page = get_writing_nothing(client, reverse("core:export_job", args=[job_id])).content.decode()
            assert f'href="{link}"' in page, page
            return job_id, get_writing_nothing(client, link)

    return make


def summary_of(summary_job, world, **params) -> bytes:
    """The summary report's bytes, made by its job for city staff."""
    _job, response = summary_job(world, **params)
    assert response.status_code == 200 and response["Content-Type"] == "application/pdf"
    return b"".join(response.streaming_content)


@pytest.fixture
def records(world):
    """In 铁东区 on 2020-10-31: an overdue hazard with a 32-character code, an institution not
    updated in the national system, item 4 accepted, item 5 returned with a reason, item 6
    submitted (accepted on 5 November, after the date), and its written summary report."""
    tiedong = world.regions["210302"]
    with at(2020, 9, 10, 9):
        home = inst(tiedong, "铁东区颐和养老院")
        Hazard.objects.create(
            code=LONG_CODE,
            institution=home,
            category="fire",
            source="survey",
            description="疏散通道堵塞",
            found_on=datetime.date(2020, 9, 10),
            responsible_unit=home.name,
            responsible_person="刘建华",
            deadline=datetime.date(2020, 9, 30),
            created_by=world.users["district"],
        )
    with at(2020, 10, 20, 9):
        answer(world, 4, tiedong, "submit", "accept")
        returned = answer(world, 5, tiedong, "submit")
        late = answer(world, 6, tiedong, "submit")
        SummaryReport.objects.create(
            campaign=world.campaign,
            region=tiedong,
            status="submitted",
            submitted_by=world.users["district"],
            **WRITTEN,
        )
    with at(2020, 10, 25, 9):
        step(world, returned, "return")
        returned.events.filter(action="return").update(note="缺少消防验收证明材料")
    with at(2020, 11, 5, 9):
        step(world, late, "accept")
    world.home = home
    return world


def download(client, world, who, name, **params):
    client.force_login(world.users[who])
    kwargs = params.pop("kwargs", None)
    with at(2020, 12, 1, 10):
        return client.get(reverse(f"reports:{name}", kwargs=kwargs), params)


def pdf_of(response) -> bytes:
    assert response.status_code == 200, response.content[:300]
    assert response["Content-Type"] == "application/pdf"
    return response.content


def text_of(data: bytes) -> list[str]:
    return [page.extract_text() for page in PdfReader(io.BytesIO(data)).pages]


def squeeze(text: str) -> str:
    return re.sub(r"\s+", "", text)


def look(data: bytes, artifacts: Path, name: str, pages: list[int]) -> list[Path]:
    """Pages rendered to test-artifacts/pdf-<name>-<page>.png (to be looked at)."""
    source = artifacts / f"pdf-{name}.pdf"
    source.write_bytes(data)
    made = []
    for number in pages:
        prefix = artifacts / f"pdf-{name}-{number}"
        subprocess.run(
            [
                "pdftoppm",
                "-png",
                "-r",
                "60",
                "-singlefile",
                "-f",
                str(number),
                "-l",
                str(number),
                source,
                prefix,
            ],
            check=True,
        )
        made.append(prefix.with_suffix(".png"))
    assert all(path.stat().st_size > 5000 for path in made)
    return made


def page_of(pages: list[str], needle: str, after: int = 0) -> int:
    """The 1-based number of the first page after page `after` whose text holds `needle` (spaces
    ignored)."""
    return next(
        index for index, text in enumerate(pages, 1) if index > after and squeeze(needle) in squeeze(text)
    )


def annex_page(pages: list[str], number: int) -> int:
    """The first page of annex `number` (the contents, page 2, names it too)."""
    return page_of(pages, f"附件{number}：", after=2)


def item_rows(pages: list[str], campaign) -> dict[int, str]:
    """{item number: the text of its row} of an acceptance report, spaces removed: from the item's
    number and the start of its text to the next item's."""
    every = squeeze("".join(pages))
    starts = sorted(
        (every.index(f"{item.number}、{squeeze(item.text)[:8]}"), item.number)
        for item in campaign.items.all()
        if f"{item.number}、{squeeze(item.text)[:8]}" in every
    )
    ends = [start for start, _number in starts[1:]] + [len(every)]
    return {number: every[start:end] for (start, number), end in zip(starts, ends, strict=True)}


@pytest.mark.long
def test_the_city_gets_its_summary_report_from_its_job(summary_job, client, records, artifacts, tmp_path):
    """One rendering (10–20 s) read every way a reader meets it: the job is the asker's alone, the
    file's Chinese name, the headings, figures and annexes, the long code wrapped inside its
    column, every font embedded."""
    job_id, response = summary_job(records, as_of="2020-10-31")
    assert response.status_code == 200 and response["Content-Type"] == "application/pdf"
    disposition = response["Content-Disposition"]
    assert disposition.startswith("attachment;")
    name = unquote(disposition.split("filename*=utf-8''")[1])
    assert name == "鞍山市专项行动总结报告（截至2020-10-31）.pdf"
    data = b"".join(response.streaming_content)
    with at(2020, 12, 1, 10):  # the job's clock
        job = exports.get_job(job_id)
    assert job["status"] == exports.DONE and job["done"] == job["total"] == 1 + pdf.STEPS
    assert data.startswith(b"%PDF")
    pages = text_of(data)
    headings_figures_and_annexes(data, pages, records, artifacts)
    a_long_code_wraps_inside_its_cell(data, pages, tmp_path)
    every_font_is_embedded(data, tmp_path)
    for other in ("district", "other_district", "admin", "department", "institution"):
        client.force_login(records.users[other])
        with at(2020, 12, 1, 10):
            for url_name in ("core:export_job", "core:export_status", "core:export_download"):
                assert client.get(reverse(url_name, args=[job_id])).status_code == 404, (other, url_name)


def headings_figures_and_annexes(data: bytes, pages: list[str], records, artifacts) -> None:
    every = squeeze("".join(pages))
    assert "鞍山市2020年养老院服务质量建设专项行动总结报告" in every
    assert "鞍山市民政局" in every and "测量日期：2020-10-31" in every
    for heading in (
        "目录",
        "一、目标完成情况",
        "二、风险隐患台账和重点工作项目填报情况",
        "三、图表",
        "附件1",
        "附件2",
        "附件3",
    ):
        assert heading in every, heading
    for unit in ("铁东区", "铁西区", "海城市", "岫岩满族自治县"):
        assert unit in every, unit
    assert f"第1页共{len(pages)}页" in squeeze(pages[0])
    assert f"第{len(pages)}页共{len(pages)}页" in squeeze(pages[-1])
    # the national-system target: 0 of the city's 1 institution updated by 30 October, missed
    overview = squeeze(pages[page_of(pages, "一、目标完成情况", after=2) - 1])
    assert "全国养老服务信息系统数据更新" in overview and "0%（0/1）" in overview and "未按期完成" in overview
    # the unit's written report, its four sections
    for text in WRITTEN.values():
        assert squeeze(text) in every
    # annex 1: the overdue hazard, its code whole in its column: the piece that fits on the row's
    # first line, the rest on its next line (the listing's columns wrap like table cells)
    annex = annex_page(pages, 1)
    annex_text = squeeze(pages[annex - 1])
    assert "共1条" in annex_text and "序号隐患编号" in annex_text
    fits = max(n for n in range(1, len(LONG_CODE) + 1) if LONG_CODE[:n] in annex_text)
    assert fits >= 8 and LONG_CODE[fits:] in annex_text
    # annex 3: the institution not updated, with its credit code
    assert records.home.credit_code in every
    # the contents give each section's page
    contents = pages[page_of(pages, "目录") - 1]
    assert re.search(r"附件1：.*?(\d+)\s*$", contents, re.M).group(1) == str(annex)
    look(
        data,
        artifacts,
        "summary",
        [1, 2, page_of(pages, "一、目标完成情况", after=2), page_of(pages, "三、图表", after=2), annex],
    )


def a_long_code_wraps_inside_its_cell(data: bytes, pages: list[str], tmp_path) -> None:
    annex = annex_page(pages, 1)
    source = tmp_path / "summary.pdf"
    source.write_bytes(data)
    html = subprocess.run(
        ["pdftotext", "-bbox", "-f", str(annex), "-l", str(annex), str(source), "-"],
        check=True,
        capture_output=True,
        text=True,
    ).stdout
    width = float(re.search(r'<page width="([\d.]+)"', html).group(1))
    words = [
        (float(x2), float(y1), word)
        for y1, x2, word in re.findall(
            r'<word xMin="[\d.]+" yMin="([\d.]+)" xMax="([\d.]+)" yMax="[\d.]+">([^<]*)</word>', html
        )
    ]
    assert max(x2 for x2, _y, _w in words) <= width - 20  # nothing reaches the page's edge
    pieces = [(y, word) for _x, y, word in words if word and word in LONG_CODE and len(word) >= 4]
    assert LONG_CODE not in [word for _y, word in pieces]  # not one overflowing line
    assert "".join(word for _y, word in sorted(pieces)) == LONG_CODE and len({y for y, _w in pieces}) >= 2


def every_font_is_embedded(data: bytes, tmp_path) -> None:
    """pdffonts: the Noto CJK font (and every other) embedded."""
    path = tmp_path / "pdf-fonts.pdf"
    path.write_bytes(data)
    lines = subprocess.run(
        ["pdffonts", str(path)], check=True, capture_output=True, text=True
    ).stdout.splitlines()[2:]
    cjk = [line for line in lines if "notosanscjksc" in line.split()[0].replace("-", "").lower()]
    assert cjk and all(line.split()[-5] == "yes" for line in cjk), lines  # the "emb" column
    assert all(line.split()[-5] == "yes" for line in lines), lines  # no font left out


def test_the_acceptance_report_shows_the_statuses_as_of_the_date(client, records, artifacts):
    unit = records.regions["210302"]
    response = download(client, records, "city", "pdf_unit", kwargs={"pk": unit.pk}, as_of="2020-10-31")
    pages = text_of(pdf_of(response))
    every = squeeze("".join(pages))
    assert "铁东区2020年养老院服务质量建设专项行动验收报告" in every and "测量日期：2020-10-31" in every
    rows = item_rows(pages, records.campaign)
    assert "已验收" in rows[4] and "通过" in rows[4] and "未通过" not in rows[4]
    assert "已退回" in rows[5] and "未通过：缺少消防验收证明材料" in rows[5]
    assert "已提交" in rows[6] and "通过" not in rows[6]  # accepted only on 5 November
    signatures = pages[-1]
    for bureau in (
        "鞍山市民政局",
        "鞍山市住房和城乡建设局",
        "鞍山市卫生健康委员会",
        "鞍山市应急管理局",
        "鞍山市市场监督管理局",
    ):
        assert bureau in squeeze(signatures)
    assert squeeze(signatures).count("签字：") == 5 and squeeze(signatures).count("盖章：") == 5
    look(pdf_of(response), artifacts, "acceptance", [1, len(pages)])
    # today the answer to item 6 is accepted: 通过
    today = text_of(pdf_of(download(client, records, "city", "pdf_unit", kwargs={"pk": unit.pk})))
    row6 = item_rows(today, records.campaign)[6]
    assert "已验收" in row6 and "通过" in row6


@pytest.mark.parametrize(
    ("who", "unit", "status"),
    [
        ("city", "210302", 200),
        ("city", "210303", 200),
        ("district", "210302", 200),
        ("district", "210303", 404),
        ("other_district", "210302", 404),
        ("institution", "210302", 403),
        ("department", "210302", 403),
    ],
)
def test_who_prints_a_units_acceptance_report(client, records, who, unit, status):
    response = download(client, records, who, "pdf_unit", kwargs={"pk": records.regions[unit].pk})
    assert response.status_code == status


def test_a_unit_of_another_city_answers_404(client, records):
    response = download(client, records, "city", "pdf_unit", kwargs={"pk": records.foreign_region.pk})
    assert response.status_code == 404
    response = download(client, records, "city", "pdf_summary", region=records.foreign_region.parent_id)
    assert response.status_code == 404


@pytest.mark.parametrize("who", ["district", "institution", "department"])
def test_only_city_staff_print_the_summary_report(client, records, who):
    assert download(client, records, who, "pdf_summary").status_code == 403


@pytest.mark.parametrize(("value", "message"), [("abc", "YYYY-MM-DD"), ("2099-01-01", "不能")])
def test_a_bad_measuring_date_is_refused_in_chinese(client, records, value, message):
    response = download(client, records, "city", "pdf_summary", as_of=value)
    assert response.status_code == 400
    assert message in response.content.decode()


def test_a_job_for_a_region_out_of_scope_is_never_started(client, records):
    client.force_login(records.users["city"])
    url = reverse("reports:pdf_summary") + f"?region={records.foreign_region.parent_id}"
    with at(2020, 12, 1, 10):
        assert client.post(url, with_token(client)).status_code == 404


def test_a_units_acceptance_report_stays_a_direct_download(client, records):
    unit = records.regions["210302"]
    client.force_login(records.users["district"])
    with at(2020, 12, 1, 10):
        response = get_writing_nothing(client, reverse("reports:pdf_unit", args=[unit.pk]))
    assert pdf_of(response).startswith(b"%PDF")
