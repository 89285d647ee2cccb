"""Inspection records: scoping, recording a point, the finding-to-hazard step, the conclusion,
institution users' view, the publication due date and the draw's "last inspected" hook."""

import datetime

import pytest
from django.core.exceptions import ValidationError
from django.urls import reverse

from core import dates
from hazards.models import Hazard, HazardEvent
from inspections import directory, records
from inspections.models import Finding, Inspection, InspectionItem, Inspector
from tests.inspections import factories
from tests.submissions import with_token

pytestmark = pytest.mark.django_db


@pytest.fixture
def setup(world):
    factories.directories(world)
    return world


def _record(world, institution=None, kind="routine", by="district"):
    city = world.regions["210300"]
    return records.inspection_create(
        institution=institution or world.own_institution,
        kind=kind,
        inspected_on=dates.today(),
        inspectors=list(Inspector.objects.all()[:2]),
        items=list(InspectionItem.objects.filter(region=city, code__in=["A01", "B02"])),
        by=world.users[by],
    )


def test_record_has_one_finding_per_point(setup):
    inspection = _record(setup)
    points = sum(i.points.count() for i in inspection.items.all())
    assert points > 0 and inspection.findings.count() == points
    assert inspection.region == setup.own_institution.region


def test_record_page_scoping(setup, client):
    inspection = _record(setup)
    url = reverse("inspections:record_detail", args=[inspection.pk])
    for role, status in [("district", 200), ("city", 200), ("other_district", 404), ("institution", 404)]:
        client.force_login(setup.users[role])
        assert client.get(url).status_code == status, role


def test_double_submit_creates_one_record(setup, client):
    client.force_login(setup.users["district"])
    city = setup.regions["210300"]
    data = with_token(
        client,
        {
            "kind": "filing",
            "institution": setup.own_institution.pk,
            "inspected_on": "2026-11-20",
            "inspectors": [i.pk for i in Inspector.objects.all()[:2]],
            "items": [InspectionItem.objects.get(region=city, code="A01").pk],
        },
    )
    first = client.post(reverse("inspections:record_create"), data)
    second = client.post(reverse("inspections:record_create"), data)
    assert first.status_code == second.status_code == 302
    assert Inspection.objects.count() == 1


def test_bad_input_names_the_field(setup, client):
    client.force_login(setup.users["district"])
    response = client.post(reverse("inspections:record_create"), with_token(client, {"kind": "filing"}))
    assert response.status_code == 400 and Inspection.objects.count() == 0
    assert "机构" in response.content.decode()


def test_get_never_writes(setup, client):
    inspection = _record(setup)
    client.force_login(setup.users["district"])
    before = (Inspection.objects.count(), Finding.objects.count(), Hazard.objects.count())
    for name in ("record_detail", "record_print"):
        assert client.get(reverse(f"inspections:{name}", args=[inspection.pk])).status_code == 200
    assert client.get(reverse("inspections:records")).status_code == 200
    assert (Inspection.objects.count(), Finding.objects.count(), Hazard.objects.count()) == before


def test_finding_to_hazard_linked_both_ways_once(setup, client):
    inspection = _record(setup)
    finding = inspection.findings.select_related("point").first()
    client.force_login(setup.users["district"])
    response = client.post(
        reverse("inspections:finding_save", args=[finding.pk]),
        with_token(client, {"answer": "fails", "note": "安全出口堵塞"}),
    )
    assert response.status_code == 302
    data = {"deadline": "2026-12-20", "severity": "general"}
    url = reverse("inspections:finding_hazard", args=[finding.pk])
    assert client.post(url, with_token(client, data)).status_code == 302
    assert client.post(url, with_token(client, data)).status_code == 302  # a second click
    assert Hazard.objects.count() == 1
    hazard = Hazard.objects.get()
    finding.refresh_from_db()
    assert finding.hazard == hazard
    assert hazard.institution == setup.own_institution and hazard.region == setup.own_institution.region
    assert "安全出口堵塞" in hazard.description and hazard.source == Hazard.Source.SUPERVISION
    assert hazard.category == records.hazard_category(finding.point)
    assert HazardEvent.objects.filter(hazard=hazard).count() == 1
    # The district's ledger lists it; the record page names its code and links it.
    ledger = client.get(reverse("hazards:list")).content.decode()
    assert hazard.code in ledger
    page = client.get(reverse("inspections:record_detail", args=[inspection.pk])).content.decode()
    assert hazard.code in page and reverse("hazards:detail", args=[hazard.pk]) in page
    assert hazard.finding.inspection == inspection  # the way back


def test_only_a_failing_point_becomes_a_hazard(setup):
    inspection = _record(setup)
    finding = inspection.findings.first()
    records.finding_record(finding=finding, answer="complies", note="", by=setup.users["district"])
    with pytest.raises(ValidationError):
        records.finding_to_hazard(
            finding=finding,
            deadline=datetime.date(2026, 12, 1),
            severity="general",
            by=setup.users["district"],
        )
    assert Hazard.objects.count() == 0


def test_conclusion_and_institution_view(setup, client):
    inspection = _record(setup)
    other = _record(setup, institution=setup.other_institution, by="other_district")
    user = setup.users["district"]
    for finding in inspection.findings.all():
        records.finding_record(finding=finding, answer="complies", note="", by=user)
    client.force_login(setup.users["institution"])
    url = reverse("inspections:record_detail", args=[inspection.pk])
    assert client.get(url).status_code == 404  # not concluded yet
    records.conclude(inspection=inspection, conclusion="qualified", summary="未发现问题", by=user)
    page = client.get(url)
    assert page.status_code == 200 and "未发现问题" in page.content.decode()
    assert 'data-testid="finding-form"' not in page.content.decode()  # read only
    listing = client.get(reverse("inspections:records")).content.decode()
    assert setup.own_institution.name in listing and setup.other_institution.name not in listing
    assert client.get(reverse("inspections:record_detail", args=[other.pk])).status_code == 404


def test_conclusion_refuses_unanswered_and_qualified_with_failure(setup):
    inspection = _record(setup)
    user = setup.users["district"]
    with pytest.raises(ValidationError) as error:
        records.conclude(inspection=inspection, conclusion="rectify", summary="", by=user)
    assert "conclusion" in error.value.message_dict
    findings = list(inspection.findings.all())
    for finding in findings:
        records.finding_record(finding=finding, answer="complies", note="", by=user)
    records.finding_record(finding=findings[0], answer="fails", note="x", by=user)
    with pytest.raises(ValidationError):
        records.conclude(inspection=inspection, conclusion="qualified", summary="", by=user)
    assert Inspection.objects.get(pk=inspection.pk).concluded_on is None


def test_publication_due_across_a_holiday(setup, monkeypatch):
    """Concluded Friday 2025-09-26: 20 working days from the next day, National Day (10-01 to
    10-08 off) and the make-up days 09-28 (Sunday) and 10-11 (Saturday) on → Thursday 2025-10-30."""
    inspection = _record(setup)
    inspection.concluded_on = datetime.date(2025, 9, 26)
    assert records.publication_due(inspection) == datetime.date(2025, 10, 30)


def test_last_inspected_on_reads_the_records(setup):
    inspection = _record(setup)
    ids = [setup.own_institution.pk, setup.other_institution.pk]
    assert directory.last_inspected_on(ids) == {setup.own_institution.pk: inspection.inspected_on}
