"""The emergencies pages' entries of the URL sweep (tests/test_url_sweep.py reads `specs`)."""

from tests.emergencies import factories


def _incident(attr):
    def build(w):
        return {"pk": factories.incident(w, getattr(w, attr), kind="food_poisoning").pk}

    return build


def _notification(attr):
    def build(w):
        incident = factories.incident(w, getattr(w, attr), kind="food_poisoning")
        return {"pk": incident.notifications.get(recipient="market").pk}

    return build


def specs(Spec, ALL_STAFF) -> dict:
    readers = {"city", "district", "institution", "department", "admin"}  # a 铁东区 incident told to...
    return {
        "emergencies:incidents": Spec(roles=set(ALL_STAFF)),
        "emergencies:incident_create": Spec(roles={"district", "other_district", "institution"}),
        # the department viewer is housing; a food poisoning is told to market regulation: not theirs
        "emergencies:incident_detail": Spec(
            roles=readers - {"department"},
            own=_incident("own_institution"),
            foreign=_incident("foreign_institution"),
        ),
        "emergencies:incident_close": Spec(
            roles={"district"},
            method="post",
            ok=(400,),
            own=_incident("own_institution"),
            foreign=_incident("foreign_institution"),
        ),
        "emergencies:notification_save": Spec(
            roles={"district", "institution"},
            method="post",
            ok=(400,),
            own=_notification("own_institution"),
            foreign=_notification("foreign_institution"),
        ),
        "emergencies:drills": Spec(roles={"city", "district", "other_district", "institution", "admin"}),
        "emergencies:drill_create": Spec(roles={"district", "other_district", "institution"}),
        "emergencies:missing": Spec(roles={"city", "district", "other_district", "admin"}),
    }
