"""`scripts/rerun_draw.py` as an outsider runs it, and the worked example in docs/draw-example/."""

import importlib.util
import json
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

from inspections import draw

ROOT = Path(__file__).resolve().parents[2]
EXAMPLE = ROOT / "docs" / "draw-example"
SCRIPT = ROOT / "scripts" / "rerun_draw.py"


def run_script(*args, script=SCRIPT):
    # -I -S: no site-packages (so no Django), no environment; -X utf8: Chinese output whatever the locale.
    return subprocess.run(
        [sys.executable, "-I", "-S", "-X", "utf8", str(script), *map(str, args)],
        capture_output=True,
        text=True,
        encoding="utf-8",
    )


def example():
    return json.loads((EXAMPLE / "published.json").read_text(encoding="utf-8"))


def test_the_worked_example_reruns_to_its_published_result():
    document = example()
    assert draw.canonical_json(draw.rerun(document)) == draw.canonical_json(document["result"])
    before = json.loads((EXAMPLE / "inputs.json").read_text(encoding="utf-8"))
    assert "seed" not in before  # what was published before the seed was known
    assert before["inputs"] == document["inputs"]
    assert (
        before["inputs_sha256"]
        == document["inputs_sha256"]
        == draw.inputs_hash(draw.DrawInputs.from_dict(before["inputs"]))
    )


def test_the_worked_example_reads_as_the_readme_explains_it():
    result = example()["result"]
    assert (result["sample"]["eligible"], result["sample"]["by_ratio_exact"], result["sample"]["drawn"]) == (
        3,
        "3/2",
        2,
    )
    assert [(d["id"], d["weight"], d["risk_factors"]) for d in result["drawn"]] == [
        ("1004", 1, []),
        ("1002", 4, ["major_hazards", "never_inspected"]),
    ]
    teams = {d["id"]: [i["id"] for i in d["inspectors"]] for d in result["drawn"]}
    assert teams == {
        "1004": ["P02", "P04"],
        "1002": ["P02", "P03"],
    }  # P03 conflicts with 1004; P01, P04 are 铁东区
    assert {e["id"]: [r["code"] for r in e["reasons"]] for e in result["excluded"]} == {
        "1003": ["inspected_recently"],
        "1005": ["not_operating"],
    }


def test_the_script_prints_the_example_in_chinese_and_confirms_it():
    run = run_script(EXAMPLE / "published.json")
    assert run.returncode == 0, run.stderr
    out = run.stdout
    for heading in ("【抽取数量】", "【抽中机构】", "【未纳入抽取的机构】", "【检查人员工作量】"):
        assert heading in out
    assert "1. 立山区颐和养老院（编号 1004，立山区，民办）" in out
    assert "检查人员：李娜（市民政局，铁西区）、刘洋（市消防救援支队，铁东区）" in out
    assert "立山区沙河敬老院（编号 1005，立山区）：未在运营" in out
    assert "核对：与公布的结果一致" in out


def test_the_script_exits_non_zero_when_a_published_result_differs(tmp_path):
    document = example()
    tampered = json.loads(json.dumps(document["result"]))
    tampered["drawn"][0]["inspectors"][0]["name"] = "张伟"
    (tmp_path / "result.json").write_text(json.dumps(tampered, ensure_ascii=False), encoding="utf-8")
    run = run_script(EXAMPLE / "published.json", tmp_path / "result.json")
    assert run.returncode == 1
    assert "与公布的结果一致（" in run.stdout  # the document's own result
    assert "不一致" in run.stdout and "result.drawn[0].inspectors[0].name" in run.stdout

    document["result"]["drawn"].reverse()  # a result in another order is another result
    (tmp_path / "published.json").write_text(json.dumps(document, ensure_ascii=False), encoding="utf-8")
    assert run_script(tmp_path / "published.json").returncode == 1


def test_the_script_refuses_inputs_changed_after_their_hash_was_published(tmp_path):
    document = example()
    document["inputs"]["objects"][3]["risk"]["dishonesty"] = True
    (tmp_path / "published.json").write_text(json.dumps(document, ensure_ascii=False), encoding="utf-8")
    run = run_script(tmp_path / "published.json")
    assert run.returncode == 2
    assert "公布文件无效" in run.stderr and "inputs_sha256" in run.stderr


def test_an_outsider_needs_only_the_two_files_and_the_document(tmp_path):
    shutil.copy(SCRIPT, tmp_path / "rerun_draw.py")
    shutil.copy(ROOT / "inspections" / "draw.py", tmp_path / "draw.py")
    shutil.copy(EXAMPLE / "published.json", tmp_path / "published.json")
    run = run_script(tmp_path / "published.json", script=tmp_path / "rerun_draw.py")
    assert run.returncode == 0, run.stderr
    assert "核对：与公布的结果一致" in run.stdout


def test_the_script_reproduces_a_fresh_draw_written_to_a_file(tmp_path):
    from tests.inspections.drawdata import inputs, inspector, institution

    data = inputs(
        [institution(f"{n}", ["210302", "210303"][n % 2], complaints=n) for n in range(8)],
        [
            inspector("P1", region="210302"),
            inspector("P2", region="210303"),
            inspector("P3", region="210304"),
        ],
        sample={"ratio_percent": "25"},
    )
    parsed = draw.DrawInputs.from_dict(data)
    document = draw.published_document(parsed, "98765", draw.run_draw(parsed, "98765"))
    path = tmp_path / "draw.json"
    path.write_bytes(draw.canonical_json(document))
    run = run_script(path)
    assert run.returncode == 0, run.stderr
    assert "抽取 2 家" in run.stdout and "核对：与公布的结果一致" in run.stdout


def test_the_second_file_may_be_the_whole_published_document_or_the_result_alone(tmp_path):
    """README: "a copy of the result as it was first published" — the downloaded document itself
    (its result is compared) or the result alone both reproduce."""
    document = example()
    (tmp_path / "result.json").write_text(
        json.dumps(document["result"], ensure_ascii=False), encoding="utf-8"
    )
    for second in (EXAMPLE / "published.json", tmp_path / "result.json"):
        run = run_script(EXAMPLE / "published.json", second)
        assert run.returncode == 0, (second, run.stdout, run.stderr)
        assert run.stdout.count("核对：与公布的结果一致") == 2
        assert "不一致" not in run.stdout


def test_a_whole_document_as_second_file_is_compared_by_its_result(tmp_path):
    document = example()
    document["result"]["drawn"][1]["inspectors"][1]["name"] = "张伟"
    (tmp_path / "first.json").write_text(json.dumps(document, ensure_ascii=False), encoding="utf-8")
    run = run_script(EXAMPLE / "published.json", tmp_path / "first.json")
    assert run.returncode == 1
    assert "第一处不同：result.drawn[1].inspectors[1].name" in run.stdout


def test_a_document_published_before_the_draw_is_no_result_to_compare(tmp_path):
    run = run_script(EXAMPLE / "published.json", EXAMPLE / "inputs.json")
    assert run.returncode == 2
    assert "不含抽取结果" in run.stderr and "inputs.json" in run.stderr


def test_the_sample_size_is_printed_in_words():
    out = run_script(EXAMPLE / "published.json").stdout
    assert "符合条件的机构 3 家" in out
    assert "按比例：50% × 3 家 = 1.5 家，向上取整为 2 家" in out
    assert "不少于 1 家" in out
    assert "→ 抽取 2 家（取以上各数中最大者）" in out
    assert "3/2" not in out


@pytest.mark.parametrize(
    "eligible, rule, lines",
    [
        # an exact product needs no rounding step: 50% × 6 = 3
        (
            6,
            {"ratio_percent": "50", "minimum": 1},
            ["按比例：50% × 6 家 = 3 家", "不少于 1 家", "→ 抽取 3 家"],
        ),
        (40, {"ratio_percent": "2.5", "rounding": "half_up"}, ["按比例：2.5% × 40 家 = 1 家", "→ 抽取 1 家"]),
        (
            7,
            {"ratio_percent": "5", "rounding": "down", "minimum": 2},
            ["按比例：5% × 7 家 = 0.35 家，向下取整为 0 家", "不少于 2 家", "→ 抽取 2 家"],
        ),
        (3, {"size": 5}, ["指定数量：5 家", "→ 抽取 3 家（符合条件的机构不足，已全部抽取）"]),
        (0, {"minimum": 1}, ["符合条件的机构 0 家", "→ 抽取 0 家（符合条件的机构不足，已全部抽取）"]),
    ],
)
def test_sample_lines_for_other_rules(eligible, rule, lines):
    spec = importlib.util.spec_from_file_location("rerun_draw_script", SCRIPT)
    script = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(script)
    printed = script.sample_lines(draw.sample_size(eligible, draw.SampleRule(**rule)))
    for line in lines:
        assert any(p.startswith(line) for p in printed), (line, printed)
    assert not any("/" in p for p in printed)
