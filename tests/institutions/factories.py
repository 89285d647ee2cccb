"""A valid institution (validated when saved) for registry tests: registered, filed, privately run, with a real credit code."""

import datetime
import random

from institutions import uscc
from institutions.models import FilingStatus, Institution, Nature, RegistrationForm

_rng = random.Random(20201015)


def valid_institution(region, name: str, *, save: bool = True, **fields) -> Institution:
    values = {
        "nature": Nature.PRIVATE,
        "registration_form": RegistrationForm.SOCIAL_ORGANISATION,
        "credit_code": uscc.generate(authority="5", org_type="2", division=region.code[:6], rng=_rng),
        "filing_status": FilingStatus.FILED,
        "filed_on": datetime.date(2020, 5, 1),
        "address": f"{region.name}幸福路1号",
        "beds": 100,
        "nursing_beds": 40,
        "residents": 60,
        **fields,
    }
    institution = Institution(region=region, name=name, **values)
    if save:
        institution.full_clean()
        institution.save()
    return institution
