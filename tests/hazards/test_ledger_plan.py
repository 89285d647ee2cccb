"""At province scale (100,000 hazards over 14 cities) the ledger's default page and the three lists
read their 20 rows in order from an index: no sort of the ledger, no sequential scan of it. The plan
is EXPLAINed for the very SQL the page ran (captured from the request)."""

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from tests import scale

HAZARDS = 100_000


@pytest.fixture
def province(world):
    scale.build(world, HAZARDS)
    return world


def page_sql(client, world, viewer, url) -> str:
    """The query that read the page's rows (ordered, 20 of them)."""
    client.force_login(world.users[viewer])
    with CaptureQueriesContext(connection) as captured:
        response = client.get(url)
    assert response.status_code == 200
    assert len(response.context["page"].object_list) == 20
    [sql] = [
        q["sql"]
        for q in captured.captured_queries
        if q["sql"].startswith('SELECT "hazards_hazard"')
        and "ORDER BY" in q["sql"]
        and "LIMIT 20" in q["sql"]
    ]
    return sql


def assert_read_in_order(plan, index):
    found = list(scale.nodes(plan))
    scans = {
        (n["Node Type"], n.get("Index Name")) for n in found if n.get("Relation Name") == "hazards_hazard"
    }
    assert ("Index Scan", index) in scans, (scans, plan)
    assert not any(kind == "Seq Scan" for kind, _index in scans), plan
    assert not [n for n in found if "Sort" in n["Node Type"]], plan  # no Sort, no Incremental Sort


@pytest.mark.django_db
def test_the_ledger_page_reads_its_rows_from_an_index_at_province_scale(client, province):
    city = page_sql(client, province, "city", reverse("hazards:list"))
    assert_read_in_order(scale.explain(city), "hazard_ledger_idx")
    district = page_sql(client, province, "district", reverse("hazards:list"))
    assert_read_in_order(scale.explain(district), "hazard_ledger_region_idx")
    # The last page reads in order too (OFFSET), without sorting the district's rows.
    last = page_sql(client, province, "district", reverse("hazards:list") + "?page=last")
    assert_read_in_order(scale.explain(last), "hazard_ledger_region_idx")


@pytest.mark.django_db
def test_the_three_lists_read_their_rows_from_an_index_at_province_scale(client, province):
    url = reverse("hazards:lists", args=["hazards"])
    assert_read_in_order(scale.explain(page_sql(client, province, "city", url)), "hazard_lists_idx")
    assert_read_in_order(
        scale.explain(page_sql(client, province, "district", url)), "hazard_lists_region_idx"
    )


@pytest.mark.django_db
def test_the_ledger_counts_of_a_district_do_not_scan_the_ledger(client, province):
    client.force_login(province.users["district"])
    with CaptureQueriesContext(connection) as captured:
        client.get(reverse("hazards:list"))
    [counts] = [
        q["sql"] for q in captured.captured_queries if "GROUP BY" in q["sql"] and "hazards_hazard" in q["sql"]
    ]
    plan = scale.explain(counts)
    kinds = {n["Node Type"] for n in scale.nodes(plan) if n.get("Relation Name") == "hazards_hazard"}
    assert "Seq Scan" not in kinds, plan
