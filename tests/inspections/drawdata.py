"""Plain-data inputs for the draw's tests: small directories written out field by field."""

from inspections import draw


def institution(
    id,
    region="210302",
    kind="private",
    *,
    name=None,
    operating=True,
    last_inspected_on="2024-01-10",
    excluded_because="",
    **risk,
):
    """One objects-directory entry; `risk` overrides the facts (all clean by default)."""
    facts = {
        "abnormal_operation": False,
        "complaints": 0,
        "open_major_hazards": 0,
        "dishonesty": False,
        "violation": False,
    }
    facts.update(risk)
    return {
        "id": id,
        "name": name or f"养老院{id}",
        "region": region,
        "kind": kind,
        "operating": operating,
        "last_inspected_on": last_inspected_on,
        "excluded_because": excluded_because,
        "risk": facts,
    }


def inspector(id, department="民政局", region="210303", *, active=True, conflicts=()):
    return {
        "id": id,
        "name": f"检查员{id}",
        "department": department,
        "region": region,
        "active": active,
        "conflicts": list(conflicts),
    }


def inputs(
    objects,
    inspectors,
    *,
    items=None,
    regions=("210302", "210303", "210304"),
    kinds=("private", "public"),
    sample=None,
    weights=None,
    **parameters,
):
    """A whole inputs document; keyword arguments override the parameters."""
    params = {
        "regions": list(regions),
        "kinds": list(kinds),
        "sample": {"size": 0, "ratio_percent": "50", "rounding": "up", "minimum": 1, **(sample or {})},
        "inspectors_per_institution": 2,
        "avoid_own_region": True,
        "max_load": 0,
        "recent_months": 6,
        "weights": {**draw.DEFAULT_WEIGHTS, **(weights or {})},
        "thresholds": dict(draw.DEFAULT_THRESHOLDS),
        **parameters,
    }
    return {
        "algorithm": draw.ALGORITHM,
        "title": "测试抽查",
        "frozen_on": "2025-11-03",
        "objects": list(objects),
        "inspectors": list(inspectors),
        "items": items or [{"code": "A01", "name": "服务安全", "departments": ["民政局"]}],
        "parameters": params,
        "labels": {"regions": {"210302": "铁东区"}, "kinds": {}},
        "seed_source": {
            "kind": "lottery",
            "description": "福彩双色球下一期开奖号码",
            "available_on": "2025-11-04",
        },
    }


def parse(data):
    return draw.DrawInputs.from_dict(data)
