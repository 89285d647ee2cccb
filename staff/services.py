"""Staff, qualifications, trainings and the 行业禁入 list: the only place that writes them, and what
other parts read.

Read by other parts (the lead wires them):

- `counts_for(user, on)`: the 综合监管 card, `{"staff", "banned_on_staff", "qualifications_missing",
  "qualifications_expiring"}` in the user's scope (two queries).
- `expiring(user, on, days=30)`: qualifications of staff on the payroll that end within `days` days
  from `on` (both days included), for the reminders — as licences do.
- `with_flags(queryset, on)`: staff rows annotated with `is_banned` and the qualification state.
- `sees_full_id(user, region_id)` and `shown_id(user, row)`: the one rule for identity numbers.

Writes: `create_staff` / `update_staff` (the institution's own users, district staff of its unit),
`create_qualification` / `update_qualification`, `create_training`, `create_ban` / `update_ban`
(city and district staff). Errors are `ValidationError`s whose dict names the form field in Chinese.

Identity numbers (issue 17 item 8: "shown in full only to district staff of that region, never
exported to departments or the public"): in full only to district staff whose unit holds the row's
region (the staff member's institution, the ban's deciding region); masked (`**************1234`)
for everyone else, city staff and the institution's own users included; never in a list, a URL or
an export (there is no export of staff).
"""

from __future__ import annotations

import datetime

from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction
from django.db.models import Case, Count, Exists, OuterRef, Q, Value, When
from django.utils.translation import gettext as _

from core import dates
from core import evidence as evidence_files
from core.concurrency import save_versioned
from core.roles import Role
from core.scoping import subtree_ids
from credit.services import _valid_id_number
from institutions.models import Institution
from staff import crypto
from staff.models import (
    REQUIRED,
    Ban,
    Qualification,
    StaffMember,
    TrainingRecord,
    ban_in_force_q,
    employed_q,
)

STAFF_WRITERS = (Role.INSTITUTION, Role.DISTRICT)
BAN_WRITERS = (Role.CITY, Role.DISTRICT)
DOCUMENT = "ban_decision"  # evidence purpose of a ban's decision document
MISSING, EXPIRED, OK = "missing", "expired", "ok"


# Identity numbers --------------------------------------------------------------------------------


def sees_full_id(user, region_id: int) -> bool:
    """True for district staff whose unit holds `region_id` (the staff member's or ban's region);
    False for every other reader: city staff, the institution's users, departments, the
    administrator (who reads the masked form like the city)."""
    return (
        user.is_authenticated
        and not user.is_superuser
        and user.role == Role.DISTRICT
        and user.region_id is not None
        and region_id in subtree_ids(user)
    )


def shown_id(user, row) -> str:
    """The identity number of `row` (a StaffMember or Ban) as `user` may read it on a detail page."""
    if sees_full_id(user, row.region_id):
        return row.full_id() or row.masked_id
    return row.masked_id


def identity(id_number: str) -> dict:
    """{"id_encrypted", "id_key", "id_tail"} of a typed resident ID number, checked against GB 11643
    (18 characters, a GB/T 2260 division, a real birth date, the check character: credit's
    `_valid_id_number`). ValidationError naming ``id_number``."""
    number = crypto.normalize(id_number)
    if not number:
        raise ValidationError({"id_number": _("Enter the ID number.")})
    if not _valid_id_number(number):
        raise ValidationError(
            {
                "id_number": _(
                    "The ID number is not a valid 18-character resident ID number; check every character."
                )
            }
        )
    key, tail = crypto.person_key(number)
    return {"id_encrypted": crypto.encrypt(number), "id_key": key, "id_tail": tail}


# Reading -----------------------------------------------------------------------------------------


def with_flags(staff, on: datetime.date):
    """`staff` (a StaffMember queryset) annotated with `is_banned` (a ban in force on `on` with the same
    identity key, whoever decided it: a ban holds everywhere), `has_required` (a certificate of the
    kind the post requires, any date) and `required_valid` (one valid on `on`). Still one query."""
    required_kind = Case(
        *(When(role=role, then=Value(kind)) for role, kind in REQUIRED.items()), default=Value("")
    )
    certificates = Qualification.objects.filter(staff=OuterRef("pk"), kind=OuterRef("req_kind"))
    return staff.annotate(
        req_kind=required_kind,
        is_banned=Exists(Ban.objects.filter(ban_in_force_q(on), id_key=OuterRef("id_key"))),
        has_required=Exists(certificates),
        required_valid=Exists(certificates.filter(Q(valid_to__isnull=True) | Q(valid_to__gte=on))),
    )


def qualification_state(member) -> str | None:
    """None when the post needs no certificate; else "missing", "expired" or "ok" — from the
    annotations of `with_flags`."""
    if member.role not in REQUIRED:
        return None
    if not member.has_required:
        return MISSING
    return OK if member.required_valid else EXPIRED


def problem_q() -> Q:
    """Rows of `with_flags` whose post requires a certificate they lack or let expire."""
    return Q(role__in=list(REQUIRED), required_valid=False)


def bans_for(keys, on: datetime.date) -> dict[str, list[Ban]]:
    """{identity key: [bans in force on `on`]} for the keys, in one query. Not scoped: a ban holds in
    every district; what a reader sees of it is `ban_view`'s decision."""
    keys = [key for key in set(keys) if key]
    found: dict[str, list[Ban]] = {}
    if keys:
        for ban in Ban.objects.filter(ban_in_force_q(on), id_key__in=keys).select_related("region"):
            found.setdefault(ban.id_key, []).append(ban)
    return found


def ban_view(user, ban: Ban) -> dict:
    """What `user` may read of a ban that flags a staff member: everything (with a link) for city and
    district staff whose area decided it; otherwise only that a ban is in force and until when — not
    the deciding bureau, reason or document (they belong to another area; ask the city bureau)."""
    readable = user.is_superuser or (
        user.role in BAN_WRITERS and user.region_id is not None and ban.region_id in subtree_ids(user)
    )
    return {"ban": ban, "readable": readable, "until": ban.until}


def matches(user, on: datetime.date | None = None):
    """Staff on the payroll on `on` in `user`'s scope who are on the ban list (a ban in force), for the
    page 禁入人员在岗提示: a StaffMember queryset with the flags of `with_flags`."""
    on = on or dates.today()
    return (
        with_flags(StaffMember.objects.visible_to(user).filter(employed_q(on)), on)
        .filter(is_banned=True)
        .select_related("institution", "region")
    )


def expiring(user, on: datetime.date | None = None, days: int = 30):
    """Qualifications of staff on the payroll on `on`, visible to `user`, ending between `on` and
    `on + days` (both included), soonest first — the reminders' source, like licences'."""
    on = on or dates.today()
    return (
        Qualification.objects.visible_to(user)
        .filter(valid_to__gte=on, valid_to__lte=on + datetime.timedelta(days=days))
        .filter(employed_q(on, prefix="staff__"))
        .select_related("staff", "staff__institution")
        .order_by("valid_to", "pk")
    )


def counts_for(user, on: datetime.date | None = None) -> dict[str, int]:
    """The 综合监管 card's numbers in `user`'s scope on `on` (default today), two queries:
    {"staff": on the payroll, "banned_on_staff": of them on the ban list, "qualifications_missing":
    of them in a post that requires a certificate they lack or let expire,
    "qualifications_expiring": certificates ending within 30 days}."""
    on = on or dates.today()
    staff = with_flags(StaffMember.objects.visible_to(user).filter(employed_q(on)), on)
    totals = staff.aggregate(
        staff=Count("pk"),
        banned_on_staff=Count("pk", filter=Q(is_banned=True)),
        qualifications_missing=Count("pk", filter=problem_q()),
    )
    totals["qualifications_expiring"] = expiring(user, on).count()
    return totals


# Writing -----------------------------------------------------------------------------------------


def can_write_staff(user) -> bool:
    """Institution users (their own staff) and district staff (their unit's) keep the staff data;
    city staff read it (the registry of staff is the institutions' and the districts' work)."""
    if user.is_superuser or user.role not in STAFF_WRITERS:
        return False
    return user.institution_id is not None if user.role == Role.INSTITUTION else user.region_id is not None


def can_write_bans(user) -> bool:
    return not user.is_superuser and user.role in BAN_WRITERS and user.region_id is not None


def _check_staff(member: StaffMember, *, by, id_number: str) -> None:
    if not can_write_staff(by):
        raise PermissionDenied
    errors: dict[str, list[str]] = {}
    if by.role == Role.INSTITUTION:
        member.institution_id = by.institution_id
    if not member.institution_id:
        errors["institution"] = [_("Choose the institution.")]
    elif not Institution.objects.visible_to(by).filter(pk=member.institution_id).exists():
        errors["institution"] = [_("Choose an institution of your own area.")]
    else:
        member.region_id = Institution.objects.values_list("region_id", flat=True).get(
            pk=member.institution_id
        )
    if id_number or not member.pk:
        try:
            for name, value in identity(id_number).items():
                setattr(member, name, value)
        except ValidationError as error:
            errors.update(error.message_dict)
    today = dates.today()
    if member.hired_on and member.hired_on > today:
        errors["hired_on"] = [_("The hiring date cannot be in the future.")]
    if member.hired_on and member.left_on and member.left_on < member.hired_on:
        errors["left_on"] = [_("The leaving date cannot be before the hiring date.")]
    if "id_number" not in errors and member.institution_id and member.left_on is None:
        twin = (
            StaffMember.objects.filter(
                institution_id=member.institution_id, id_key=member.id_key, left_on__isnull=True
            )
            .exclude(pk=member.pk)
            .first()
        )
        if twin is not None:
            errors["id_number"] = [
                _("This person is already on this institution's staff (%(name)s).") % {"name": twin.name}
            ]
    if errors:
        raise ValidationError(errors)


@transaction.atomic
def create_staff(member: StaffMember, *, by, id_number: str) -> StaffMember:
    """Save a new staff member recorded by `by`. A banned person is recorded too (the registry must
    reflect reality) and flagged wherever they appear. ValidationError naming the field."""
    _check_staff(member, by=by, id_number=id_number)
    member.created_by = by
    member.save()
    return member


@transaction.atomic
def update_staff(member: StaffMember, *, by, expected_version: int, id_number: str = "") -> StaffMember:
    """Save an edited staff member if nobody saved it since `expected_version`; an empty `id_number`
    keeps the stored one. The writer must see the row."""
    if not StaffMember.objects.visible_to(by).filter(pk=member.pk).exists():
        raise PermissionDenied
    _check_staff(member, by=by, id_number=id_number)
    return save_versioned(member, expected_version=expected_version, by=by)


def _check_writer_of(member: StaffMember, by) -> None:
    if not can_write_staff(by) or not StaffMember.objects.visible_to(by).filter(pk=member.pk).exists():
        raise PermissionDenied


def _check_qualification(qualification: Qualification) -> None:
    if qualification.valid_to and qualification.valid_to < datetime.date(1950, 1, 1):
        raise ValidationError({"valid_to": _("Enter the real end date of the certificate.")})


@transaction.atomic
def create_qualification(qualification: Qualification, *, by) -> Qualification:
    """Save a certificate of a staff member `by` may write for."""
    _check_writer_of(qualification.staff, by)
    _check_qualification(qualification)
    qualification.save()
    return qualification


@transaction.atomic
def update_qualification(qualification: Qualification, *, by, expected_version: int) -> Qualification:
    """Save an edited certificate if nobody saved it since `expected_version`."""
    _check_writer_of(qualification.staff, by)
    _check_qualification(qualification)
    return save_versioned(qualification, expected_version=expected_version, by=by)


@transaction.atomic
def create_training(training: TrainingRecord, *, by) -> TrainingRecord:
    """Save a training record (date not in the future, hours above 0 and at most 1,000)."""
    _check_writer_of(training.staff, by)
    errors = {}
    if training.held_on and training.held_on > dates.today():
        errors["held_on"] = [_("The training date cannot be in the future.")]
    if training.hours is not None and not (0 < training.hours <= 1000):
        errors["hours"] = [_("Enter the hours as a number above 0 and at most 1000.")]
    if errors:
        raise ValidationError(errors)
    training.save()
    return training


def _check_ban(ban: Ban, *, by, id_number: str) -> None:
    if not can_write_bans(by):
        raise PermissionDenied
    errors: dict[str, list[str]] = {}
    if not ban.pk:
        ban.region_id = by.region_id
    if id_number or not ban.pk:
        try:
            for name, value in identity(id_number).items():
                setattr(ban, name, value)
        except ValidationError as error:
            errors.update(error.message_dict)
    if ban.decided_on and ban.decided_on > dates.today():
        errors["decided_on"] = [_("The decision date cannot be in the future.")]
    if ban.decided_on and ban.until and ban.until < ban.decided_on:
        errors["until"] = [_("The ban cannot end before the decision date.")]
    if errors:
        raise ValidationError(errors)


def _attach(ban: Ban, document, by) -> None:
    if document is None:
        return
    try:
        evidence_files.evidence_attach(owner=ban, file=document, purpose=DOCUMENT, by=by)
    except ValidationError as error:
        raise ValidationError({"document": error.messages}) from None


@transaction.atomic
def create_ban(ban: Ban, *, by, id_number: str, document=None) -> Ban:
    """Save a ban decided by `by`'s bureau (its region), with the decision document if given
    (checked by `core.evidence`). ValidationError naming the field."""
    _check_ban(ban, by=by, id_number=id_number)
    ban.created_by = by
    ban.save()
    _attach(ban, document, by)
    return ban


@transaction.atomic
def update_ban(ban: Ban, *, by, expected_version: int, id_number: str = "", document=None) -> Ban:
    """Save an edited ban (e.g. a shortened term) if nobody saved it since `expected_version`."""
    if not Ban.objects.visible_to(by).filter(pk=ban.pk).exists():
        raise PermissionDenied
    _check_ban(ban, by=by, id_number=id_number)
    save_versioned(ban, expected_version=expected_version, by=by)
    _attach(ban, document, by)
    return ban
