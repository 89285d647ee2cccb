"""Enforcement orders for tests."""

from enforcement.models import EnforcementOrder


def order(world, institution=None, *, kind="suspend", issued_on, ends_on=None, lifted_on=None, **extra):
    institution = institution or world.own_institution
    return EnforcementOrder.objects.create(
        institution=institution,
        region=institution.region,
        kind=kind,
        reason="消防通道堵塞，责令停业整顿",
        issued_on=issued_on,
        ends_on=ends_on,
        lifted_on=lifted_on,
        document_number=f"鞍民执〔2026〕{EnforcementOrder.objects.count() + 1}号",
        created_by=world.users["district"],
        **extra,
    )
