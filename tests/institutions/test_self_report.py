"""Self-reporting: the institution reports, the district accepts or returns, nothing reaches the
record unreviewed."""

import pytest
from django.core.exceptions import PermissionDenied
from django.urls import reverse

from institutions import services
from institutions.models import SelfReport
from tests.institutions.factories import valid_institution
from tests.submissions import with_token


@pytest.fixture
def home(world):
    """The demo institution user's institution, made valid."""
    institution = valid_institution(world.regions["210302"], "铁东区康乐老年公寓")
    user = world.users["institution"]
    user.institution = institution
    user.save()
    return institution


def report_form(institution, **changes) -> dict:
    values = services.self_report_values_from(institution)
    data = {
        name: ("on" if value else None) if isinstance(value, bool) else value
        for name, value in values.items()
    }
    data.update(changes)
    return {name: value for name, value in data.items() if value is not None}


def test_a_draft_and_a_submission_leave_the_record_untouched(client, world, home):
    client.force_login(world.users["institution"])
    url = reverse("institutions:self_report")
    assert (
        client.post(url, with_token(client, {**report_form(home, residents=70), "save": "1"})).status_code
        == 302
    )
    assert (
        client.post(url, with_token(client, {**report_form(home, residents=72), "submit": "1"})).status_code
        == 302
    )
    home.refresh_from_db()
    assert home.residents == 60
    report = SelfReport.objects.get(institution=home)
    assert report.status == SelfReport.Status.SUBMITTED and report.values["residents"] == 72


def test_the_district_sees_the_changed_fields_highlighted_and_accepts(client, world, home):
    client.force_login(world.users["institution"])
    client.post(
        reverse("institutions:self_report"),
        with_token(client, {**report_form(home, residents=72, ext_meal="on"), "submit": "1"}),
    )
    report = SelfReport.objects.get(institution=home)

    client.force_login(world.users["district"])
    page = client.get(reverse("institutions:self_report_review", args=[report.pk]))
    changed = {row["name"] for row in page.context["changes"] if row["changed"]}
    assert changed == {"residents", "ext_meal"}
    assert page.content.decode().count('data-changed="1"') == 2

    assert (
        client.post(
            reverse("institutions:self_report_accept", args=[report.pk]), with_token(client)
        ).status_code
        == 302
    )
    home.refresh_from_db()
    assert home.residents == 72 and home.ext_meal
    record = home.history.first()
    assert record.history_user == world.users["district"]
    assert str(report.pk) in record.history_change_reason
    report.refresh_from_db()
    assert report.status == SelfReport.Status.ACCEPTED and report.reviewed_by == world.users["district"]


def test_a_returned_report_shows_the_reason_and_can_be_resubmitted(client, world, home):
    client.force_login(world.users["institution"])
    client.post(
        reverse("institutions:self_report"),
        with_token(client, {**report_form(home, beds=300), "submit": "1"}),
    )
    report = SelfReport.objects.get(institution=home)

    client.force_login(world.users["district"])
    assert (
        client.post(
            reverse("institutions:self_report_return", args=[report.pk]), with_token(client, {"reason": ""})
        ).status_code
        == 400
    )
    client.post(
        reverse("institutions:self_report_return", args=[report.pk]),
        with_token(client, {"reason": "床位数与备案材料不符"}),
    )
    report.refresh_from_db()
    assert report.status == SelfReport.Status.RETURNED

    client.force_login(world.users["institution"])
    page = client.get(reverse("institutions:self_report")).content.decode()
    assert "床位数与备案材料不符" in page
    client.post(
        reverse("institutions:self_report"),
        with_token(client, {**report_form(home, beds=110), "submit": "1"}),
    )
    report.refresh_from_db()
    assert report.status == SelfReport.Status.SUBMITTED and report.values["beds"] == 110
    assert SelfReport.objects.filter(institution=home).count() == 1
    home.refresh_from_db()
    assert home.beds == 100


def test_a_submitted_report_is_locked_for_the_institution(client, world, home):
    client.force_login(world.users["institution"])
    url = reverse("institutions:self_report")
    client.post(url, with_token(client, {**report_form(home, residents=61), "submit": "1"}))
    client.post(url, with_token(client, {**report_form(home, residents=99), "submit": "1"}))
    assert SelfReport.objects.get(institution=home).values["residents"] == 61


def test_a_report_that_breaks_a_rule_is_not_submitted(client, world, home):
    client.force_login(world.users["institution"])
    response = client.post(
        reverse("institutions:self_report"),
        with_token(client, {**report_form(home, nursing_beds=500), "submit": "1"}),
    )
    assert response.status_code == 200
    assert response.context["form"].errors["nursing_beds"]
    assert not SelfReport.objects.filter(institution=home, status="submitted").exists()


def test_an_institution_cannot_review_and_a_district_cannot_review_another_regions_report(
    client, world, home
):
    report = services.self_report_save(
        institution=home,
        values=services.self_report_values_from(home),
        by=world.users["institution"],
        submit=True,
    )
    with pytest.raises(PermissionDenied):
        services.self_report_accept(report=report, by=world.users["institution"])
    client.force_login(world.users["institution"])
    assert (
        client.post(
            reverse("institutions:self_report_accept", args=[report.pk]), with_token(client)
        ).status_code
        == 403
    )
    client.force_login(world.users["other_district"])
    assert client.get(reverse("institutions:self_report_review", args=[report.pk])).status_code == 404
    assert (
        client.post(
            reverse("institutions:self_report_accept", args=[report.pk]), with_token(client)
        ).status_code
        == 404
    )
    report.refresh_from_db()
    assert report.status == SelfReport.Status.SUBMITTED


def test_an_institution_cannot_report_for_another(world, home):
    with pytest.raises(PermissionDenied):
        services.self_report_save(
            institution=world.other_institution, values={}, by=world.users["institution"]
        )


def test_fire_safety_is_asked_only_of_privately_run_institutions(client, world, home):
    client.force_login(world.users["institution"])
    assert "fire_safety_status" in client.get(reverse("institutions:self_report")).context["form"].fields
    home.nature = "public"
    home.save()
    assert "fire_safety_status" not in client.get(reverse("institutions:self_report")).context["form"].fields
