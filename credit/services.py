"""Credit records: the only place that writes them, and the standing other apps read.

Read by other apps (the lead wires them):

- `standing(credit_code, on)` and `standing_by_institution(ids, on)`: "dishonest", "good" or
  "none" — the grading, subsidies and the draws' weight (measure 九: “落实监管结果与养老服务机构等级
  评定、政府补助、优惠政策相挂钩”).
- `representative_flags(institutions, on)`: the dishonesty records in force of each institution's
  legal representative, matched by name (the registry keeps the name only), so a person's record
  follows them to every institution they lead (measure 九: “记入个人信用记录”).

Writes: `create_record` and `update_record` (city and district staff of the record's region;
version-checked). Errors are `ValidationError`s whose dict names the form field.
"""

from __future__ import annotations

import datetime

from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction
from django.db.models import Exists, OuterRef, Q
from django.utils.crypto import salted_hmac
from django.utils.translation import gettext as _
from stdnum.cn import ric
from stdnum.exceptions import ValidationError as StdnumError

from core import dates
from core import evidence as evidence_files
from core.concurrency import save_versioned
from core.models import Region
from core.roles import Role
from credit.models import CreditRecord, Kind, Subject, in_force_q
from institutions import uscc
from institutions.models import Institution

DISHONEST, GOOD, NONE = "dishonest", "good", "none"
DOCUMENT = "decision"  # the evidence purpose of the decision document
WRITERS = (Role.CITY, Role.DISTRICT)
EDITABLE = (
    "credit_code",
    "institution",
    "region",
    "kind",
    "subject",
    "person_name",
    "source",
    "reason",
    "decided_on",
    "document_number",
    "expires_on",
)


# Reading -----------------------------------------------------------------------------------------


def _institution_records(on) -> Q:
    return Q(subject=Subject.INSTITUTION) & in_force_q(on)


def standing(credit_code: str, on: datetime.date | None = None) -> str:
    """The standing of the organisation with `credit_code` on the day `on` (default today, Asia/
    Shanghai): "dishonest" if a dishonesty record about the organisation is in force that day (it
    wins over any good-faith record), else "good" if a good-faith record is, else "none". Records
    about its legal representative do not count here (see `representative_flags`). One query."""
    on = on or dates.today()
    kinds = set(
        CreditRecord.objects.filter(_institution_records(on), credit_code=uscc.normalize(credit_code))
        .values_list("kind", flat=True)
        .distinct()
    )
    return DISHONEST if Kind.DISHONEST in kinds else GOOD if Kind.GOOD in kinds else NONE


def standing_by_institution(institution_ids, on: datetime.date | None = None) -> dict[int, str]:
    """{institution id: "dishonest" | "good" | "none"} for the given registry ids on the day `on`,
    in one query, by each institution's credit code (branches of a "1+N" consortium that carry the
    head's code share its standing). Ids not in the registry are left out; an institution without
    a code is "none". Not scoped: the caller has already chosen the institutions."""
    on = on or dates.today()
    ids = list(institution_ids)
    if not ids:
        return {}
    records = CreditRecord.objects.filter(
        _institution_records(on), credit_code=OuterRef("credit_code")
    ).exclude(credit_code="")
    rows = (
        Institution.objects.filter(pk__in=ids)
        .annotate(
            _dishonest=Exists(records.filter(kind=Kind.DISHONEST)),
            _good=Exists(records.filter(kind=Kind.GOOD)),
        )
        .values_list("pk", "_dishonest", "_good")
    )
    return {pk: DISHONEST if bad else GOOD if good else NONE for pk, bad, good in rows}


def normalize_name(name: str) -> str:
    """A person's name as matched: without spaces (full-width ones too)."""
    return "".join((name or "").split())


def representative_flags(institutions, on: datetime.date | None = None) -> dict[int, list[CreditRecord]]:
    """{institution id: [dishonesty records in force on `on` about a person whose name is the
    institution's `legal_representative`]}, in one query, for institutions (rows with
    `legal_representative` loaded). The registry holds the representative's name only, so the match
    is by name; the page shows the record's last four ID characters for staff to confirm it is the
    same person. Institutions without a match are left out."""
    on = on or dates.today()
    by_name: dict[str, list[int]] = {}
    for institution in institutions:
        name = normalize_name(institution.legal_representative)
        if name:
            by_name.setdefault(name, []).append(institution.pk)
    if not by_name:
        return {}
    flags: dict[int, list[CreditRecord]] = {}
    records = CreditRecord.objects.filter(
        in_force_q(on), subject=Subject.PERSON, kind=Kind.DISHONEST, person_name__in=list(by_name)
    ).order_by("-decided_on", "-pk")
    for record in records:
        for pk in by_name.get(record.person_name, ()):
            flags.setdefault(pk, []).append(record)
    return flags


def institutions_led_by(record: CreditRecord, user) -> list[Institution]:
    """The institutions `user` sees whose legal representative bears the name of the person of
    `record` (a person's record only; else [])."""
    if record.subject != Subject.PERSON or not record.person_name:
        return []
    return list(
        Institution.objects.visible_to(user)
        .filter(legal_representative__in=_name_variants(record.person_name))
        .select_related("region")
        .order_by("region__sort_key", "name")
    )


def _name_variants(name: str) -> list[str]:
    # registry names are entered by hand: the name as stored, and with a space between the
    # characters of a two-character name (张 三), which people type to line names up.
    variants = {name}
    if len(name) == 2:
        variants |= {f"{name[0]} {name[1]}", f"{name[0]}\u3000{name[1]}"}
    return sorted(variants)


def same_person(record: CreditRecord, user):
    """Other records `user` sees about the same person (same identity key), newest first."""
    if not record.person_key:
        return CreditRecord.objects.none()
    return (
        CreditRecord.objects.visible_to(user)
        .filter(person_key=record.person_key)
        .exclude(pk=record.pk)
        .select_related("institution", "region")
    )


# Writing -----------------------------------------------------------------------------------------


def person_key(id_number: str) -> tuple[str, str]:
    """(identity key, last four characters) of a resident ID number (GB 11643, see `_valid_id_number`). The key is an HMAC-SHA256 of the number with the portal's secret
    key, so the same number always gives the same key and the key reveals nothing without the
    secret; the number itself is never stored. Raises ValidationError naming ``id_number``."""
    number = "".join((id_number or "").split()).upper()
    if not _valid_id_number(number):
        raise ValidationError(
            {
                "id_number": _(
                    "The ID number is not a valid 18-character resident ID number; check every character."
                )
            }
        )
    return salted_hmac("credit.person_key", number).hexdigest(), number[-4:]


def _valid_id_number(number: str) -> bool:
    """18 characters: a GB/T 2260 division (current or historical, `institutions.uscc.division_name`),
    a real birth date and GB 11643's check character (python-stdnum's ``cn.ric`` for the date and
    the check). Not ``ric.validate`` itself: its birth-place table misses districts such as 210302
    铁东区, which would refuse real Anshan residents."""
    if len(number) != 18 or not number[:17].isdigit() or not (number[17].isdigit() or number[17] == "X"):
        return False
    if uscc.division_name(number[:6]) is None:
        return False
    try:
        ric.get_birth_date(number)
    except StdnumError:
        return False
    return ric.calc_check_digit(number) == number[17]


def _check_code(code: str) -> str:
    try:
        return uscc.validate(code)
    except ValidationError as error:
        # A code really issued before 2016 that fails the check character is accepted when the
        # registry has confirmed it (Institution.credit_code_confirmed).
        if (
            error.code == "check_digit"
            and Institution.objects.filter(
                credit_code=uscc.normalize(code), credit_code_confirmed=True
            ).exists()
        ):
            return uscc.normalize(code)
        raise ValidationError({"credit_code": error.messages}) from None


def _writable_regions(user):
    if user.role not in WRITERS or user.region is None:
        raise PermissionDenied
    return Region.objects.visible_to(user).county_level()


def _prepare(record: CreditRecord, *, by, id_number: str = "") -> None:
    """Fill the derived fields and check the record; ValidationError naming the fields."""
    errors: dict[str, list[str]] = {}
    if record.institution_id and not record.credit_code:
        record.credit_code = record.institution.credit_code
    if not record.credit_code:
        errors["credit_code"] = [
            _("Enter the unified social credit code, or choose an institution that has one.")
        ]
    else:
        try:
            record.credit_code = _check_code(record.credit_code)
        except ValidationError as error:
            errors.update(error.message_dict)
    if record.institution_id is None and record.credit_code and "credit_code" not in errors:
        # link the registry's institution with that code (the head of a "1+N" consortium first)
        record.institution = (
            Institution.objects.visible_to(by)
            .filter(credit_code=record.credit_code)
            .order_by("parent_id", "pk")
            .first()
        )
    if record.institution_id:
        if (
            record.institution.credit_code
            and record.credit_code
            and record.institution.credit_code != record.credit_code
        ):
            errors.setdefault("credit_code", []).append(
                _("The institution “%(name)s” has the credit code %(code)s, not this one.")
                % {"name": record.institution.name, "code": record.institution.credit_code}
            )
        record.region = record.institution.region
    regions = _writable_regions(by)
    if record.region_id is None:
        if by.role == Role.DISTRICT:
            record.region = by.region
        else:
            errors["region"] = [_("Choose the region the record belongs to, or an institution.")]
    elif not regions.filter(pk=record.region_id).exists():
        key = "institution" if record.institution_id else "region"
        errors[key] = [_("Choose an institution or region of your own area.")]
    if record.subject == Subject.PERSON:
        record.person_name = normalize_name(record.person_name)
        if not record.person_name:
            errors["person_name"] = [_("Enter the name of the legal representative or head.")]
        if id_number:
            try:
                record.person_key, record.person_id_tail = person_key(id_number)
            except ValidationError as error:
                errors.update(error.message_dict)
        elif not record.person_key:
            errors["id_number"] = [_("Enter the person's ID number: it tells people of the same name apart.")]
    else:
        record.person_name, record.person_key, record.person_id_tail = "", "", ""
    today = dates.today()
    if record.decided_on and record.decided_on > today:
        errors["decided_on"] = [_("The decision date cannot be in the future.")]
    if record.decided_on and record.expires_on and record.expires_on < record.decided_on:
        errors["expires_on"] = [_("The record cannot end before the decision date.")]
    if errors:
        raise ValidationError(errors)


@transaction.atomic
def create_record(record: CreditRecord, *, by, id_number: str = "", document=None) -> CreditRecord:
    """Save a new credit record made by `by` (city or district staff), with its decision document
    (an uploaded file, checked by `core.evidence`; required). ValidationError naming the field."""
    _prepare(record, by=by, id_number=id_number)
    if document is None:
        raise ValidationError({"document": _("Attach the decision document (a scan or PDF).")})
    record.created_by = by
    record.save()
    try:
        evidence_files.evidence_attach(owner=record, file=document, purpose=DOCUMENT, by=by)
    except ValidationError as error:
        raise ValidationError({"document": error.messages}) from None
    return record


@transaction.atomic
def update_record(
    record: CreditRecord, *, by, expected_version: int, id_number: str = "", document=None
) -> CreditRecord:
    """Save an edited record (its fields already changed in memory) if nobody saved it since
    `expected_version`; an optional further document is attached. The writer must see the record."""
    if not CreditRecord.objects.visible_to(by).filter(pk=record.pk).exists() or by.role not in WRITERS:
        raise PermissionDenied
    _prepare(record, by=by, id_number=id_number)
    save_versioned(record, expected_version=expected_version, by=by)
    if document is not None:
        try:
            evidence_files.evidence_attach(owner=record, file=document, purpose=DOCUMENT, by=by)
        except ValidationError as error:
            raise ValidationError({"document": error.messages}) from None
    return record
