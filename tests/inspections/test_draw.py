"""The 双随机 draw as a pure function: reproducible, weighted, within its rules (no database)."""

import copy
import datetime
import hashlib
import json
import math
import random
import subprocess
import sys
from pathlib import Path

import pytest

from inspections import draw
from tests.inspections.drawdata import inputs, inspector, institution, parse

ROOT = Path(__file__).resolve().parents[2]


def small_inputs(**overrides):
    objects = [
        institution("101", "210302", complaints=5),
        institution("102", "210303", dishonesty=True),
        institution("103", "210304"),
        institution("104", "210302", last_inspected_on=None),
        institution("105", "210303"),
    ]
    inspectors = [
        inspector("P1", region="210302"),
        inspector("P2", region="210303"),
        inspector("P3", region="210304"),
    ]
    return inputs(objects, inspectors, **overrides)


# --- reproducibility ----------------------------------------------------------------------------


def test_same_inputs_and_seed_give_a_byte_identical_result_whatever_the_list_order():
    data = small_inputs()
    shuffled = copy.deepcopy(data)
    shuffled["objects"].reverse()
    shuffled["inspectors"].reverse()
    shuffled["parameters"]["regions"].reverse()
    first = draw.canonical_json(draw.run_draw(parse(data), "12 19 23 28 30 33 + 07"))
    second = draw.canonical_json(draw.run_draw(parse(shuffled), "12 19 23 28 30 33 + 07"))
    assert first == second
    assert draw.inputs_hash(parse(data)) == draw.inputs_hash(parse(shuffled))


def test_the_inputs_hash_is_sha256_of_compact_sorted_utf8_json():
    parsed = parse(small_inputs())
    text = draw.canonical_json(parsed.to_dict())
    assert draw.inputs_hash(parsed) == hashlib.sha256(text).hexdigest()
    assert b"\n" not in text and b", " not in text and b": " not in text
    assert "测试抽查".encode() in text  # Chinese as UTF-8, not \u escapes
    assert (
        text
        == json.dumps(json.loads(text), ensure_ascii=False, sort_keys=True, separators=(",", ":")).encode()
    )


def test_changing_one_byte_of_the_inputs_changes_the_hash_and_the_keys():
    data = small_inputs()
    changed = copy.deepcopy(data)
    changed["objects"][2]["name"] = "养老院104"  # was 养老院103: one byte
    one_byte = copy.deepcopy(data)
    one_byte["objects"][2]["risk"]["complaints"] = 1  # 0 → 1: one byte of the JSON
    seed = "20251104"
    base = draw.run_draw(parse(data), seed)
    for other in (changed, one_byte):
        result = draw.run_draw(parse(other), seed)
        assert result["inputs_sha256"] != base["inputs_sha256"]
        keys = {d["id"]: d["key"] for d in result["drawn"]}
        assert all(keys.get(d["id"]) != d["key"] for d in base["drawn"])


def test_the_seed_decides_and_nothing_else():
    parsed = parse(small_inputs())
    results = {draw.canonical_json(draw.run_draw(parsed, f"seed-{n}")) for n in range(20)}
    assert len(results) == 20
    assert draw.run_draw(parsed, "seed-1") == draw.run_draw(parsed, "seed-1")


def test_a_hash_is_sha256_of_the_json_array_of_seed_inputs_hash_label_and_ids():
    expected = hashlib.sha256(b'["s","abc","inspector","101","P1"]').hexdigest()
    assert draw.draw_hash("s", "abc", "inspector", "101", "P1") == expected


def test_the_key_is_u_to_the_power_one_over_the_weight_to_18_digits():
    for hash_hex in ("0" * 64, "8" + "0" * 63, "3f" * 32, "f" * 64):
        u = (2 * int(hash_hex[:16], 16) + 1) / 2**65
        for weight in (1, 2, 3, 7):
            assert abs(draw.sampling_key(hash_hex, weight) / 10**18 - u ** (1 / weight)) < 1e-12


def test_the_draw_module_imports_nothing_outside_the_standard_library():
    code = (
        f"import sys; sys.path.insert(0, {str(ROOT)!r}); import inspections.draw; "
        "assert not [m for m in sys.modules if m.split('.')[0] in ('django', 'inspections') and m not in "
        "('inspections', 'inspections.draw')], sorted(sys.modules)"
    )
    subprocess.run([sys.executable, "-I", "-S", "-c", code], check=True)


# --- weighting ----------------------------------------------------------------------------------


def inclusion_in_two(weights, i):
    """Exact probability that `i` is among two drawn one at a time with probability ∝ weight."""
    total = sum(weights)
    first = weights[i] / total
    second = sum(
        weights[j] / total * weights[i] / (total - weights[j]) for j in range(len(weights)) if j != i
    )
    return first + second


DRAWS = 2000


def frequency_matches(count, p, trials=DRAWS):
    """Whether `count` successes in `trials` fit probability `p`: within 4 binomial standard deviations."""
    sd = math.sqrt(trials * p * (1 - p))
    return abs(count - trials * p) <= 4 * sd


def count_inclusions(data, ids):
    parsed = parse(data)
    counts = dict.fromkeys(ids, 0)
    for n in range(DRAWS):
        for d in draw.run_draw(parsed, f"seed {n}")["drawn"]:
            if d["id"] in counts:
                counts[d["id"]] += 1
    return counts


def weighting_inputs(dishonesty_weight):
    # Ten clean institutions, inspected last year; "R" has a dishonesty record: weight 1 + 2 = 3.
    objects = [institution(f"{n:02d}") for n in range(9)] + [institution("R", dishonesty=True)]
    return inputs(
        objects,
        [inspector("P1"), inspector("P2")],
        sample={"ratio_percent": "", "size": 2, "minimum": 0},
        weights={"dishonesty": dishonesty_weight},
    )


def test_over_2000_seeds_a_weight_3_institution_is_drawn_as_weighted_sampling_predicts():
    weights = [1] * 9 + [3]
    p_risky, p_clean = inclusion_in_two(weights, 9), inclusion_in_two(weights, 0)
    assert round(p_risky, 4) == 0.4545 and round(p_clean, 4) == 0.1717  # uniform would give 0.2 each
    counts = count_inclusions(weighting_inputs(2), ["R", "00"])
    # Tolerance: 4 standard deviations of Binomial(2000, p): ±89 draws for R (p 0.45), ±67 for "00".
    assert frequency_matches(counts["R"], p_risky), counts
    assert frequency_matches(counts["00"], p_clean), counts
    assert counts["R"] > 2 * counts["00"]


def test_the_weighting_check_fails_when_weights_are_ignored():
    # The same check as above on a draw where the dishonesty weight is 0 (all weights equal): R is
    # drawn about 400 times in 2000, not the ~909 weighted sampling predicts, and the check says so.
    counts = count_inclusions(weighting_inputs(0), ["R"])
    assert frequency_matches(counts["R"], 0.2)
    assert not frequency_matches(counts["R"], inclusion_in_two([1] * 9 + [3], 9))


def test_each_risk_factor_adds_its_configured_weight():
    data = small_inputs(weights={"many_complaints": 5, "never_inspected": 7})
    data["objects"].append(
        institution("106", abnormal_operation=True, open_major_hazards=1, violation=True, dishonesty=True)
    )
    parsed = parse(data)
    weights = {o.id: draw.weight(o, parsed.parameters) for o in parsed.objects}
    assert weights == {"101": 6, "102": 3, "103": 1, "104": 8, "105": 1, "106": 1 + 2 + 2 + 2 + 2}
    factors = draw.risk_factors(next(o for o in parsed.objects if o.id == "106"), parsed.parameters)
    assert factors == ["abnormal_operation", "major_hazards", "dishonesty", "violation"]


def test_complaints_count_as_a_risk_from_the_threshold():
    data = small_inputs()
    data["parameters"]["thresholds"]["many_complaints"] = 5
    parsed = parse(data)
    objects = {o.id: o for o in parsed.objects}
    assert draw.risk_factors(objects["101"], parsed.parameters) == ["many_complaints"]  # 5 complaints
    data["parameters"]["thresholds"]["many_complaints"] = 6
    parsed = parse(data)
    assert draw.risk_factors(next(o for o in parsed.objects if o.id == "101"), parsed.parameters) == []


# --- sample size --------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("eligible", "rule", "drawn"),
    [
        (30, {"ratio_percent": "5", "rounding": "up"}, 2),  # 1.5
        (30, {"ratio_percent": "5", "rounding": "half_up"}, 2),
        (30, {"ratio_percent": "5", "rounding": "down"}, 1),
        (50, {"ratio_percent": "2.5", "rounding": "half_up"}, 1),  # 1.25
        (50, {"ratio_percent": "2.5", "rounding": "up"}, 2),
        (10, {"ratio_percent": "5", "rounding": "down"}, 0),  # 0.5, no floor
        (10, {"ratio_percent": "5", "rounding": "down", "minimum": 1}, 1),  # the floor
        (100, {"ratio_percent": "5", "size": 3}, 5),  # a size with "at least 5%"
        (100, {"ratio_percent": "5", "size": 8}, 8),
        (4, {"size": 6}, 4),  # never more than the eligible
    ],
)
def test_the_sample_size_is_the_largest_of_size_ratio_and_floor(eligible, rule, drawn):
    full = {"size": 0, "ratio_percent": "", "rounding": "up", "minimum": 0, **rule}
    size = draw.sample_size(eligible, draw.SampleRule(**full))
    assert size["drawn"] == drawn
    assert size["capped"] == (eligible == 4)


def test_the_draw_takes_the_computed_number_of_institutions():
    data = small_inputs(sample={"ratio_percent": "30", "rounding": "half_up", "minimum": 0})
    result = draw.run_draw(parse(data), "x")
    assert result["sample"]["eligible"] == 5
    assert result["sample"]["by_ratio_exact"] == "3/2"
    assert len(result["drawn"]) == result["sample"]["drawn"] == 2
    assert [d["rank"] for d in result["drawn"]] == [1, 2]
    keys = [d["key"] for d in result["drawn"]]
    assert keys == sorted(keys, reverse=True)


# --- exclusions ---------------------------------------------------------------------------------


def test_exclusions_are_applied_before_the_draw_and_listed_with_their_reasons():
    objects = [
        institution("A", "210302"),
        institution("B", "210381"),  # 海城市: outside the scope's regions
        institution("C", kind="public_private"),
        institution("D", operating=False),
        institution("E", excluded_because="停业整顿中"),
        institution("F", last_inspected_on="2025-05-03"),  # frozen 2025-11-03 − 6 months: excluded
        institution("G", last_inspected_on="2025-05-02"),  # one day earlier: eligible
        institution("H", "210381", operating=False),  # two reasons, both listed
    ]
    data = inputs(objects, [inspector("P1"), inspector("P2")], sample={"size": 10})
    result = draw.run_draw(parse(data), "seed")
    assert sorted(d["id"] for d in result["drawn"]) == ["A", "G"]
    reasons = {e["id"]: [r["code"] for r in e["reasons"]] for e in result["excluded"]}
    assert reasons == {
        "B": ["outside_region"],
        "C": ["outside_kind"],
        "D": ["not_operating"],
        "E": ["directory_exclusion"],
        "F": ["inspected_recently"],
        "H": ["outside_region", "not_operating"],
    }
    by_id = {e["id"]: e for e in result["excluded"]}
    assert by_id["E"]["reasons"][0]["text"] == "停业整顿中"
    assert by_id["F"]["reasons"][0] == {
        "code": "inspected_recently",
        "last_inspected_on": "2025-05-03",
        "since": "2025-05-03",
    }


def test_no_recent_inspection_exclusion_when_months_is_zero():
    data = inputs(
        [institution("F", last_inspected_on="2025-11-01")],
        [inspector("P1"), inspector("P2")],
        recent_months=0,
    )
    assert [d["id"] for d in draw.run_draw(parse(data), "s")["drawn"]] == ["F"]


def test_months_before_clamps_to_the_end_of_shorter_months():
    assert draw.months_before(datetime.date(2025, 8, 31), 6) == datetime.date(2025, 2, 28)
    assert draw.months_before(datetime.date(2024, 8, 31), 6) == datetime.date(2024, 2, 29)
    assert draw.months_before(datetime.date(2025, 3, 15), 15) == datetime.date(2023, 12, 15)


# --- inspectors ---------------------------------------------------------------------------------

REGIONS = ("210302", "210303", "210304")
DEPARTMENTS = ("民政局", "消防救援支队")


def busy_inputs(rng, avoid=True):
    objects = [institution(f"I{n:02d}", rng.choice(REGIONS), complaints=rng.randrange(6)) for n in range(12)]
    inspectors = []
    for n in range(10):
        conflicts = rng.sample([o["id"] for o in objects], rng.randrange(4))
        inspectors.append(
            inspector(
                f"P{n:02d}", DEPARTMENTS[n % 2], rng.choice(REGIONS), active=n != 9, conflicts=conflicts
            )
        )
    items = [
        {"code": "A01", "name": "服务安全", "departments": ["民政局"]},
        {"code": "B01", "name": "消防安全", "departments": ["消防救援支队"]},
    ]
    return inputs(
        objects, inspectors, items=items, sample={"ratio_percent": "50"}, avoid_own_region=avoid, max_load=3
    )


def test_over_many_seeds_teams_never_break_avoidance_conflicts_coverage_or_the_load_cap():
    rng = random.Random(16)  # only builds the directories; the draw itself uses no `random`
    assigned = 0
    for n in range(300):
        data = busy_inputs(rng)
        parsed = parse(data)
        directory = {i.id: i for i in parsed.inspectors}
        result = draw.run_draw(parsed, f"{n:04d}")
        for d in result["drawn"]:
            team = [directory[i["id"]] for i in d["inspectors"]]
            if d["problem"]:
                assert team == []
                continue
            assigned += 1
            assert len(team) >= 2 and len({i.id for i in team}) == len(team)
            assert {i.department for i in team} >= set(DEPARTMENTS)
            assert all(i.region != d["region"] for i in team), (n, d)
            assert all(d["id"] not in i.conflicts for i in team), (n, d)
            assert all(i.active for i in team)
        assert all(load["load"] <= 3 for load in result["loads"])
        assert result["complete"] == all(d["problem"] is None for d in result["drawn"])
    assert assigned > 1000  # the checks ran on real teams


def test_without_avoidance_own_region_inspectors_do_take_part():
    rng = random.Random(16)
    same_region = 0
    for n in range(50):
        parsed = parse(busy_inputs(rng, avoid=False))
        for d in draw.run_draw(parsed, f"{n}")["drawn"]:
            same_region += sum(i["region"] == d["region"] for i in d["inspectors"])
    assert same_region > 0


def test_loads_are_spread_evenly_among_interchangeable_inspectors():
    objects = [institution(f"I{n}", "210302") for n in range(10)]
    data = inputs(objects, [inspector(f"P{n}") for n in range(4)], sample={"size": 10})
    result = draw.run_draw(parse(data), "even")
    assert [load["load"] for load in result["loads"]] == [5, 5, 5, 5]  # 10 teams of 2 over 4 people


def test_a_team_covers_every_department_the_items_need_and_grows_to_cover_them():
    objects = [institution("A", "210302")]
    inspectors = [
        inspector(f"P{n}", dept) for n, dept in enumerate(["民政局", "卫健委", "市场监管局", "消防救援支队"])
    ]
    items = [
        {"code": "A01", "name": "服务安全", "departments": ["民政局"]},
        {"code": "C01", "name": "医疗卫生", "departments": ["卫健委"]},
        {"code": "D01", "name": "食品安全", "departments": ["市场监管局"]},
    ]
    result = draw.run_draw(parse(inputs(objects, inspectors, items=items)), "s")
    team = result["drawn"][0]["inspectors"]
    assert [i["department"] for i in team] == ["卫健委", "市场监管局", "民政局"]  # code-point order, no 消防


def test_when_no_valid_team_exists_the_result_names_the_institution_and_why():
    objects = [institution("A", "210302"), institution("B", "210304")]
    inspectors = [
        inspector("P1", "民政局", "210303", conflicts=["A"]),
        inspector("P2", "民政局", "210302"),  # A's own region
        inspector("P3", "民政局", "210303", active=False),
        inspector("F1", "消防救援支队", "210303"),
    ]
    items = [
        {"code": "A01", "name": "服务安全", "departments": ["民政局"]},
        {"code": "B01", "name": "消防安全", "departments": ["消防救援支队"]},
    ]
    result = draw.run_draw(parse(inputs(objects, inspectors, items=items, sample={"size": 2})), "s")
    drawn = {d["id"]: d for d in result["drawn"]}
    assert drawn["A"]["inspectors"] == []
    assert drawn["A"]["problem"] == {
        "code": "no_inspector_for_department",
        "department": "民政局",
        "team_size": 2,
        "counts": {
            "in_department": 3,
            "in_team": 0,
            "inactive": 1,
            "conflict": 1,
            "own_region": 1,
            "at_load_cap": 0,
        },
    }
    assert [i["id"] for i in drawn["B"]["inspectors"]] in (["P1", "F1"], ["P2", "F1"])
    assert drawn["B"]["problem"] is None
    assert result["complete"] is False
    assert {load["id"]: load["load"] for load in result["loads"]}["F1"] == 1  # A's failed team took nothing


def test_too_few_inspectors_and_the_load_cap_are_reported():
    objects = [institution("A", "210302"), institution("B", "210302")]
    data = inputs(
        objects,
        [inspector("P1"), inspector("P2"), inspector("P3")],
        sample={"size": 2},
        inspectors_per_institution=3,
    )
    data["parameters"]["max_load"] = 1
    result = draw.run_draw(parse(data), "s")
    second = result["drawn"][1]
    assert len(result["drawn"][0]["inspectors"]) == 3
    assert second["problem"]["code"] == "no_inspector_for_department"
    assert second["problem"]["counts"]["at_load_cap"] == 3
    data["parameters"]["max_load"] = 0
    data["inspectors"][2]["active"] = False
    result = draw.run_draw(parse(data), "s")
    assert [d["problem"]["code"] for d in result["drawn"]] == ["too_few_inspectors"] * 2
    assert result["drawn"][0]["problem"]["counts"]["in_team"] == 2


# --- inputs and publication ---------------------------------------------------------------------


@pytest.mark.parametrize(
    ("change", "path"),
    [
        (lambda d: d["objects"][0].update(colour="red"), "objects[0].colour"),
        (lambda d: d["parameters"]["weights"].update(dishonesty=2.5), "parameters.weights.dishonesty"),
        (
            lambda d: d["parameters"].update(inspectors_per_institution=1),
            "parameters.inspectors_per_institution",
        ),
        (lambda d: d["parameters"]["sample"].update(ratio_percent="五"), "parameters.sample.ratio_percent"),
        (lambda d: d["parameters"]["sample"].update(rounding="bankers"), "parameters.sample.rounding"),
        (lambda d: d["objects"][1].update(id="101"), "objects[1].id"),
        (lambda d: d["objects"][0].update(last_inspected_on="2025/01/01"), "objects[0].last_inspected_on"),
        (lambda d: d["parameters"]["weights"].update(base=0), "parameters.weights.base"),
        (lambda d: d["parameters"].update(regions=[]), "parameters.regions"),
        (lambda d: d.update(algorithm="eldercare-draw/0"), "inputs.algorithm"),
        (lambda d: d["inspectors"][0].pop("active"), "inspectors[0].active"),
        (lambda d: d["seed_source"].update(available_on="2025-11-02"), "seed_source.available_on"),
    ],
)
def test_bad_inputs_are_refused_naming_the_field(change, path):
    data = small_inputs()
    change(data)
    with pytest.raises(draw.DrawInputError) as raised:
        parse(data)
    assert raised.value.path == path


def test_rerun_of_a_published_document_gives_the_same_result():
    parsed = parse(small_inputs())
    result = draw.run_draw(parsed, "03 07 12 19 25 31 + 09")
    document = draw.published_document(parsed, "03 07 12 19 25 31 + 09", result)
    text = json.dumps(document, ensure_ascii=False, indent=2)
    assert draw.canonical_json(draw.rerun(text)) == draw.canonical_json(result)
    assert draw.rerun(text.encode()) == draw.rerun(document) == result


def test_rerun_refuses_inputs_that_are_not_the_ones_published_before_the_draw():
    parsed = parse(small_inputs())
    document = draw.published_document(parsed, "seed")
    document["inputs"]["objects"][0]["risk"]["dishonesty"] = True
    with pytest.raises(draw.DrawInputError) as raised:
        draw.rerun(document)
    assert raised.value.path == "document.inputs_sha256"
    before_seed = draw.published_document(parsed)
    with pytest.raises(draw.DrawInputError, match="seed"):
        draw.rerun(before_seed)
