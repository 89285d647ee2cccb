"""A written notice (书面告知) is between authorities: the hazard's page shows a referral, and its
timeline's 书面告知/部门回复 events, only to readers who see that referral. An institution's user
sees neither the card (which would wrongly say no department was told) nor the events; a
department's user sees its own department's, not another department's."""

import pytest
from django.urls import reverse

from core import dates
from hazards import services
from tests.hazards.factories import notice, record

pytestmark = pytest.mark.django_db


def _told(world):
    hazard = record(world.own_institution, world.users["district"])
    for department in ("housing", "emergency"):
        services.referral_create(
            hazard=hazard,
            department=department,
            referred_on=dates.today(),
            note="请依职责督促整改",
            notice=notice(),
            by=world.users["district"],
        )
    return hazard


def test_the_institution_sees_no_written_notice(world, client):
    hazard = _told(world)
    client.force_login(world.users["institution"])
    response = client.get(reverse("hazards:detail", args=[hazard.pk]))
    body = response.content.decode()
    assert response.status_code == 200
    assert 'data-testid="referrals"' not in body
    assert "住房" not in body and "应急" not in body
    assert [e.action for e in response.context["events"]] == ["create"]


def test_a_department_sees_its_own_notice_only(world, client):
    hazard = _told(world)
    client.force_login(world.users["department"])  # 住建 (housing)
    response = client.get(reverse("hazards:detail", args=[hazard.pk]))
    body = response.content.decode()
    events = [(e.action, e.note) for e in response.context["events"]]
    assert [a for a, _note in events] == ["create", "refer"] and "住房" in events[1][1]
    assert "应急" not in body


def test_district_staff_see_every_notice(world, client):
    hazard = _told(world)
    client.force_login(world.users["district"])
    response = client.get(reverse("hazards:detail", args=[hazard.pk]))
    assert [e.action for e in response.context["events"]] == ["create", "refer", "refer"]
