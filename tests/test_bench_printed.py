"""The bench's operations of issue 14 (bench/ops.py: workbook, workbook-anchor, pdf, pdf-anchor) on
the generator's tiny data, so that they do not rot while reports/ changes: the anchor writes the
same sheets, rows and cells as the portal's workbook, the PDF's annex reaches the cap the bench asks
for, and the report's verdicts follow the targets."""

import argparse
import json

import openpyxl
import pytest
from django.core.management import call_command

from bench import adapters, ops, run

SMALL = ("--city", "--institutions", "60", "--hazards", "400", "--users", "40", "--as-of", "2026-06-30")


@pytest.fixture
def bench_data(db, settings, tmp_path):
    settings.MEDIA_ROOT = tmp_path / "media"
    call_command("bench_data", *SMALL)


def _cells(path):
    """{sheet title: (rows, non-empty cells)} of a workbook file."""
    book = openpyxl.load_workbook(path, read_only=True)
    found = {}
    for sheet in book.worksheets:
        rows = list(sheet.iter_rows(values_only=True))
        found[sheet.title] = (len(rows), sum(1 for row in rows for v in row if v is not None))
    book.close()
    return found


@pytest.mark.parametrize("scale", ["city", "province"])
def test_the_workbook_anchor_writes_the_portals_cells(bench_data, tmp_path, scale):
    file = tmp_path / f"workbook-{scale}.xlsx"
    portal = ops.op_workbook(argparse.Namespace(scale=scale, file=str(file)))
    assert portal["units"] >= 11 and portal["rows"] >= 400 and portal["seconds"] > 0
    cells = _cells(file)
    assert "汇总" in cells and "隐患清单" in cells and "机构名单" in cells

    anchor = ops.op_workbook_anchor(argparse.Namespace(scale=scale, file=str(file)))
    assert anchor["sheets"] == len(cells)
    # The same cells with their styles (header, body, dates, red 是否逾期 …), and the same hazards and
    # institutions read from the database as the portal's workbook holds.
    assert anchor["styles"] >= 10 and anchor["plain_s"] > 0
    hazard_rows = cells["隐患清单"][0] - 2  # title and header
    assert anchor["fetched"] == hazard_rows + cells["机构名单"][0] - 2
    assert anchor["rows"] == sum(rows for rows, _ in cells.values())
    assert anchor["cells"] == sum(n for _, n in cells.values())
    assert not list(tmp_path.glob("*.values")) and not list(tmp_path.glob("*.anchor.xlsx"))


def test_the_plain_values_are_strings():
    import datetime

    assert ops._plain(datetime.datetime(2020, 10, 31)) == "2020-10-31"
    assert ops._plain(datetime.datetime(2020, 10, 31, 8, 30)) == "2020-10-31 08:30:00"
    assert ops._plain(12) == "12" and ops._plain(None) is None and ops._plain("=1+1") == "=1+1"


def test_the_pdf_and_its_anchor_print_the_same_annex(bench_data, tmp_path):
    lines = tmp_path / "annex.json"
    portal = ops.op_pdf(argparse.Namespace(file=str(lines)))
    rows = json.loads(lines.read_text(encoding="utf-8"))
    assert portal["annex_rows"] == len(rows) == portal["annex_own_rows"] + portal["annex_added_rows"]
    assert portal["pages"] > 1 and portal["ms_per_row"] == pytest.approx(portal["seconds"] / len(rows) * 1000)
    assert all(len(line) == 9 and line[1] for line in rows)  # the annex's 9 columns, a code on each
    anchor = ops.op_pdf_anchor(argparse.Namespace(file=str(lines)))
    assert anchor["rows"] == len(rows) and anchor["pages"] >= 1


def test_the_annex_is_topped_up_to_the_cap_with_other_units_overdue_hazards(bench_data):
    from core import dates
    from core.models import Region
    from hazards.models import Hazard
    from reports import content

    district = Region.objects.get(name="铁东区")
    day = dates.today()
    outside = Hazard.objects.live().overdue(day).exclude(region__path__startswith=district.path)
    summary = argparse.Namespace(
        region=district,
        as_of=day,
        annexes=[content.Annex("overdue", 0, []), content.Annex("items", 0, [])],
    )
    assert outside.count() > 5
    assert adapters.fill_overdue_annex(summary, 5) == 5
    lines = summary.annexes[0].rows
    assert [line.code for line in lines] == [
        h.code for h in outside.order_by("region__sort_key", "deadline", "pk")[:5]
    ]
    assert all(line.days_overdue > 0 and line.unit != "铁东区" for line in lines)
    assert adapters.fill_overdue_annex(summary, 5) == 0  # full already


def test_only_picks_groups_in_running_order():
    assert run.op_groups("") == run.OP_GROUPS
    assert run.op_groups("pdf,workbook") == ("workbook-city", "workbook-province", "pdf")
    assert run.op_groups("export") == ("export",)
    with pytest.raises(ValueError):
        run.op_groups("workbooks")


def _report(ops_results):
    meta = {
        "date": "today",
        "machine": "m",
        "commit": "c",
        "load": "0",
        "data_desc": "d",
        "counts": "n",
        "total_s": 60,
        "duration": 10,
    }
    return run.report(meta, [], ops_results)


def test_the_report_judges_the_workbook_on_ratio_and_delta():
    anchor = {"seconds": 10.0, "peak_mb": 150, "delta_mb": 50, "sheets": 17, "rows": 100, "cells": 900}
    met = {"seconds": 12.9, "peak_mb": 290, "delta_mb": 190, "units": 12, "rows": 100, "bytes": 2**20}
    slow = {**met, "seconds": 13.5}
    fat = {**met, "delta_mb": 210}
    text = _report(
        {
            "workbook-city": met,
            "workbook-city-anchor": anchor,
            "workbook-province": slow,
            "workbook-province-anchor": anchor,
        }
    )
    city, province = [line for line in text.splitlines() if line.startswith(("| city", "| province"))]
    assert "1.29×" in city and city.endswith("| met |")
    assert "1.35×" in province and province.endswith("**not met** |")
    text = _report({"workbook-city": fat, "workbook-city-anchor": anchor})
    assert next(line for line in text.splitlines() if line.startswith("| city")).endswith("**not met** |")
    # only what ran is reported: no import, export or reminder table
    assert "Imports" not in text and "Reminders" not in text


def test_the_report_judges_the_pdf_per_annex_row_and_on_peak():
    pdf = {
        "seconds": 19.0, "content_s": 4.0, "render_s": 15.0, "pages": 150, "annex_rows": 5000,
        "annex_own_rows": 2167, "annex_added_rows": 2833, "table_rows": 5589, "ms_per_row": 3.8,
        "s_per_page": 0.127, "peak_mb": 590, "delta_mb": 480,
    }  # fmt: skip
    anchor = {
        "seconds": 8.0,
        "pages": 100,
        "rows": 5000,
        "ms_per_row": 1.6,
        "s_per_page": 0.08,
        "peak_mb": 300,
    }
    line = next(
        line for line in _report({"pdf": pdf, "pdf-anchor": anchor}).splitlines() if line.startswith("| city")
    )
    assert "| 3.8 |" in line and line.endswith("| met |")
    heavy = {**pdf, "peak_mb": 640}
    line = next(
        line
        for line in _report({"pdf": heavy, "pdf-anchor": anchor}).splitlines()
        if line.startswith("| city")
    )
    assert line.endswith("**not met** |")
    failed = _report({"pdf": {"error": "boom"}, "pdf-anchor": {"error": "no annex"}})
    assert "failed: boom" in failed


def test_the_imports_measured_leave_the_data_as_it_was(bench_data, tmp_path, monkeypatch):
    """The bench's import operations apply their files through the views and then remove what they
    created, so the operations after them (export, workbooks, PDF) see the generated data."""
    from hazards.models import Hazard
    from institutions.models import Institution

    monkeypatch.setattr(ops, "ROWS", 40)
    ops.op_files(argparse.Namespace(dir=str(tmp_path)))
    before = (Hazard.objects.count(), Institution.objects.count())
    for op, name in ((ops.op_hazard_import, "hazards"), (ops.op_institution_import, "institutions")):
        files = sorted(tmp_path.glob(f"{name}*.xlsx"))
        assert files, list(tmp_path.iterdir())
        result = op(argparse.Namespace(file=str(files[0])))
        assert result["removed"] == 40 and result["seconds"] > 0
    assert (Hazard.objects.count(), Institution.objects.count()) == before
