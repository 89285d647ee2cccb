"""The enforcement pages' entries of the URL sweep (tests/test_url_sweep.py reads `specs`)."""

from tests.enforcement.factories import order


def _order(attr):
    def build(w):
        import datetime

        # told to the housing department, the sweep's "department" viewer
        return {
            "pk": order(w, getattr(w, attr), issued_on=datetime.date(2026, 1, 5), department="housing").pk
        }

    return build


def specs(Spec, ALL_STAFF) -> dict:
    writers = {"city", "district"}
    readers = {"city", "district", "admin", "institution", "department"}
    own, foreign = _order("own_institution"), _order("foreign_institution")
    return {
        "enforcement:list": Spec(roles=ALL_STAFF),
        "enforcement:create": Spec(roles={"city", "district", "other_district"}),
        "enforcement:detail": Spec(roles=readers, own=own, foreign=foreign),
        "enforcement:edit": Spec(roles=writers, own=own, foreign=foreign),
        "enforcement:lift": Spec(roles=writers, method="post", ok=(400,), own=own, foreign=foreign),
    }
