"""The demo registry: loads idempotently, passes every rule, and has every edge case the pages need."""

import pytest
from django.db.models import Count

from accounts.models import User
from core.models import Region
from institutions.demo import (
    RETURNED_REPORT_INSTITUTION,
    SUBMITTED_REPORT_INSTITUTION,
    load_demo_institutions,
    load_demo_self_reports,
)
from institutions.models import (
    FilingStatus,
    FireSafetyStatus,
    Institution,
    LegalPersonStatus,
    MedicalMode,
    Nature,
    OperatingStatus,
    RegistrationForm,
    SelfReport,
)
from tests.conftest import make_user

# Names the demo users in core/data/demo_anshan.yaml are bound to.
DEMO_USER_INSTITUTIONS = {"铁东区康乐老年公寓": "210302", "海城市牛庄镇敬老院": "210381"}


@pytest.fixture
def demo(regions) -> dict[str, Institution]:
    return load_demo_institutions()


def test_about_sixty_institutions_are_loaded(demo):
    assert 55 <= len(demo) == Institution.objects.count() <= 65


def test_loading_twice_changes_nothing(demo):
    counts = (Institution.objects.count(), Institution.history.count())
    versions = dict(Institution.objects.values_list("pk", "version"))

    again = load_demo_institutions()

    assert (Institution.objects.count(), Institution.history.count()) == counts
    assert dict(Institution.objects.values_list("pk", "version")) == versions
    assert {name: i.pk for name, i in again.items()} == {name: i.pk for name, i in demo.items()}


def test_history_names_the_demo_data_as_the_reason(demo):
    reasons = set(Institution.history.values_list("history_change_reason", flat=True))
    assert reasons == {"演示数据"}


def test_reloading_restores_an_edited_record_with_one_history_entry(demo):
    institution = demo["铁东区康乐老年公寓"]
    Institution.objects.filter(pk=institution.pk).update(beds=999)
    before = institution.history.count()

    load_demo_institutions()

    institution.refresh_from_db()
    assert institution.beds == 120
    assert institution.history.count() == before + 1
    assert institution.history.first().history_change_reason == "演示数据"


def test_every_institution_passes_full_clean(demo):
    for institution in Institution.objects.select_related("parent", "region"):
        institution.full_clean()


def test_every_county_level_region_has_an_institution(demo):
    county_level = Region.objects.county_level()
    assert county_level.count() == 11
    empty = county_level.annotate(n=Count("institutions")).filter(n=0)
    assert not empty.exists(), list(empty.values_list("name", flat=True))


def test_demo_users_institutions_exist_in_their_regions(demo):
    for name, code in DEMO_USER_INSTITUTIONS.items():
        assert demo[name].region.code == code


def test_a_1_plus_n_group_shares_the_heads_code(demo):
    head = Institution.objects.annotate(n=Count("branches")).get(n__gte=2)
    assert head.legal_person_status == LegalPersonStatus.INDEPENDENT
    branches = head.branches.all()
    assert {b.credit_code for b in branches} == {head.credit_code}
    assert {b.legal_person_status for b in branches} == {LegalPersonStatus.BRANCH}
    assert {b.region_id for b in branches} == {head.region_id}
    assert demo["海城市牛庄镇敬老院"] in branches


def test_a_converted_facility_is_not_counted(demo):
    converted = Institution.objects.filter(legal_person_status=LegalPersonStatus.CONVERTED)
    assert converted.exists()
    assert not Institution.objects.operating().filter(pk__in=converted).exists()


def test_deregistered_and_suspended_institutions_are_kept_but_not_counted(demo):
    deregistered = Institution.objects.get(operating_status=OperatingStatus.DEREGISTERED)
    assert not Institution.objects.operating().filter(pk=deregistered.pk).exists()
    suspended = Institution.objects.filter(operating_status=OperatingStatus.SUSPENDED)
    assert suspended.count() >= 2
    assert not Institution.objects.operating().filter(pk__in=suspended).exists()


def test_unfiled_institutions_found_taking_in_elders_and_unregistered_ones(demo):
    unfiled = Institution.objects.filter(filing_status=FilingStatus.UNFILED)
    assert unfiled.filter(unfiled_found_on__isnull=False).count() >= 3
    assert unfiled.filter(unfiled_found_on__isnull=True).exists()
    unregistered = unfiled.filter(registration_form=RegistrationForm.UNREGISTERED, is_special_hardship=False)
    assert unregistered.count() >= 2
    assert set(unregistered.values_list("credit_code", flat=True)) == {""}


def test_every_choice_is_used(demo):
    def used(field):
        return set(Institution.objects.values_list(field, flat=True))

    assert used("nature") == set(Nature.values)
    assert used("registration_form") == set(RegistrationForm.values)
    assert used("filing_status") == set(FilingStatus.values)
    assert used("operating_status") == set(OperatingStatus.values)
    assert used("medical_mode") == set(MedicalMode.values)
    assert used("star_rating") == {0, 1, 2, 3, 4, 5}
    assert set(LegalPersonStatus.values) <= used("legal_person_status")


def test_private_institutions_have_all_three_fire_safety_statuses(demo):
    private = Institution.objects.filter(nature=Nature.PRIVATE)
    assert set(FireSafetyStatus.values) <= set(private.values_list("fire_safety_status", flat=True))
    assert not Institution.objects.exclude(nature=Nature.PRIVATE).exclude(fire_safety_status="").exists()


def test_special_hardship_facilities_cover_every_legal_person_status(demo):
    hardship = Institution.objects.filter(is_special_hardship=True)
    assert set(hardship.values_list("legal_person_status", flat=True)) == set(LegalPersonStatus.values)
    registered = hardship.filter(
        legal_person_status__in=[LegalPersonStatus.INDEPENDENT, LegalPersonStatus.BRANCH]
    )
    assert set(registered.values_list("legal_code_entered", flat=True)) == {True, False}


def test_indicators_have_something_to_count(demo):
    counted = list(Institution.objects.operating())
    compliant = sum(i.gb38600_compliant for i in counted)
    assert 0.5 <= compliant / len(counted) <= 0.65
    assert any(i.risks_met == 9 and not i.gb38600_compliant for i in counted)
    assert sum(1 for i in counted if 0 < i.risks_met < 9) >= 10
    ratio = sum(i.nursing_beds for i in counted) / sum(i.beds for i in counted)
    assert 0.3 <= ratio <= 0.6
    assert {i.quality_norm_compliant for i in counted} == {True, False}
    assert {i.integrated_care for i in counted} == {True, False}
    dates = [i.national_data_updated_on for i in counted]
    assert None in dates
    assert any(d and d.isoformat() <= "2020-10-30" for d in dates)
    assert any(d and d.isoformat() > "2020-10-30" for d in dates)


@pytest.fixture
def demo_users(demo, regions) -> dict[str, User]:
    return {
        "tiedong": make_user("tiedong", User.Role.DISTRICT, region=regions["210302"]),
        "haicheng": make_user("haicheng", User.Role.DISTRICT, region=regions["210381"]),
        "kangle": make_user("kangle", User.Role.INSTITUTION, institution=demo[SUBMITTED_REPORT_INSTITUTION]),
        "niuzhuang": make_user(
            "niuzhuang", User.Role.INSTITUTION, institution=demo[RETURNED_REPORT_INSTITUTION]
        ),
    }


def test_demo_self_reports_are_made_once(demo, demo_users):
    load_demo_self_reports(demo_users)

    submitted = SelfReport.objects.get(institution=demo[SUBMITTED_REPORT_INSTITUTION])
    assert submitted.status == SelfReport.Status.SUBMITTED
    kangle = demo[SUBMITTED_REPORT_INSTITUTION]
    assert submitted.values["residents"] == kangle.residents + 3
    assert submitted.values["nursing_beds"] == kangle.nursing_beds + 5
    returned = SelfReport.objects.get(institution=demo[RETURNED_REPORT_INSTITUTION])
    assert returned.status == SelfReport.Status.RETURNED
    assert returned.return_reason
    assert returned.reviewed_by == demo_users["haicheng"]

    assert load_demo_self_reports(demo_users) == []
    assert SelfReport.objects.count() == 2


def test_self_reports_are_skipped_without_the_demo_users(demo):
    assert load_demo_self_reports({}) == []
    assert not SelfReport.objects.exists()
