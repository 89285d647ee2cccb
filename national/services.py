"""Reconciliation with the national system's institution export: the dry run (``dry_run``) and the
district's decision on each row (``adopt``, ``mark_national_to_fix``). Nothing here writes to the
registry except ``adopt``, which goes through ``institutions.services.institution_update`` (its
validation, its version check, its history naming who and why)."""

from __future__ import annotations

import datetime
import hashlib
import math
from collections import defaultdict
from dataclasses import dataclass

from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from core.concurrency import ConcurrentEditError
from core.excel import _key, clean_text, read_upload
from core.models import Region
from core.roles import Role
from core.scoping import subtree_ids
from institutions.models import FilingStatus, Institution, OperatingStatus
from institutions.services import institution_update
from national.columns import NationalRow, read_export
from national.models import LastReconciliation, ReconciliationRow, ReconciliationRun

Kind = ReconciliationRow.Kind
State = ReconciliationRow.State

# The fields compared, in the order the 待同步 list shows them (the national column -> registry).
COMPARED = ("filing", "beds", "nursing_beds", "operating", "legal_code", "area_code")
KINDS = (Kind.CREATE, Kind.UPDATE, Kind.CONFLICT, Kind.MISSING, Kind.UNCHANGED)


@dataclass(frozen=True)
class Tolerance:
    """How far the export may differ before a field counts as different: beds and nursing beds by
    up to `beds` beds or `beds_percent` % of the registry's figure (the larger), and an area code
    compared only on its county-level part (first 6 digits) when `ignore_area_granularity`."""

    beds: int = 0
    beds_percent: int = 0
    ignore_area_granularity: bool = True

    def beds_differ(self, registry: int, national: int) -> bool:
        allowed = max(self.beds, math.ceil(registry * self.beds_percent / 100))
        return abs(registry - national) > allowed


def can_reconcile(user) -> bool:
    """City and district staff upload the export and read the runs; superusers too."""
    return user.is_authenticated and (user.is_superuser or user.role in (Role.CITY, Role.DISTRICT))


def can_decide(user, row: ReconciliationRow) -> bool:
    """Only the district staff of the row's district decide it (the city reads)."""
    return (
        user.is_authenticated
        and user.role == Role.DISTRICT
        and user.region_id is not None
        and row.region_id in subtree_ids(user)
    )


def name_key(name: str) -> str:
    """How two spellings of an institution's name are compared: full-width characters, spaces and
    case normalised (``core.excel``'s header key)."""
    return _key(clean_text(name))


def registry_values(institution: Institution) -> dict:
    """The registry's side of each compared field (the legal-person code of a "1+N" branch is its
    head institution's credit code)."""
    legal = institution.parent.credit_code if institution.parent_id else institution.credit_code
    return {
        "filing": institution.filing_status,
        "beds": institution.beds,
        "nursing_beds": institution.nursing_beds,
        "operating": institution.operating_status,
        "legal_code": legal,
        "area_code": institution.region.code,
    }


def differences(institution: Institution, national: dict, tolerance: Tolerance) -> list[dict]:
    """[{field, registry, national}] for each compared field the export gives and that differs
    beyond `tolerance`. The export's legal-person code is its 法人 column, else its own credit code."""
    ours = registry_values(institution)
    theirs = dict(national)
    theirs.setdefault("legal_code", national.get("credit_code") or None)
    found = []
    for name in COMPARED:
        value = theirs.get(name)
        if value in (None, ""):
            continue
        registry = ours[name]
        if name in ("beds", "nursing_beds"):
            differ = tolerance.beds_differ(registry, value)
        elif name == "area_code":
            differ = value[:6] != registry or (
                len(value) == 12 and value[6:] != "000000" and not tolerance.ignore_area_granularity
            )
        else:
            differ = value != registry
        if differ:
            found.append({"field": name, "registry": registry, "national": value})
    return found


class _Scope:
    """The registry institutions the user may see, indexed by credit code and by region + name."""

    def __init__(self, user):
        self.institutions = list(
            Institution.objects.visible_to(user).select_related("region", "parent").order_by("pk")
        )
        self.by_code: dict[str, list[Institution]] = defaultdict(list)
        self.by_name: dict[tuple[int, str], list[Institution]] = defaultdict(list)
        for institution in self.institutions:
            if institution.credit_code:
                self.by_code[institution.credit_code].append(institution)
            self.by_name[(institution.region_id, name_key(institution.name))].append(institution)

    def match(self, row: NationalRow, region: Region) -> tuple[Institution | None, list[Institution], str]:
        """(the institution the row matches, the candidates of an ambiguous match, why)."""
        key = name_key(row.values["name"])
        by_name = self.by_name.get((region.pk, key), [])
        by_code = self.by_code.get(row.values["credit_code"], []) if row.values["credit_code"] else []
        if len(by_code) > 1:  # a "1+N" head and its branches share a code: the name decides
            named = [i for i in by_code if name_key(i.name) == key]
            if len(named) != 1:
                return None, by_code, _("The credit code matches several institutions of the registry.")
            by_code = named
        if by_code:
            if by_name and by_name[0] != by_code[0]:
                return (
                    None,
                    [by_code[0], by_name[0]],
                    _("The credit code matches one institution and the region and name another."),
                )
            return by_code[0], [], ""
        if by_name:
            return by_name[0], [], ""
        return None, [], ""


def _area_regions(rows: list[NationalRow]) -> dict[str, Region]:
    codes = {row.values["area_code"][:6] for row in rows if row.values.get("area_code")}
    return {region.code: region for region in Region.objects.filter(code__in=codes)}


def check_export(data: bytes) -> tuple[list[NationalRow], list[dict]]:
    """The export's rows and their problems (as dicts: row, column, message). Raises WorkbookError
    for a file that cannot be read at all."""
    rows = read_export(data)
    problems = [p.as_dict() for row in rows for p in row.problems]
    return rows, problems


def dry_run(*, file, user, tolerance: Tolerance, file_name: str = "") -> ReconciliationRun:
    """Read the export `file` (an upload or bytes), compare it with the registry institutions the
    user may see, and keep the outcome as a run with its rows; the registry is not changed. The
    date of the last reconciliation of every matched institution is set.

    Raises WorkbookError (a ValidationError) for a file that cannot be read, and ValidationError
    with every row problem (row, column, Chinese message) when any cell is wrong: then nothing is
    kept. Raises PermissionDenied for a user who may not reconcile."""
    if not can_reconcile(user):
        raise PermissionDenied
    data = read_upload(file)
    rows, problems = check_export(data)
    if problems:
        raise ValidationError(
            [
                _("Row %(row)s, column “%(column)s”: %(message)s") % p if p["column"] else p["message"]
                for p in problems
            ],
            code="rows",
        )
    scope = _Scope(user)
    regions = _area_regions(rows)
    in_scope = None if user.is_superuser else set(subtree_ids(user))
    present = {name for row in rows for name in row.values}
    run = ReconciliationRun(
        created_by=user,
        region=user.region if not user.is_superuser else None,
        file_name=(file_name or getattr(file, "name", "") or "export.xlsx")[:255],
        sha256=hashlib.sha256(data).hexdigest(),
        beds_tolerance=tolerance.beds,
        beds_tolerance_percent=tolerance.beds_percent,
        ignore_area_granularity=tolerance.ignore_area_granularity,
        compared=[name for name in COMPARED if name in present or name == "legal_code"],
        row_count=len(rows),
    )
    counts = dict.fromkeys([*KINDS, "outside"], 0)
    results: list[ReconciliationRow] = []
    claims: dict[int, list[ReconciliationRow]] = defaultdict(list)
    seen: dict[tuple, list[ReconciliationRow]] = defaultdict(list)
    touched: set[int] = set()
    for row in rows:
        region = regions.get(row.values["area_code"][:6])
        if region is None or (in_scope is not None and region.pk not in in_scope):
            counts["outside"] += 1  # another city's or district's row: counted, never named
            continue
        institution, candidates, why = scope.match(row, region)
        touched.update(i.pk for i in candidates)
        national = {k: v for k, v in row.values.items()}
        result = ReconciliationRow(run=run, row_number=row.number, national=national, region=region)
        if candidates:
            result.kind, result.note = Kind.CONFLICT, why
            result.institution = candidates[0]
        elif institution is None:
            result.kind = Kind.CREATE
            key = (region.pk, name_key(row.values["name"]))
            seen[key].append(result)
            if row.values["credit_code"]:
                seen[("code", row.values["credit_code"])].append(result)
        else:
            result.institution, result.region = institution, institution.region
            result.institution_version = institution.version
            result.differences = differences(institution, row.values, tolerance)
            result.kind = Kind.UPDATE if result.differences else Kind.UNCHANGED
            claims[institution.pk].append(result)
        results.append(result)
    for claimed in claims.values():  # several export rows match one institution
        if len(claimed) > 1:
            numbers = "、".join(str(r.row_number) for r in claimed)
            for result in claimed:
                result.kind = Kind.CONFLICT
                result.note = _("Rows %(rows)s of the export match the same institution.") % {"rows": numbers}
    for duplicates in seen.values():  # the same institution twice among the rows not in the registry
        if len(duplicates) > 1:
            numbers = "、".join(str(r.row_number) for r in duplicates)
            for result in duplicates:
                result.kind = Kind.CONFLICT
                result.note = _("Rows %(rows)s of the export are the same institution.") % {"rows": numbers}
    matched = {pk for pk, claimed in claims.items()}
    for institution in scope.institutions:
        if institution.pk in matched or institution.pk in touched:
            continue
        if institution.operating_status == OperatingStatus.DEREGISTERED:
            continue  # a deregistered institution is expected to be absent
        results.append(
            ReconciliationRow(
                run=run,
                kind=Kind.MISSING,
                institution=institution,
                institution_version=institution.version,
                region=institution.region,
                national={},
            )
        )
    for result in results:
        counts[result.kind] += 1
    run.counts = counts
    now = timezone.now()
    with transaction.atomic():
        run.save()
        ReconciliationRow.objects.bulk_create(results, batch_size=1000)
        reconciled = sorted({r.institution_id for r in results if r.kind in (Kind.UPDATE, Kind.UNCHANGED)})
        LastReconciliation.objects.bulk_create(
            [LastReconciliation(institution_id=pk, run=run, reconciled_at=now) for pk in reconciled],
            update_conflicts=True,
            unique_fields=["institution"],
            update_fields=["run", "reconciled_at"],
            batch_size=1000,
        )
    return run


def district_counts(run: ReconciliationRun, user) -> list[dict]:
    """Per county-level region the user sees: the run's rows by kind and the open ones (one query
    for the counts, one for the regions)."""
    from django.db.models import Count, Q

    rows = (
        ReconciliationRow.objects.visible_to(user)
        .filter(run=run)
        .values("region_id")
        .annotate(
            **{kind: Count("pk", filter=Q(kind=kind)) for kind in KINDS},
            open=Count("pk", filter=Q(state=State.OPEN) & ~Q(kind=Kind.UNCHANGED)),
        )
    )
    by_region = {entry["region_id"]: entry for entry in rows}
    regions = Region.objects.filter(pk__in=by_region).order_by("sort_key")
    return [{"region": region, **by_region[region.pk]} for region in regions]


def _decided(row: ReconciliationRow, by, state: str) -> None:
    row.state, row.decided_by, row.decided_at = state, by, timezone.now()
    row.save(update_fields=["state", "decided_by", "decided_at"])
    if row.institution_id:
        LastReconciliation.objects.update_or_create(
            institution_id=row.institution_id,
            defaults={"confirmed_at": row.decided_at},
            create_defaults={"reconciled_at": row.decided_at, "confirmed_at": row.decided_at, "run": row.run},
        )


def _locked(row: ReconciliationRow, by) -> ReconciliationRow:
    row = ReconciliationRow.objects.select_for_update().select_related("run").get(pk=row.pk)
    if not can_decide(by, row):
        raise PermissionDenied
    if row.state != State.OPEN:
        raise ValidationError(
            _("This row was decided already (%(state)s); nothing was changed.")
            % {"state": row.get_state_display()},
            code="decided",
        )
    return row


def _adoption(institution: Institution, row: ReconciliationRow) -> None:
    """Set the export's value of each differing field on `institution` (in memory)."""
    national = row.national
    for difference in row.differences:
        name, value = difference["field"], difference["national"]
        if name == "filing":
            institution.filing_status = value
            if value == FilingStatus.FILED:
                filed_on = national.get("filed_on")
                if not filed_on and not institution.filed_on:
                    raise ValidationError(
                        _(
                            "The export says the institution is filed but gives no filing date: enter the "
                            "filing date in the registry's form."
                        ),
                        code="filed_on",
                    )
                institution.filed_on = (
                    datetime.date.fromisoformat(filed_on) if filed_on else institution.filed_on
                )
                institution.unfiled_found_on = None
            else:
                institution.filed_on = None
        elif name in ("beds", "nursing_beds"):
            setattr(institution, name, value)
        elif name == "operating":
            institution.operating_status = value
        elif name == "legal_code":
            if institution.parent_id:
                raise ValidationError(
                    _(
                        'A "1+N" branch carries its head institution\'s code: change the head institution in '
                        "the registry's form."
                    ),
                    code="branch",
                )
            institution.credit_code = value
        elif name == "area_code":
            if value[:6] == institution.region.code:
                continue  # only finer than the registry keeps (a street): the registry's region stays
            region = Region.objects.filter(code=value[:6]).first()
            if region is None:
                raise ValidationError(_("There is no region with the code %(code)s.") % {"code": value[:6]})
            institution.region = region


@transaction.atomic
def adopt(*, row: ReconciliationRow, by) -> Institution:
    """Adopt the export's values of a differing row into the registry, through
    ``institution_update`` (validation, version check, history with who and why), once.

    Raises PermissionDenied (not the row's district), ValidationError (already decided, not a
    differing row, or the registry's rules refuse the values, in Chinese) and ConcurrentEditError
    (the record changed since the run)."""
    row = _locked(row, by)
    if row.kind != Kind.UPDATE:
        raise ValidationError(_("Only a row that differs can be adopted."), code="kind")
    institution = Institution.objects.select_for_update().select_related("region").get(pk=row.institution_id)
    if institution.version != row.institution_version:
        raise ConcurrentEditError(
            _(
                "%(name)s was changed in the registry after this reconciliation: check the record and run "
                "the reconciliation again."
            )
            % {"name": institution.name},
            code="concurrent_edit",
        )
    _adoption(institution, row)
    institution_update(
        institution=institution,
        expected_version=row.institution_version,
        by=by,
        reason=_("National system reconciliation: values of row %(row)s of %(file)s adopted")
        % {"row": row.row_number, "file": row.run.file_name},
    )
    _decided(row, by, State.ADOPTED)
    return institution


@transaction.atomic
def mark_national_to_fix(*, row: ReconciliationRow, by) -> ReconciliationRow:
    """Keep the registry's values: the national system is to be corrected. Once per row."""
    row = _locked(row, by)
    if row.kind == Kind.UNCHANGED:
        raise ValidationError(_("An unchanged row has nothing to correct."), code="kind")
    _decided(row, by, State.NATIONAL_TO_FIX)
    return row
