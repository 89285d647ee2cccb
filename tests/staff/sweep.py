"""The staff pages' entries of the URL sweep (tests/test_url_sweep.py reads `specs`)."""

from tests.staff.factories import ban, certificate, id_number, member


def _member(attr):
    def build(w):
        return {"pk": member(w, getattr(w, attr)).pk}

    return build


def _staff_pk(attr):
    def build(w):
        return {"staff_pk": member(w, getattr(w, attr)).pk}

    return build


def _certificate(attr):
    def build(w):
        return {"pk": certificate(member(w, getattr(w, attr)), "nurse").pk}

    return build


def _ban(foreign: bool):
    def build(w):
        return {"pk": ban(w, id_number("777"), region=w.foreign_region if foreign else "210302").pk}

    return build


def specs(Spec, ALL_STAFF) -> dict:
    readers = {"city", "district", "institution", "admin"}
    writers = {"district", "institution"}  # city staff read the staff data
    ban_readers = {"city", "district", "admin"}
    own, foreign = _member("own_institution"), _member("foreign_institution")
    return {
        "staff:list": Spec(roles=readers | {"other_district"}),
        "staff:create": Spec(roles=writers | {"other_district"}),
        "staff:detail": Spec(roles=readers, own=own, foreign=foreign),
        "staff:edit": Spec(roles=writers, own=own, foreign=foreign),
        "staff:qualification_create": Spec(
            roles=writers, own=_staff_pk("own_institution"), foreign=_staff_pk("foreign_institution")
        ),
        "staff:qualification_edit": Spec(
            roles=writers, own=_certificate("own_institution"), foreign=_certificate("foreign_institution")
        ),
        "staff:training_create": Spec(
            roles=writers, own=_staff_pk("own_institution"), foreign=_staff_pk("foreign_institution")
        ),
        "staff:ban_list": Spec(roles=ban_readers | {"other_district"}),
        "staff:ban_create": Spec(roles={"city", "district", "other_district"}),
        "staff:ban_detail": Spec(roles=ban_readers, own=_ban(False), foreign=_ban(True)),
        "staff:ban_edit": Spec(roles={"city", "district"}, own=_ban(False), foreign=_ban(True)),
        "staff:matches": Spec(roles=ban_readers | {"other_district"}),
    }
