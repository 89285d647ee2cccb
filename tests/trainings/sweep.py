"""The trainings pages' entries of the URL sweep (tests/test_url_sweep.py reads `specs`)."""

from tests.trainings.factories import training


def _own(w):
    # organised by 铁东区 (the "district" viewer's unit); the world's institution took part
    return {"pk": training(w.regions["210302"], w.users["district"], institutions=[w.own_institution]).pk}


def _foreign(w):
    return {"pk": training(w.foreign_region, w.users["admin"], institutions=[w.foreign_institution]).pk}


def specs(Spec, ALL_STAFF) -> dict:
    return {
        "trainings:list": Spec(roles={"city", "district", "other_district", "institution", "admin"}),
        "trainings:create": Spec(roles={"city", "district", "other_district"}),
        "trainings:detail": Spec(
            roles={"city", "district", "institution", "admin"}, own=_own, foreign=_foreign
        ),
        "trainings:edit": Spec(roles={"district"}, own=_own, foreign=_foreign),
    }
