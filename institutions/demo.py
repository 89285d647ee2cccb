"""Demo data for the registry: about 60 institutions of Anshan and two self-reports.

The institutions live in data/demo_institutions.yaml, one mapping per institution with every field
a district keeps. Loading is idempotent: a row is created or brought back to the file's values, and
a row that already has them is not saved (no history entry, no version bump).
"""

from pathlib import Path

from django.core.exceptions import ValidationError
from django.db import transaction

from accounts.models import User
from core import yamldata
from core.concurrency import save_versioned
from core.models import Region
from core.roles import Role
from institutions.models import Institution, SelfReport
from institutions.services import self_report_return, self_report_save, self_report_values_from

DEMO_FILE = Path(__file__).resolve().parent / "data" / "demo_institutions.yaml"
CHANGE_REASON = "演示数据"

# Every field the file sets, besides the lookup (region, name) and `parent` (the head's name).
FIELDS = tuple(
    field.name
    for field in Institution._meta.concrete_fields
    if field.name not in {"id", "region", "name", "parent", "created_at", "updated_at", "version"}
)

SUBMITTED_REPORT_INSTITUTION = "铁东区康乐老年公寓"
RETURNED_REPORT_INSTITUTION = "海城市牛庄镇敬老院"
RETURN_REASON = "护理型床位比上次增加10张，请补充护理床配置清单和照片后重新提交。"


def _values(row: dict) -> dict:
    """The row's field values as the model holds them; a missing key means the field's default."""
    values = {}
    for name in FIELDS:
        field = Institution._meta.get_field(name)
        value = row[name] if name in row else field.get_default()
        if value is None and not field.null:
            value = ""
        if isinstance(value, float):  # funds: 18.5 -> Decimal("18.5"), not the float's binary digits
            value = str(value)
        values[name] = field.to_python(value)
    return values


@transaction.atomic
def load_demo_institutions(path: Path = DEMO_FILE) -> dict[str, Institution]:
    """Create or update the demo institutions (heads before branches); name -> Institution."""
    rows = yamldata.load_file(path)
    known = {*FIELDS, "region", "name", "parent"}
    names = set()
    for number, row in enumerate(rows, start=1):
        unknown = set(row) - known
        if unknown:
            raise ValidationError(f"{path.name} row {number}: unknown fields {', '.join(sorted(unknown))}")
        if row["name"] in names:
            raise ValidationError(f"{path.name} row {number}: {row['name']} appears twice")
        names.add(row["name"])
    regions = {region.code: region for region in Region.objects.all()}
    loaded: dict[str, Institution] = {}
    for row in sorted(rows, key=lambda row: bool(row.get("parent"))):  # stable: heads first
        region = regions[str(row["region"])]
        values = _values(row)
        parent = None
        if row.get("parent"):
            parent = loaded.get(row["parent"]) or Institution.objects.get(region=region, name=row["parent"])
        values["parent_id"] = parent.pk if parent else None
        loaded[row["name"]] = _sync(region=region, name=row["name"], values=values)
    return loaded


def _sync(*, region: Region, name: str, values: dict) -> Institution:
    institution = Institution.objects.filter(region=region, name=name).first()
    if institution is None:
        institution = Institution(region=region, name=name, **values)
        institution.full_clean()
        institution._change_reason = CHANGE_REASON
        institution.save()
        return institution
    changed = {key: value for key, value in values.items() if getattr(institution, key) != value}
    if changed:
        for key, value in changed.items():
            setattr(institution, key, value)
        institution.full_clean()
        save_versioned(institution, expected_version=institution.version, reason=CHANGE_REASON)
    return institution


def _institution_user(users: dict[str, User], institution: Institution) -> User | None:
    return next(
        (u for u in users.values() if u.role == Role.INSTITUTION and u.institution_id == institution.pk), None
    )


def _reviewer(users: dict[str, User], institution: Institution) -> User | None:
    """The institution's district staff, else the city bureau."""
    for role in (Role.DISTRICT, Role.CITY):
        for user in users.values():
            if user.role == role and user.region_id and institution.region.path.startswith(user.region.path):
                return user
    return None


def _needs_report(name: str, users: dict[str, User]) -> tuple[Institution, User] | None:
    """The institution and its demo user, unless one is missing or it already has an open report."""
    institution = Institution.objects.select_related("region").filter(name=name).first()
    if institution is None or SelfReport.objects.filter(institution=institution).open().exists():
        return None
    reporter = _institution_user(users, institution)
    return (institution, reporter) if reporter else None


@transaction.atomic
def load_demo_self_reports(users: dict[str, User]) -> list[SelfReport]:
    """One submitted report (铁东区康乐老年公寓) and one returned report (海城市牛庄镇敬老院), made
    through the self-report services; an institution that already has an open report, or whose demo
    user (or reviewing district user) is missing, is left alone. Returns the reports made."""
    made = []
    found = _needs_report(SUBMITTED_REPORT_INSTITUTION, users)
    if found:
        institution, reporter = found
        values = self_report_values_from(institution)
        values["residents"] += 3
        values["disabled_residents"] += 2
        values["nursing_beds"] += 5
        made.append(self_report_save(institution=institution, values=values, by=reporter, submit=True))

    found = _needs_report(RETURNED_REPORT_INSTITUTION, users)
    reviewer = found and _reviewer(users, found[0])
    if found and reviewer:
        institution, reporter = found
        values = self_report_values_from(institution)
        values["nursing_beds"] += 10
        values["medical_mode"] = "clinic"
        values["ext_bath"] = True
        report = self_report_save(institution=institution, values=values, by=reporter, submit=True)
        made.append(self_report_return(report=report, by=reviewer, reason=RETURN_REASON))
    return made
