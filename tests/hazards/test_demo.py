"""The demo hazard ledger (`load_demo` → hazards.demo): a few hundred hazards in every status, made
through the services by the right users, and loaded once only."""

import datetime
import re

import pytest
from django.core.management import call_command
from django.db.models import Count

from accounts.models import User
from core import dates
from hazards.models import DeadlineChange, Hazard, HazardEvent, Referral, Severity, Status
from hazards.services import EvidencePurpose

Action = HazardEvent.Action
DISTRICT_USERS = {"210302": "tiedong", "210303": "tiexi", "210381": "haicheng", "210300-Z01": "gaoxin"}


@pytest.fixture
def demo(db, settings, tmp_path):
    settings.MEDIA_ROOT = tmp_path
    call_command("load_demo", stdout=open("/dev/null", "w"))  # noqa: SIM115


def _every_status_deadline_and_special_case():
    hazards = Hazard.objects.all()
    today = dates.today()
    assert 200 <= hazards.count() <= 400
    by_status = dict(hazards.values_list("status").annotate(n=Count("id")))
    assert set(by_status) == set(Status.values)
    assert by_status[Status.CLOSED] > by_status[Status.AWAITING_VERIFICATION]
    assert {h.region.code for h in hazards.select_related("region")} == set(DISTRICT_USERS)

    open_hazards = hazards.exclude(status=Status.CLOSED)
    overdue = hazards.overdue().count()
    assert 0.05 * open_hazards.count() <= overdue <= 0.2 * open_hazards.count()
    assert open_hazards.filter(deadline__gte=today, deadline__lte=today + datetime.timedelta(days=7)).exists()
    # the ledger's planned hazards were found 10-200 days ago; the one raised today by the demo's
    # 双随机 inspection record (inspections.demo) is the only recent one
    recent = hazards.filter(found_on__gt=today - datetime.timedelta(days=10))
    assert list(recent.values_list("source", "finding__inspection__kind")) == [("random_check", "random")]
    assert not hazards.filter(found_on__lt=today - datetime.timedelta(days=200)).exists()
    for hazard in hazards.filter(finding__isnull=True):  # the generator's plans (not the inspection's)
        assert 7 <= (hazard.original_deadline - hazard.found_on).days <= 90
        assert hazard.responsible_unit == hazard.institution.name
        assert re.fullmatch(r"13[89]\d{8}", hazard.responsible_phone)
        hazard.full_clean()

    extended = hazards.filter(deadline_changes__isnull=False).distinct()
    assert extended.count() >= 10
    assert all(h.deadline != h.original_deadline for h in extended)
    assert not DeadlineChange.objects.filter(reason="").exists()

    majors = hazards.filter(is_major_fire=True)
    assert 5 <= majors.count() <= 8
    assert set(majors.values_list("category", "severity")) == {("fire", Severity.MAJOR)}
    assert all("消防救援" in h.major_determined_by and h.major_determined_on for h in majors)
    listed = hazards.filter(is_listed=True)
    assert majors.count() // 2 < listed.count() <= majors.count()
    assert all(h.is_major_fire and h.listed_by.endswith("人民政府") and h.listed_on for h in listed)
    assert hazards.filter(severity=Severity.MAJOR, is_major_fire=False).exists()


def _made_by_the_right_users_through_the_services():
    hazards = Hazard.objects.select_related("region", "institution", "created_by", "verified_by")
    no_create = hazards.exclude(events__action=Action.CREATE)
    assert not no_create.exists()
    for hazard in hazards:
        assert hazard.created_by.username == DISTRICT_USERS[hazard.region.code]
    closed = hazards.filter(status=Status.CLOSED)
    assert not closed.exclude(events__action=Action.CLOSE).exists()
    for hazard in closed:
        assert hazard.verified_by == hazard.created_by and "同意销号" in hazard.verification_opinion
        assert hazard.closed_on
    # Returned once and reported again.
    returned = hazards.filter(events__action=Action.RETURN).distinct()
    assert returned.exists()
    assert not returned.filter(status__in=(Status.PENDING, Status.IN_PROGRESS)).exists()
    # Reported done only with an "after" photo, by the institution's own user where it has one.
    submitted = hazards.filter(status__in=(Status.AWAITING_VERIFICATION, Status.CLOSED))
    for hazard in submitted:
        photos = hazard.evidence.filter(purpose=EvidencePurpose.AFTER, mime_type="image/png")
        # one per attempt: a returned hazard was photographed again before it was reported again
        assert photos.count() == 1 + hazard.events.filter(action=Action.RETURN).count()
    kangle = User.objects.get(username="kangle")
    own = hazards.filter(institution=kangle.institution)
    assert own.filter(status=Status.CLOSED).exists()
    assert set(
        HazardEvent.objects.filter(hazard__in=own, action__in=(Action.START, Action.SUBMIT)).values_list(
            "by__username", flat=True
        )
    ) == {"kangle"}

    referrals = Referral.objects.select_related("hazard", "replied_by")
    assert 10 <= referrals.count() <= 20
    assert set(referrals.values_list("department", flat=True)) == {"emergency", "market", "housing", "health"}
    answered = referrals.exclude(reply="")
    assert referrals.count() > answered.count() >= referrals.count() // 2
    for referral in answered:
        assert referral.replied_by.department == referral.department
        assert referral.referred_on <= referral.replied_on <= dates.today()
    for referral in referrals:
        assert (
            referral.evidence.filter(purpose=EvidencePurpose.NOTICE, mime_type="application/pdf").count() == 1
        )
    assert not Hazard.objects.filter(is_major_fire=True).exclude(referrals__department="emergency").exists()
    assert HazardEvent.objects.filter(action=Action.REPLY).count() == answered.count()


@pytest.mark.long
def test_the_demo_ledger_has_every_case_made_by_the_right_users(demo):
    """One load of the demo (about 30 s) for both readings; loading it twice is tests/test_demo.py."""
    _every_status_deadline_and_special_case()
    _made_by_the_right_users_through_the_services()
