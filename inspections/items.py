"""Loading an inspection-items list from a data file (`inspections/data/items_anshan.yaml`)."""

from pathlib import Path

from django.db import transaction

from core import yamldata
from core.models import Region
from inspections.models import POINT_CATEGORIES, ChecklistPoint, InspectionItem

DATA_FILE = Path(__file__).resolve().parent / "data" / "items_anshan.yaml"


@transaction.atomic
def load_items(path: Path = DATA_FILE) -> tuple[int, int]:
    """Load (or update) the items list of the file's region; idempotent: a second load changes
    nothing. Returns (items created, points created). Raises ValueError naming a bad entry."""
    data = yamldata.load_file(path)
    region = Region.objects.get(code=data["region"])
    categories = {code for code, _label in POINT_CATEGORIES}
    items_created = points_created = 0
    for entry in data["items"]:
        item, created = InspectionItem.objects.update_or_create(
            region=region,
            code=entry["code"],
            defaults={
                "name": entry["name"],
                "legal_basis": " ".join(entry["legal_basis"].split()),
                "department": entry["department"],
            },
        )
        items_created += created
        for number, point in enumerate(entry.get("points", []), start=1):
            if point["category"] not in categories:
                raise ValueError(f"{entry['code']}.{number}: unknown category {point['category']!r}")
            _point, created = ChecklistPoint.objects.update_or_create(
                item=item, number=number, defaults={"text": point["text"], "category": point["category"]}
            )
            points_created += created
    return items_created, points_created
