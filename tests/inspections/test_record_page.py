"""The record page on a phone: each point saved in place (htmx swaps its card), errors naming the
field in the card, a concurrent save refused with the inspector's input kept, a repeated save
done once; the hazard and written-notice steps in the card; the hazard's way back shown only to
readers who can open the record; the filing check on the registry's page of an institution."""

import datetime

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse

from core import dates
from hazards.models import Hazard, Referral
from inspections import records
from inspections.models import ChecklistPoint, Finding, InspectionItem, Inspector
from tests.inspections import factories
from tests.submissions import with_token

pytestmark = pytest.mark.django_db


@pytest.fixture
def setup(world):
    factories.directories(world)
    return world


def _record(world, institution=None, kind="routine", codes=("A01", "B02"), by="district"):
    city = world.regions["210300"]
    return records.inspection_create(
        institution=institution or world.own_institution,
        kind=kind,
        inspected_on=dates.today(),
        inspectors=list(Inspector.objects.all()[:2]),
        items=list(InspectionItem.objects.filter(region=city, code__in=codes)),
        by=world.users[by],
    )


def _htmx(finding) -> dict:
    return {"HTTP_HX_REQUEST": "true", "HTTP_HX_TARGET": f"finding-{finding.pk}"}


def _save(client, finding, **data):
    values = {"answer": "fails", "note": "", "expected_version": finding.version, **data}
    return client.post(
        reverse("inspections:finding_save", args=[finding.pk]), with_token(client, values), **_htmx(finding)
    )


def test_a_point_is_saved_in_place(setup, client):
    finding = _record(setup).findings.select_related("point__item").first()
    client.force_login(setup.users["district"])
    response = _save(client, finding, answer="fails", note="安全出口堵塞")
    body = response.content.decode()
    assert response.status_code == 200
    assert "<html" not in body  # the card alone
    assert f'id="finding-{finding.pk}"' in body and 'data-testid="finding-done"' in body
    assert f"{finding.point.item.code}.{finding.point.number}" in body and "已保存" in body
    finding.refresh_from_db()
    assert (finding.answer, finding.note, finding.version) == ("fails", "安全出口堵塞", 2)
    # the card is ready for the next step: its new version and the hazard form of a 不符合
    assert 'name="expected_version" value="2"' in body and 'data-testid="hazard-form"' in body


def test_errors_name_the_field_in_the_card(setup, client):
    finding = _record(setup).findings.first()
    client.force_login(setup.users["district"])
    response = _save(client, finding, answer="", note="只写了备注")
    body = response.content.decode()
    assert response.status_code == 200 and 'data-testid="finding-error"' in body
    assert "结果：" in body and "只写了备注" in body  # the field named, the input kept
    finding.refresh_from_db()
    assert (finding.answer, finding.version) == ("", 1)
    bad_photo = SimpleUploadedFile("x.jpg", b"not an image", content_type="image/jpeg")
    response = client.post(
        reverse("inspections:finding_save", args=[finding.pk]),
        with_token(client, {"answer": "fails", "note": "", "expected_version": 1, "photos": bad_photo}),
        **_htmx(finding),
    )
    assert "照片：" in response.content.decode()
    finding.refresh_from_db()
    assert finding.answer == ""  # all or nothing: the answer is not saved without its photo


def test_a_concurrent_save_is_refused_with_the_input_kept(setup, client):
    finding = _record(setup).findings.first()
    opened_at = finding.version
    records.finding_record(
        finding=finding,
        answer="complies",
        note="甲已核实",
        by=setup.users["city"],
        expected_version=opened_at,
    )
    client.force_login(setup.users["district"])
    response = _save(client, finding, answer="fails", note="乙看到的问题", expected_version=opened_at)
    body = response.content.decode()
    assert response.status_code == 200 and "他人已保存" in body
    assert "乙看到的问题" in body and "甲已核实" in body  # mine kept, theirs shown
    assert f'id="a{finding.pk}-fails" checked' in body
    finding.refresh_from_db()
    assert (finding.answer, finding.note) == ("complies", "甲已核实")
    # saving again from that card (it carries the current version) goes through
    response = _save(client, finding, answer="fails", note="乙看到的问题", expected_version=finding.version)
    finding.refresh_from_db()
    assert finding.answer == "fails" and 'data-testid="finding-done"' in response.content.decode()


def test_a_repeated_save_is_done_once(setup, client):
    finding = _record(setup).findings.first()
    client.force_login(setup.users["district"])
    data = with_token(client, {"answer": "fails", "note": "一次", "expected_version": 1})
    url = reverse("inspections:finding_save", args=[finding.pk])
    first = client.post(url, data, **_htmx(finding))
    second = client.post(url, data, **_htmx(finding))
    assert first.status_code == second.status_code == 200
    assert 'data-testid="finding-done"' in second.content.decode()  # the first answer, replayed
    finding.refresh_from_db()
    assert finding.version == 2


def test_hazard_and_notice_in_the_card(setup, client):
    finding = _record(setup).findings.first()
    client.force_login(setup.users["district"])
    _save(client, finding, answer="fails", note="消防通道堵塞")
    finding.refresh_from_db()
    url = reverse("inspections:finding_hazard", args=[finding.pk])
    refused = client.post(url, with_token(client, {"deadline": "", "severity": "general"}), **_htmx(finding))
    assert refused.status_code == 200 and 'data-testid="hazard-error"' in refused.content.decode()
    assert "整改时限：" in refused.content.decode() and Hazard.objects.count() == 0
    response = client.post(
        url, with_token(client, {"deadline": "2026-12-31", "severity": "major"}), **_htmx(finding)
    )
    hazard = Hazard.objects.get()
    body = response.content.decode()
    assert hazard.code in body and 'data-testid="finding-done"' in body and "已录入台账" in body
    assert hazard.severity == "major"
    notice = SimpleUploadedFile("告知书.pdf", b"%PDF-1.4 notice", content_type="application/pdf")
    response = client.post(
        reverse("inspections:finding_notice", args=[finding.pk]),
        with_token(client, {"department": "emergency", "notice": notice}),
        **_htmx(finding),
    )
    body = response.content.decode()
    assert 'data-testid="finding-notice"' in body and Referral.objects.filter(hazard=hazard).count() == 1
    missing = client.post(
        reverse("inspections:finding_notice", args=[finding.pk]),
        with_token(client, {"department": "emergency"}),
        **_htmx(finding),
    )
    assert 'data-testid="notice-error"' in missing.content.decode()
    assert Referral.objects.filter(hazard=hazard).count() == 1


def test_a_plain_post_still_works_without_javascript(setup, client):
    finding = _record(setup).findings.first()
    client.force_login(setup.users["district"])
    response = client.post(
        reverse("inspections:finding_save", args=[finding.pk]),
        with_token(client, {"answer": "complies", "note": "", "expected_version": 1}),
    )
    assert response.status_code == 302 and response["Location"].endswith(f"#finding-{finding.pk}")
    page = client.get(response["Location"]).content.decode()
    assert "已保存" in page  # the message on the page


def _hazard_from(world, inspection):
    finding = inspection.findings.first()
    user = world.users["district"]
    records.finding_record(finding=finding, answer="fails", note="", by=user)
    hazard, _created = records.finding_to_hazard(
        finding=finding, deadline=datetime.date(2026, 12, 31), severity="general", by=user
    )
    return hazard


def test_the_way_back_only_for_readers_of_the_record(setup, client, django_user_model):
    from hazards import services as hazard_services

    inspection = _record(setup, codes=("A01",))
    hazard = _hazard_from(setup, inspection)
    url = reverse("hazards:detail", args=[hazard.pk])
    record_url = reverse("inspections:record_detail", args=[inspection.pk])
    # the institution's user sees its hazard, but the record only once concluded
    client.force_login(setup.users["institution"])
    body = client.get(url).content.decode()
    assert 'data-testid="hazard-origin"' not in body and record_url not in body
    assert client.get(record_url).status_code == 404
    # a department told of the hazard, whose department no item of the record names
    hazard_services.referral_create(
        hazard=hazard,
        department="housing",
        referred_on=dates.today(),
        note="",
        notice=SimpleUploadedFile("告知书.pdf", b"%PDF-1.4 notice", content_type="application/pdf"),
        by=setup.users["district"],
    )
    client.force_login(setup.users["department"])
    body = client.get(url).content.decode()
    assert client.get(url).status_code == 200 and record_url not in body
    # once concluded, the institution's user has the link, and it opens
    for finding in inspection.findings.filter(answer=""):
        records.finding_record(finding=finding, answer="complies", note="", by=setup.users["district"])
    records.conclude(
        inspection=inspection, conclusion="rectify", summary="限期整改", by=setup.users["district"]
    )
    client.force_login(setup.users["institution"])
    body = client.get(url).content.decode()
    assert 'data-testid="hazard-origin"' in body and client.get(record_url).status_code == 200


def test_the_registry_page_shows_the_filing_check(setup, client, monkeypatch):
    monkeypatch.setattr(dates, "today", lambda: datetime.date(2025, 11, 20))
    institution = setup.own_institution
    institution.filed_on = datetime.date(2025, 9, 26)
    institution.save()
    url = reverse("institutions:detail", args=[institution.pk])
    client.force_login(setup.users["district"])
    body = client.get(url).content.decode()
    assert 'data-testid="filing-check" data-state="overdue"' in body and "2025-10-30" in body
    assert f"?kind=filing&amp;institution={institution.pk}" in body  # record it, pre-filled
    form = client.get(reverse("inspections:record_create") + f"?kind=filing&institution={institution.pk}")
    assert form.context["form"]["kind"].value() == "filing"
    assert str(form.context["form"]["institution"].value()) == str(institution.pk)
    # a 备案核查 with a fire-safety 不符合: done, and the point marked on the filing record
    fire = ChecklistPoint.objects.filter(category="fire").select_related("item").first()
    check = records.inspection_create(
        institution=institution,
        kind="filing",
        inspected_on=datetime.date(2025, 10, 15),
        inspectors=[],
        items=[fire.item],
        by=setup.users["district"],
    )
    records.finding_record(
        finding=check.findings.get(point=fire), answer="fails", note="", by=setup.users["district"]
    )
    body = client.get(url).content.decode()
    assert 'data-state="done"' in body and "2025-10-15" in body
    assert body.count('data-testid="filing-mark"') == 1 and "尚未告知相关部门" in body
    # the institution's own user does not get the authority's card
    client.force_login(setup.users["institution"])
    assert 'data-testid="filing-check"' not in client.get(url).content.decode()


def test_an_unfiled_institution_has_no_filing_card(setup, client):
    client.force_login(setup.users["district"])
    body = client.get(reverse("institutions:detail", args=[setup.own_institution.pk])).content.decode()
    assert 'data-testid="filing-check"' not in body
    assert Finding.objects.count() == 0


def _answer_all(inspection, user, answer="complies"):
    for finding in inspection.findings.filter(answer=""):
        records.finding_record(finding=finding, answer=answer, note="", by=user)


def test_a_refused_conclusion_stays_in_its_card_with_what_was_typed(setup, client):
    inspection = _record(setup)
    client.force_login(setup.users["district"])
    page = client.get(reverse("inspections:record_detail", args=[inspection.pk])).content.decode()
    assert "data-confirm=" in page and "检查情况概述" in page  # asked before; the box labelled
    url = reverse("inspections:record_conclude", args=[inspection.pk])
    htmx = {"HTTP_HX_REQUEST": "true", "HTTP_HX_TARGET": "conclude"}
    data = {"conclusion": "qualified", "summary": "九类风险均已落实"}
    refused = client.post(url, with_token(client, data), **htmx)
    body = refused.content.decode()
    assert refused.status_code == 200 and 'data-testid="conclude-error"' in body
    assert "九类风险均已落实" in body and "请逐项填写检查结果后再作出结论" in body
    inspection.refresh_from_db()
    assert inspection.concluded_on is None
    _answer_all(inspection, setup.users["district"])
    done = client.post(url, with_token(client, data), **htmx)
    assert done.status_code == 204
    assert done["HX-Redirect"] == reverse("inspections:record_detail", args=[inspection.pk])
    inspection.refresh_from_db()
    assert inspection.conclusion == "qualified"


def test_the_count_of_answered_points_follows_each_save(setup, client):
    inspection = _record(setup)
    total = inspection.findings.count()
    client.force_login(setup.users["district"])
    page = client.get(reverse("inspections:record_detail", args=[inspection.pk])).content.decode()
    assert f"已填写 0 / {total} 个检查要点" in page
    body = _save(client, inspection.findings.first(), answer="fails").content.decode()
    assert 'id="record-progress"' in body and 'hx-swap-oob="true"' in body
    assert f"已填写 1 / {total} 个检查要点" in body and "1 项不符合" in body


def test_readers_outside_the_authority_see_no_draw_no_notice_no_untold_hazard(setup, client):
    from inspections.models import Draw

    draw = factories.drawn(setup)
    drawn = draw.drawn.get(institution=setup.own_institution)
    user = setup.users["district"]
    inspection, _created = records.inspection_from_drawn(drawn=drawn, by=user)
    finding = inspection.findings.select_related("point__item").filter(point__category="fire").first()
    records.finding_record(finding=finding, answer="fails", note="", by=user)
    hazard, _ = records.finding_to_hazard(
        finding=finding, deadline=datetime.date(2026, 12, 31), severity="general", by=user
    )
    finding.refresh_from_db()
    notice = SimpleUploadedFile("告知书.pdf", b"%PDF-1.4 notice", content_type="application/pdf")
    records.finding_notice(finding=finding, department="emergency", notice=notice, by=user)
    _answer_all(inspection, user)
    records.conclude(inspection=inspection, conclusion="rectify", summary="限期整改", by=user)
    draw_url = reverse("inspections:draw_detail", args=[draw.pk])
    for name in ("record_detail", "record_print"):
        url = reverse(f"inspections:{name}", args=[inspection.pk])
        client.force_login(setup.users["district"])
        staff = client.get(url).content.decode()
        assert hazard.code in staff and "书面告知" in staff
        client.force_login(setup.users["institution"])  # its own result: its hazard, no notice
        own = client.get(url).content.decode()
        assert hazard.code in own and "书面告知" not in own and draw_url not in own
        assert "20个工作日" not in own
    # a housing department's user: the record names its department only if an item does
    InspectionItem.objects.filter(pk__in=inspection.items.values("pk")).update(department="housing")
    client.force_login(setup.users["department"])
    for name in ("record_detail", "record_print"):
        body = client.get(reverse(f"inspections:{name}", args=[inspection.pk])).content.decode()
        assert hazard.code not in body and "书面告知" not in body and draw_url not in body
    assert Draw.objects.visible_to(setup.users["department"]).count() == 0


def test_institutions_and_departments_find_their_results_in_the_menu(setup, client):
    """The menu's 综合监管 opens a page whose 检查结果 card lists their records."""
    hub, url = reverse("dashboards:supervision"), reverse("inspections:records")
    for role in ("institution", "department"):
        client.force_login(setup.users[role])
        assert f'href="{hub}"' in client.get(reverse("core:home")).content.decode(), role
        page = client.get(hub).content.decode()
        assert f'href="{url}"' in page and "检查结果" in page, role


def test_an_old_filing_is_outside_the_filing_checks(setup, client, monkeypatch):
    monkeypatch.setattr(dates, "today", lambda: datetime.date(2025, 11, 20))
    institution = setup.own_institution
    institution.filed_on = datetime.date(2019, 5, 6)
    institution.save()
    client.force_login(setup.users["district"])
    body = client.get(reverse("institutions:detail", args=[institution.pk])).content.decode()
    assert 'data-testid="filing-check"' not in body
    listed = client.get(reverse("inspections:filing_checks")).context["checks"]
    assert institution.pk not in [c.institution.pk for c in listed]  # the same window as the list
    institution.filed_on = datetime.date(2024, 1, 1)  # the window's first day
    institution.save()
    body = client.get(reverse("institutions:detail", args=[institution.pk])).content.decode()
    assert 'data-testid="filing-check"' in body and "待检查" not in body and "逾期" in body


def test_the_hazard_shows_the_inspection_photos(setup, client):
    from tests.hazards.factories import png_bytes

    inspection = _record(setup)
    finding = inspection.findings.first()
    user = setup.users["district"]
    photo = SimpleUploadedFile("现场.png", png_bytes(size=(64, 64)), content_type="image/png")
    records.finding_record(finding=finding, answer="fails", note="", photos=[photo], by=user)
    hazard, _ = records.finding_to_hazard(
        finding=finding, deadline=datetime.date(2026, 12, 31), severity="general", by=user
    )
    client.force_login(user)
    body = client.get(reverse("hazards:detail", args=[hazard.pk])).content.decode()
    assert 'data-testid="origin-photos"' in body and "现场.png" in body
    client.force_login(setup.users["institution"])  # not concluded: no record, no photos
    body = client.get(reverse("hazards:detail", args=[hazard.pk])).content.decode()
    assert 'data-testid="origin-photos"' not in body and "现场.png" not in body
