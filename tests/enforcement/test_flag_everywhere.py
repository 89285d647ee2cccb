"""Issue 17 item 6: an institution under a 停业整顿 order in force is flagged on every page, list and
export where it appears; the others are not; lifting the order removes the flag the same day."""

import datetime
import io

import openpyxl
import pytest
from django.urls import reverse

from core import dates
from inspections import records
from inspections.models import InspectionItem, Inspector
from institutions.models import SelfReport
from tests.complaints.factories import complaint
from tests.emergencies.factories import drill, incident
from tests.enforcement.factories import order
from tests.hazards.factories import record as hazard
from tests.inspections import factories

pytestmark = pytest.mark.django_db

BADGE = 'data-testid="suspension-badge"'


@pytest.fixture
def setup(world):
    """The same records for 铁东 (suspended since yesterday) and 铁西 (not)."""
    factories.directories(world)
    today = dates.today()
    order(world, world.own_institution, kind="suspend", issued_on=today - datetime.timedelta(days=1))
    objects = {}
    for key, institution, district in (
        ("own", world.own_institution, world.users["district"]),
        ("other", world.other_institution, world.users["other_district"]),
    ):
        institution.filing_status = "filed"
        institution.filed_on = today - datetime.timedelta(days=3)
        institution.save()
        objects[key] = {
            "hazard": hazard(institution, district),
            "inspection": records.inspection_create(
                institution=institution,
                kind="routine",
                inspected_on=today,
                inspectors=list(Inspector.objects.all()[:2]),
                items=list(InspectionItem.objects.filter(region=world.regions["210300"], code__in=["A01"])),
                by=district,
            ),
            "complaint": complaint(institution, district, received_on=today),
            "incident": incident(world, institution=institution),
            "report": SelfReport.objects.create(
                institution=institution, status="submitted", values={}, created_by=district
            ),
        }
        drill(institution, today)
    return world, objects


def _pages(objects):
    own = objects
    return [
        ("city", reverse("institutions:list")),
        ("district", reverse("institutions:detail", args=[own["hazard"].institution_id])),
        ("city", reverse("institutions:self_report_list")),
        ("city", reverse("institutions:self_report_review", args=[own["report"].pk])),
        ("city", reverse("hazards:list")),
        ("district", reverse("hazards:detail", args=[own["hazard"].pk])),
        ("city", reverse("inspections:records")),
        ("district", reverse("inspections:record_detail", args=[own["inspection"].pk])),
        ("district", reverse("inspections:record_print", args=[own["inspection"].pk])),
        ("city", reverse("inspections:objects")),
        ("city", reverse("inspections:filing_checks")),
        ("city", reverse("complaints:list")),
        ("district", reverse("complaints:detail", args=[own["complaint"].pk])),
        ("city", reverse("emergencies:incidents")),
        ("district", reverse("emergencies:incident_detail", args=[own["incident"].pk])),
        ("city", reverse("emergencies:drills")),
        ("city", reverse("emergencies:missing")),
        ("city", reverse("enforcement:list")),
    ]


def test_every_page_listing_the_institution_flags_it_and_only_it(setup, client):
    world, objects = setup
    own_name, other_name = world.own_institution.name, world.other_institution.name
    for role, url in _pages(objects["own"]):
        client.force_login(world.users[role])
        page = client.get(url).content.decode()
        assert own_name in page, url
        assert BADGE in page, url
        if other_name in page:  # a list holding both: one badge, and the name just before it is ours
            assert page.count(BADGE) == 1, url
            before = page[: page.index(BADGE)]
            assert before.rindex(own_name) > before.rfind(other_name), url


def test_the_flag_goes_the_day_the_order_is_lifted(setup, client):
    world, _objects = setup
    from enforcement.models import EnforcementOrder

    EnforcementOrder.objects.update(lifted_on=dates.today())
    client.force_login(world.users["city"])
    for url in (reverse("institutions:list"), reverse("hazards:list"), reverse("complaints:list")):
        assert BADGE not in client.get(url).content.decode(), url


def test_the_exports_flag_it(setup, client):
    world, _objects = setup
    client.force_login(world.users["city"])
    # the registry's export: a last column 停业整顿, and it imports back (the column is not read)
    response = client.get(reverse("institutions:export"))
    sheet = openpyxl.load_workbook(
        io.BytesIO(b"".join(response.streaming_content) if response.streaming else response.content)
    ).worksheets[0]
    header = [c.value for c in sheet[1]]
    assert header[-1] == "停业整顿"
    flags = {row[0]: row[-1] for row in sheet.iter_rows(min_row=2, values_only=True) if row[0]}
    assert flags[world.own_institution.name] == "是"
    assert flags[world.other_institution.name] in (None, "")
    # the three lists (page and workbook): the institution's cell says so
    page = client.get(reverse("hazards:lists", args=["hazards"])).content.decode()
    assert f"{world.own_institution.name}（停业整顿）" in page
    assert f"{world.other_institution.name}（停业整顿）" not in page
    response = client.get(reverse("hazards:export"))
    book = openpyxl.load_workbook(
        io.BytesIO(b"".join(response.streaming_content) if response.streaming else response.content)
    )
    cells = {
        c.value for ws in book.worksheets for row in ws.iter_rows() for c in row if isinstance(c.value, str)
    }
    assert f"{world.own_institution.name}（停业整顿）" in cells
    assert (
        world.other_institution.name in cells and f"{world.other_institution.name}（停业整顿）" not in cells
    )


def test_an_export_with_the_flag_column_imports_back(setup, client):
    from institutions.excel.importer import read_rows

    world, _objects = setup
    client.force_login(world.users["district"])
    response = client.get(reverse("institutions:export"))
    data = b"".join(response.streaming_content) if response.streaming else response.content
    rows = read_rows(data)
    assert [r.cells.get("name") for r in rows] == [world.own_institution.name]
    assert not any(k.startswith("_ignored") for r in rows for k in r.cells)
