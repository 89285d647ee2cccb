"""Licences for tests."""

import datetime

from licences.models import KIND_DEPARTMENT, Licence


def licence(
    world, institution=None, *, kind="fire", valid_from=datetime.date(2024, 1, 1), valid_to=None, **extra
):
    institution = institution or world.own_institution
    extra.setdefault("number", f"XF{Licence.objects.count() + 1:06d}")
    return Licence.objects.create(
        institution=institution,
        region=institution.region,
        kind=kind,
        department=KIND_DEPARTMENT.get(kind, ""),
        issuer="鞍山市住房和城乡建设局",
        valid_from=valid_from,
        valid_to=valid_to,
        created_by=world.users["district"],
        **extra,
    )
