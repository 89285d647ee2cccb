"""The hazard workflow through the service layer: who may take which step from which status."""

import datetime
import io
import zoneinfo
from pathlib import Path

import pytest
import time_machine
from django.core.exceptions import PermissionDenied, ValidationError
from django.core.management import call_command

from core.concurrency import ConcurrentEditError
from hazards import services
from hazards.models import DeadlineChange, Hazard, HazardEvent, Referral
from tests.hazards.factories import advance, notice, photo, record

SHANGHAI = zoneinfo.ZoneInfo("Asia/Shanghai")
STATUSES = ["pending", "in_progress", "awaiting_verification", "closed"]
# (action, from, to, roles that may take it)
ALLOWED = {
    "start": ("pending", "in_progress", {"district", "institution"}),
    "submit": ("in_progress", "awaiting_verification", {"district", "institution"}),
    "close": ("awaiting_verification", "closed", {"district"}),
    "return": ("awaiting_verification", "in_progress", {"district"}),
}


@pytest.fixture
def media(settings, tmp_path):
    settings.MEDIA_ROOT = tmp_path


def hazard_in(world, status):
    hazard = record(world.own_institution, world.users["district"])
    return advance(hazard, status, district=world.users["district"])


@pytest.mark.parametrize(
    "viewer", ["district", "institution", "city", "admin", "other_district", "department"]
)
@pytest.mark.parametrize("status", STATUSES)
@pytest.mark.parametrize("action", sorted(ALLOWED))
def test_each_step_from_each_status_for_each_role(world, media, action, status, viewer):
    hazard = hazard_in(world, status)
    if action == "submit" and status == "in_progress":
        services.evidence_add(hazard=hazard, file=photo(), purpose="after", by=world.users["district"])
    source, target, roles = ALLOWED[action]
    user = world.users[viewer]
    events_before = HazardEvent.objects.filter(hazard=hazard).count()
    if viewer in ("other_district", "department"):  # the hazard is outside their scope
        with pytest.raises(PermissionDenied):
            services.hazard_transition(hazard=hazard, action=action, by=user, note="意见")
    elif status == source and viewer in roles:
        result = services.hazard_transition(hazard=hazard, action=action, by=user, note="现场核查意见")
        assert result.status == target
        event = HazardEvent.objects.filter(hazard=hazard).latest("at", "pk")
        assert (event.action, event.from_status, event.to_status, event.by) == (action, source, target, user)
    else:
        with pytest.raises(ValidationError) as raised:
            services.hazard_transition(hazard=hazard, action=action, by=user, note="意见")
        assert raised.value.messages  # a sentence, not a bare refusal
        hazard.refresh_from_db()
        assert hazard.status == status
        assert HazardEvent.objects.filter(hazard=hazard).count() == events_before


def test_a_wrong_status_is_explained(world, media):
    hazard = hazard_in(world, "pending")
    with pytest.raises(ValidationError) as raised:
        services.hazard_transition(hazard=hazard, action="close", by=world.users["district"], note="同意")
    assert "已整改待核查" in raised.value.messages[0] and "待整改" in raised.value.messages[0]


def test_an_institution_never_closes_and_is_told_why(world, media):
    hazard = hazard_in(world, "awaiting_verification")
    with pytest.raises(ValidationError) as raised:
        services.hazard_transition(hazard=hazard, action="close", by=world.users["institution"], note="好了")
    assert "区县民政" in raised.value.messages[0] or "民政" in raised.value.messages[0]


def test_reporting_done_needs_evidence_after_rectification(world, media):
    hazard = hazard_in(world, "in_progress")
    services.evidence_add(
        hazard=hazard, file=photo("整改前.png"), purpose="before", by=world.users["district"]
    )
    with pytest.raises(ValidationError) as raised:
        services.hazard_transition(hazard=hazard, action="submit", by=world.users["institution"])
    assert raised.value.code == "evidence_required"
    services.evidence_add(hazard=hazard, file=photo(), purpose="after", by=world.users["institution"])
    assert services.hazard_transition(
        hazard=hazard, action="submit", by=world.users["institution"]
    ).status == ("awaiting_verification")


@pytest.mark.parametrize("action", ["close", "return"])
def test_verification_needs_an_opinion_and_records_the_verifier(world, media, action):
    hazard = hazard_in(world, "awaiting_verification")
    with pytest.raises(ValidationError):
        services.hazard_transition(hazard=hazard, action=action, by=world.users["district"], note="  ")
    hazard = services.hazard_transition(
        hazard=hazard, action=action, by=world.users["district"], note="照片与现场一致"
    )
    assert hazard.verified_by == world.users["district"]
    assert hazard.verification_opinion == "照片与现场一致"
    assert (hazard.closed_on is not None) == (action == "close")


def test_a_returned_hazard_goes_round_again_and_the_timeline_keeps_every_step(world, media):
    district, institution = world.users["district"], world.users["institution"]
    hazard = hazard_in(world, "awaiting_verification")
    hazard = services.hazard_transition(hazard=hazard, action="return", by=district, note="灭火器仍过期")
    assert hazard.verification_opinion == "灭火器仍过期"
    with pytest.raises(ValidationError) as raised:  # the rejected photo does not prove the second try
        services.hazard_transition(hazard=hazard, action="submit", by=institution)
    assert raised.value.code == "evidence_required"
    services.evidence_add(hazard=hazard, file=photo("更换后的灭火器.png"), purpose="after", by=institution)
    hazard = services.hazard_transition(hazard=hazard, action="submit", by=institution)
    assert hazard.verified_by is None and hazard.verification_opinion == ""
    hazard = services.hazard_transition(hazard=hazard, action="close", by=district, note="同意销号")
    steps = list(hazard.events.exclude(action="evidence").values_list("action", "to_status"))
    assert steps == [
        ("create", "pending"),
        ("start", "in_progress"),
        ("submit", "awaiting_verification"),
        ("return", "in_progress"),
        ("submit", "awaiting_verification"),
        ("close", "closed"),
    ]
    assert all(event.at and event.by_id for event in hazard.events.all())


def test_a_step_based_on_a_stale_page_is_refused(world, media):
    hazard = hazard_in(world, "pending")
    opened_at = hazard.version
    services.hazard_transition(hazard=hazard, action="start", by=world.users["institution"])
    with pytest.raises(ValidationError) as raised:
        services.hazard_transition(
            hazard=hazard, action="start", by=world.users["district"], expected_version=opened_at
        )
    assert raised.value.code == "concurrent_edit"


def test_closed_hazards_cannot_be_edited_or_given_files(world, media):
    hazard = hazard_in(world, "closed")
    assert not services.can_edit(world.users["district"], hazard)
    with pytest.raises(ValidationError):
        services.evidence_add(hazard=hazard, file=photo(), purpose="after", by=world.users["district"])


# Recording and editing --------------------------------------------------------------------------------


def test_only_district_staff_record_and_only_in_their_region(world):
    record(world.own_institution, world.users["district"])
    for viewer in ("city", "institution", "department", "admin"):
        with pytest.raises(PermissionDenied):
            record(world.own_institution, world.users[viewer])
    with pytest.raises(ValidationError) as raised:
        record(world.other_institution, world.users["district"])
    assert "institution" in raised.value.message_dict


def test_ledger_numbers_run_per_region_and_year(world):
    first = record(world.own_institution, world.users["district"])
    second = record(world.own_institution, world.users["district"])
    other = record(world.other_institution, world.users["other_district"])
    assert (first.code, second.code, other.code) == (
        "210302-2026-0001",
        "210302-2026-0002",
        "210303-2026-0001",
    )
    assert first.region == world.own_institution.region and first.original_deadline == first.deadline


def test_model_rules_name_the_field(world):
    with pytest.raises(ValidationError) as raised:
        record(world.own_institution, world.users["district"], deadline=datetime.date(2026, 10, 1))
    assert "deadline" in raised.value.message_dict
    with pytest.raises(ValidationError) as raised:
        record(world.own_institution, world.users["district"], category="food", is_major_fire=True)
    assert {"is_major_fire", "major_determined_by", "major_determined_on"} <= set(raised.value.message_dict)
    with pytest.raises(ValidationError) as raised:
        record(world.own_institution, world.users["district"], is_listed=True)
    assert "listed_by" in raised.value.message_dict
    listed = record(
        world.own_institution,
        world.users["district"],
        severity="major",
        is_major_fire=True,
        major_determined_by="鞍山市消防救援支队",
        major_determined_on=datetime.date(2026, 11, 5),
        is_listed=True,
        listed_by="鞍山市人民政府",
        listed_on=datetime.date(2026, 11, 10),
    )
    assert listed.is_listed


def test_two_people_editing_the_same_hazard(world):
    hazard = record(world.own_institution, world.users["district"])
    first = Hazard.objects.get(pk=hazard.pk)
    second = Hazard.objects.get(pk=hazard.pk)
    first.measures = "更换全部指示灯"
    services.hazard_update(hazard=first, expected_version=1, by=world.users["district"])
    second.measures = "清理杂物"
    with pytest.raises(ConcurrentEditError):
        services.hazard_update(hazard=second, expected_version=1, by=world.users["district"])
    hazard.refresh_from_db()
    assert hazard.measures == "更换全部指示灯" and hazard.version == 2


def test_the_deadline_changes_only_with_a_reason_and_the_original_stays(world):
    district = world.users["district"]
    hazard = record(world.own_institution, district)
    hazard.deadline = datetime.date(2026, 12, 31)
    with pytest.raises(ValidationError) as raised:
        services.hazard_update(hazard=hazard, expected_version=1, by=district)
    assert "deadline" in raised.value.message_dict
    hazard = Hazard.objects.get(pk=hazard.pk)
    with pytest.raises(ValidationError):
        services.hazard_extend(
            hazard=hazard,
            new_deadline=datetime.date(2026, 12, 31),
            reason=" ",
            by=district,
            expected_version=1,
        )
    services.hazard_extend(
        hazard=hazard,
        new_deadline=datetime.date(2026, 12, 31),
        reason="需采购防火门，供货周期长",
        by=district,
        expected_version=1,
    )
    hazard.refresh_from_db()
    assert (hazard.original_deadline, hazard.deadline) == (
        datetime.date(2026, 11, 30),
        datetime.date(2026, 12, 31),
    )
    change = DeadlineChange.objects.get(hazard=hazard)
    assert (change.old_deadline, change.reason, change.changed_by) == (
        datetime.date(2026, 11, 30),
        "需采购防火门，供货周期长",
        district,
    )
    assert hazard.events.filter(action="extend").exists()
    with pytest.raises(PermissionDenied):
        services.hazard_extend(
            hazard=hazard,
            new_deadline=datetime.date(2027, 1, 31),
            reason="再延期",
            by=world.users["institution"],
            expected_version=hazard.version,
        )


# Overdue, around midnight in Asia/Shanghai ----------------------------------------------------------------


@pytest.mark.parametrize(
    ("moment", "overdue"),
    [
        (
            datetime.datetime(2026, 11, 30, 23, 59, 59, tzinfo=SHANGHAI),
            False,
        ),  # the deadline day, last second
        (datetime.datetime(2026, 12, 1, 0, 0, 0, tzinfo=SHANGHAI), True),  # 16:00 UTC on Nov 30
        (datetime.datetime(2026, 11, 30, 16, 30, tzinfo=datetime.UTC), True),  # still Nov 30 in UTC
        (datetime.datetime(2026, 11, 30, 15, 59, tzinfo=datetime.UTC), False),  # 23:59 in Shanghai
    ],
)
def test_overdue_starts_at_midnight_in_shanghai(world, moment, overdue):
    hazard = record(world.own_institution, world.users["district"])  # deadline 2026-11-30
    with time_machine.travel(moment, tick=False):
        assert Hazard.objects.overdue().filter(pk=hazard.pk).exists() is overdue
        assert Hazard.objects.with_overdue().get(pk=hazard.pk).is_overdue is overdue
        assert hazard.overdue_on() is overdue


def test_a_closed_hazard_is_never_overdue(world, media):
    hazard = hazard_in(world, "closed")
    with time_machine.travel(datetime.datetime(2027, 6, 1, tzinfo=SHANGHAI)):
        assert not Hazard.objects.overdue().filter(pk=hazard.pk).exists()


# Referrals and departments ---------------------------------------------------------------------------------


def test_departments_see_what_is_referred_to_them_and_reply(world, media):
    district, housing = world.users["district"], world.users["department"]  # 住建 (housing)
    hazard = record(world.own_institution, district, category="building", description="三楼外墙瓷砖脱落")
    assert not Hazard.objects.visible_to(housing).exists()
    with pytest.raises(ValidationError):
        services.referral_create(
            hazard=hazard,
            department="housing",
            referred_on=datetime.date(2026, 11, 3),
            note="",
            notice=None,
            by=district,
        )
    referral = services.referral_create(
        hazard=hazard,
        department="housing",
        referred_on=datetime.date(2026, 11, 3),
        note="请依职责开展建筑安全检查",
        notice=notice(),
        by=district,
    )
    assert list(Hazard.objects.visible_to(housing)) == [hazard]
    with pytest.raises(ValidationError):  # once per department
        services.referral_create(
            hazard=hazard,
            department="housing",
            referred_on=datetime.date(2026, 11, 4),
            note="",
            notice=notice(),
            by=district,
        )
    with pytest.raises(ValidationError):
        services.referral_reply(
            referral=referral, reply=" ", replied_on=datetime.date(2026, 11, 5), by=housing
        )
    services.referral_reply(
        referral=referral,
        reply="已派员检查，责令三日内修复",
        replied_on=datetime.date(2026, 11, 6),
        by=housing,
    )
    referral.refresh_from_db()
    assert (referral.reply, referral.replied_by) == ("已派员检查，责令三日内修复", housing)
    assert [e.action for e in hazard.events.all()][-2:] == ["refer", "reply"]
    # The department reads and replies; it takes no step of the rectification.
    assert services.transitions_for(housing, hazard) == []
    with pytest.raises(PermissionDenied):
        services.referral_reply(
            referral=referral, reply="越权", replied_on=datetime.date(2026, 11, 6), by=world.users["district"]
        )


def test_another_department_sees_nothing_of_the_referral(world, media, regions):
    from tests.conftest import make_user

    health = make_user("weijian", "department", region=regions["210300"], department="health")
    hazard = record(world.own_institution, world.users["district"], category="building")
    referral = services.referral_create(
        hazard=hazard,
        department="housing",
        referred_on=datetime.date(2026, 11, 3),
        note="",
        notice=notice(),
        by=world.users["district"],
    )
    assert not Hazard.objects.visible_to(health).exists()
    assert not Referral.objects.visible_to(health).exists()
    with pytest.raises(PermissionDenied):
        services.referral_reply(
            referral=referral, reply="看到了", replied_on=datetime.date(2026, 11, 6), by=health
        )


# Deleting and purging ----------------------------------------------------------------------------------------


def test_a_deleted_hazard_leaves_the_ledger_but_keeps_its_files_until_purged(
    world, media, django_capture_on_commit_callbacks
):
    district = world.users["district"]
    hazard = hazard_in(world, "awaiting_verification")
    path = Path(hazard.evidence.get().file.path)
    with pytest.raises(ValidationError):
        services.hazard_delete(hazard=hazard, reason="", by=district)
    services.hazard_delete(hazard=hazard, reason="重复录入", by=district)
    assert not Hazard.objects.visible_to(district).live().exists()
    assert Hazard.objects.filter(pk=hazard.pk).exists() and path.exists()
    call_command("purge_hazards", "--days", "30", stdout=io.StringIO())  # deleted today: kept
    assert Hazard.objects.filter(pk=hazard.pk).exists() and path.exists()
    with (
        time_machine.travel(datetime.datetime(2027, 12, 1, tzinfo=SHANGHAI)),
        django_capture_on_commit_callbacks(execute=True),
    ):
        call_command("purge_hazards", "--days", "30", stdout=io.StringIO())
    assert not Hazard.objects.filter(pk=hazard.pk).exists()
    assert not path.exists()
