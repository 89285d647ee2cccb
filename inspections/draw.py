"""The 双随机 draw: which institutions are inspected, and by whom, re-runnable by anyone.

Pure Python 3.11 standard library, no Django: `scripts/rerun_draw.py` loads this file as it is, so an
outsider needs only these two files and a published JSON document to re-run a draw.

Sources. Liaoning's measures (辽民发〔2021〕28号) 十一: "制定养老服务随机抽查事项清单、检查对象名录库以及执法检查人员
名录库 … 明确抽查比例和频次 … 对经营服务异常、投诉举报多、安全隐患大、有失信行为、有违法违规记录等问题的养老服务机构，应增加
抽查的比例和频次。" Inspectors come at least two to an institution (行政处罚法 第四十二条: "执法人员不得少于两人").
The publication follows the spirit of RFC 3797: the inputs are frozen and their hash published, then
a seed nobody controls is fixed, and the result follows from both by a published algorithm.

The algorithm (version `ALGORITHM`), precisely enough to re-implement:

1. **Canonical JSON** (`canonical_json`): sorted keys, `,` and `:` separators without spaces, UTF-8,
   non-ASCII characters written as themselves, no floating-point numbers anywhere. The inputs'
   lists are put in a fixed order first (objects and inspectors by id, items by code, every list of
   strings sorted by code point), so the same content always gives the same bytes. The **inputs'
   hash** is the SHA-256 of the canonical inputs, in lowercase hex.
2. **Randomness** (`draw_hash`): every random number is `SHA-256(canonical_json([seed,
   inputs_hash, label, id, ...]))`, with label `"institution"` (id: the institution's id) or
   `"inspector"` (ids: the institution's id, then the inspector's id). Nothing else is random.
3. **Exclusions**, before the draw, every reason listed: region not in scope, kind not in scope, not
   operating, excluded by the directory's keeper (its text), inspected on or after `frozen_on` minus
   `recent_months` calendar months (day clamped to the month's end).
4. **Weights**: `base` plus the added weight of each risk factor present (`RISK_FACTORS`); whole
   numbers, base ≥ 1, so every eligible institution has a chance and risky ones a higher one.
5. **Sample size** (`sample_size`): `n = max(size, round(ratio_percent/100 × eligible), minimum)`,
   rounding `up`, `half_up` or `down` done exactly (fractions), then at most the eligible count.
6. **Weighted sampling without replacement** (Efraimidis–Spirakis): `U` = the first 16 hex digits
   of the institution's hash as an integer, `u = (2U+1)/2^65` (strictly between 0 and 1), key
   `u^(1/w)`. The key is compared as the integer `floor(u^(1/w) × 10^18)`, computed exactly as the
   integer `w`-th root of `floor((2U+1) × 10^(18w) / 2^65)`; the `n` largest keys are drawn, ties
   (practically never) by id ascending. Taking the largest keys is the same as drawing one at a
   time with probability proportional to weight among those not yet drawn.
7. **Inspectors**, institution by institution in draw order. Needed departments: the union of the
   items' departments; team size `t = max(inspectors_per_institution, number of needed departments)`.
   An inspector is eligible for an institution when active, of a needed department, without a
   declared conflict with it, not of its region when `avoid_own_region` is on, and below `max_load`
   institutions so far when `max_load` > 0. First one inspector per needed department (departments
   in code-point order), then the remaining places from any needed department; each place goes to
   the eligible inspector not yet in the team with the **lowest load so far**, ties by the smallest
   hash (hex), then id. Loads count only completed teams. So the load is bounded by `max_load`, and
   between two inspectors of one department eligible for the same institutions, loads differ by at most one.
8. When an institution's team cannot be completed it stays drawn with no inspectors and a
   `problem` saying which department and why (counts of inactive, conflicted, same-region and
   at-capacity inspectors); `complete` is then false. Nothing is silently replaced.

`run_draw(inputs, seed) -> result` and `rerun(published) -> result` return plain dicts whose
`canonical_json` is byte-identical for identical inputs and seed. Errors in the inputs raise
`DrawInputError` naming the field (e.g. `objects[3].region`).
"""

from __future__ import annotations

import calendar
import datetime as dt
import hashlib
import json
from dataclasses import dataclass, field
from fractions import Fraction
from typing import Any

ALGORITHM = "eldercare-draw/1"
"""The algorithm's version; published with the inputs and part of their hash."""

FORMAT = "eldercare-draw-publication/1"
"""The published document's format: `{"format", "inputs", "inputs_sha256", "seed", "result"?}`."""

KEY_DIGITS = 18

RISK_FACTORS = (
    "abnormal_operation",  # 经营服务异常: the object's `abnormal_operation` fact
    "many_complaints",  # 投诉举报多: `complaints` ≥ thresholds["many_complaints"]
    "major_hazards",  # 安全隐患大: `open_major_hazards` ≥ thresholds["major_hazards"]
    "dishonesty",  # 有失信行为: the `dishonesty` fact
    "violation",  # 有违法违规记录: the `violation` fact
    "never_inspected",  # never inspected: `last_inspected_on` is null
)
"""The risk factors of measure 十一 (and "never inspected"), in the order results list them."""

DEFAULT_WEIGHTS = {
    "base": 1,
    "abnormal_operation": 2,
    "many_complaints": 1,
    "major_hazards": 2,
    "dishonesty": 2,
    "violation": 2,
    "never_inspected": 1,
}
"""Suggested weights: an institution's weight is `base` plus the weight of each factor it has."""

DEFAULT_THRESHOLDS = {"many_complaints": 3, "major_hazards": 1}
"""Counts from which a count fact becomes a risk factor (complaints in the period; open major hazards)."""

ROUNDINGS = ("up", "half_up", "down")
MAX_WEIGHT = 1000

EXCLUSION_REASONS = (
    "outside_region",
    "outside_kind",
    "not_operating",
    "directory_exclusion",
    "inspected_recently",
)
"""Exclusion reason codes, in the order they are checked and listed."""


class DrawInputError(ValueError):
    """The inputs (or a published document) are not valid; `path` names the field."""

    def __init__(self, path: str, message: str):
        super().__init__(f"{path}: {message}" if path else message)
        self.path = path
        self.message = message


# --- the inputs -------------------------------------------------------------------------------


@dataclass(frozen=True)
class RiskFacts:
    """An institution's risk facts at the freeze (measure 十一); counts are whole numbers ≥ 0."""

    abnormal_operation: bool = False
    complaints: int = 0
    open_major_hazards: int = 0
    dishonesty: bool = False
    violation: bool = False


@dataclass(frozen=True)
class DrawObject:
    """One entry of the objects directory (检查对象名录库): an institution and its facts.

    `excluded_because` is the directory keeper's own exclusion (e.g. "停业整顿中"), "" for none;
    `last_inspected_on` None means no inspection on record (the "never inspected" factor).
    """

    id: str
    name: str
    region: str
    kind: str
    operating: bool = True
    last_inspected_on: dt.date | None = None
    excluded_because: str = ""
    risk: RiskFacts = field(default_factory=RiskFacts)


@dataclass(frozen=True)
class Inspector:
    """One entry of the inspectors directory (执法检查人员名录库); `conflicts`: institution ids."""

    id: str
    name: str
    department: str
    region: str
    active: bool = True
    conflicts: tuple[str, ...] = ()


@dataclass(frozen=True)
class Item:
    """One entry of the inspection-items list (抽查事项清单) and the departments it needs."""

    code: str
    name: str
    departments: tuple[str, ...]


@dataclass(frozen=True)
class SampleRule:
    """How many to draw: the largest of `size`, the rounded ratio and `minimum`, at most all.

    `ratio_percent` is a decimal string ("5", "2.5"), "" for none; `rounding` is one of `ROUNDINGS`.
    """

    size: int = 0
    ratio_percent: str = ""
    rounding: str = "up"
    minimum: int = 0


@dataclass(frozen=True)
class Parameters:
    """The draw's scope, sample rule, team rule, exclusions and weights.

    `max_load` 0 means no cap; `recent_months` 0 means no exclusion for recent inspections.
    """

    regions: tuple[str, ...]
    kinds: tuple[str, ...]
    sample: SampleRule
    inspectors_per_institution: int = 2
    avoid_own_region: bool = True
    max_load: int = 0
    recent_months: int = 0
    weights: dict[str, int] = field(default_factory=lambda: dict(DEFAULT_WEIGHTS))
    thresholds: dict[str, int] = field(default_factory=lambda: dict(DEFAULT_THRESHOLDS))


@dataclass(frozen=True)
class SeedSource:
    """Where the seed will come from, published before it is known.

    `kind`: "lottery" (a lottery draw's numbers), "published_figure" (a figure published on a
    future date) or "recorded_random" (a value drawn and recorded at the draw, e.g. by dice before
    witnesses); `available_on`: the date the value becomes known, if any.
    """

    kind: str
    description: str
    available_on: dt.date | None = None


SEED_KINDS = ("lottery", "published_figure", "recorded_random")


@dataclass(frozen=True)
class DrawInputs:
    """Everything a draw depends on except the seed; its canonical JSON is published and hashed.

    `labels` gives readers the names of the codes: `{"regions": {code: name}, "kinds": {code: name}}`
    (e.g. "210302": "铁东区"); the draw itself uses only the codes.
    """

    title: str
    frozen_on: dt.date
    objects: tuple[DrawObject, ...]
    inspectors: tuple[Inspector, ...]
    items: tuple[Item, ...]
    parameters: Parameters
    seed_source: SeedSource
    labels: dict[str, dict[str, str]] = field(default_factory=lambda: {"regions": {}, "kinds": {}})
    algorithm: str = ALGORITHM

    def to_dict(self) -> dict[str, Any]:
        """The canonical plain-data form (lists in their fixed order), ready for `canonical_json`."""
        p = self.parameters
        return {
            "algorithm": self.algorithm,
            "title": self.title,
            "frozen_on": self.frozen_on.isoformat(),
            "objects": [
                {
                    "id": o.id,
                    "name": o.name,
                    "region": o.region,
                    "kind": o.kind,
                    "operating": o.operating,
                    "last_inspected_on": o.last_inspected_on.isoformat() if o.last_inspected_on else None,
                    "excluded_because": o.excluded_because,
                    "risk": {
                        "abnormal_operation": o.risk.abnormal_operation,
                        "complaints": o.risk.complaints,
                        "open_major_hazards": o.risk.open_major_hazards,
                        "dishonesty": o.risk.dishonesty,
                        "violation": o.risk.violation,
                    },
                }
                for o in sorted(self.objects, key=lambda o: o.id)
            ],
            "inspectors": [
                {
                    "id": i.id,
                    "name": i.name,
                    "department": i.department,
                    "region": i.region,
                    "active": i.active,
                    "conflicts": sorted(i.conflicts),
                }
                for i in sorted(self.inspectors, key=lambda i: i.id)
            ],
            "items": [
                {"code": t.code, "name": t.name, "departments": sorted(t.departments)}
                for t in sorted(self.items, key=lambda t: t.code)
            ],
            "parameters": {
                "regions": sorted(p.regions),
                "kinds": sorted(p.kinds),
                "sample": {
                    "size": p.sample.size,
                    "ratio_percent": p.sample.ratio_percent,
                    "rounding": p.sample.rounding,
                    "minimum": p.sample.minimum,
                },
                "inspectors_per_institution": p.inspectors_per_institution,
                "avoid_own_region": p.avoid_own_region,
                "max_load": p.max_load,
                "recent_months": p.recent_months,
                "weights": dict(p.weights),
                "thresholds": dict(p.thresholds),
            },
            "labels": {"regions": dict(self.labels["regions"]), "kinds": dict(self.labels["kinds"])},
            "seed_source": {
                "kind": self.seed_source.kind,
                "description": self.seed_source.description,
                "available_on": (
                    self.seed_source.available_on.isoformat() if self.seed_source.available_on else None
                ),
            },
        }

    @classmethod
    def from_dict(cls, data: Any) -> DrawInputs:
        """Read and check the plain-data form; unknown or missing keys raise `DrawInputError`."""
        r = _Reader(data, "inputs")
        algorithm = r.str("algorithm")
        if algorithm != ALGORITHM:
            raise DrawInputError("inputs.algorithm", f"this code runs {ALGORITHM!r}, not {algorithm!r}")
        objects = tuple(_read_object(o, f"objects[{n}]") for n, o in enumerate(r.list("objects")))
        inspectors = tuple(_read_inspector(i, f"inspectors[{n}]") for n, i in enumerate(r.list("inspectors")))
        items = tuple(_read_item(t, f"items[{n}]") for n, t in enumerate(r.list("items")))
        _unique([o.id for o in objects], "objects", "id")
        _unique([i.id for i in inspectors], "inspectors", "id")
        _unique([t.code for t in items], "items", "code")
        if not items:
            raise DrawInputError("items", "at least one item is needed")
        inputs = cls(
            algorithm=algorithm,
            title=r.str("title"),
            frozen_on=r.date("frozen_on"),
            objects=objects,
            inspectors=inspectors,
            items=items,
            parameters=_read_parameters(r.get("parameters"), "parameters"),
            seed_source=_read_seed_source(r.get("seed_source"), "seed_source"),
            labels=_read_labels(r.get("labels"), "labels"),
        )
        available_on = inputs.seed_source.available_on
        if available_on and available_on < inputs.frozen_on:
            raise DrawInputError(
                "seed_source.available_on",
                "must not be before frozen_on: the seed must be unknown at the freeze",
            )
        r.done()
        return inputs


def _unique(values: list[str], path: str, key: str) -> None:
    seen = set()
    for n, v in enumerate(values):
        if v in seen:
            raise DrawInputError(f"{path}[{n}].{key}", f"{v!r} appears twice")
        seen.add(v)


class _Reader:
    """Reads one JSON object's keys with type checks; `done()` rejects keys nobody read."""

    def __init__(self, data: Any, path: str):
        if not isinstance(data, dict):
            raise DrawInputError(path, "must be an object")
        self.data, self.path, self.read = data, path, set()

    def get(self, key: str) -> Any:
        if key not in self.data:
            raise DrawInputError(f"{self.path}.{key}", "is missing")
        self.read.add(key)
        return self.data[key]

    def str(self, key: str, *, empty: bool = False) -> str:
        v = self.get(key)
        if not isinstance(v, str) or (not empty and not v):
            raise DrawInputError(
                f"{self.path}.{key}", "must be a non-empty string" if not empty else "must be a string"
            )
        return v

    def bool(self, key: str) -> bool:
        v = self.get(key)
        if not isinstance(v, bool):
            raise DrawInputError(f"{self.path}.{key}", "must be true or false")
        return v

    def int(self, key: str, lo: int = 0, hi: int | None = None) -> int:
        v = self.get(key)
        if isinstance(v, bool) or not isinstance(v, int) or v < lo or (hi is not None and v > hi):
            bound = f"between {lo} and {hi}" if hi is not None else f"at least {lo}"
            raise DrawInputError(f"{self.path}.{key}", f"must be a whole number {bound}")
        return v

    def date(self, key: str, *, null: bool = False) -> dt.date | None:
        v = self.get(key)
        if v is None and null:
            return None
        try:
            if not isinstance(v, str) or len(v) != 10:
                raise ValueError
            return dt.date.fromisoformat(v)
        except ValueError:
            raise DrawInputError(f"{self.path}.{key}", "must be a date YYYY-MM-DD") from None

    def list(self, key: str) -> list:
        v = self.get(key)
        if not isinstance(v, list):
            raise DrawInputError(f"{self.path}.{key}", "must be a list")
        return v

    def strs(self, key: str, *, nonempty: bool = False) -> tuple[str, ...]:
        v = self.list(key)
        if any(not isinstance(s, str) or not s for s in v):
            raise DrawInputError(f"{self.path}.{key}", "must be a list of non-empty strings")
        if nonempty and not v:
            raise DrawInputError(f"{self.path}.{key}", "must not be empty")
        if len(set(v)) != len(v):
            raise DrawInputError(f"{self.path}.{key}", "has a value twice")
        return tuple(sorted(v))

    def done(self) -> None:
        extra = sorted(set(self.data) - self.read)
        if extra:
            raise DrawInputError(f"{self.path}.{extra[0]}", "is not a known field")


def _read_object(data: Any, path: str) -> DrawObject:
    r = _Reader(data, path)
    rr = _Reader(r.get("risk"), f"{path}.risk")
    risk = RiskFacts(
        abnormal_operation=rr.bool("abnormal_operation"),
        complaints=rr.int("complaints"),
        open_major_hazards=rr.int("open_major_hazards"),
        dishonesty=rr.bool("dishonesty"),
        violation=rr.bool("violation"),
    )
    rr.done()
    obj = DrawObject(
        id=r.str("id"),
        name=r.str("name"),
        region=r.str("region"),
        kind=r.str("kind"),
        operating=r.bool("operating"),
        last_inspected_on=r.date("last_inspected_on", null=True),
        excluded_because=r.str("excluded_because", empty=True),
        risk=risk,
    )
    r.done()
    return obj


def _read_inspector(data: Any, path: str) -> Inspector:
    r = _Reader(data, path)
    inspector = Inspector(
        id=r.str("id"),
        name=r.str("name"),
        department=r.str("department"),
        region=r.str("region"),
        active=r.bool("active"),
        conflicts=r.strs("conflicts"),
    )
    r.done()
    return inspector


def _read_item(data: Any, path: str) -> Item:
    r = _Reader(data, path)
    item = Item(code=r.str("code"), name=r.str("name"), departments=r.strs("departments", nonempty=True))
    r.done()
    return item


def _read_parameters(data: Any, path: str) -> Parameters:
    r = _Reader(data, path)
    s = _Reader(r.get("sample"), f"{path}.sample")
    ratio = s.str("ratio_percent", empty=True)
    if ratio:
        try:
            if not all(c in "0123456789." for c in ratio) or not 0 <= Fraction(ratio) <= 100:
                raise ValueError
        except ValueError:
            raise DrawInputError(
                f"{path}.sample.ratio_percent", "must be a decimal number from 0 to 100"
            ) from None
    rounding = s.str("rounding")
    if rounding not in ROUNDINGS:
        raise DrawInputError(f"{path}.sample.rounding", f"must be one of {', '.join(ROUNDINGS)}")
    sample = SampleRule(size=s.int("size"), ratio_percent=ratio, rounding=rounding, minimum=s.int("minimum"))
    s.done()
    weights = _Reader(r.get("weights"), f"{path}.weights")
    w = {"base": weights.int("base", 1, MAX_WEIGHT)}
    for factor in RISK_FACTORS:
        w[factor] = weights.int(factor, 0, MAX_WEIGHT)
    weights.done()
    if sum(w.values()) > MAX_WEIGHT:
        raise DrawInputError(f"{path}.weights", f"the largest possible weight must not exceed {MAX_WEIGHT}")
    thresholds = _Reader(r.get("thresholds"), f"{path}.thresholds")
    t = {k: thresholds.int(k, 1) for k in DEFAULT_THRESHOLDS}
    thresholds.done()
    params = Parameters(
        regions=r.strs("regions", nonempty=True),
        kinds=r.strs("kinds", nonempty=True),
        sample=sample,
        inspectors_per_institution=r.int("inspectors_per_institution", 2),
        avoid_own_region=r.bool("avoid_own_region"),
        max_load=r.int("max_load"),
        recent_months=r.int("recent_months", 0, 120),
        weights=w,
        thresholds=t,
    )
    r.done()
    return params


def _read_labels(data: Any, path: str) -> dict[str, dict[str, str]]:
    r = _Reader(data, path)
    labels = {}
    for key in ("regions", "kinds"):
        names = r.get(key)
        if not isinstance(names, dict) or any(not isinstance(v, str) or not v for v in names.values()):
            raise DrawInputError(f"{path}.{key}", "must map codes to non-empty names")
        labels[key] = dict(names)
    r.done()
    return labels


def _read_seed_source(data: Any, path: str) -> SeedSource:
    r = _Reader(data, path)
    kind = r.str("kind")
    if kind not in SEED_KINDS:
        raise DrawInputError(f"{path}.kind", f"must be one of {', '.join(SEED_KINDS)}")
    source = SeedSource(
        kind=kind, description=r.str("description"), available_on=r.date("available_on", null=True)
    )
    r.done()
    return source


# --- hashing ----------------------------------------------------------------------------------


def canonical_json(value: Any) -> bytes:
    """The one byte form of `value`: sorted keys, no spaces, UTF-8, no floats (they raise TypeError)."""
    _no_floats(value)
    return json.dumps(
        value, ensure_ascii=False, sort_keys=True, separators=(",", ":"), allow_nan=False
    ).encode("utf-8")


def _no_floats(value: Any) -> None:
    if isinstance(value, float):
        raise TypeError("canonical JSON holds no floating-point numbers")
    if isinstance(value, dict):
        for v in value.values():
            _no_floats(v)
    elif isinstance(value, list | tuple):
        for v in value:
            _no_floats(v)


def inputs_hash(inputs: DrawInputs) -> str:
    """The inputs' hash: SHA-256 (lowercase hex) of the canonical JSON of `inputs.to_dict()`."""
    return hashlib.sha256(canonical_json(inputs.to_dict())).hexdigest()


_json_string = json.encoder.encode_basestring  # json.dumps's own string form with ensure_ascii=False


def draw_hash(seed: str, inputs_sha256: str, label: str, *ids: str) -> str:
    """SHA-256 (hex) of `canonical_json([seed, inputs_sha256, label, *ids])`: the draw's only randomness.

    Every part is a string (no float to refuse), so the list is encoded directly with the same
    settings as `canonical_json`: the same bytes, without its per-call checks (a draw of 250
    institutions among 500 inspectors hashes about 130,000 such lists)."""
    parts = [seed, inputs_sha256, label, *ids]
    if not all(type(part) is str for part in parts):
        return hashlib.sha256(canonical_json(parts)).hexdigest()
    text = "[" + ",".join(map(_json_string, parts)) + "]"
    return hashlib.sha256(text.encode("utf-8")).hexdigest()


def integer_root(x: int, k: int) -> int:
    """The largest integer r with r**k <= x (x ≥ 0, k ≥ 1), exactly, by Newton's method."""
    if x < 0 or k < 1:
        raise ValueError("integer_root needs x >= 0 and k >= 1")
    if x < 2 or k == 1:
        return x
    r = 1 << -(-x.bit_length() // k)  # 2^ceil(bits/k) ≥ the root
    while True:
        s = ((k - 1) * r + x // r ** (k - 1)) // k
        if s >= r:
            break
        r = s
    while r**k > x:  # pragma: no cover - Newton from above lands on the floor; kept as a guard
        r -= 1
    return r


def sampling_key(hash_hex: str, weight: int) -> int:
    """Efraimidis–Spirakis key `floor(u^(1/w) × 10^18)` with `u = (2U+1)/2^65`, U = first 64 bits."""
    u_num = 2 * int(hash_hex[:16], 16) + 1
    return integer_root(u_num * 10 ** (KEY_DIGITS * weight) >> 65, weight)


# --- the draw ---------------------------------------------------------------------------------


def risk_factors(obj: DrawObject, params: Parameters) -> list[str]:
    """The risk factors `obj` has, in `RISK_FACTORS` order."""
    t = params.thresholds
    present = {
        "abnormal_operation": obj.risk.abnormal_operation,
        "many_complaints": obj.risk.complaints >= t["many_complaints"],
        "major_hazards": obj.risk.open_major_hazards >= t["major_hazards"],
        "dishonesty": obj.risk.dishonesty,
        "violation": obj.risk.violation,
        "never_inspected": obj.last_inspected_on is None,
    }
    return [f for f in RISK_FACTORS if present[f]]


def weight(obj: DrawObject, params: Parameters) -> int:
    """`base` plus the weight of each risk factor `obj` has (whole number ≥ 1)."""
    return params.weights["base"] + sum(params.weights[f] for f in risk_factors(obj, params))


def months_before(day: dt.date, months: int) -> dt.date:
    """`day` minus whole calendar months, the day clamped to the month's end (31 Aug − 6 → 28/29 Feb)."""
    index = day.year * 12 + day.month - 1 - months
    year, month = divmod(index, 12)
    return dt.date(year, month + 1, min(day.day, calendar.monthrange(year, month + 1)[1]))


def exclusion_reasons(obj: DrawObject, inputs: DrawInputs) -> list[dict[str, Any]]:
    """Why `obj` cannot be drawn (`EXCLUSION_REASONS` codes with their facts); [] when eligible."""
    p = inputs.parameters
    reasons: list[dict[str, Any]] = []
    if obj.region not in p.regions:
        reasons.append({"code": "outside_region", "region": obj.region})
    if obj.kind not in p.kinds:
        reasons.append({"code": "outside_kind", "kind": obj.kind})
    if not obj.operating:
        reasons.append({"code": "not_operating"})
    if obj.excluded_because:
        reasons.append({"code": "directory_exclusion", "text": obj.excluded_because})
    if p.recent_months and obj.last_inspected_on:
        cutoff = months_before(inputs.frozen_on, p.recent_months)
        if obj.last_inspected_on >= cutoff:
            reasons.append(
                {
                    "code": "inspected_recently",
                    "last_inspected_on": obj.last_inspected_on.isoformat(),
                    "since": cutoff.isoformat(),
                }
            )
    return reasons


def sample_size(eligible: int, rule: SampleRule) -> dict[str, Any]:
    """How many of `eligible` institutions to draw, with every step of the computation.

    `{"eligible", "size", "ratio_percent", "by_ratio_exact" ("num/den" or ""), "by_ratio",
    "rounding", "minimum", "drawn", "capped"}`; `drawn` = min(eligible, max(size, by_ratio, minimum)).
    """
    exact = Fraction(rule.ratio_percent) * eligible / 100 if rule.ratio_percent else Fraction(0)
    if rule.rounding == "up":
        by_ratio = -(-exact.numerator // exact.denominator)
    elif rule.rounding == "half_up":
        by_ratio = (2 * exact.numerator + exact.denominator) // (2 * exact.denominator)
    else:
        by_ratio = exact.numerator // exact.denominator
    wanted = max(rule.size, by_ratio, rule.minimum)
    return {
        "eligible": eligible,
        "size": rule.size,
        "ratio_percent": rule.ratio_percent,
        "by_ratio_exact": f"{exact.numerator}/{exact.denominator}" if rule.ratio_percent else "",
        "by_ratio": by_ratio,
        "rounding": rule.rounding,
        "minimum": rule.minimum,
        "drawn": min(wanted, eligible),
        "capped": wanted > eligible,
    }


def run_draw(inputs: DrawInputs, seed: str) -> dict[str, Any]:
    """Draw institutions and their inspectors from `inputs` and `seed` (the module docstring's steps).

    Returns plain data: `algorithm`, `title`, `inputs_sha256`, `seed`, `sample` (see `sample_size`),
    `drawn` (in draw order: rank, id, name, region, kind, weight, risk_factors, hash, key as
    "0.<18 digits>", inspectors [{id, name, department, region}], problem or None), `excluded` (id
    order: id, name, region, reasons), `loads` (inspectors with a load, id order), `complete`.
    """
    if not isinstance(seed, str) or not seed:
        raise DrawInputError("seed", "must be a non-empty string")
    p = inputs.parameters
    ih = inputs_hash(inputs)
    eligible, excluded = [], []
    for obj in sorted(inputs.objects, key=lambda o: o.id):
        reasons = exclusion_reasons(obj, inputs)
        if reasons:
            excluded.append({"id": obj.id, "name": obj.name, "region": obj.region, "reasons": reasons})
        else:
            eligible.append(obj)
    sample = sample_size(len(eligible), p.sample)
    scored = []
    for obj in eligible:
        h = draw_hash(seed, ih, "institution", obj.id)
        w = weight(obj, p)
        scored.append((-sampling_key(h, w), obj.id, obj, h, w))
    scored.sort(key=lambda s: (s[0], s[1]))
    drawn = [
        {
            "rank": rank,
            "id": obj.id,
            "name": obj.name,
            "region": obj.region,
            "kind": obj.kind,
            "weight": w,
            "risk_factors": risk_factors(obj, p),
            "hash": h,
            "key": f"0.{-neg_key:0{KEY_DIGITS}d}",
        }
        for rank, (neg_key, _, obj, h, w) in enumerate(scored[: sample["drawn"]], start=1)
    ]
    loads = _assign_inspectors(inputs, seed, ih, drawn)
    by_id = {i.id: i for i in inputs.inspectors}
    return {
        "algorithm": ALGORITHM,
        "title": inputs.title,
        "inputs_sha256": ih,
        "seed": seed,
        "sample": sample,
        "drawn": drawn,
        "excluded": excluded,
        "loads": [
            {"id": i, "name": by_id[i].name, "department": by_id[i].department, "load": n}
            for i, n in sorted(loads.items())
            if n
        ],
        "complete": all(d["problem"] is None for d in drawn),
    }


def needed_departments(items: tuple[Item, ...]) -> list[str]:
    """The departments the items need, in code-point order."""
    return sorted({d for item in items for d in item.departments})


def _assign_inspectors(inputs: DrawInputs, seed: str, ih: str, drawn: list[dict[str, Any]]) -> dict[str, int]:
    """Fill each drawn entry's `inspectors` and `problem` (step 7 and 8); returns the loads."""
    p = inputs.parameters
    departments = needed_departments(inputs.items)
    team_size = max(p.inspectors_per_institution, len(departments))
    inspectors = sorted(inputs.inspectors, key=lambda i: i.id)
    loads = {i.id: 0 for i in inspectors}
    for entry in drawn:

        def blocked(i: Inspector, entry=entry) -> str:
            """Why inspector `i` cannot join this team ("" if they can), first reason only."""
            if not i.active:
                return "inactive"
            if entry["id"] in i.conflicts:
                return "conflict"
            if p.avoid_own_region and i.region == entry["region"]:
                return "own_region"
            if p.max_load and loads[i.id] >= p.max_load:
                return "at_load_cap"
            return ""

        ties = {}
        team: list[Inspector] = []
        problem = None
        places = [*departments, *[None] * (team_size - len(departments))]
        for department in places:
            pool = [
                i
                for i in inspectors
                if (i.department == department if department else i.department in departments)
            ]
            candidates = [i for i in pool if not blocked(i) and i not in team]
            if not candidates:
                counts = {"in_department": len(pool), "in_team": sum(i in team for i in pool)}
                for reason in ("inactive", "conflict", "own_region", "at_load_cap"):
                    counts[reason] = sum(blocked(i) == reason for i in pool if i not in team)
                problem = {
                    "code": "no_inspector_for_department" if department else "too_few_inspectors",
                    "department": department,
                    "team_size": team_size,
                    "counts": counts,
                }
                break
            for i in candidates:
                if i.id not in ties:
                    ties[i.id] = draw_hash(seed, ih, "inspector", entry["id"], i.id)
            team.append(min(candidates, key=lambda i: (loads[i.id], ties[i.id], i.id)))
        if problem:
            team = []
        for i in team:
            loads[i.id] += 1
        entry["inspectors"] = [
            {"id": i.id, "name": i.name, "department": i.department, "region": i.region} for i in team
        ]
        entry["problem"] = problem
    return loads


# --- publication ------------------------------------------------------------------------------


def published_document(
    inputs: DrawInputs, seed: str | None = None, result: dict | None = None
) -> dict[str, Any]:
    """The document to publish: before the draw without `seed`, after it with the seed and result."""
    doc: dict[str, Any] = {"format": FORMAT, "inputs": inputs.to_dict(), "inputs_sha256": inputs_hash(inputs)}
    if seed is not None:
        doc["seed"] = seed
    if result is not None:
        doc["result"] = result
    return doc


def load_published(published: str | bytes | dict) -> tuple[DrawInputs, str]:
    """Read a published document (JSON text, bytes or parsed); checks its format and inputs' hash.

    Raises `DrawInputError` when the JSON is invalid, the format unknown, the seed missing, or the
    inputs do not hash to the published `inputs_sha256` (they are not the inputs published before
    the draw).
    """
    if isinstance(published, str | bytes):
        try:
            published = json.loads(published)
        except (ValueError, UnicodeDecodeError) as e:
            raise DrawInputError("", f"not valid JSON: {e}") from None
    r = _Reader(published, "document")
    fmt = r.get("format")
    if fmt != FORMAT:
        raise DrawInputError("document.format", f"expected {FORMAT!r}, got {fmt!r}")
    inputs = DrawInputs.from_dict(r.get("inputs"))
    published_hash = r.str("inputs_sha256")
    if published_hash != inputs_hash(inputs):
        raise DrawInputError(
            "document.inputs_sha256",
            f"the inputs hash to {inputs_hash(inputs)}, not to the published {published_hash}",
        )
    if "seed" not in published:
        raise DrawInputError("document.seed", "is missing: the seed is not fixed yet")
    seed = r.str("seed")
    if "result" in published:
        r.get("result")
    r.done()
    return inputs, seed


def rerun(published: str | bytes | dict) -> dict[str, Any]:
    """Re-run the draw a published document describes; the result equals the original one."""
    inputs, seed = load_published(published)
    return run_draw(inputs, seed)
