"""Writes for shared data: loading the region tree from a data file."""

from pathlib import Path

from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils.translation import gettext as _

from campaign.services import SyncReport
from core import yamldata
from core.models import Region

DATA_DIR = Path(__file__).resolve().parent / "data"


@transaction.atomic
def regions_load(*, rows: list[dict]) -> SyncReport:
    """Create or update regions from rows {code, name, kind, parent, sort_order}; parents first.

    Writes only what differs (a second load writes nothing). The regions already stored are read in
    one query (not one per row: tests load the file ~2,000 times a run); each new or changed region
    is checked (`full_clean`) and saved one by one (`Region.save` keeps its path and sort key).
    Raises ValidationError naming the row for an unknown parent or a bad value."""
    report = SyncReport()
    codes = {str(row["code"]) for row in rows} | {str(row["parent"]) for row in rows if row.get("parent")}
    stored = {
        region.code: region for region in Region.objects.filter(code__in=codes).select_related("parent")
    }
    for number, row in enumerate(rows, start=1):
        code, parent_code = str(row["code"]), row.get("parent")
        parent = None
        if parent_code:
            parent = stored.get(str(parent_code))
            if parent is None:
                raise ValidationError(
                    _("Row %(row)s: parent region %(code)s is unknown; list parents before their children.")
                    % {"row": number, "code": parent_code}
                )
        values = {
            "name": row["name"],
            "kind": row["kind"],
            "parent": parent,
            "sort_order": row.get("sort_order", 0),
        }
        region = stored.get(code)
        if region is None:
            region = Region(code=code, **values)
            action = "created"
        else:
            changed = [name for name, value in values.items() if getattr(region, name) != value]
            for name in changed:
                setattr(region, name, values[name])
            action = "updated" if changed else "unchanged"
        if action != "unchanged":
            # the code's uniqueness is the lookup itself (`stored` holds every stored code of the
            # file) and the parent was read or saved just before: no query for either
            region.full_clean(exclude=["parent"], validate_unique=False)
            region.save()
        report.record(region, action)
        stored[code] = region
    return report


def regions_load_file(*, path: Path) -> SyncReport:
    with open(path, encoding="utf-8") as handle:
        return regions_load(rows=yamldata.load(handle))
