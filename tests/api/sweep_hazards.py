"""The hazards API endpoints' entries of the URL sweep (tests/test_url_sweep.py reads `specs`)."""

# Who reaches a hazard of 铁东区 referred to the housing department (the "department" viewer).
HAZARD_READERS = {"city", "district", "admin", "institution", "department"}
STEP_TAKERS = {"district", "institution"}  # the page's role gate (superusers excluded, as there)
NOTICE_READERS = {"city", "district", "admin", "department"}  # an institution never sees a notice


def _referred_hazard(w, obj):
    from hazards.models import Hazard, Referral
    from tests.hazards.factories import hazard_values

    institution = getattr(w, obj)
    hazard = Hazard(**hazard_values(institution))
    hazard.code = f"{institution.region.code}-2026-{Hazard.objects.count() + 1:04d}"
    hazard.created_by = w.users["admin"]
    hazard.save()
    Referral.objects.create(
        hazard=hazard, department="housing", referred_on=hazard.found_on, referred_by=w.users["admin"]
    )
    return hazard


def _hazard(obj):
    return lambda w: {"pk": _referred_hazard(w, obj).pk}


def _referral(obj):
    return lambda w: {"pk": _referred_hazard(w, obj).referrals.get().pk}


def _evidence(obj):
    def build(w):
        from core.evidence import evidence_attach
        from tests.hazards.factories import photo

        hazard = _referred_hazard(w, obj)
        return {"pk": evidence_attach(owner=hazard, file=photo(), purpose="before", by=w.users["admin"]).pk}

    return build


def specs(Spec, ALL_STAFF) -> dict:
    own, foreign = _hazard("own_institution"), _hazard("foreign_institution")
    return {
        "api:hazard-list": Spec(roles=ALL_STAFF),
        "api:hazard-detail": Spec(roles=HAZARD_READERS, own=own, foreign=foreign),
        "api:hazard-evidence": Spec(roles=HAZARD_READERS, own=own, foreign=foreign),
        # an empty post: the step, the deadline, the notice are missing (400, in Chinese)
        "api:hazard-transition": Spec(roles=STEP_TAKERS, method="post", ok=(400,), own=own, foreign=foreign),
        "api:hazard-extend": Spec(roles={"district"}, method="post", ok=(400,), own=own, foreign=foreign),
        "api:hazard-refer": Spec(roles={"district"}, method="post", ok=(400,), own=own, foreign=foreign),
        "api:evidence-detail": Spec(
            roles=HAZARD_READERS, own=_evidence("own_institution"), foreign=_evidence("foreign_institution")
        ),
        "api:evidence-download": Spec(
            roles=HAZARD_READERS, own=_evidence("own_institution"), foreign=_evidence("foreign_institution")
        ),
        "api:referral-list": Spec(roles=ALL_STAFF),
        "api:referral-detail": Spec(
            roles=NOTICE_READERS, own=_referral("own_institution"), foreign=_referral("foreign_institution")
        ),
        "api:referral-reply": Spec(
            roles={"department"},
            method="post",
            ok=(400,),
            own=_referral("own_institution"),
            foreign=_referral("foreign_institution"),
        ),
    }
