"""Computed indicators (issue 6, part 2), each on hand-computed fixtures."""

import datetime
import itertools
from decimal import Decimal
from fractions import Fraction
from zoneinfo import ZoneInfo

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.utils import timezone, translation

from campaign.indicators import (
    COMPUTABLE,
    INDICATORS,
    NARRATIVE,
    PARTLY,
    Figure,
    at_least,
    compute,
    compute_many,
    ratio,
)
from campaign.models import Milestone
from disclosure.models import Publication
from hazards.models import Hazard, Referral
from institutions.models import (
    RISK_FIELDS,
    Area,
    FireSafetyStatus,
    LegalPersonStatus,
    MedicalMode,
    Nature,
    OperatingStatus,
)
from tests.institutions.factories import valid_institution

D = datetime.date
SHANGHAI = ZoneInfo("Asia/Shanghai")
_codes = itertools.count(1)


def inst(region, name, **fields):
    return valid_institution(region, name, **fields)


def gone(region, name, **fields):
    """A deregistered institution: out of the counted population whatever it records."""
    return inst(region, name, operating_status=OperatingStatus.DEREGISTERED, **fields)


COMPLIANT_GB38600 = {name: True for name in RISK_FIELDS} | {"gb38600_compliant": True}


def hazard(institution, by, *, found_on, deadline, category="fire", closed_on=None, deleted=False):
    return Hazard.objects.create(
        code=f"T-{next(_codes):04d}",
        institution=institution,
        category=category,
        source="survey",
        description="测试隐患",
        found_on=found_on,
        responsible_unit=institution.name,
        responsible_person="刘建华",
        deadline=deadline,
        status=Hazard.Status.CLOSED if closed_on else Hazard.Status.PENDING,
        closed_on=closed_on,
        created_by=by,
        deleted_at=timezone.now() if deleted else None,
    )


def publish(region, kind, by, at: datetime.datetime):
    return Publication.objects.create(region=region, kind=kind, published_at=at, published_by=by, snapshot=[])


def shanghai(*args):
    return datetime.datetime(*args, tzinfo=SHANGHAI)


# Figures ----------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("numerator", "denominator", "shown"),
    [
        (5, 8, "62.5%（5/8）"),
        (3, 5, "60%（3/5）"),
        (1, 3, "33.3%（1/3）"),
        (2, 3, "66.7%（2/3）"),
        (1, 1, "100%（1/1）"),
        (0, 4, "0%（0/4）"),
        (0, 0, "—"),
    ],
)
def test_ratio_display(numerator, denominator, shown):
    figure = ratio("x", "x", numerator, denominator)
    assert figure.display() == shown
    assert figure.value == (Fraction(numerator, denominator) if denominator else None)


def test_other_figures_display():
    assert Figure("n", "n", 12, "count").display() == "12"
    assert Figure("n", "n", None, "count").display() == "—"
    assert Figure("a", "a", Decimal("13.75"), "amount").display() == "13.75"
    assert Figure("a", "a", None, "amount").display() == "—"
    assert Figure("d", "d", D(2020, 10, 15), "date").display() == "2020-10-15"
    assert Figure("d", "d", None, "date").display() == "—"


def test_at_least_is_exact():
    assert at_least(3, 5, 60) is True  # exactly 60 %
    assert at_least(6, 10, 60) is True
    assert at_least(599, 1000, 60) is False  # just below
    assert at_least(2, 5, 60) is False
    assert at_least(0, 0, 60) is None  # not applicable
    assert at_least(1, 1, 100) is True
    assert at_least(99, 100, 100) is False


# Registry of items ---------------------------------------------------------------------------------


def test_lists_match_the_issue_and_cover_thirty_items():
    assert {3, 4, 5, 7, 8, 13, 14, 16, 17, 19, 20, 29, 30} == COMPUTABLE
    assert {11, 12, 18, 22, 23, 24, 25, 27, 28} == PARTLY
    assert {1, 2, 6, 9, 10, 15, 21, 26} == NARRATIVE
    assert set(range(1, 31)) == COMPUTABLE | PARTLY | NARRATIVE
    assert not (COMPUTABLE & PARTLY) and not (COMPUTABLE & NARRATIVE) and not (PARTLY & NARRATIVE)
    assert COMPUTABLE <= INDICATORS.keys() <= COMPUTABLE | PARTLY


def test_docstrings_quote_the_item_exactly(campaign):
    for number, function in INDICATORS.items():
        text = campaign.items.get(number=number).text
        assert f"“{text}”" in function.__doc__, number
        assert function.__name__ == f"item_{number}"


def test_narrative_items_are_not_computed(campaign, regions):
    for number in NARRATIVE:
        assert compute(campaign, regions["210302"], number) is None


# Item 3: the hazard ledger at the end of 2020 -----------------------------------------------------


def test_item_3_reads_the_ledger_on_the_milestone_date(campaign, qianshan, lishan, city, user):
    home = inst(qianshan, "甲院")
    hazard(
        home, user, found_on=D(2020, 9, 1), deadline=D(2020, 11, 30), closed_on=D(2020, 12, 31)
    )  # on the day
    hazard(
        home, user, found_on=D(2020, 9, 1), deadline=D(2020, 11, 30), closed_on=D(2021, 1, 1)
    )  # a day late
    hazard(home, user, found_on=D(2020, 10, 1), deadline=D(2020, 12, 31))  # open, deadline day: not overdue
    hazard(
        home, user, found_on=D(2019, 5, 1), deadline=D(2019, 6, 1), closed_on=D(2019, 6, 1)
    )  # earlier year
    hazard(home, user, found_on=D(2021, 2, 1), deadline=D(2021, 3, 1))  # found after the date
    hazard(home, user, found_on=D(2020, 9, 1), deadline=D(2020, 9, 2), deleted=True)  # deleted

    result = compute(campaign, qianshan, 3)
    assert result.measured_on == D(2020, 12, 31)
    assert result.milestone == "hazards-rectified"
    assert result.figure("found").value == 4
    assert result.figure("rectified").display() == "50%（2/4）"
    assert result.figure("overdue").value == 1
    assert result.met is False
    assert compute(campaign, city, 3).figure("found").value == 4  # the city reads its subtree

    empty = compute(campaign, lishan, 3)
    assert empty.figure("found").value == 0
    assert empty.figure("rectified").display() == "—"
    assert empty.met is None


def test_item_3_met_when_every_hazard_found_is_closed_by_the_date(campaign, qianshan, user):
    home = inst(qianshan, "甲院")
    hazard(home, user, found_on=D(2020, 9, 1), deadline=D(2020, 11, 30), closed_on=D(2020, 12, 31))
    result = compute(campaign, qianshan, 3)
    assert result.figure("rectified").display() == "100%（1/1）"
    assert result.figure("overdue").value == 0
    assert result.met is True


# Items 4 and 5: standards among all counted institutions ------------------------------------------


def test_item_4_sixty_percent_exactly_meets_the_target(campaign, qianshan, lishan):
    for name in ("甲", "乙", "丙"):
        inst(qianshan, name, **COMPLIANT_GB38600)
    inst(qianshan, "丁")
    inst(qianshan, "戊")
    gone(qianshan, "已注销", **COMPLIANT_GB38600)
    inst(
        qianshan,
        "已转互助",
        nature=Nature.PUBLIC,
        is_special_hardship=True,
        area=Area.RURAL,
        legal_person_status=LegalPersonStatus.CONVERTED,
    )
    result = compute(campaign, qianshan, 4)
    assert result.figure("compliant").display() == "60%（3/5）"
    assert result.met is True
    assert result.measured_on is None  # the record as it stands
    assert result.due_on == D(2020, 12, 31)

    inst(qianshan, "己")
    below = compute(campaign, qianshan, 4)
    assert below.figure("compliant").display() == "50%（3/6）"
    assert below.met is False

    empty = compute(campaign, lishan, 4)
    assert empty.figure("compliant").value is None
    assert empty.figure("compliant").display() == "—"
    assert empty.met is None


def test_item_5_counts_the_quality_norm_over_counted_institutions(campaign, qianshan, taian, city, lishan):
    inst(qianshan, "甲", quality_norm_compliant=True)
    inst(qianshan, "乙", quality_norm_compliant=True)
    inst(qianshan, "丙")
    gone(qianshan, "丁", quality_norm_compliant=True)
    inst(taian, "戊", quality_norm_compliant=True)
    assert compute(campaign, qianshan, 5).figure("compliant").display() == "66.7%（2/3）"
    # The city also counts the two institutions the `world` fixture puts in 铁东区 and 铁西区.
    assert compute(campaign, city, 5).figure("compliant").display() == "50%（3/6）"
    assert compute(campaign, qianshan, 5).met is None
    assert compute(campaign, lishan, 5).figure("compliant").display() == "—"


# Items 7 and 8: publication dates against 15 October ---------------------------------------------


def test_item_7_first_publication_on_the_deadline_day_is_on_time(
    campaign, qianshan, taian, lishan, city, user
):
    kind = Publication.Kind.FILED
    publish(qianshan, kind, user, shanghai(2020, 10, 15, 23, 30))  # 15:30 UTC, still 15 October in Anshan
    publish(qianshan, kind, user, shanghai(2020, 11, 2, 9, 0))  # a later re-publication changes nothing
    publish(taian, kind, user, shanghai(2020, 10, 16, 0, 10))  # 15 October 16:10 UTC: a day late
    publish(lishan, Publication.Kind.UNFILED, user, shanghai(2020, 10, 1, 9, 0))  # the other list
    inst(qianshan, "已备案院")

    on_time = compute(campaign, qianshan, 7)
    assert on_time.figure("first_published_on").value == D(2020, 10, 15)
    assert on_time.figure("units_on_time").display() == "100%（1/1）"
    assert on_time.met is True
    assert on_time.measured_on == D(2020, 10, 15)
    assert on_time.milestone == "publish-institution-lists"
    assert on_time.figure("in_registry").value == 1

    late = compute(campaign, taian, 7)
    assert late.figure("first_published_on").value == D(2020, 10, 16)
    assert late.met is False

    never = compute(campaign, lishan, 7)
    assert never.figure("first_published_on").display() == "—"
    assert never.met is False

    whole_city = compute(campaign, city, 7)  # 11 county-level units, one on time
    assert whole_city.figure("units_on_time").display() == "9.1%（1/11）"
    assert whole_city.met is False
    assert [f.key for f in whole_city.figures] == ["units_on_time", "in_registry"]


def test_item_8_reads_the_unfiled_list_and_asks_for_the_referral(campaign, qianshan, user):
    publish(qianshan, Publication.Kind.FILED, user, shanghai(2020, 10, 10, 9, 0))
    result = compute(campaign, qianshan, 8)
    assert result.met is False
    assert result.figure("first_published_on").value is None
    publish(qianshan, Publication.Kind.UNFILED, user, shanghai(2020, 10, 15, 9, 0))
    inst(qianshan, "未备案院", filing_status="unfiled", filed_on=None)
    result = compute(campaign, qianshan, 8)
    assert result.met is True
    assert result.figure("in_registry").value == 1
    with translation.override("en"):
        assert "copied" in str(result.note)


def test_the_deadline_comes_from_the_milestone_data(campaign, taian, user):
    publish(taian, Publication.Kind.FILED, user, shanghai(2020, 10, 16, 8, 0))
    assert compute(campaign, taian, 7).met is False
    Milestone.objects.filter(campaign=campaign, key="publish-institution-lists").update(
        due_on=D(2020, 10, 16)
    )
    moved = compute(campaign, taian, 7)
    assert moved.met is True
    assert moved.due_on == D(2020, 10, 16)


# Items 13 and 14: operating rural special-hardship facilities ------------------------------------


def facility(region, name, status, **fields):
    values = {
        "nature": Nature.PUBLIC,
        "registration_form": "public_institution",
        "is_special_hardship": True,
        "area": Area.RURAL,
        "legal_person_status": status,
        **fields,
    }
    return inst(region, name, **values)


@pytest.fixture
def rural(qianshan):
    head = facility(
        qianshan,
        "中心敬老院",
        LegalPersonStatus.INDEPENDENT,
        legal_code_entered=True,
        legal_code_entered_on=D(2020, 11, 30),  # the deadline day: on time
    )
    branch = facility(
        qianshan,
        "分院",
        LegalPersonStatus.BRANCH,
        parent=head,
        credit_code=head.credit_code,
        legal_code_entered=False,
    )
    pending = facility(qianshan, "未登记敬老院", LegalPersonStatus.PENDING)
    # Out of the population: converted, suspended, deregistered, urban, not special-hardship.
    facility(qianshan, "已转互助", LegalPersonStatus.CONVERTED)
    facility(qianshan, "停业敬老院", LegalPersonStatus.PENDING, operating_status=OperatingStatus.SUSPENDED)
    facility(qianshan, "注销敬老院", LegalPersonStatus.PENDING, operating_status=OperatingStatus.DEREGISTERED)
    facility(qianshan, "城区供养中心", LegalPersonStatus.PENDING, area=Area.URBAN)
    inst(qianshan, "农村民办院", area=Area.RURAL)
    return {"head": head, "branch": branch, "pending": pending}


def test_items_13_and_14_count_operating_rural_facilities_only(campaign, qianshan, rural):
    registration = compute(campaign, qianshan, 13)
    # The head (independent); the branch's head code is not entered, so it is not registered yet.
    assert registration.figure("registered").display() == "33.3%（1/3）"
    assert registration.met is False
    assert registration.due_on == D(2020, 11, 30)
    assert registration.measured_on == D(2020, 11, 30)

    codes = compute(campaign, qianshan, 14)  # denominator: the registered ones
    assert codes.figure("code_entered").display() == "50%（1/2）"
    assert codes.met is False


def test_items_13_and_14_met_at_exactly_one_hundred_percent(campaign, qianshan, rural):
    for institution in rural.values():
        if institution.legal_person_status == LegalPersonStatus.PENDING:
            institution.legal_person_status = LegalPersonStatus.INDEPENDENT
        institution.legal_code_entered = True
        institution.legal_code_entered_on = D(2020, 11, 30)
        institution.save()
    assert compute(campaign, qianshan, 13).figure("registered").display() == "100%（3/3）"
    assert compute(campaign, qianshan, 13).met is True
    assert compute(campaign, qianshan, 14).figure("code_entered").display() == "100%（3/3）"
    assert compute(campaign, qianshan, 14).met is True


def test_items_13_and_14_empty_is_not_applicable(campaign, qianshan, lishan):
    facility(qianshan, "未登记敬老院", LegalPersonStatus.PENDING)
    for number, key in ((13, "registered"), (14, "code_entered")):
        empty = compute(campaign, lishan, number)
        assert empty.figure(key).display() == "—"
        assert empty.met is None
    none_registered = compute(campaign, qianshan, 14)
    assert none_registered.figure("code_entered").display() == "—"
    assert none_registered.met is None
    assert compute(campaign, qianshan, 13).figure("registered").display() == "0%（0/1）"


def entered(region, name, status, on, parent=None, **fields):
    """A rural facility registered as `status` whose legal code is marked as entered on `on`
    (None: marked as entered, no date recorded)."""
    if parent:
        fields |= {"parent": parent, "credit_code": parent.credit_code}
    return facility(region, name, status, legal_code_entered=True, legal_code_entered_on=on, **fields)


@pytest.fixture
def dated(qianshan):
    head = entered(qianshan, "甲敬老院", LegalPersonStatus.INDEPENDENT, D(2020, 11, 30))  # on the day
    entered(qianshan, "乙敬老院", LegalPersonStatus.INDEPENDENT, D(2020, 12, 1))  # a day late
    entered(qianshan, "丙敬老院", LegalPersonStatus.INDEPENDENT, None)  # date missing
    facility(qianshan, "丁敬老院", LegalPersonStatus.INDEPENDENT)  # not entered
    entered(qianshan, "甲院一分院", LegalPersonStatus.BRANCH, D(2020, 11, 15), parent=head)  # on time
    entered(qianshan, "甲院二分院", LegalPersonStatus.BRANCH, D(2020, 12, 1), parent=head)  # late
    entered(qianshan, "甲院三分院", LegalPersonStatus.BRANCH, None, parent=head)  # date missing
    # Out of the population whatever their dates: suspended, converted.
    entered(
        qianshan,
        "停业敬老院",
        LegalPersonStatus.INDEPENDENT,
        D(2020, 10, 1),
        operating_status=OperatingStatus.SUSPENDED,
    )
    facility(qianshan, "已转互助", LegalPersonStatus.CONVERTED)
    return head


def test_item_14_judges_the_entry_by_its_date(campaign, qianshan, dated):
    result = compute(campaign, qianshan, 14)
    assert result.measured_on == D(2020, 11, 30)
    # Seven registered facilities; on time: 甲 (on the deadline day) and 一分院.
    assert result.figure("code_entered").display() == "28.6%（2/7）"
    assert result.figure("entered_late").value == 2  # 乙, 二分院
    assert result.figure("entered_undated").value == 2  # 丙, 三分院
    assert result.met is False


def test_item_13_counts_a_branch_from_the_entry_of_its_heads_code(campaign, qianshan, dated):
    result = compute(campaign, qianshan, 13)
    # 甲 乙 丙 丁 (independent, as recorded) and 一分院 (head's code entered by 30 November).
    assert result.figure("registered").display() == "71.4%（5/7）"
    assert result.measured_on == D(2020, 11, 30)
    assert result.met is False


def test_items_13_and_14_follow_the_milestone_date(campaign, qianshan, dated):
    Milestone.objects.filter(campaign=campaign, key="rural-facility-legal-registration").update(
        due_on=D(2020, 12, 1)
    )
    assert compute(campaign, qianshan, 14).figure("code_entered").display() == "57.1%（4/7）"
    assert compute(campaign, qianshan, 14).figure("entered_late").value == 0
    assert compute(campaign, qianshan, 13).figure("registered").display() == "85.7%（6/7）"


def test_items_13_and_14_without_a_milestone_count_every_recorded_date(world):
    region = world.foreign_region
    entered(region, "早录入", LegalPersonStatus.INDEPENDENT, D(2025, 1, 1))
    entered(region, "无日期", LegalPersonStatus.INDEPENDENT, None)
    result = compute(world.foreign_campaign, region, 14)
    assert result.due_on is None and result.measured_on is None
    assert result.figure("code_entered").display() == "50%（1/2）"
    assert result.figure("entered_undated").value == 1


def test_item_14_met_only_when_every_entry_is_dated_on_time(campaign, qianshan):
    entered(qianshan, "甲敬老院", LegalPersonStatus.INDEPENDENT, D(2020, 11, 30))
    assert compute(campaign, qianshan, 14).met is True
    entered(qianshan, "乙敬老院", LegalPersonStatus.INDEPENDENT, None)
    assert compute(campaign, qianshan, 14).met is False


# Item 16: privately run institutions only ----------------------------------------------------------


def test_item_16_private_institutions_only(campaign, qianshan, lishan):
    inst(
        qianshan,
        "达标院",
        fire_safety_status=FireSafetyStatus.COMPLIANT,
        fire_gov_funds=Decimal("10.50"),
        fire_own_funds=Decimal("5.00"),
    )
    inst(qianshan, "改造院", fire_safety_status=FireSafetyStatus.UPGRADING, fire_gov_funds=Decimal("3.25"))
    inst(qianshan, "未达标院", fire_safety_status=FireSafetyStatus.NON_COMPLIANT)
    inst(qianshan, "公办院", nature=Nature.PUBLIC)
    gone(qianshan, "注销民办院", fire_safety_status=FireSafetyStatus.COMPLIANT, fire_gov_funds=Decimal("99"))
    inst(lishan, "公办院", nature=Nature.PUBLIC)

    result = compute(campaign, qianshan, 16)
    assert result.figure("upgrading").value == 1
    assert result.figure("gov_funds").value == Decimal("13.75")
    assert result.figure("own_funds").display() == "5.00"
    assert result.figure("compliant").display() == "33.3%（1/3）"
    assert result.met is False
    assert result.due_on == D(2021, 12, 31)

    only_public = compute(campaign, lishan, 16)
    assert only_public.figure("compliant").display() == "—"
    assert only_public.figure("gov_funds").display() == "—"
    assert only_public.figure("upgrading").value == 0
    assert only_public.met is None


# Item 17: ratings dated on or before 31 December -----------------------------------------------------


def test_item_17_rating_on_the_deadline_counts_the_day_after_does_not(campaign, qianshan, lishan):
    inst(qianshan, "甲", star_rating=3, star_rated_on=D(2020, 12, 31))
    inst(qianshan, "乙", star_rating=2, star_rated_on=D(2021, 1, 1))
    inst(qianshan, "丙")
    gone(qianshan, "丁", star_rating=4, star_rated_on=D(2020, 6, 1))
    result = compute(campaign, qianshan, 17)
    assert result.figure("rated").display() == "33.3%（1/3）"
    assert result.measured_on == D(2020, 12, 31)
    assert result.met is None
    assert compute(campaign, lishan, 17).figure("rated").display() == "—"


# Item 19: medical services in some form, all institutions -----------------------------------------


def test_item_19_all_institutions_provide_medical_services(campaign, qianshan, lishan):
    inst(qianshan, "甲", medical_mode=MedicalMode.CLINIC)
    inst(qianshan, "乙", medical_mode=MedicalMode.CONTRACT)
    gone(qianshan, "丙")
    assert compute(campaign, qianshan, 19).figure("able").display() == "100%（2/2）"
    assert compute(campaign, qianshan, 19).met is True
    inst(qianshan, "丁")
    assert compute(campaign, qianshan, 19).figure("able").display() == "66.7%（2/3）"
    assert compute(campaign, qianshan, 19).met is False
    assert compute(campaign, lishan, 19).met is None
    assert compute(campaign, lishan, 19).figure("able").display() == "—"


# Item 20: nursing-type beds over total beds -------------------------------------------------------


def test_item_20_nursing_beds_over_total_beds(campaign, qianshan, lishan):
    inst(qianshan, "甲", beds=100, nursing_beds=40, national_data_updated_on=D(2020, 10, 30))
    inst(qianshan, "乙", beds=60, nursing_beds=30, national_data_updated_on=D(2020, 10, 31))
    gone(qianshan, "丙", beds=500, nursing_beds=500)
    result = compute(campaign, qianshan, 20)
    assert result.figure("nursing_share").display() == "43.8%（70/160）"
    assert result.figure("nursing_share").value == Fraction(7, 16)
    assert result.figure("updated").display() == "50%（1/2）"
    assert result.measured_on == D(2020, 10, 30)
    assert result.met is None
    inst(lishan, "无床位", beds=0, nursing_beds=0, residents=0)
    assert compute(campaign, lishan, 20).figure("nursing_share").display() == "—"


# Item 29: recorded risk assessments ---------------------------------------------------------------


def test_item_29_institutions_with_a_risk_assessment(campaign, qianshan, lishan):
    inst(qianshan, "甲", risk_assessed_on=D(2020, 7, 1))
    inst(qianshan, "乙", risk_assessed_on=D(2021, 3, 1))
    inst(qianshan, "丙")
    gone(qianshan, "丁", risk_assessed_on=D(2020, 7, 1))
    result = compute(campaign, qianshan, 29)
    assert result.figure("assessed").display() == "66.7%（2/3）"
    assert result.measured_on is None  # the campaign gives item 29 no deadline
    assert result.met is None
    assert compute(campaign, lishan, 29).figure("assessed").display() == "—"


# Item 30: national-system data updated by 30 October ----------------------------------------------


def test_item_30_update_on_the_deadline_day_is_on_time(campaign, qianshan, lishan):
    inst(qianshan, "甲", national_data_updated_on=D(2020, 10, 30))
    late = inst(qianshan, "乙", national_data_updated_on=D(2020, 10, 31))
    inst(qianshan, "丙")
    gone(qianshan, "丁")
    result = compute(campaign, qianshan, 30)
    assert result.figure("updated").display() == "33.3%（1/3）"
    assert result.met is False
    assert result.measured_on == D(2020, 10, 30)

    Institution = type(late)
    Institution.objects.filter(region=qianshan).exclude(operating_status="deregistered").update(
        national_data_updated_on=D(2020, 10, 29)
    )
    assert compute(campaign, qianshan, 30).figure("updated").display() == "100%（3/3）"
    assert compute(campaign, qianshan, 30).met is True
    assert compute(campaign, lishan, 30).met is None


def test_a_campaign_without_milestones_judges_no_deadline(world):
    region = world.foreign_region  # holds the world's 中山区测试养老院, never updated
    inst(region, "中山院", national_data_updated_on=D(2025, 1, 1))
    result = compute(world.foreign_campaign, region, 30)
    assert result.due_on is None and result.measured_on is None
    assert result.figure("updated").display() == "50%（1/2）"
    assert result.met is None


# Partly computable items ---------------------------------------------------------------------------


def test_items_11_and_12_special_hardship_facilities(campaign, qianshan):
    facility(
        qianshan,
        "甲敬老院",
        LegalPersonStatus.INDEPENDENT,
        residents=30,
        disabled_residents=5,
        semi_disabled_residents=7,
    )
    facility(qianshan, "已转互助", LegalPersonStatus.CONVERTED, residents=10, disabled_residents=10)
    inst(qianshan, "民办院", residents=50, disabled_residents=20)
    eleven = compute(campaign, qianshan, 11)
    assert eleven.figure("facilities").value == 1
    assert eleven.figure("disabled_residents").value == 12
    assert eleven.note and eleven.met is None
    twelve = compute(campaign, qianshan, 12)
    assert twelve.figure("residents").value == 30
    assert twelve.figure("disabled_residents").value == 12
    assert twelve.note and twelve.met is None


def test_item_18_extension_services(campaign, qianshan):
    inst(qianshan, "甲", ext_meal=True, ext_bath=True)
    inst(qianshan, "乙", ext_meal=True)
    inst(qianshan, "丙")
    gone(qianshan, "丁", ext_meal=True)
    result = compute(campaign, qianshan, 18)
    assert result.figure("offering").value == 2
    assert result.figure("ext_meal").value == 2
    assert result.figure("ext_bath").value == 1
    assert result.figure("ext_cleaning").value == 0
    assert result.met is None and result.note


def test_ledger_items_by_category(campaign, qianshan, lishan, user):
    home = inst(qianshan, "甲院")
    food = hazard(
        home, user, category="food", found_on=D(2020, 9, 1), deadline=D(2020, 9, 30), closed_on=D(2020, 9, 20)
    )
    hazard(home, user, category="food", found_on=D(2020, 9, 1), deadline=D(2020, 9, 30))
    abuse = hazard(home, user, category="elder_abuse", found_on=D(2020, 9, 1), deadline=D(2020, 9, 30))
    hazard(home, user, category="fire", found_on=D(2020, 9, 1), deadline=D(2020, 9, 30), deleted=True)
    for target in (food, abuse):
        Referral.objects.create(
            hazard=target, department="market", referred_on=D(2020, 9, 2), referred_by=user
        )

    food_result = compute(campaign, qianshan, 25)
    assert food_result.figure("found").value == 2
    assert food_result.figure("rectified").display() == "50%（1/2）"
    assert food_result.figure("referred").value == 1
    abuse_result = compute(campaign, qianshan, 27)
    assert abuse_result.figure("found").value == 1
    assert abuse_result.figure("referred").value == 1
    assert compute(campaign, qianshan, 24).figure("found").value == 0  # the deleted one is gone
    assert compute(campaign, qianshan, 24).figure("rectified").display() == "—"
    assert compute(campaign, qianshan, 28).figure("found").value == 0
    for number in (24, 25, 27, 28):
        assert compute(campaign, qianshan, number).note
        assert compute(campaign, lishan, number).met is None


# Many regions at once ------------------------------------------------------------------------------


def _populate(regions, user):
    for index, region in enumerate(regions):
        home = inst(region, f"院{index}", **COMPLIANT_GB38600, national_data_updated_on=D(2020, 10, 1))
        inst(
            region,
            f"敬老院{index}",
            nature=Nature.PUBLIC,
            is_special_hardship=True,
            area=Area.RURAL,
            legal_person_status=LegalPersonStatus.INDEPENDENT,
        )
        hazard(home, user, found_on=D(2020, 9, 1), deadline=D(2020, 9, 30))
        publish(region, Publication.Kind.FILED, user, shanghai(2020, 10, 1, 9, 0))


def test_compute_many_uses_a_constant_number_of_queries(campaign, city, world, user):
    units = list(city.children.order_by("sort_order"))
    _populate(units, user)

    def queries(regions):
        with CaptureQueriesContext(connection) as captured:
            result = compute_many(campaign, regions, range(1, 31))
        return len(captured), result

    few, _ = queries([city, units[0]])
    many, many_result = queries([city, *units[:9]])
    assert len(many_result) == 10
    assert few == many
    assert few <= 6
    assert set(many_result[city.pk]) == set(INDICATORS)
    assert many_result[city.pk][4].figure("compliant").display() == "45.8%（11/24）"  # and world's two
    # The same answers as one region at a time.
    for region in (city, units[0], units[8]):
        for number in INDICATORS:
            assert many_result[region.pk][number] == compute(campaign, region, number), (region, number)
    assert many_result[city.pk][7].figure("units_on_time").display() == "100%（11/11）"
    # 铁东区: its own two institutions and the world fixture's one.
    assert many_result[units[0].pk][4].figure("compliant").display() == "33.3%（1/3）"


def test_compute_many_only_reads_what_the_items_need(campaign, qianshan):
    with CaptureQueriesContext(connection) as captured:
        compute_many(campaign, [qianshan], [4])
    assert len(captured) == 2  # milestones and institutions
    assert compute_many(campaign, [qianshan], [1, 9, 21]) == {qianshan.pk: {}}  # narrative items read nothing
