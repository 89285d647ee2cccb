"""How a reconciliation row is shown: field labels and values in the registry's words."""

from dataclasses import dataclass

from django.utils.translation import gettext_lazy as _

from institutions.models import FilingStatus, OperatingStatus
from national import services
from national.models import ReconciliationRow

LABELS = {
    "filing": _("Filing status"),
    "beds": _("Beds"),
    "nursing_beds": _("Nursing-type beds"),
    "operating": _("Operating status"),
    "legal_code": _("Legal person's credit code"),
    "area_code": _("Area code"),
}
CHOICES = {"filing": dict(FilingStatus.choices), "operating": dict(OperatingStatus.choices)}


def field_label(name: str) -> str:
    return LABELS.get(name, name)


def show_value(name: str, value) -> str:
    if value in (None, ""):
        return "—"
    return str(CHOICES.get(name, {}).get(value, value))


@dataclass
class RowView:
    row: ReconciliationRow
    name: str
    credit_code: str
    differences: list[dict]
    decidable: bool
    adoptable: bool


def row_view(row: ReconciliationRow, user) -> RowView:
    """A row as the 待同步 list shows it (no query: the row's region, institution and decider are
    selected with it)."""
    national = row.national or {}
    institution = row.institution
    return RowView(
        row=row,
        name=institution.name if institution else national.get("name", ""),
        credit_code=(institution.credit_code if institution else "") or national.get("credit_code", ""),
        differences=[
            {
                "label": field_label(d["field"]),
                "registry": show_value(d["field"], d["registry"]),
                "national": show_value(d["field"], d["national"]),
            }
            for d in row.differences
        ],
        decidable=row.state == ReconciliationRow.State.OPEN
        and row.kind != ReconciliationRow.Kind.UNCHANGED
        and services.can_decide(user, row),
        adoptable=row.kind == ReconciliationRow.Kind.UPDATE,
    )
