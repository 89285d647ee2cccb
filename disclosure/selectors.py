"""Reads of the disclosure app: the rows a list would publish now, and what the public sees.

The whitelist lives here: a row is built from `.values()` of the public columns only, so a private
field (phone, legal representative, credit code, notes, residents' figures) is never even read.
"""

from dataclasses import dataclass, field
from datetime import datetime

from django.db.models import Max, Q
from django.utils.dateparse import parse_date
from django.utils.translation import gettext as _

from core.models import Region
from core.roles import Role
from disclosure.models import ITEM_9_QUOTE, KEY_TASK_3_QUOTE, Publication, SupportPolicy, kinds_for
from institutions.models import FilingStatus, Institution, Nature, RegistrationForm

Kind = Publication.Kind
HISTORY_LENGTH = 5  # earlier publication dates shown under each public list

# A city first, then its county-level units in their official order (`Region.sort_key`).
REGION_ORDER = ("sort_key",)


def manageable_regions(user):
    """The regions whose lists `user` keeps and publishes: district staff their own unit, city staff
    the city and every county-level unit in it, superusers every such region."""
    if not user.is_authenticated or not (user.is_superuser or user.role in (Role.CITY, Role.DISTRICT)):
        return Region.objects.none()
    return Region.objects.visible_to(user).filter(
        Q(kind__in=Region.COUNTY_LEVEL_KINDS) | Q(kind=Region.Kind.CITY)
    )


REGISTERED_FORMS = [form for form in RegistrationForm.values if form != RegistrationForm.UNREGISTERED]


def filed_institutions(region: Region):
    """Item 7: operating institutions (`Institution.objects.operating()`) of the region that are
    registered or filed."""
    return (
        Institution.objects.filter(region=region)
        .operating()
        .filter(Q(filing_status=FilingStatus.FILED) | Q(registration_form__in=REGISTERED_FORMS))
    )


def unfiled_institutions(region: Region):
    """Item 8: operating institutions (`Institution.objects.operating()`) of the region the bureau
    knows to be unregistered or unfiled."""
    return (
        Institution.objects.filter(region=region)
        .operating()
        .filter(Q(registration_form=RegistrationForm.UNREGISTERED) | Q(filing_status=FilingStatus.UNFILED))
    )


def _status(values: dict) -> dict:
    return {
        "registered": values["registration_form"] in REGISTERED_FORMS,
        "filed": values["filing_status"] == FilingStatus.FILED,
    }


def current_rows(region: Region, kind: str) -> list[dict]:
    """The public rows of `kind` for `region` as they would be published now (JSON-ready)."""
    if kind == Kind.FILED:
        columns = ("name", "address", "nature", "beds", "star_rating", "registration_form", "filing_status")
        return [
            {
                "name": values["name"],
                "address": values["address"],
                "nature": values["nature"],
                "beds": values["beds"],
                "star_rating": values["star_rating"],
                **_status(values),
            }
            for values in filed_institutions(region).order_by("name").values(*columns)
        ]
    if kind == Kind.UNFILED:
        columns = ("name", "address", "unfiled_found_on", "registration_form", "filing_status")
        return [
            {
                "name": values["name"],
                "address": values["address"],
                "found_on": values["unfiled_found_on"].isoformat() if values["unfiled_found_on"] else None,
                **_status(values),
            }
            for values in unfiled_institutions(region).order_by("name").values(*columns)
        ]
    if kind == Kind.POLICIES:
        columns = ("pk", "title", "issuing_body", "issued_on", "url", "original_filename", "file_sha256")
        return [
            {
                "id": values["pk"],
                "title": values["title"],
                "issuing_body": values["issuing_body"],
                "issued_on": values["issued_on"].isoformat(),
                "url": values["url"],
                "file_name": values["original_filename"] if values["file_sha256"] else "",
                "file_sha256": values["file_sha256"],
            }
            for values in SupportPolicy.objects.filter(region=region)
            .order_by("-issued_on", "title", "pk")
            .values(*columns)
        ]
    raise ValueError(kind)


# Display -----------------------------------------------------------------------------------------


def status_label(row: dict) -> str:
    if row["registered"] and row["filed"]:
        return _("Registered and filed")
    if row["registered"]:
        return _("Registered, not filed")
    if row["filed"]:
        return _("Filed, not registered")
    return _("Neither registered nor filed")


def display_rows(kind: str, rows: list[dict], downloadable: frozenset[int] = frozenset()) -> list[dict]:
    """Rows with what a template needs: choice labels, dates as dates, file links."""
    natures = dict(Nature.choices)
    shown = []
    for row in rows:
        if kind == Kind.FILED:
            shown.append(
                {
                    **row,
                    "nature_label": natures.get(row["nature"], row["nature"]),
                    "status": status_label(row),
                }
            )
        elif kind == Kind.UNFILED:
            found_on = parse_date(row["found_on"]) if row["found_on"] else None
            shown.append({**row, "found_on": found_on, "status": status_label(row)})
        else:
            shown.append(
                {**row, "issued_on": parse_date(row["issued_on"]), "downloadable": row["id"] in downloadable}
            )
    return shown


def legal_basis(kind: str) -> str:
    return ITEM_9_QUOTE if kind == Kind.POLICIES else KEY_TASK_3_QUOTE


def published_files(publication: Publication | None) -> frozenset[int]:
    """Ids of the policies of a published policy list whose file is still the one published."""
    if publication is None or publication.kind != Kind.POLICIES:
        return frozenset()
    published = {row["id"]: row["file_sha256"] for row in publication.snapshot if row.get("file_sha256")}
    if not published:
        return frozenset()
    current = (
        SupportPolicy.objects.filter(region_id=publication.region_id, pk__in=published)
        .order_by()
        .values_list("pk", "file_sha256")
    )
    return frozenset(pk for pk, sha256 in current if sha256 == published[pk])


def is_published_file(policy: SupportPolicy) -> bool:
    """Is this policy's current file part of the latest published policy list of its region?"""
    if not policy.file_sha256:
        return False
    latest = (
        Publication.objects.filter(region_id=policy.region_id, kind=Kind.POLICIES)
        .order_by("-published_at", "-pk")
        .first()
    )
    return latest is not None and any(
        row.get("id") == policy.pk and row.get("file_sha256") == policy.file_sha256 for row in latest.snapshot
    )


@dataclass
class PublicList:
    kind: str
    label: str
    item: int
    legal_basis: str
    publication: Publication | None
    rows: list[dict]
    earlier: list[datetime] = field(default_factory=list)


def public_lists(region: Region) -> list[PublicList]:
    """What the public page of `region` shows: per list, the latest publication's rows and date,
    and the dates of earlier publications. A fixed number of queries, whatever the list sizes."""
    latest = Publication.objects.latest_per_kind(region)
    dates: dict[str, list[datetime]] = {}
    for kind, published_at in (
        Publication.objects.filter(region=region)
        .order_by("-published_at", "-pk")
        .values_list("kind", "published_at")
    ):
        dates.setdefault(kind, []).append(published_at)
    downloadable = published_files(latest.get(Kind.POLICIES))
    lists = []
    for kind in kinds_for(region):
        publication = latest.get(kind)
        lists.append(
            PublicList(
                kind=kind,
                label=Kind(kind).label,
                item=Publication.ITEMS[kind],
                legal_basis=legal_basis(kind),
                publication=publication,
                rows=display_rows(kind, publication.snapshot, downloadable) if publication else [],
                earlier=dates.get(kind, [])[1 : 1 + HISTORY_LENGTH],
            )
        )
    return lists


@dataclass
class Changes:
    added: int = 0
    removed: int = 0
    changed: int = 0

    @property
    def any(self) -> bool:
        return bool(self.added or self.removed or self.changed)


def changes_since(kind: str, published: list[dict], current: list[dict]) -> Changes:
    """How the rows to publish now differ from the rows last published."""
    key = "id" if kind == Kind.POLICIES else "name"
    old = {row.get(key): row for row in published}
    new = {row.get(key): row for row in current}
    return Changes(
        added=len(new.keys() - old.keys()),
        removed=len(old.keys() - new.keys()),
        changed=sum(1 for k in new.keys() & old.keys() if new[k] != old[k]),
    )


def latest_dates(regions) -> dict[tuple[int, str], datetime]:
    """{(region id, kind): date of the latest publication} for the given regions, in one query."""
    rows = (
        Publication.objects.filter(region__in=regions)
        .values("region_id", "kind")
        .annotate(last=Max("published_at"))
        .order_by()
    )
    return {(row["region_id"], row["kind"]): row["last"] for row in rows}
