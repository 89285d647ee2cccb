"""The credit pages' entries of the URL sweep (tests/test_url_sweep.py reads `specs`)."""

from tests.credit.factories import D, code, record


def _record(attr):
    def build(w):
        institution = getattr(w, attr)
        n = 100 + institution.pk
        return {
            "pk": record(w, code(body=f"MJ{n:07d}"), decided_on=D(2026, 1, 5), institution=institution).pk
        }

    return build


def specs(Spec, ALL_STAFF) -> dict:
    writers = {"city", "district"}
    # institution staff read their own records; departments every record of their area (read only)
    readers = {"city", "district", "admin", "institution", "department"}
    return {
        "credit:list": Spec(roles=ALL_STAFF),
        "credit:create": Spec(roles={"city", "district", "other_district"}),
        "credit:detail": Spec(
            roles=readers, own=_record("own_institution"), foreign=_record("foreign_institution")
        ),
        "credit:edit": Spec(
            roles=writers, own=_record("own_institution"), foreign=_record("foreign_institution")
        ),
    }
