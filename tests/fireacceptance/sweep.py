"""The 一事一议 pages' entries of the URL sweep (tests/test_url_sweep.py reads `specs`)."""

from tests.fireacceptance.factories import case


def _case(attr):
    def build(w):
        return {"pk": case(getattr(w, attr), w.users["admin"]).pk}

    return build


def specs(Spec, ALL_STAFF) -> dict:
    own, foreign = _case("own_institution"), _case("foreign_institution")
    return {
        "fireacceptance:list": Spec(roles={"city", "district", "other_district", "admin"}),
        "fireacceptance:create": Spec(roles={"district", "other_district"}),
        "fireacceptance:detail": Spec(roles={"city", "district", "admin"}, own=own, foreign=foreign),
        "fireacceptance:edit": Spec(roles={"district"}, own=own, foreign=foreign),
    }
