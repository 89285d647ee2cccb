"""Licences and certificates: the only place that writes them, and what other code reads.

Writes: `create_licence`, `update_licence` — district staff of the institution's unit and the
institution's own users (self-report); version-checked; `ValidationError` whose dict names the form
field in Chinese. City staff, departments (the kinds they issue) and the administrator read.

Read by other code (the lead wires them):

- `status(licence, on)` → a `Status` value for one licence;
- `expiring(user_or_region, on)` / `expired(user_or_region, on)` → querysets of the licences that
  count (the latest of their institution and kind, operating institutions) expiring within
  `EXPIRY_WARNING_DAYS` or expired on `on`;
- `obligations(on)` → the reminders' source rows (every counting licence expiring or expired);
- `counts_for(user, on)` → ``{"expiring": n, "expired": n}`` for the 综合监管 card (one query).

Renewal (decision): only the latest licence of each institution + kind (+ name, for 其他) counts —
the one with the latest `valid_from` (ties: the later recorded). An older one is 已换证 whatever its
dates, so a renewal recorded before the old licence runs out stops the warning at once.
"""

from __future__ import annotations

import datetime
import unicodedata

from django.core.exceptions import PermissionDenied, ValidationError
from django.db import IntegrityError, transaction
from django.db.models import Count, Exists, OuterRef, Q, QuerySet
from django.utils.translation import gettext as _

from core import dates
from core import evidence as evidence_files
from core.concurrency import save_versioned
from core.models import Region
from core.roles import Role
from institutions.models import Institution, operating_q
from licences.models import KIND_DEPARTMENT, Kind, Licence, Status

#: A licence whose last valid day is within this many days of today (inclusive: today + 30 still
#: warns, today + 31 does not; the last day itself warns) is 30天内到期 (issue 17 item 5).
EXPIRY_WARNING_DAYS = 30
SCAN = "scan"  # the evidence purpose of a licence's scans
WRITERS = (Role.DISTRICT, Role.INSTITUTION)


# Reading -----------------------------------------------------------------------------------------


def newer_exists():
    """`Exists(...)` of a newer licence of the same institution, kind and name (the row is 已换证)."""
    newer = Licence.objects.filter(
        institution_id=OuterRef("institution_id"), kind=OuterRef("kind"), title=OuterRef("title")
    ).filter(
        Q(valid_from__gt=OuterRef("valid_from")) | Q(valid_from=OuterRef("valid_from"), pk__gt=OuterRef("pk"))
    )
    return Exists(newer)


def with_renewal(queryset: QuerySet) -> QuerySet:
    """The queryset with `renewed` (bool) on each row, read by `status` without a query of its own."""
    return queryset.annotate(renewed=newer_exists())


def latest(queryset: QuerySet) -> QuerySet:
    """Only the licences that count: no newer one of their institution, kind and name."""
    return queryset.filter(~newer_exists())


def warning_until(on: datetime.date) -> datetime.date:
    return on + datetime.timedelta(days=EXPIRY_WARNING_DAYS)


def status_q(value: str, on: datetime.date) -> Q:
    """The licences whose dates give status `value` on `on` (renewal not considered: combine
    with `latest` / `with_renewal`)."""
    if value == Status.LONG_TERM:
        return Q(valid_to__isnull=True)
    if value == Status.EXPIRED:
        return Q(valid_to__lt=on)
    if value == Status.EXPIRING:
        return Q(valid_to__gte=on, valid_to__lte=warning_until(on))
    if value == Status.VALID:
        return Q(valid_to__gt=warning_until(on))
    return Q()


def status(licence: Licence, on: datetime.date | None = None) -> str:
    """The `Status` of `licence` on `on` (default today, Asia/Shanghai):

    - ``renewed`` (已换证) when a newer licence of its institution, kind and name exists (read from
      the `renewed` annotation of `with_renewal` if present, else one query);
    - ``long_term`` without `valid_to`;
    - ``expired`` from the day after `valid_to`;
    - ``expiring`` from `EXPIRY_WARNING_DAYS` days before `valid_to` to `valid_to` itself;
    - ``valid`` otherwise.
    """
    on = on or dates.today()
    renewed = getattr(licence, "renewed", None)
    if renewed is None:
        renewed = licence.pk is not None and not latest(Licence.objects.filter(pk=licence.pk)).exists()
    if renewed:
        return Status.RENEWED
    if licence.valid_to is None:
        return Status.LONG_TERM
    if licence.valid_to < on:
        return Status.EXPIRED
    if licence.valid_to <= warning_until(on):
        return Status.EXPIRING
    return Status.VALID


def _scoped(user_or_region) -> QuerySet:
    if isinstance(user_or_region, Region):
        return Licence.objects.filter(region__path__startswith=user_or_region.path)
    return Licence.objects.visible_to(user_or_region)


def _counting(queryset: QuerySet) -> QuerySet:
    """Latest licences of operating institutions (a deregistered or converted one needs none)."""
    return latest(queryset.filter(operating_q_prefixed()))


def operating_q_prefixed() -> Q:
    """`institutions.models.operating_q` seen from a licence (through `institution`)."""
    return Q(institution__in=Institution.objects.filter(operating_q()).values("pk"))


def expiring(user_or_region, on: datetime.date | None = None) -> QuerySet:
    """Licences that count (latest of their kind, operating institution) whose last valid day is
    between `on` and `on + EXPIRY_WARNING_DAYS` inclusive. `user_or_region`: a user (read through
    `visible_to`) or a `Region` (its subtree). Ordered by `valid_to`."""
    on = on or dates.today()
    return _counting(_scoped(user_or_region).filter(status_q(Status.EXPIRING, on))).order_by("valid_to", "pk")


def expired(user_or_region, on: datetime.date | None = None) -> QuerySet:
    """Licences that count whose last valid day is before `on`. Same arguments as `expiring`."""
    on = on or dates.today()
    return _counting(_scoped(user_or_region).filter(status_q(Status.EXPIRED, on))).order_by("valid_to", "pk")


def due(user_or_region, on: datetime.date | None = None) -> QuerySet:
    """`expiring` and `expired` together, ordered by `valid_to` (the expired first)."""
    on = on or dates.today()
    return _counting(_scoped(user_or_region).filter(valid_to__lte=warning_until(on))).order_by(
        "valid_to", "pk"
    )


def obligations(on: datetime.date | None = None) -> list[dict]:
    """The reminders' source: every licence that counts and is expiring or expired on `on` (whole
    portal, not scoped). One query; rows ``{"id", "institution_id", "region_id", "kind", "valid_to",
    "status"}`` (status "expiring" or "expired"), ordered by `valid_to`."""
    on = on or dates.today()
    rows = (
        _counting(Licence.objects.filter(valid_to__lte=warning_until(on)))
        .order_by("valid_to", "pk")
        .values("id", "institution_id", "region_id", "kind", "valid_to")
    )
    return [{**row, "status": Status.EXPIRED if row["valid_to"] < on else Status.EXPIRING} for row in rows]


def counts_for(user, on: datetime.date | None = None) -> dict[str, int]:
    """``{"expiring": n, "expired": n}`` of the licences `user` sees that count (the 综合监管 card).
    One query (plus the user's region subtree, once per request)."""
    on = on or dates.today()
    return _counting(Licence.objects.visible_to(user).filter(valid_to__lte=warning_until(on))).aggregate(
        expiring=Count("pk", filter=Q(valid_to__gte=on)), expired=Count("pk", filter=Q(valid_to__lt=on))
    )


def counts_by_region(user, on: datetime.date | None = None) -> dict[int, dict[str, int]]:
    """``{region_id: {"expiring": n, "expired": n}}`` of the licences `user` sees that count; only
    regions with a row. One query."""
    on = on or dates.today()
    rows = (
        _counting(Licence.objects.visible_to(user).filter(valid_to__lte=warning_until(on)))
        .order_by()
        .values("region_id")
        .annotate(
            expiring=Count("pk", filter=Q(valid_to__gte=on)), expired=Count("pk", filter=Q(valid_to__lt=on))
        )
    )
    return {row["region_id"]: {"expiring": row["expiring"], "expired": row["expired"]} for row in rows}


# Writing -----------------------------------------------------------------------------------------


def can_write(user) -> bool:
    """District staff (for their unit's institutions) and institution users (for their own)."""
    return (
        user.is_authenticated
        and not user.is_superuser
        and user.role in WRITERS
        and user.region_id is not None
        and (user.role != Role.INSTITUTION or user.institution_id is not None)
    )


def clean_number(number: str) -> str:
    """The number as compared and stored: full-width characters made half-width, spaces removed."""
    return "".join(unicodedata.normalize("NFKC", number or "").split())


def _prepare(licence: Licence, *, by) -> None:
    errors: dict[str, list[str]] = {}
    if licence.institution_id is None:
        errors["institution"] = [_("Choose the institution.")]
    elif not Institution.objects.visible_to(by).filter(pk=licence.institution_id).exists():
        errors["institution"] = [_("Choose an institution of your own area.")]
    else:
        licence.region_id = licence.institution.region_id
    licence.number = clean_number(licence.number)
    if not licence.number:
        errors["number"] = [_("Enter the licence's number.")]
    licence.issuer = (licence.issuer or "").strip()
    if not licence.issuer:
        errors["issuer"] = [_("Enter who issued it.")]
    licence.title = (licence.title or "").strip() if licence.kind == Kind.OTHER else ""
    if licence.kind == Kind.OTHER and not licence.title:
        errors["title"] = [_("Name the document (for “Other”).")]
    licence.department = KIND_DEPARTMENT.get(licence.kind, "")
    if licence.valid_from is None:
        errors["valid_from"] = [_("Enter the first day it is valid.")]
    elif licence.valid_from > dates.today():
        errors["valid_from"] = [_("The first day of validity cannot be in the future.")]
    if licence.valid_from and licence.valid_to and licence.valid_to < licence.valid_from:
        errors["valid_to"] = [_("“Valid until” cannot be before “valid from”.")]
    if (
        "institution" not in errors
        and licence.number
        and Licence.objects.filter(
            institution_id=licence.institution_id, kind=licence.kind, number=licence.number
        )
        .exclude(pk=licence.pk)
        .exists()
    ):
        errors["number"] = [_("This institution already has a licence of this kind with this number.")]
    if errors:
        raise ValidationError(errors)


def _check_writer(by) -> None:
    if not can_write(by):
        raise PermissionDenied


def _save(licence: Licence, save) -> None:
    """Run `save()`; a duplicate saved by someone else at the same moment is refused like one found."""
    try:
        with transaction.atomic():
            save()
    except IntegrityError:
        raise ValidationError(
            {"number": [_("This institution already has a licence of this kind with this number.")]}
        ) from None


def _attach(licence: Licence, scans, by) -> None:
    for scan in scans:
        try:
            evidence_files.evidence_attach(owner=licence, file=scan, purpose=SCAN, by=by)
        except ValidationError as error:
            raise ValidationError({"scans": error.messages}) from None


@transaction.atomic
def create_licence(licence: Licence, *, by, scans=()) -> Licence:
    """Save a new licence recorded by `by` (district staff of the institution's unit or the
    institution's own user) with at least one scan. ValidationError naming the field."""
    _check_writer(by)
    _prepare(licence, by=by)
    if not scans:
        raise ValidationError({"scans": [_("Attach a scan or photo of the licence.")]})
    licence.created_by = by
    _save(licence, licence.save)
    _attach(licence, scans, by)
    return licence


@transaction.atomic
def update_licence(licence: Licence, *, by, expected_version: int, scans=()) -> Licence:
    """Save an edited licence if nobody saved it since `expected_version` (else the portal's
    ConcurrentEditError); further scans are added."""
    _check_writer(by)
    if not Licence.objects.visible_to(by).filter(pk=licence.pk).exists():
        raise PermissionDenied
    _prepare(licence, by=by)
    _save(licence, lambda: save_versioned(licence, expected_version=expected_version, by=by))
    _attach(licence, scans, by)
    return licence
