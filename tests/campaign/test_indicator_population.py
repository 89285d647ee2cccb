"""One population for every indicator (issue 10, kind 10): institutions not operating (suspended,
deregistered, converted) are in no item's population; the ledger items keep their hazards."""

from decimal import Decimal

import pytest

from campaign.indicators import INDICATORS, compute, compute_many
from institutions.models import FireSafetyStatus, LegalPersonStatus, MedicalMode, OperatingStatus
from tests.campaign.test_indicators import COMPLIANT_GB38600, D, entered, facility, hazard, inst

# One population: the operating institutions ------------------------------------------------------

# The ledger items count hazards, not institutions (see Institution.objects.operating()).
LEDGER_ITEMS = {3: None, 24: "fire", 25: "food", 27: "elder_abuse", 28: "illegal_fundraising"}


def _everything(region, status, prefix):
    """Institutions with `status` that would move every institution figure if they were counted:
    a private one that meets everything (filed, rated, updated, with funds and services), a rural
    special-hardship facility registered with its code entered on time, an unfiled one."""
    private = inst(
        region,
        f"{prefix}民办院",
        operating_status=status,
        **COMPLIANT_GB38600,
        quality_norm_compliant=True,
        star_rating=3,
        star_rated_on=D(2020, 9, 1),
        medical_mode=MedicalMode.CLINIC,
        beds=100,
        nursing_beds=90,
        residents=50,
        disabled_residents=10,
        risk_assessed_on=D(2020, 7, 1),
        national_data_updated_on=D(2020, 10, 1),
        fire_safety_status=FireSafetyStatus.COMPLIANT,
        fire_gov_funds=Decimal("5.00"),
        fire_own_funds=Decimal("2.00"),
        ext_meal=True,
        ext_bath=True,
        ext_cleaning=True,
        ext_medical=True,
        ext_recreation=True,
    )
    entered(
        region,
        f"{prefix}敬老院",
        LegalPersonStatus.INDEPENDENT,
        D(2020, 11, 1),
        operating_status=status,
        residents=20,
        disabled_residents=5,
        semi_disabled_residents=5,
    )
    inst(region, f"{prefix}未备案院", operating_status=status, filing_status="unfiled", filed_on=None)
    return private


def _figures(campaign, region):
    return {
        number: ({f.key: f.display() for f in result.figures}, result.met)
        for number, result in compute_many(campaign, [region])[region.pk].items()
    }


@pytest.fixture
def operating_base(campaign, qianshan, user):
    """An operating institution of each kind, so that no figure is empty before the others come."""
    home = inst(qianshan, "运营院", national_data_updated_on=D(2020, 10, 1))
    facility(qianshan, "运营敬老院", LegalPersonStatus.PENDING)
    hazard(home, user, found_on=D(2020, 9, 1), deadline=D(2020, 9, 30))
    return home


@pytest.mark.parametrize("number", sorted(set(INDICATORS) - set(LEDGER_ITEMS)))
@pytest.mark.parametrize("status", [OperatingStatus.SUSPENDED, OperatingStatus.DEREGISTERED])
def test_institutions_not_operating_are_in_no_items_population(
    campaign, qianshan, operating_base, number, status
):
    before = _figures(campaign, qianshan)[number]
    _everything(qianshan, status, "停")
    assert _figures(campaign, qianshan)[number] == before


# Items 22 and 23 (issue 17) count the departments' trainings and 一事一议 cases, not the registry's
# operating institutions: the fixture's institutions do not move them.
NOT_OF_THE_REGISTRY = {22, 23}


@pytest.mark.parametrize("number", sorted(set(INDICATORS) - set(LEDGER_ITEMS) - NOT_OF_THE_REGISTRY))
def test_the_same_institutions_operating_do_count(campaign, qianshan, operating_base, number):
    """The other side of the test above: the fixture moves every item's figures when operating."""
    before = _figures(campaign, qianshan)[number]
    _everything(qianshan, OperatingStatus.OPERATING, "营")
    assert _figures(campaign, qianshan)[number] != before


@pytest.mark.parametrize(("number", "category"), sorted(LEDGER_ITEMS.items()))
@pytest.mark.parametrize("status", [OperatingStatus.SUSPENDED, OperatingStatus.DEREGISTERED])
def test_ledger_items_keep_the_hazards_of_an_institution_no_longer_operating(
    campaign, qianshan, user, number, category, status
):
    home = inst(qianshan, "停业整顿院")
    for each in ("fire", "food", "elder_abuse", "illegal_fundraising"):
        hazard(home, user, category=each, found_on=D(2020, 9, 1), deadline=D(2020, 9, 30))
    before = compute(campaign, qianshan, number).figure("found").value
    type(home).objects.filter(pk=home.pk).update(operating_status=status)
    assert (
        compute(campaign, qianshan, number).figure("found").value == before == (4 if category is None else 1)
    )


def test_items_7_and_8_count_the_rows_the_public_lists_would_publish(campaign, qianshan, operating_base):
    from disclosure.selectors import filed_institutions, unfiled_institutions

    for status in OperatingStatus.values:
        _everything(qianshan, status, status)
    facility(qianshan, "已转互助", LegalPersonStatus.CONVERTED)
    assert compute(campaign, qianshan, 7).figure("in_registry").value == filed_institutions(qianshan).count()
    assert (
        compute(campaign, qianshan, 8).figure("in_registry").value == unfiled_institutions(qianshan).count()
    )
    assert not filed_institutions(qianshan).exclude(operating_status=OperatingStatus.OPERATING).exists()
