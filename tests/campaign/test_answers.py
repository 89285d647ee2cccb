"""The units' answers to the 30 items through the service layer: who writes, submits, accepts,
returns and reopens; locking after acceptance; due dates from the milestones."""

import datetime

import pytest
from django.core.exceptions import PermissionDenied, ValidationError

from campaign import answers
from campaign.models import ItemAnswer
from core.concurrency import ConcurrentEditError
from tests.conftest import make_user
from tests.hazards.factories import notice


@pytest.fixture
def item(world):
    return world.campaign.items.get(number=4)  # answered by county-level units


@pytest.fixture
def city_item(world):
    return world.campaign.items.get(number=15)  # answered by the city


def submitted(world, item, who="district"):
    user = world.users[who]
    answer = answers.answer_for(item=item, by=user)
    return answers.answer_save(
        answer=answer,
        narrative="全区养老机构已全部对照GB 38600开展自查，达标率62.5%。",
        values={"compliant": 5, "total": 8},
        by=user,
        expected_version=answer.version,
        submit=True,
    )


def test_a_district_answers_its_own_items_only(world, item, city_item):
    answer = answers.answer_for(item=item, by=world.users["district"])
    assert answer.region == world.regions["210302"] and answer.status == "draft"
    with pytest.raises(PermissionDenied):  # a city-level item is the city's
        answers.answer_for(item=city_item, by=world.users["district"])
    for viewer in ("institution", "department"):
        with pytest.raises(PermissionDenied):
            answers.answer_for(item=item, by=world.users[viewer])
    other = answers.answer_for(item=item, by=world.users["other_district"])
    with pytest.raises(PermissionDenied):  # another district's answer is out of reach
        answers.answer_save(
            answer=other, narrative="越权", values={}, by=world.users["district"], expected_version=1
        )


def test_submit_needs_a_narrative_and_locks_the_answer(world, item):
    district = world.users["district"]
    answer = answers.answer_for(item=item, by=district)
    with pytest.raises(ValidationError) as raised:
        answers.answer_save(
            answer=answer, narrative=" ", values={}, by=district, expected_version=1, submit=True
        )
    assert "narrative" in raised.value.message_dict
    answer = submitted(world, item)
    assert (answer.status, answer.submitted_by) == ("submitted", district)
    with pytest.raises(ValidationError):
        answers.answer_save(
            answer=answer, narrative="改", values={}, by=district, expected_version=answer.version
        )


def test_the_city_returns_the_district_resubmits_the_city_accepts(world, item):
    city, district = world.users["city"], world.users["district"]
    answer = submitted(world, item)
    with pytest.raises(ValidationError):
        answers.answer_return(answer=answer, by=city, reason="")
    answer = answers.answer_return(answer=answer, by=city, reason="请补充8家机构的自查报告")
    assert (answer.status, answer.return_reason) == ("returned", "请补充8家机构的自查报告")
    answers.answer_add_evidence(answer=answer, file=notice("自查报告汇总.pdf"), by=district)
    answer = answers.answer_save(
        answer=answer,
        narrative=answer.narrative + "已补充自查报告。",
        values=answer.values,
        by=district,
        expected_version=answer.version,
        submit=True,
    )
    answer = answers.answer_accept(answer=answer, by=city)
    assert (answer.status, answer.reviewed_by) == ("accepted", city)
    assert [e.action for e in answer.events.all()] == ["submit", "return", "evidence", "submit", "accept"]


def test_a_district_never_accepts_and_the_city_never_edits_a_district_answer(world, item):
    answer = submitted(world, item)
    with pytest.raises(ValidationError) as raised:
        answers.answer_accept(answer=answer, by=world.users["district"])
    assert raised.value.code == "forbidden"
    with pytest.raises(PermissionDenied):
        answers.answer_accept(answer=answer, by=world.users["other_district"])
    answer = answers.answer_return(answer=answer, by=world.users["city"], reason="数据有误")
    with pytest.raises(PermissionDenied):
        answers.answer_save(
            answer=answer,
            narrative="市局代改",
            values={},
            by=world.users["city"],
            expected_version=answer.version,
        )


def test_accepted_answers_are_locked_until_the_city_reopens_them(world, item):
    district, city = world.users["district"], world.users["city"]
    answer = answers.answer_accept(answer=submitted(world, item), by=city)
    with pytest.raises(ValidationError):
        answers.answer_save(
            answer=answer, narrative="改", values={}, by=district, expected_version=answer.version
        )
    with pytest.raises(PermissionDenied):
        answers.answer_add_evidence(answer=answer, file=notice(), by=district)
    with pytest.raises(ValidationError):
        answers.answer_reopen(answer=answer, by=district, reason="想改")
    with pytest.raises(ValidationError):
        answers.answer_reopen(answer=answer, by=city, reason=" ")
    answer = answers.answer_reopen(answer=answer, by=city, reason="省厅抽查发现数据需更新")
    assert (answer.status, answer.return_reason) == ("returned", "省厅抽查发现数据需更新")
    assert answers.can_edit(district, answer)


def test_a_city_answer_is_accepted_by_another_city_user(world, city_item, regions):
    city = world.users["city"]
    colleague = make_user("city2", "city", region=regions["210300"], full_name="钱立新")
    answer = submitted(world, city_item, who="city")
    assert answer.region == regions["210300"]
    with pytest.raises(ValidationError) as raised:
        answers.answer_accept(answer=answer, by=city)
    assert raised.value.code == "own_answer"
    with pytest.raises(PermissionDenied):  # a district does not even see the city's answer
        answers.answer_accept(answer=answer, by=world.users["district"])
    assert answers.answer_accept(answer=answer, by=colleague).status == "accepted"


def test_two_tabs_saving_the_same_answer(world, item):
    district = world.users["district"]
    # Both tabs open the page before anything is stored; the first save creates the answer.
    first, second = answers.answer_for(item=item, by=district), answers.answer_for(item=item, by=district)
    assert first.pk is None and second.pk is None
    answers.answer_save(answer=first, narrative="第一稿", values={}, by=district, expected_version=1)
    with pytest.raises(ConcurrentEditError):
        answers.answer_save(answer=second, narrative="第二稿", values={}, by=district, expected_version=1)
    assert ItemAnswer.objects.get(item=item, region=district.region).narrative == "第一稿"
    # A tab opened on a stored answer saves over it only at its version.
    third = answers.answer_for(item=item, by=district)
    answers.answer_save(answer=third, narrative="第三稿", values={}, by=district, expected_version=2)
    assert ItemAnswer.objects.get(item=item, region=district.region).version == 3


@pytest.mark.parametrize(
    ("number", "level", "expected"),
    [
        (7, "county", datetime.date(2020, 10, 15)),  # 公布备案养老机构名单: 10月15日前
        (30, "county", datetime.date(2020, 10, 30)),
        (13, "county", datetime.date(2020, 11, 30)),
    ],
)
def test_due_dates_come_from_the_milestones(world, number, level, expected):
    item = world.campaign.items.get(number=number)
    region = world.regions["210302"] if level == "county" else world.regions["210300"]
    milestone_dates = {m.due_on for m in item.milestones.all()}
    assert expected in milestone_dates
    assert answers.due_on(item, region) == expected
