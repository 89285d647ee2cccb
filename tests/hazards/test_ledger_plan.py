"""At province scale (100,000 hazards over 14 cities, 5,000 institutions) the ledger's default page
and the three lists read their 20 rows in order from an index: no sort of the ledger, no
sequential scan of it. The plan is EXPLAINed for the very SQL the page ran (captured from the
request); the status counts read their covering index alone (an index-only scan). One test, so
the ledger is built once (~10 s)."""

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from tests import scale

HAZARDS = 100_000


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


@pytest.mark.long
@pytest.mark.django_db(transaction=True)  # committed rows, so that scale.build can VACUUM
def test_the_ledger_and_the_three_lists_read_their_pages_from_an_index_at_province_scale(client, world):
    scale.build(world, HAZARDS)
    ledger = reverse("hazards:list")
    # A city reads the open hazards with the nearest deadlines from hazard_ledger_idx and keeps
    # its own regions' rows; a district reads its region's slice of hazard_ledger_region_idx.
    assert_read_in_order(scale.explain(page_sql(client, world, "city", ledger)), "hazard_ledger_idx")
    assert_read_in_order(
        scale.explain(page_sql(client, world, "district", ledger)), "hazard_ledger_region_idx"
    )
    # The district's last page reads in order too (OFFSET), without sorting the district's rows.
    last = page_sql(client, world, "district", ledger + "?page=last")
    assert_read_in_order(scale.explain(last), "hazard_ledger_region_idx")

    # The three lists put open hazards first, as the ledger does (issue 15): the ledger's indexes.
    lists = reverse("hazards:lists", args=["hazards"])
    assert_read_in_order(scale.explain(page_sql(client, world, "city", lists)), "hazard_ledger_idx")
    assert_read_in_order(
        scale.explain(page_sql(client, world, "district", lists)), "hazard_ledger_region_idx"
    )

    # The status counts (one grouped query) read hazard_counts_idx, not the ledger's rows.
    for viewer in ("district", "city"):
        client.force_login(world.users[viewer])
        with CaptureQueriesContext(connection) as captured:
            client.get(ledger)
        [counts] = [
            q["sql"]
            for q in captured.captured_queries
            if "GROUP BY" in q["sql"] and "hazards_hazard" in q["sql"]
        ]
        scans = {
            (n["Node Type"], n.get("Index Name"))
            for n in scale.nodes(scale.explain(counts))
            if n.get("Relation Name") == "hazards_hazard" or n.get("Index Name")
        }
        assert ("Index Only Scan", "hazard_counts_idx") in scans, (viewer, scans)
