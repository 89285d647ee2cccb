"""The objects directory and the inspectors directory as a draw sees them: `DrawInputs` built from
the registry, the ledger and the inspectors directory (never invented data).

- Objects: `Institution.objects.operating()` in the draw's scope regions (suspended, deregistered and
  converted institutions are not in the directory at all: see `InstitutionQuerySet.operating`).
- Risk facts (measure 十一, "对…投诉举报多、列入经营异常名录或有严重违法失信记录…的养老服务机构，应增加抽查的比例和频次"):
  open major hazards are counted from the ledger (live, not closed, and a major fire hazard or of
  severity 重大); complaints are those received in the `RISK_PERIOD_MONTHS` before the freeze
  (`complaints.services.counts_by_institution`); dishonesty is a dishonesty record about the
  institution in force on the freeze day (`credit.services.standing_by_institution`); violation is
  an enforcement order (责令整改, 停业整顿, emergency measures, referral, court; measure 十三) issued in
  the same period. Abnormal operation (经营异常名录, kept by market regulation) has no source in the
  portal: false for every institution, and the pages say so.
- Exclusion: an institution under a 停业整顿 order in force on the freeze day stays in the published
  directory with the keeper's exclusion "停业整顿中" (`enforcement.services.suspended_ids`), so the
  result says why it was not drawn; it is drawable again the day the order is lifted.
- Last inspected: `last_inspected_on()` reads the inspection records (the latest record's date);
  an institution without one is "never inspected".
- Inspectors: the draw city's active and inactive inspectors (inactive ones are published as such,
  the draw skips them), with their declared conflicts. Names, department and region are published;
  phone, certificate number and the conflict's note never leave the portal.

Codes and names in the inputs: regions by code with their names in `labels`, kinds by code with
their Chinese names, departments by their Chinese name (`DEPARTMENT_NAMES`, fixed here, not
from the translation catalogue), so the same directories always give the same bytes and hash.
"""

import datetime as dt

from django.db.models import Count, Prefetch, Q

from core import dates
from core.models import Region
from hazards.models import OPEN_STATUSES, Hazard
from inspections import draw as algo
from inspections.models import Conflict, Draw, Inspector
from institutions.models import Institution, Nature

NO_SOURCE_YET = ("abnormal_operation",)
"""Risk facts the portal has no records of: always false in the inputs."""

RISK_PERIOD_MONTHS = 12
"""Complaints received and enforcement orders issued in this many months before the freeze day
count as risk facts (the issue and measure 十一 name no period; a year is the campaign's rhythm)."""

SUSPENDED = "停业整顿中"
"""The exclusion text of an institution under a 停业整顿 order (fixed, not translated: it is hashed)."""


# The names the inputs carry, written here rather than read from the translation catalogue, so
# that a frozen draw's bytes (and hash) never depend on which catalogue is compiled.
DEPARTMENT_NAMES = {
    "civil_affairs": "民政部门",
    "housing": "住房和城乡建设部门",
    "health": "卫生健康部门",
    "emergency": "应急管理（消防救援）部门",
    "market": "市场监督管理部门",
    "police": "公安部门",
}
KIND_NAMES = {"public": "公办公营", "public_private": "公建民营", "private": "民办"}


def department_name(code: str) -> str:
    """The department's Chinese name as the inputs and the published document carry it, and as
    every page of the directories and draws shows it (draft, frozen and public alike: one wording)."""
    return DEPARTMENT_NAMES.get(code, code)


UNSPECIFIED_KIND = "unspecified"
"""The kind of an institution whose operating nature is not recorded (outside every scope)."""


def kind_labels() -> dict[str, str]:
    """The kinds' Chinese names (every `Nature` value, and "not recorded")."""
    return {**{value: KIND_NAMES.get(value, value) for value in Nature.values}, UNSPECIFIED_KIND: "未填写"}


def last_inspected_on(institution_ids) -> dict[int, dt.date]:
    """The date each institution was last inspected, {institution id: date}, read from the
    inspection records (`inspections.records.last_inspected_on`, one grouped query); an
    institution without a record is "never inspected"."""
    from inspections.records import last_inspected_on as from_records

    return from_records(institution_ids)


def open_major_hazards(institution_ids) -> dict[int, int]:
    """Open major hazards per institution, one grouped query: live, not closed, and a major fire
    hazard (重大火灾隐患) or of severity 重大."""
    rows = (
        Hazard.objects.live()
        .filter(institution_id__in=institution_ids, status__in=OPEN_STATUSES)
        .filter(Q(is_major_fire=True) | Q(severity=Hazard.Severity.MAJOR))
        .values("institution_id")
        .annotate(n=Count("pk"))
    )
    return {row["institution_id"]: row["n"] for row in rows}


def risk_period_start(on: dt.date) -> dt.date:
    """The first day of the risk period ending on `on`: the same day `RISK_PERIOD_MONTHS` earlier
    (29 February → 28 February)."""
    years, months = divmod(on.month - 1 - RISK_PERIOD_MONTHS, 12)
    year, month = on.year + years, months + 1
    try:
        return on.replace(year=year, month=month)
    except ValueError:
        return (on.replace(day=1, year=year, month=month) + dt.timedelta(days=31)).replace(
            day=1
        ) - dt.timedelta(days=1)


def violations(institution_ids, since: dt.date, on: dt.date) -> set[int]:
    """Ids of the institutions with an enforcement order issued from `since` to `on` (one query)."""
    from enforcement.models import EnforcementOrder

    return set(
        EnforcementOrder.objects.filter(institution_id__in=institution_ids, issued_on__range=(since, on))
        .values_list("institution_id", flat=True)
        .distinct()
    )


def objects_directory(regions, on: dt.date | None = None):
    """The operating institutions of `regions` (a list of Region), each with its risk facts on the
    day `on` (default today): [{"institution", "open_major_hazards", "last_inspected_on",
    "complaints", "dishonest", "violation", "suspended"}], in region and name order. Seven queries
    whatever the count."""
    from complaints.services import counts_by_institution
    from credit.services import DISHONEST, standing_by_institution
    from enforcement.services import suspended_ids

    on = on or dates.today()
    institutions = list(
        Institution.objects.operating()
        .filter(region__in=regions)
        .select_related("region")
        .order_by("region__code", "name", "pk")
    )
    ids = [i.pk for i in institutions]
    hazards = open_major_hazards(ids)
    inspected = last_inspected_on(ids)
    since = risk_period_start(on)
    complaints = counts_by_institution(ids, since, on) if ids else {}
    standing = standing_by_institution(ids, on)
    violated = violations(ids, since, on) if ids else set()
    suspended = suspended_ids(on) if ids else set()
    return [
        {
            "institution": i,
            "open_major_hazards": hazards.get(i.pk, 0),
            "last_inspected_on": inspected.get(i.pk),
            "complaints": complaints.get(i.pk, 0),
            "dishonest": standing.get(i.pk) == DISHONEST,
            "violation": i.pk in violated,
            "suspended": i.pk in suspended,
        }
        for i in institutions
    ]


def inspectors_of(city: Region):
    """The inspectors of `city` (every unit inside it), with their conflicts' institution ids."""
    return list(
        Inspector.objects.filter(region__path__startswith=city.path)
        .select_related("region")
        .prefetch_related(
            Prefetch("conflict_rows", queryset=Conflict.objects.only("inspector_id", "institution_id"))
        )
        .order_by("pk")
    )


def build_inputs(draw: Draw, *, frozen_on: dt.date) -> algo.DrawInputs:
    """The `DrawInputs` of `draw` as of now: its parameters, the objects directory of its scope,
    the city's inspectors directory and its items. Raises `algo.DrawInputError` for bad parameters."""
    regions = list(draw.scope_regions.order_by("code"))
    city = draw.region
    objects = tuple(
        algo.DrawObject(
            id=str(row["institution"].pk),
            name=row["institution"].name,
            region=row["institution"].region.code,
            kind=row["institution"].nature or UNSPECIFIED_KIND,
            operating=True,
            last_inspected_on=row["last_inspected_on"],
            excluded_because=SUSPENDED if row["suspended"] else "",
            risk=algo.RiskFacts(
                open_major_hazards=row["open_major_hazards"],
                complaints=row["complaints"],
                dishonesty=row["dishonest"],
                violation=row["violation"],
            ),
        )
        for row in objects_directory(regions, frozen_on)
    )
    inspectors = tuple(
        algo.Inspector(
            id=str(i.pk),
            name=i.name,
            department=department_name(i.department),
            region=i.region.code,
            active=i.active,
            conflicts=tuple(sorted(str(c.institution_id) for c in i.conflict_rows.all())),
        )
        for i in inspectors_of(city)
    )
    items = tuple(
        algo.Item(code=t.code, name=t.name, departments=(department_name(t.department),))
        for t in draw.items.order_by("code")
    )
    region_labels = {r.code: r.name for r in regions}
    region_labels |= {
        r.code: r.name for r in Region.objects.filter(path__startswith=city.path).only("code", "name")
    }
    weights = {**algo.DEFAULT_WEIGHTS, **(draw.weights or {})}
    thresholds = {**algo.DEFAULT_THRESHOLDS, **(draw.thresholds or {})}
    params = algo.Parameters(
        regions=tuple(r.code for r in regions),
        kinds=tuple(draw.kinds),
        sample=algo.SampleRule(
            size=draw.sample_size,
            ratio_percent=draw.ratio_percent,
            rounding=draw.rounding,
            minimum=draw.minimum,
        ),
        inspectors_per_institution=draw.inspectors_per_institution,
        avoid_own_region=draw.avoid_own_region,
        max_load=draw.max_load,
        recent_months=draw.recent_months,
        weights=weights,
        thresholds=thresholds,
    )
    inputs = algo.DrawInputs(
        title=draw.title,
        frozen_on=frozen_on,
        objects=objects,
        inspectors=inspectors,
        items=items,
        parameters=params,
        seed_source=algo.SeedSource(
            kind=draw.seed_kind, description=draw.seed_description, available_on=draw.seed_available_on
        ),
        labels={"regions": region_labels, "kinds": kind_labels()},
    )
    # The same checks an outsider's re-run applies (from_dict), so nothing unpublishable is frozen.
    return algo.DrawInputs.from_dict(inputs.to_dict())
