"""The complaints pages' entries of the URL sweep (tests/test_url_sweep.py reads `specs`)."""

import datetime

from tests.complaints import factories


def _complaint(institution_attr, **extra):
    def build(w):
        complaint = factories.raw(
            getattr(w, institution_attr), w.users["admin"], received_on=datetime.date(2025, 9, 26)
        )
        return {"pk": complaint.pk, **extra}

    return build


def specs(Spec, ALL_STAFF) -> dict:
    readers = {"city", "district", "admin"}  # a 铁东区 complaint not routed: the city and 铁东区
    return {
        "complaints:list": Spec(roles={"city", "district", "other_district", "department", "admin"}),
        "complaints:create": Spec(roles={"city", "district", "other_district"}),
        "complaints:detail": Spec(
            roles=readers, own=_complaint("own_institution"), foreign=_complaint("foreign_institution")
        ),
        "complaints:step": Spec(
            roles={"city", "district"},
            method="post",
            ok=(400,),
            own=_complaint("own_institution", step="route"),
            foreign=_complaint("foreign_institution", step="route"),
        ),
        "complaints:hazard": Spec(
            roles={"district"},
            method="post",
            ok=(400,),
            own=_complaint("own_institution"),
            foreign=_complaint("foreign_institution"),
        ),
    }
