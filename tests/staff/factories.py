"""Staff, certificates and bans for tests, saved directly (identity numbers through staff.services)."""

import datetime

from staff import services
from staff.models import Ban, Qualification, StaffMember
from tests.credit.factories import id_number

D = datetime.date
HIRED, DECIDED = D(2024, 3, 1), D(2025, 6, 1)
__all__ = ["D", "ban", "certificate", "id_number", "member"]


def member(world, institution=None, *, number=None, role="care_worker", name="刘洋", hired_on=HIRED, **extra):
    institution = institution or world.own_institution
    return StaffMember.objects.create(
        institution=institution,
        region=institution.region,
        name=name,
        role=role,
        hired_on=hired_on,
        created_by=world.users["district"],
        **services.identity(number or id_number(f"{StaffMember.objects.count() + 100:03d}")),
        **extra,
    )


def certificate(staff, kind, valid_to=None, number="20240001"):
    return Qualification.objects.create(
        staff=staff, kind=kind, number=number, issuer="鞍山市卫生健康委员会", valid_to=valid_to
    )


def ban(world, number, *, region="210302", decided_on=DECIDED, until=None, name="刘洋"):
    return Ban.objects.create(
        name=name,
        reason="殴打入住老人",
        document_number=f"鞍民禁〔2025〕{Ban.objects.count() + 1}号",
        decided_on=decided_on,
        until=until,
        region=world.regions[region] if isinstance(region, str) else region,
        created_by=world.users["district"],
        **services.identity(number),
    )
