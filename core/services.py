"""Writes for shared data: loading the region tree from a data file."""

from pathlib import Path

from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils.translation import gettext as _

from campaign.services import SyncReport, sync_row
from core import yamldata
from core.models import Region

DATA_DIR = Path(__file__).resolve().parent / "data"


@transaction.atomic
def regions_load(*, rows: list[dict]) -> SyncReport:
    """Create or update regions from rows {code, name, kind, parent, sort_order}; parents first."""
    report = SyncReport()
    by_code: dict[str, Region] = {}
    for number, row in enumerate(rows, start=1):
        parent_code = row.get("parent")
        parent = None
        if parent_code:
            parent = by_code.get(str(parent_code)) or Region.objects.filter(code=str(parent_code)).first()
            if parent is None:
                raise ValidationError(
                    _("Row %(row)s: parent region %(code)s is unknown; list parents before their children.")
                    % {"row": number, "code": parent_code}
                )
        by_code[str(row["code"])] = sync_row(
            Region,
            {"code": str(row["code"])},
            {
                "name": row["name"],
                "kind": row["kind"],
                "parent": parent,
                "sort_order": row.get("sort_order", 0),
            },
            report,
        )
    return report


def regions_load_file(*, path: Path) -> SyncReport:
    with open(path, encoding="utf-8") as handle:
        return regions_load(rows=yamldata.load(handle))
