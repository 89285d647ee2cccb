"""The supervision API endpoints' entries of the URL sweep (tests/test_url_sweep.py reads `specs`):
draws, inspection records, complaints and credit records (issue 18, `inspections/api.py`,
`complaints/api.py`, `credit/api.py`). The objects are the pages' sweep objects."""

import datetime

from credit.models import CreditRecord
from tests.complaints import factories as complaint_factories
from tests.credit import sweep as credit_sweep
from tests.inspections import sweep as inspection_sweep


def _complaint(attr, status="received"):
    def build(w):
        complaint = complaint_factories.raw(
            getattr(w, attr), w.users["admin"], received_on=datetime.date(2025, 9, 26), status=status
        )
        return {"pk": complaint.pk}

    return build


def _code(attr):
    def build(w):
        pk = credit_sweep._record(attr)(w)["pk"]
        return {"code": CreditRecord.objects.get(pk=pk).credit_code}

    return build


def specs(Spec, ALL_STAFF) -> dict:
    staff = {"city", "district", "other_district", "admin"}
    own_unit = {"city", "district", "admin"}  # who reaches an object of 铁东区
    civil_affairs = {"city", "district"}
    draw_own, draw_foreign = inspection_sweep._draw("drawn"), inspection_sweep._foreign_draw
    record_own = inspection_sweep._record("own_institution")
    record_foreign = inspection_sweep._record("foreign_institution")
    credit_readers = {"city", "district", "admin", "institution", "department"}
    handling = {
        "own": _complaint("own_institution", "handling"),
        "foreign": _complaint("foreign_institution", "handling"),
    }
    return {
        "api:draw-list": Spec(roles=staff),
        "api:draw-detail": Spec(roles=own_unit, own=draw_own, foreign=draw_foreign),
        "api:inspection-list": Spec(roles=ALL_STAFF),
        "api:inspection-detail": Spec(roles=own_unit, own=record_own, foreign=record_foreign),
        # the record's points are not answered yet: the conclusion is refused (400)
        "api:inspection-conclude": Spec(
            roles=civil_affairs, method="post", ok=(400,), own=record_own, foreign=record_foreign
        ),
        "api:complaint-list": Spec(roles={"city", "district", "other_district", "department", "admin"}),
        "api:complaint-detail": Spec(
            roles=own_unit, own=_complaint("own_institution"), foreign=_complaint("foreign_institution")
        ),
        # the steps without the version read: 400 naming it
        "api:complaint-route": Spec(
            roles=civil_affairs,
            method="post",
            ok=(400,),
            own=_complaint("own_institution"),
            foreign=_complaint("foreign_institution"),
        ),
        "api:complaint-result": Spec(roles=civil_affairs, method="post", ok=(400,), **handling),
        "api:complaint-reply": Spec(roles=civil_affairs, method="post", ok=(400,), **handling),
        "api:complaint-close": Spec(roles=civil_affairs, method="post", ok=(400,), **handling),
        "api:credit-record-list": Spec(roles=ALL_STAFF),
        "api:credit-record-detail": Spec(
            roles=credit_readers,
            own=credit_sweep._record("own_institution"),
            foreign=credit_sweep._record("foreign_institution"),
        ),
        "api:credit-record-by-code": Spec(
            roles=credit_readers, own=_code("own_institution"), foreign=_code("foreign_institution")
        ),
    }
