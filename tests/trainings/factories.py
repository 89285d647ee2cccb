"""Training sessions for tests (written directly: any region, any date)."""

import datetime
from decimal import Decimal

from trainings.models import Training


def training(region, by, *, held_on=None, kind="care_worker", institutions=(), **fields):
    values = {"title": "养老护理员技能培训", "participants": 30, "hours": Decimal("6"), **fields}
    session = Training.objects.create(
        region=region, held_on=held_on or datetime.date(2026, 3, 1), kind=kind, created_by=by, **values
    )
    session.institutions.set(institutions)
    return session
