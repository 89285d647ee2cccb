#!/usr/bin/env python3
"""Re-run a published 双随机 draw and print its result; needs only Python 3.11, no Django.

    python3 rerun_draw.py published.json [first-published.json]

`published.json` is the document the draw's public page offers (format
`eldercare-draw-publication/1`: the frozen inputs, their SHA-256, the seed and usually the result).
The script checks that the inputs hash to the published hash, re-runs the draw with the algorithm
in `draw.py`, prints it in Chinese, and compares it with the published result: the one inside the
document and/or a copy of the result as it was first published, given as the second file in
either shape: the whole published document (its `result` is compared) or the result alone.

Exit status: 0 the result is reproduced (or there was none to compare), 1 it differs from a
published result, 2 the document is not valid (bad JSON, unknown fields, inputs that do not hash to
the published hash).

It uses the algorithm module `draw.py` from the same folder if there is one (an outsider downloads
the two files into one folder), otherwise `../inspections/draw.py` (a clone of the repository). That
module imports only Python's standard library; its docstring describes the algorithm step by step.
"""

from __future__ import annotations

import importlib.util
import json
import sys
from pathlib import Path

REASONS = {
    "outside_region": "不在抽查区域内",
    "outside_kind": "不在抽查机构类型内",
    "not_operating": "未在运营",
    "directory_exclusion": "名录库排除",
    "inspected_recently": "近期已检查",
}
FACTORS = {
    "abnormal_operation": "经营服务异常",
    "many_complaints": "投诉举报多",
    "major_hazards": "安全隐患大",
    "dishonesty": "有失信行为",
    "violation": "有违法违规记录",
    "never_inspected": "从未检查",
}
PROBLEMS = {
    "no_inspector_for_department": "该部门没有可派的检查人员",
    "too_few_inspectors": "可派检查人员不足",
}
COUNTS = {
    "in_department": "部门人数",
    "in_team": "已在本组",
    "inactive": "非在岗",
    "conflict": "申报利害关系",
    "own_region": "本地区回避",
    "at_load_cap": "已达工作量上限",
}
ROUNDING = {"up": "向上取整", "half_up": "四舍五入", "down": "向下取整"}


def load_draw_module():
    """The algorithm module: `draw.py` beside this script, else the repository's copy."""
    here = Path(__file__).resolve().parent
    for candidate in (here / "draw.py", here.parent / "inspections" / "draw.py"):
        if candidate.is_file():
            spec = importlib.util.spec_from_file_location("eldercare_draw", candidate)
            module = importlib.util.module_from_spec(spec)
            sys.modules[spec.name] = module  # dataclasses look their module up while it loads
            spec.loader.exec_module(module)
            return module
    sys.exit("找不到算法文件 draw.py（请与本脚本放在同一文件夹）")


def first_difference(a, b, path="result"):
    """The path of the first place `a` and `b` differ, or None."""
    if type(a) is not type(b):
        return path
    if isinstance(a, dict):
        for key in sorted(set(a) | set(b)):
            if key not in a or key not in b:
                return f"{path}.{key}"
            found = first_difference(a[key], b[key], f"{path}.{key}")
            if found:
                return found
        return None
    if isinstance(a, list):
        for n, (x, y) in enumerate(zip(a, b, strict=False)):
            found = first_difference(x, y, f"{path}[{n}]")
            if found:
                return found
        return None if len(a) == len(b) else f"{path}[{min(len(a), len(b))}]"
    return None if a == b else path


class NoResult(ValueError):
    """The second file is a published document without a result (published before the draw)."""


def expected_result(data):
    """The result a second file holds: a whole published document's `result`, or the file itself
    when it is a result alone. Raises `NoResult` (in Chinese) for a document without a result."""
    if isinstance(data, dict) and "format" in data and "inputs" in data:
        if "result" not in data:
            raise NoResult("该文件是抽取前公布的文件，不含抽取结果")
        return data["result"]
    return data


def decimal_text(fraction: str) -> str:
    """ "3/2" → "1.5", "3/1" → "3": the exact value of a ratio's product (a terminating decimal,
    since the ratio is a decimal percentage)."""
    num, den = (int(part) for part in fraction.split("/"))
    whole, rest = divmod(num, den)
    digits = ""
    while rest and len(digits) < 12:
        rest *= 10
        digits += str(rest // den)
        rest %= den
    return f"{whole}.{digits}" if digits else str(whole)


def sample_lines(s: dict) -> list[str]:
    """The sample size's computation in Chinese, one step a line, ending with the number drawn."""
    lines = [f"符合条件的机构 {s['eligible']} 家"]
    if s["ratio_percent"]:
        exact = decimal_text(s["by_ratio_exact"])
        step = f"按比例：{s['ratio_percent']}% × {s['eligible']} 家 = {exact} 家"
        if exact != str(s["by_ratio"]):
            step += f"，{ROUNDING[s['rounding']]}为 {s['by_ratio']} 家"
        lines.append(step)
    if s["size"]:
        lines.append(f"指定数量：{s['size']} 家")
    if s["minimum"]:
        lines.append(f"不少于 {s['minimum']} 家")
    if s["capped"]:
        lines.append(f"→ 抽取 {s['drawn']} 家（符合条件的机构不足，已全部抽取）")
    else:
        lines.append(f"→ 抽取 {s['drawn']} 家（取以上各数中最大者）")
    return lines


def print_result(result: dict, inputs: dict) -> None:
    """The result in Chinese, one section per heading."""
    params = inputs["parameters"]
    s = result["sample"]
    region = lambda code: inputs["labels"]["regions"].get(code, code)  # noqa: E731
    kind = lambda code: inputs["labels"]["kinds"].get(code, code)  # noqa: E731
    print(f"抽查名称：{result['title']}")
    print(f"算法版本：{result['algorithm']}")
    print(f"输入哈希（SHA-256）：{result['inputs_sha256']}")
    print(f"随机种子：{result['seed']}")
    print(f"种子来源：{inputs['seed_source']['description']}")
    print(f"名录冻结日期：{inputs['frozen_on']}")
    print(
        f"抽查区域：{'、'.join(map(region, params['regions']))}；机构类型：{'、'.join(map(kind, params['kinds']))}"
    )
    print(
        f"每家检查人员：至少 {params['inspectors_per_institution']} 人；本地区回避：{'是' if params['avoid_own_region'] else '否'}"
    )
    print()
    print("【抽取数量】")
    for line in sample_lines(s):
        print(f"  {line}")
    print()
    print("【抽中机构】（按随机键从大到小）")
    for d in result["drawn"]:
        factors = "、".join(FACTORS[f] for f in d["risk_factors"]) or "无"
        print(f"  {d['rank']}. {d['name']}（编号 {d['id']}，{region(d['region'])}，{kind(d['kind'])}）")
        print(f"     权重 {d['weight']}（风险因素：{factors}）；随机键 {d['key']}")
        if d["inspectors"]:
            team = "、".join(
                f"{i['name']}（{i['department']}，{region(i['region'])}）" for i in d["inspectors"]
            )
            print(f"     检查人员：{team}")
        else:
            p = d["problem"]
            where = f"部门「{p['department']}」" if p["department"] else "全部所需部门"
            counts = "，".join(f"{COUNTS[k]} {v}" for k, v in p["counts"].items())
            print(
                f"     无法分配检查人员：{where}{PROBLEMS[p['code']]}（每组需 {p['team_size']} 人；{counts}）"
            )
    print()
    print("【未纳入抽取的机构】")
    for e in result["excluded"]:
        reasons = []
        for r in e["reasons"]:
            text = REASONS[r["code"]]
            if r["code"] == "directory_exclusion":
                text += f"：{r['text']}"
            elif r["code"] == "inspected_recently":
                text += f"：{r['last_inspected_on']} 检查（{r['since']} 以来）"
            elif r["code"] == "outside_region":
                text += f"：{region(r['region'])}"
            elif r["code"] == "outside_kind":
                text += f"：{kind(r['kind'])}"
            reasons.append(text)
        print(f"  {e['name']}（编号 {e['id']}，{region(e['region'])}）：{'；'.join(reasons)}")
    if not result["excluded"]:
        print("  无")
    print()
    print("【检查人员工作量】")
    for load in result["loads"]:
        print(f"  {load['name']}（{load['department']}）：{load['load']} 家")
    print()
    print("分配结果：" + ("全部完成" if result["complete"] else "有机构无法分配检查人员，见上"))


def main(argv: list[str]) -> int:
    if len(argv) not in (2, 3):
        print(__doc__.strip().splitlines()[2].strip(), file=sys.stderr)
        return 2
    draw = load_draw_module()
    try:
        text = Path(argv[1]).read_bytes()
        inputs, seed = draw.load_published(text)
        document = json.loads(text)
        published = []
        if "result" in document:
            published.append((argv[1], document["result"]))
        if len(argv) == 3:
            published.append((argv[2], expected_result(json.loads(Path(argv[2]).read_bytes()))))
    except draw.DrawInputError as e:
        print(f"公布文件无效：{e}", file=sys.stderr)
        return 2
    except NoResult as e:
        print(f"无法核对：{e}（{argv[2]}）", file=sys.stderr)
        return 2
    except (OSError, ValueError) as e:
        print(f"无法读取文件：{e}", file=sys.stderr)
        return 2
    result = draw.run_draw(inputs, seed)
    print_result(result, inputs.to_dict())
    print()
    status = 0
    for name, expected in published:
        try:
            same = draw.canonical_json(result) == draw.canonical_json(expected)
        except TypeError:  # a published result with floating-point numbers is not canonical
            same = False
        if same:
            print(f"核对：与公布的结果一致（{name}）")
        else:
            print(f"核对：与公布的结果不一致（{name}），第一处不同：{first_difference(result, expected)}")
            status = 1
    if not published:
        print("核对：未提供公布的结果，仅重新计算")
    return status


if __name__ == "__main__":
    sys.exit(main(sys.argv))
