"""Incidents and drills for the emergencies tests (written directly or through the services)."""

import datetime

from django.utils import timezone

from emergencies import services
from emergencies.models import Drill

SHANGHAI = timezone.get_fixed_timezone(8 * 60)


def shanghai(*args) -> datetime.datetime:
    """An aware datetime in Beijing time (UTC+8, no daylight saving)."""
    return datetime.datetime(*args, tzinfo=SHANGHAI)


def incident(world, institution=None, kind="outbreak", occurred_at=None, by=None):
    institution = institution or world.own_institution
    by = by or (world.users["institution"] if institution == world.own_institution else None)
    if by is None:
        by = _district_of(world, institution)
    return services.record_incident(
        by=by,
        institution=institution,
        kind=kind,
        occurred_at=occurred_at or timezone.now() - datetime.timedelta(hours=5),
        description="三名老人发热",
    )


def _district_of(world, institution):
    from accounts.models import User

    user = User.objects.filter(role="district", region=institution.region).first()
    if user is None:
        from tests.conftest import make_user

        user = make_user(f"d{institution.region.code}", "district", region=institution.region)
    return user


def drill(institution, held_on, kind="drill", topic="fire", by=None):
    """A drill row written directly (any date, no evidence)."""
    from accounts.models import User

    return Drill.objects.create(
        institution=institution,
        region_id=institution.region_id,
        held_on=held_on,
        kind=kind,
        topic=topic,
        participants=20,
        recorded_by=by or User.objects.filter(is_superuser=True).first(),
    )
