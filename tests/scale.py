"""A province-like ledger, fast: 14 cities of 8 county-level units each (the world's 鞍山市 and
大连市 among them), 45 institutions per unit (about 5,000), and `hazards` hazards spread evenly over the
institutions by one `INSERT … SELECT generate_series` (a few seconds for 100,000 rows), then
ANALYZE — so PostgreSQL plans as it would for a province. For plan tests (EXPLAIN), not for pages
that render the rows."""

import time

from django.db import connection

from core.models import Region
from institutions.models import Institution
from tests.institutions.factories import plain_institution

CITIES = 14
UNITS_PER_CITY = 8
INSTITUTIONS_PER_UNIT = 45


def _unit(parent: Region, code: str, name: str) -> Region:
    return Region(code=code, name=name, kind="district", parent=parent, path=f"{parent.path}{code}/")


def province(world) -> list[Region]:
    """Cities and units up to CITIES × UNITS_PER_CITY (the world's own kept), bulk-created."""
    root = world.regions["210000"]
    cities = list(Region.objects.filter(kind="city"))
    new_cities = [
        Region(
            code=f"21{n:02d}00",
            name=f"测试市{n:02d}",
            kind="city",
            parent=root,
            path=f"{root.path}21{n:02d}00/",
        )
        for n in range(15, 15 + CITIES - len(cities))
    ]
    Region.objects.bulk_create(new_cities)
    units = []
    for city in [*cities, *new_cities]:
        have = Region.objects.filter(parent=city).count()
        units += [
            _unit(city, f"{city.code[:4]}{n:02d}", f"{city.name}测试区{n:02d}")
            for n in range(81, 81 + max(0, UNITS_PER_CITY - have))
        ]
    Region.objects.bulk_create(units)
    return list(Region.objects.exclude(kind__in=["province", "city"]))


def institutions(units: list[Region]) -> None:
    Institution.objects.bulk_create(
        plain_institution(unit, f"{unit.name}养老院{n:02d}")
        for unit in units
        for n in range(INSTITUTIONS_PER_UNIT - Institution.objects.filter(region=unit).count())
    )


def hazards(count: int, created_by) -> None:
    """`count` live hazards over every institution (1 in 100 deleted, a quarter closed, deadlines
    over two years), numbered S-<n>."""
    with connection.cursor() as cursor:
        cursor.execute(
            f"""
            WITH inst AS (
                SELECT array_agg(id ORDER BY id) AS ids, array_agg(region_id ORDER BY id) AS regions,
                       count(*) AS n
                FROM institutions_institution
            )
            INSERT INTO hazards_hazard (
                created_at, updated_at, version, code, institution_id, region_id, category, severity,
                source, description, found_on, measures, responsible_unit, responsible_person,
                responsible_phone, deadline, original_deadline, status, verification_opinion,
                is_major_fire, major_determined_by, is_listed, listed_by, created_by_id, deleted_at,
                delete_reason
            )
            SELECT now(), now(), 1, 'S-' || g, inst.ids[g % inst.n + 1], inst.regions[g % inst.n + 1],
                   'fire', 'general', 'survey', '疏散通道堆放杂物', DATE '2025-01-01' + (g % 500), '',
                   '责任单位', '刘建华', '', DATE '2025-02-01' + (g * 7919 % 700),
                   DATE '2025-02-01' + (g * 7919 % 700),
                   (ARRAY['pending', 'in_progress', 'awaiting_verification', 'closed'])[g % 4 + 1], '',
                   false, '', g % 50 = 0, CASE WHEN g % 50 = 0 THEN '市政府' ELSE '' END,
                   {int(created_by.pk)}, CASE WHEN g % 100 = 7 THEN now() END, ''
            FROM generate_series(1, {int(count)}) AS g CROSS JOIN inst
            """
        )
        if connection.in_atomic_block:
            for table in ("hazards_hazard", "institutions_institution", "core_region"):
                cursor.execute(f"ANALYZE {table}")
            return
        # Outside a transaction (a transactional test) VACUUM also sets the visibility map, as
        # autovacuum does in production, so that PostgreSQL may plan index-only scans. The test
        # server commits asynchronously (synchronous_commit=off) and VACUUM marks no page
        # all-visible until the rows' commit is flushed (by the WAL writer, within a second or so):
        # retried until the map is set.
        for _attempt in range(20):
            for table in ("hazards_hazard", "institutions_institution", "core_region"):
                cursor.execute(f"VACUUM ANALYZE {table}")
            cursor.execute(
                "SELECT relallvisible * 10 >= relpages * 9 FROM pg_class WHERE relname = 'hazards_hazard'"
            )
            if cursor.fetchone()[0]:
                return
            time.sleep(0.25)
        raise AssertionError("VACUUM did not set the visibility map of hazards_hazard")


def build(world, count: int) -> None:
    institutions(province(world))
    hazards(count, world.users["admin"])


def explain(sql: str, analyze: bool = False) -> dict:
    """The plan of `sql` (a query as the page ran it) as EXPLAIN's JSON."""
    options = "ANALYZE, BUFFERS, FORMAT JSON" if analyze else "FORMAT JSON"
    with connection.cursor() as cursor:
        cursor.execute(f"EXPLAIN ({options}) {sql}")
        plan = cursor.fetchone()[0]
    return plan[0] if isinstance(plan, list) else plan


def nodes(plan: dict):
    """Every node of a plan, depth first."""
    stack = [plan.get("Plan", plan)]
    while stack:
        node = stack.pop()
        yield node
        stack.extend(node.get("Plans", []))
