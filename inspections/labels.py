"""What a draw's pages show, read from the draw's row and its frozen inputs (no query of its own):
the method, the weights, the seed's source, the drawn list and the exclusions, with the codes of
`inspections.draw` turned into words."""

import json

from django.utils.translation import gettext_lazy as _

from inspections import draw as algo
from inspections.directory import department_name

FACTOR_LABELS = {
    "abnormal_operation": _("Abnormal operation"),
    "many_complaints": _("Many complaints"),
    "major_hazards": _("Major hazards"),
    "dishonesty": _("Dishonesty record"),
    "violation": _("Violation record"),
    "never_inspected": _("Never inspected"),
}
REASON_LABELS = {
    "outside_region": _("Outside the regions"),
    "outside_kind": _("Outside the kinds of institution"),
    "not_operating": _("Not operating"),
    "directory_exclusion": _("Excluded by the directory"),
    "inspected_recently": _("Inspected recently"),
}
PROBLEM_LABELS = {
    "no_inspector_for_department": _("No eligible inspector of the department"),
    "too_few_inspectors": _("Too few eligible inspectors"),
}
ROUNDING_LABELS = {"up": _("Round up"), "half_up": _("Round half up"), "down": _("Round down")}


def draw_context(draw) -> dict:
    """Context for a draw's staff and public pages: `inputs` (the frozen inputs, or None),
    `regions` / `kinds` (names in scope), `weights` [(label, value)], `sample` (the rule),
    `drawn` and `excluded` (from the result, with labels), `complete`."""
    inputs = json.loads(draw.inputs_json) if draw.inputs_json else None
    if inputs:
        params = inputs["parameters"]
        region_names = inputs["labels"]["regions"]
        kind_names = inputs["labels"]["kinds"]
        regions = [region_names.get(code, code) for code in params["regions"]]
        kinds = [kind_names.get(code, code) for code in params["kinds"]]
        weights, thresholds, sample = params["weights"], params["thresholds"], params["sample"]
        items = inputs["items"]
        counts = {"objects": len(inputs["objects"]), "inspectors": len(inputs["inspectors"])}
    else:
        from institutions.models import Nature

        region_names = {}
        regions = [r.name for r in draw.scope_regions.all()]
        kinds = [str(Nature(k).label) for k in draw.kinds]
        weights = {**algo.DEFAULT_WEIGHTS, **draw.weights}
        thresholds = {**algo.DEFAULT_THRESHOLDS, **draw.thresholds}
        sample = {
            "size": draw.sample_size,
            "ratio_percent": draw.ratio_percent,
            "rounding": draw.rounding,
            "minimum": draw.minimum,
        }
        items = [
            {"code": t.code, "name": t.name, "departments": [department_name(t.department)]}
            for t in draw.items.all()
        ]
        counts = None
    result = draw.result or {}
    drawn = [
        {
            **entry,
            "region_name": region_names.get(entry["region"], entry["region"]),
            "factor_labels": [FACTOR_LABELS.get(f, f) for f in entry["risk_factors"]],
            "problem_label": PROBLEM_LABELS.get(entry["problem"]["code"]) if entry.get("problem") else "",
        }
        for entry in result.get("drawn", [])
    ]
    excluded = [
        {
            **entry,
            "region_name": region_names.get(entry["region"], entry["region"]),
            "reason_labels": [REASON_LABELS.get(r["code"], r["code"]) for r in entry["reasons"]],
        }
        for entry in result.get("excluded", [])
    ]
    return {
        "inputs": inputs,
        "algorithm": inputs["algorithm"] if inputs else algo.ALGORITHM,
        "regions": regions,
        "kinds": kinds,
        "items": items,
        "counts": counts,
        "weights": [("base", _("Base weight (every institution)"), weights["base"])]
        + [(f, FACTOR_LABELS[f], weights[f]) for f in algo.RISK_FACTORS],
        "thresholds": thresholds,
        "sample": sample,
        "rounding_label": ROUNDING_LABELS.get(sample["rounding"], sample["rounding"]),
        "sample_result": result.get("sample"),
        "drawn": drawn,
        "excluded": excluded,
        "complete": result.get("complete"),
    }
