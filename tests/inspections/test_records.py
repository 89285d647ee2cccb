"""Inspection records: scoping, recording a point, the finding-to-hazard step, the conclusion,
institution users' view, the publication due date and the draw's "last inspected" hook."""

import datetime

import pytest
from django.core.exceptions import ValidationError
from django.urls import reverse

from core import dates
from core.evidence import evidence_attach
from hazards.models import Hazard, HazardEvent
from inspections import directory, records
from inspections.models import Finding, Inspection, InspectionItem, Inspector
from tests.hazards.factories import record
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
        with_token(client, {"answer": "fails", "note": "安全出口堵塞", "expected_version": finding.version}),
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
    # and the hazard's page says where it came from, with the link to the finding
    detail = client.get(reverse("hazards:detail", args=[hazard.pk])).content.decode()
    assert 'data-testid="hazard-origin"' in detail
    assert f"{reverse('inspections:record_detail', args=[inspection.pk])}#finding-{finding.pk}" in detail


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


def test_planned_record_from_the_draw_and_public_result(setup, client):
    """A drawn institution's record: the drawn team and items pre-filled, one record for two
    clicks; once concluded, the public draw page shows its result and nothing private."""
    draw = factories.drawn(setup)
    row = draw.drawn.select_related("institution").first()
    client.force_login(setup.users["district"])
    page = client.get(reverse("inspections:draw_detail", args=[draw.pk])).content.decode()
    url = reverse("inspections:record_from_drawn", args=[draw.pk, row.institution_id])
    assert url in page
    first = client.post(url, with_token(client))
    second = client.post(url, with_token(client))
    assert first.status_code == second.status_code == 302 and first["Location"] == second["Location"]
    inspection = Inspection.objects.get()
    assert inspection.kind == "random" and inspection.drawn == row
    assert set(inspection.inspectors.all()) == {a.inspector for a in row.assignments.all()}
    assert set(inspection.items.all()) == set(draw.items.all())
    public_url = reverse("public_draws:detail", args=[draw.pk])
    client.logout()
    assert 'data-testid="result-row"' not in client.get(public_url).content.decode()
    user = setup.users["district"]
    findings = list(inspection.findings.all())
    for finding in findings:
        records.finding_record(finding=finding, answer="complies", note="", by=user)
    records.finding_record(finding=findings[0], answer="fails", note="护理员王某某未持证", by=user)
    records.conclude(inspection=inspection, conclusion="rectify", summary="联系人电话13900001111", by=user)
    body = client.get(public_url).content.decode()
    assert 'data-testid="result-row"' in body and row.institution.name in body
    for private in ("护理员王某某", "13900001111", factories.PHONE, factories.CERTIFICATE, "evidence"):
        assert private not in body
    assert url not in body  # no staff button on the public page


def test_record_list_constant_queries(setup, client, django_assert_num_queries):
    client.force_login(setup.users["city"])
    url = reverse("inspections:records")
    client.get(url)
    _record(setup)
    with django_assert_num_queries(QUERIES_LIST) as first:
        assert client.get(url).status_code == 200
    for _n in range(5):
        _record(setup, institution=setup.other_institution, by="other_district")
    with django_assert_num_queries(len(first.captured_queries)):
        assert client.get(url).status_code == 200


QUERIES_LIST = 9  # session, user, region (subtree), the records, the layout's own, the 停业整顿 badge's ids


def test_reused_photo_names_the_inspection(setup, client):
    """The same photo on a finding of 铁东区 and a hazard: the hazard reader sees "检查记录 …"."""
    from io import BytesIO

    from django.core.files.uploadedfile import SimpleUploadedFile
    from PIL import Image

    def photo(name):
        image = Image.new("RGB", (64, 64), "white")
        for x in range(32):
            for y in range(64):
                image.putpixel((x, y), (200, 30, 30))
        buffer = BytesIO()
        image.save(buffer, "JPEG")
        return SimpleUploadedFile(name, buffer.getvalue(), content_type="image/jpeg")

    inspection = _record(setup)
    user = setup.users["district"]
    first, second = list(inspection.findings.all())[:2]
    records.finding_record(finding=first, answer="fails", note="", photos=[photo("a.jpg")], by=user)
    # the same picture on another point of the same inspection: one record, not a reuse
    records.finding_record(finding=second, answer="fails", note="", photos=[photo("b.jpg")], by=user)
    client.force_login(user)
    page = client.get(reverse("inspections:record_detail", args=[inspection.pk])).content.decode()
    assert page.count('data-testid="finding-photos"') == 2
    record_link = f'href="{reverse("inspections:record_detail", args=[inspection.pk])}"'
    assert page.count(record_link) == 0
    # the same picture on a hazard: the hazard's reader sees the inspection named, with its link
    hazard = record(setup.own_institution, user)
    evidence_attach(owner=hazard, file=photo("c.jpg"), purpose="before", by=user)
    detail = client.get(reverse("hazards:detail", args=[hazard.pk])).content.decode()
    assert record_link in detail


def _filed(world, name, filed_on, region="210302"):
    from institutions.models import Institution

    return Institution.objects.create(name=name, region=world.regions[region], filed_on=filed_on)


def test_filing_checks_due_overdue_done_and_marks(setup, client, monkeypatch):
    from inspections.models import ChecklistPoint

    monkeypatch.setattr(dates, "today", lambda: datetime.date(2025, 11, 20))
    overdue = _filed(setup, "逾期养老院", datetime.date(2025, 9, 26))  # due 2025-10-30 (National Day)
    done = _filed(setup, "已查养老院", datetime.date(2025, 9, 26))
    due = _filed(setup, "待查养老院", datetime.date(2025, 11, 10))
    _filed(setup, "铁西备案养老院", datetime.date(2025, 11, 10), region="210303")
    fire = ChecklistPoint.objects.filter(category="fire").select_related("item").first()
    user = setup.users["district"]
    check = records.inspection_create(
        institution=done,
        kind="filing",
        inspected_on=datetime.date(2025, 10, 10),
        inspectors=[],
        items=[fire.item],
        by=user,
    )
    finding = check.findings.get(point=fire)
    records.finding_record(finding=finding, answer="fails", note="疏散通道堵塞", by=user)
    # A routine inspection does not satisfy the filing check.
    records.inspection_create(
        institution=overdue,
        kind="routine",
        inspected_on=datetime.date(2025, 10, 9),
        inspectors=[],
        items=[fire.item],
        by=user,
    )
    client.force_login(user)
    response = client.get(reverse("inspections:filing_checks"))
    assert response.status_code == 200
    rows = {c.institution.name: c for c in response.context["checks"]}
    assert "铁西备案养老院" not in rows  # another district's
    assert rows[overdue.name].state == "overdue" and rows[overdue.name].due == datetime.date(2025, 10, 30)
    assert rows[done.name].state == "done" and rows[done.name].done_on == datetime.date(2025, 10, 10)
    assert rows[due.name].state == "due"
    assert [m["finding"].pk for m in rows[done.name].marks] == [finding.pk]
    body = response.content.decode()
    assert body.count('data-testid="filing-mark"') == 1 and "2025-10-30" in body


def test_filing_check_unknown_year_shows_the_message(setup, client, monkeypatch):
    from core.workdays import UnknownCalendarYear

    monkeypatch.setattr(dates, "today", lambda: datetime.date(2025, 11, 20))
    _filed(setup, "远期养老院", datetime.date(2099, 12, 20))
    client.force_login(setup.users["district"])
    response = client.get(reverse("inspections:filing_checks"))
    body = response.content.decode()
    assert response.status_code == 200 and 'data-testid="filing-error"' in body
    assert str(UnknownCalendarYear(2099)) in body or str(UnknownCalendarYear(2100)) in body
    (check,) = response.context["checks"]
    assert check.state == "unknown" and check.due is None


@pytest.mark.parametrize("extra", [0, 8])
def test_filing_checks_constant_queries(setup, client, monkeypatch, django_assert_num_queries, extra):
    monkeypatch.setattr(dates, "today", lambda: datetime.date(2025, 11, 20))
    for n in range(1 + extra):
        institution = _filed(setup, f"备案{n}", datetime.date(2025, 10, 1 + n))
        if n % 2:
            _record(setup, institution=institution, kind="filing")
    client.force_login(setup.users["district"])
    url = reverse("inspections:filing_checks")
    client.get(url)
    with django_assert_num_queries(FILING_QUERIES):
        assert client.get(url).status_code == 200


FILING_QUERIES = (
    10  # session, user, region, subtree, institutions with their first 备案核查, marks, layout, 停业整顿
)
