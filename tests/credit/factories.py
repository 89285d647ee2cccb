"""Credit records for tests: real-shaped codes (institutions.uscc.generate) and valid ID numbers."""

import datetime

from stdnum.cn import ric

from credit import services
from credit.models import CreditRecord
from institutions import uscc


def code(authority="5", org_type="2", body="MJ0000001", division="210300") -> str:
    return uscc.generate(authority=authority, org_type=org_type, division=division, body=body)


def id_number(seq: str = "123", birth: str = "19650412", division: str = "210302") -> str:
    first17 = f"{division}{birth}{seq}"
    return first17 + ric.calc_check_digit(first17 + "0")  # stdnum wants a placeholder


def record(world, credit_code, *, kind="dishonest", decided_on, expires_on=None, institution=None, **extra):
    """A record saved directly (no file), of 铁东区 unless the institution says otherwise."""
    person = extra.pop("id_number", None)
    values = {
        "credit_code": credit_code,
        "institution": institution,
        "region": institution.region if institution else world.regions["210302"],
        "kind": kind,
        "source": "civil_affairs",
        "reason": "测试",
        "decided_on": decided_on,
        "expires_on": expires_on,
        "document_number": f"鞍民信〔2026〕{CreditRecord.objects.count() + 1}号",
        "created_by": world.users["district"],
        **extra,
    }
    if person:
        values["person_key"], values["person_id_tail"] = services.person_key(person)
    return CreditRecord.objects.create(**values)


D = datetime.date
