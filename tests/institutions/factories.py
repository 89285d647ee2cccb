"""A valid institution (validated when saved) for registry tests: registered, filed, privately run, with a real credit code."""

import datetime
import random

from institutions import uscc
from institutions.models import FilingStatus, Institution, Nature, RegistrationForm

_rng = random.Random(20201015)


# The code's first two characters fit the registration form (GB 32100; Institution.clean checks it).
PREFIXES = {
    RegistrationForm.PUBLIC_INSTITUTION: ("1", "2"),
    RegistrationForm.SOCIAL_ORGANISATION: ("5", "2"),
    RegistrationForm.ENTERPRISE: ("9", "1"),
}


def code_for(region, registration_form=RegistrationForm.SOCIAL_ORGANISATION) -> str:
    authority, org_type = PREFIXES.get(registration_form, ("5", "2"))
    return uscc.generate(authority=authority, org_type=org_type, division=region.code[:6], rng=_rng)


def valid_institution(region, name: str, *, save: bool = True, **fields) -> Institution:
    values = {
        "nature": Nature.PRIVATE,
        "registration_form": RegistrationForm.SOCIAL_ORGANISATION,
        "credit_code": code_for(
            region, fields.get("registration_form", RegistrationForm.SOCIAL_ORGANISATION)
        ),
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


def plain_institution(region, name: str) -> Institution:
    """An unsaved institution with no more than a list shows (privately run, a filed social
    organisation of 50 beds, no credit code), for ``bulk_create`` by the hundred: not validated."""
    return Institution(
        name=name,
        region=region,
        nature="private",
        registration_form="social_organisation",
        filing_status="filed",
        filed_on=datetime.date(2020, 1, 1),
        beds=50,
    )
