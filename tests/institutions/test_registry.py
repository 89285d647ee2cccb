"""The registry record: its rules, the district pages, concurrent edits, history, scope, query counts."""

import datetime

import pytest
from django.core.exceptions import ValidationError
from django.urls import reverse

from institutions.models import (
    FireSafetyStatus,
    Institution,
    LegalPersonStatus,
    Nature,
    OperatingStatus,
    RegistrationForm,
)
from tests.institutions.factories import plain_institution, valid_institution
from tests.submissions import with_token


@pytest.fixture
def tiedong(world):
    return world.regions["210302"]


def errors_of(institution) -> dict:
    with pytest.raises(ValidationError) as error:
        institution.full_clean()
    return error.value.message_dict


# Cross-field rules -----------------------------------------------------------------------------


def test_nursing_beds_cannot_exceed_beds(tiedong):
    institution = valid_institution(tiedong, "甲", save=False, beds=50, nursing_beds=51)
    assert "nursing_beds" in errors_of(institution)


def test_disabled_and_semi_disabled_cannot_exceed_residents(tiedong):
    institution = valid_institution(
        tiedong, "甲", save=False, residents=10, disabled_residents=6, semi_disabled_residents=5
    )
    assert "semi_disabled_residents" in errors_of(institution)


def test_a_bad_credit_code_is_refused_and_a_registered_one_needs_a_code(tiedong):
    good = valid_institution(tiedong, "甲", save=False)
    good.credit_code = good.credit_code[:-1] + ("0" if good.credit_code[-1] != "0" else "1")
    assert "credit_code" in errors_of(good)
    no_code = valid_institution(tiedong, "乙", save=False)
    no_code.credit_code = ""
    assert "credit_code" in errors_of(no_code)


def test_an_unregistered_institution_needs_no_code(tiedong):
    valid_institution(
        tiedong,
        "未登记养老院",
        credit_code="",
        registration_form=RegistrationForm.UNREGISTERED,
        filing_status="unfiled",
        filed_on=None,
        unfiled_found_on=datetime.date(2020, 9, 1),
    )


def test_full_width_and_spaced_codes_are_normalised(tiedong):
    institution = valid_institution(tiedong, "甲", save=False)
    code = institution.credit_code
    institution.credit_code = " " + "".join(chr(ord(c) + 0xFEE0) for c in code) + "\u3000"
    institution.full_clean()
    assert institution.credit_code == code


def test_a_credit_code_is_shared_only_inside_a_1_plus_n_consortium(tiedong):
    head = valid_institution(
        tiedong,
        "铁东区中心敬老院",
        nature=Nature.PUBLIC,
        registration_form=RegistrationForm.PUBLIC_INSTITUTION,
        is_special_hardship=True,
        area="rural",
        legal_person_status=LegalPersonStatus.INDEPENDENT,
    )
    stranger = valid_institution(tiedong, "另一家养老院", save=False, credit_code=head.credit_code)
    assert "credit_code" in errors_of(stranger)
    branch = valid_institution(
        tiedong,
        "铁东区某镇敬老院",
        nature=Nature.PUBLIC,
        registration_form=RegistrationForm.PUBLIC_INSTITUTION,
        is_special_hardship=True,
        area="rural",
        legal_person_status=LegalPersonStatus.BRANCH,
        parent=head,
        credit_code=head.credit_code,
    )
    assert branch.credit_code == head.credit_code
    wrong_code = valid_institution(
        tiedong,
        "另一镇敬老院",
        save=False,
        nature=Nature.PUBLIC,
        is_special_hardship=True,
        area="rural",
        registration_form=RegistrationForm.PUBLIC_INSTITUTION,
        legal_person_status=LegalPersonStatus.BRANCH,
        parent=head,
    )
    assert "credit_code" in errors_of(wrong_code)
    # The head can still be edited although its branches share its code.
    head.full_clean()


def test_a_branch_needs_its_head_and_only_a_branch_has_one(tiedong):
    institution = valid_institution(
        tiedong,
        "敬老院",
        save=False,
        nature=Nature.PUBLIC,
        is_special_hardship=True,
        area="rural",
        registration_form=RegistrationForm.PUBLIC_INSTITUTION,
        legal_person_status=LegalPersonStatus.BRANCH,
    )
    assert "parent" in errors_of(institution)
    assert "legal_person_status" in errors_of(
        valid_institution(tiedong, "乙", save=False, legal_person_status="pending")
    )


def test_fire_safety_upgrade_is_for_privately_run_institutions_only(tiedong):
    public = valid_institution(
        tiedong, "公办院", save=False, nature=Nature.PUBLIC, fire_safety_status=FireSafetyStatus.UPGRADING
    )
    assert "fire_safety_status" in errors_of(public)
    valid_institution(
        tiedong, "民办院", fire_safety_status=FireSafetyStatus.UPGRADING, fire_gov_funds="12.50"
    )


def test_star_rating_needs_its_date_and_gb38600_overall_needs_all_nine_risks(tiedong):
    assert "star_rated_on" in errors_of(valid_institution(tiedong, "甲", save=False, star_rating=3))
    partial = valid_institution(tiedong, "乙", save=False, gb38600_compliant=True, risk_choking=True)
    assert "gb38600_compliant" in errors_of(partial)


def test_filing_dates_follow_the_filing_status(tiedong):
    assert "filed_on" in errors_of(valid_institution(tiedong, "甲", save=False, filed_on=None))
    assert "filed_on" in errors_of(
        valid_institution(
            tiedong, "乙", save=False, filing_status="unfiled", filed_on=datetime.date(2020, 1, 1)
        )
    )


def test_only_operating_institutions_are_in_the_population(tiedong):
    valid_institution(tiedong, "运营中")
    valid_institution(tiedong, "停业整顿中", operating_status=OperatingStatus.SUSPENDED)
    valid_institution(tiedong, "已注销", operating_status=OperatingStatus.DEREGISTERED)
    valid_institution(
        tiedong,
        "已转型",
        nature=Nature.PUBLIC,
        registration_form=RegistrationForm.PUBLIC_INSTITUTION,
        is_special_hardship=True,
        area="rural",
        legal_person_status=LegalPersonStatus.CONVERTED,
    )
    operating = set(Institution.objects.filter(region=tiedong).operating().values_list("name", flat=True))
    assert {"运营中", "停业整顿中", "已注销", "已转型"} & operating == {"运营中"}
    assert Institution.objects.filter(name__in=["已转型", "停业整顿中"]).count() == 2  # records stay


@pytest.mark.parametrize("operating_status", OperatingStatus.values)
@pytest.mark.parametrize("legal_person_status", ["", *LegalPersonStatus.values])
def test_is_operating_agrees_with_the_queryset(tiedong, operating_status, legal_person_status):
    special = {"nature": Nature.PUBLIC, "is_special_hardship": True, "area": "rural"}
    fields = {"operating_status": operating_status}
    if legal_person_status:
        fields |= special | {"legal_person_status": legal_person_status}
    if legal_person_status == LegalPersonStatus.BRANCH:
        head = valid_institution(
            tiedong, "总院", legal_person_status=LegalPersonStatus.INDEPENDENT, **special
        )
        fields |= {"parent": head, "credit_code": head.credit_code}
    institution = valid_institution(tiedong, "某院", **fields)
    expected = operating_status == OperatingStatus.OPERATING and legal_person_status != "converted"
    assert institution.is_operating is expected
    assert Institution.objects.operating().filter(pk=institution.pk).exists() is expected


# Pages ----------------------------------------------------------------------------------------


def form_data(institution: Institution, **changes) -> dict:
    from institutions.forms import FORM_FIELDS

    data = {}
    for name in FORM_FIELDS:
        value = getattr(institution, name if name not in ("region", "parent") else f"{name}_id")
        if isinstance(value, bool):
            if value:
                data[name] = "on"
            continue
        data[name] = "" if value is None else value
    data["expected_version"] = institution.version
    data.update(changes)
    return {k: v for k, v in data.items() if v is not False}


def test_district_user_edits_an_institution_and_history_names_them(client, world, tiedong):
    institution = valid_institution(tiedong, "铁东区幸福养老院")
    client.force_login(world.users["district"])
    response = client.post(
        reverse("institutions:edit", args=[institution.pk]),
        with_token(client, form_data(institution, beds=120)),
    )
    assert response.status_code == 302
    institution.refresh_from_db()
    assert institution.beds == 120 and institution.version == 2
    latest = institution.history.first()
    assert latest.history_user == world.users["district"]
    detail = client.get(reverse("institutions:detail", args=[institution.pk])).content.decode()
    assert "李秀梅" in detail and "120" in detail


def test_a_rule_broken_in_the_form_is_shown_on_the_field_in_chinese(client, world, tiedong):
    institution = valid_institution(tiedong, "铁东区幸福养老院")
    client.force_login(world.users["district"])
    response = client.post(
        reverse("institutions:edit", args=[institution.pk]),
        with_token(client, form_data(institution, nursing_beds=500)),
    )
    assert response.status_code == 200
    message = response.context["form"].errors["nursing_beds"][0]
    assert "500" in message and "100" in message
    assert message in response.content.decode()
    assert not message.isascii()  # the zh_Hans text, not the English msgid
    institution.refresh_from_db()
    assert institution.nursing_beds == 40


def test_a_concurrent_edit_is_refused_and_keeps_the_second_users_input(client, world, tiedong):
    institution = valid_institution(tiedong, "铁东区幸福养老院")
    stale = form_data(institution)
    client.force_login(world.users["city"])
    assert (
        client.post(
            reverse("institutions:edit", args=[institution.pk]), with_token(client, {**stale, "beds": 110})
        ).status_code
        == 302
    )
    client.force_login(world.users["district"])
    response = client.post(
        reverse("institutions:edit", args=[institution.pk]), with_token(client, {**stale, "beds": 130})
    )
    assert response.status_code == 200
    assert 'value="130"' in response.content.decode()
    assert response.context["form"].non_field_errors()
    institution.refresh_from_db()
    assert institution.beds == 110


def test_district_user_cannot_edit_or_see_another_districts_institution(client, world, tiedong):
    other = valid_institution(world.regions["210303"], "铁西区养老院")
    client.force_login(world.users["district"])
    assert client.get(reverse("institutions:detail", args=[other.pk])).status_code == 404
    assert (
        client.post(
            reverse("institutions:edit", args=[other.pk]), with_token(client, form_data(other))
        ).status_code
        == 404
    )
    assert "铁西区养老院" not in client.get(reverse("institutions:list")).content.decode()


def test_district_user_cannot_create_an_institution_in_another_region(client, world, tiedong):
    draft = valid_institution(world.regions["210303"], "越界养老院", save=False)
    client.force_login(world.users["district"])
    response = client.post(reverse("institutions:create"), with_token(client, form_data(draft)))
    assert response.status_code == 200
    assert not Institution.objects.filter(name="越界养老院").exists()


def test_district_user_creates_an_institution(client, world, tiedong):
    draft = valid_institution(tiedong, "新开养老院", save=False)
    client.force_login(world.users["district"])
    response = client.post(reverse("institutions:create"), with_token(client, form_data(draft)))
    assert response.status_code == 302
    created = Institution.objects.get(name="新开养老院")
    assert created.history.first().history_user == world.users["district"]


def test_institution_user_sees_only_its_own_record(client, world, tiedong):
    client.force_login(world.users["institution"])
    assert client.get(reverse("institutions:detail", args=[world.own_institution.pk])).status_code == 200
    assert client.get(reverse("institutions:detail", args=[world.other_institution.pk])).status_code == 404
    assert client.get(reverse("institutions:list")).status_code == 403
    assert client.get(reverse("institutions:edit", args=[world.own_institution.pk])).status_code == 403


def test_list_filters_by_nature_and_searches_by_code(client, world, tiedong):
    private = valid_institution(tiedong, "民办甲院")
    valid_institution(tiedong, "公办乙院", nature=Nature.PUBLIC)
    client.force_login(world.users["city"])
    body = client.get(reverse("institutions:list"), {"nature": "public"}).content.decode()
    assert "公办乙院" in body and "民办甲院" not in body
    body = client.get(reverse("institutions:list"), {"q": private.credit_code[:12].lower()}).content.decode()
    assert "民办甲院" in body and "公办乙院" not in body


def test_list_answers_htmx_with_the_results_fragment_only(client, world, tiedong):
    valid_institution(tiedong, "民办甲院")
    client.force_login(world.users["district"])
    response = client.get(reverse("institutions:list"), {"nature": "private"}, HTTP_HX_REQUEST="true")
    body = response.content.decode()
    assert "民办甲院" in body and "<html" not in body


@pytest.mark.parametrize("count", [10, 500])
def test_list_runs_a_constant_number_of_queries(client, world, tiedong, count, django_assert_max_num_queries):
    Institution.objects.bulk_create(plain_institution(tiedong, f"养老院{i:04d}") for i in range(count))
    client.force_login(world.users["city"])
    with django_assert_max_num_queries(12):  # + the 停业整顿 badge's ids (issue 17)
        response = client.get(reverse("institutions:list"), {"region": tiedong.pk, "ordering": "-beds"})
    assert response.status_code == 200
    assert len(response.context["page"].object_list) == min(20, count + 1)


def test_detail_runs_a_constant_number_of_queries_with_a_long_history(
    client, world, tiedong, django_assert_max_num_queries
):
    institution = valid_institution(tiedong, "铁东区幸福养老院")
    for beds in range(101, 131):
        institution.beds = beds
        institution.save()
    client.force_login(world.users["district"])
    # 13: the page's own, and the filing check's card (the institution and its first 备案核查; its
    # marks) since issue 16
    with django_assert_max_num_queries(13):
        assert client.get(reverse("institutions:detail", args=[institution.pk])).status_code == 200
