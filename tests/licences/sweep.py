"""The licences pages' entries of the URL sweep (tests/test_url_sweep.py reads `specs`)."""

from tests.licences.factories import licence


def _licence(attr):
    def build(w):
        # a fire licence: issued by housing, the sweep's "department" viewer
        return {"pk": licence(w, getattr(w, attr), kind="fire").pk}

    return build


def specs(Spec, ALL_STAFF) -> dict:
    writers = {"district", "institution"}
    readers = {"city", "district", "admin", "institution", "department"}
    own, foreign = _licence("own_institution"), _licence("foreign_institution")
    return {
        "licences:list": Spec(roles=ALL_STAFF),
        "licences:due": Spec(roles={"city", "district", "other_district", "department", "admin"}),
        "licences:create": Spec(roles={"district", "other_district", "institution"}),
        "licences:detail": Spec(roles=readers, own=own, foreign=foreign),
        "licences:edit": Spec(roles=writers, own=own, foreign=foreign),
    }
