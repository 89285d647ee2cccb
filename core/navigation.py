"""The header navigation: one list, each entry naming the roles that may use it; an entry that
holds one of the role's review queues (dashboards.queues) carries its count."""

from dataclasses import dataclass

from django.urls import reverse
from django.utils.functional import Promise
from django.utils.translation import gettext_lazy as _

from core.roles import Role

ALL_STAFF = (Role.CITY, Role.DISTRICT, Role.INSTITUTION, Role.DEPARTMENT, Role.ADMIN)


@dataclass(frozen=True)
class NavEntry:
    label: Promise
    url_name: str
    roles: tuple[str, ...]
    icon: str = ""


NAVIGATION = (
    NavEntry(_("Home"), "core:home", ALL_STAFF, "house"),
    NavEntry(_("Institutions"), "institutions:list", (Role.CITY, Role.DISTRICT, Role.ADMIN), "building"),
    NavEntry(_("Self-report"), "institutions:self_report", (Role.INSTITUTION,), "clipboard-check"),
    NavEntry(
        _("Self-reports"), "institutions:self_report_list", (Role.CITY, Role.DISTRICT), "clipboard-check"
    ),
    NavEntry(
        _("Hazard ledger"),
        "hazards:list",
        (Role.CITY, Role.DISTRICT, Role.INSTITUTION, Role.DEPARTMENT, Role.ADMIN),
        "exclamation-triangle",
    ),
    # The city comes to the 30 items for the matrix (every unit's answers, its review queue); its
    # own four items' checklist is one click away on the matrix page.
    NavEntry(_("The 30 items"), "checklist:matrix", (Role.CITY,), "grid-3x3"),
    NavEntry(_("The 30 items"), "checklist:index", (Role.DISTRICT,), "list-check"),
    NavEntry(_("Summary report"), "reports:summary", (Role.DISTRICT,), "file-earmark-text"),
    NavEntry(_("Summary reports"), "reports:summary_list", (Role.CITY, Role.ADMIN), "file-earmark-check"),
    NavEntry(_("Random inspections"), "inspections:draws", (Role.ADMIN,), "shuffle"),
    # Issues 16 and 17: the draws and inspection records, complaints, incidents, drills, credit and
    # enforcement behind one entry (the header has one line's room): a page of cards with what each
    # reader has to act on (dashboards/supervision.py).
    NavEntry(
        _("Comprehensive supervision"),
        "dashboards:supervision",
        (Role.CITY, Role.DISTRICT, Role.INSTITUTION, Role.DEPARTMENT),
        "shield-check",
    ),
    NavEntry(_("Campaigns"), "campaign:list", ALL_STAFF, "journal-text"),
    NavEntry(
        _("Public disclosure"), "disclosure:manage", (Role.CITY, Role.DISTRICT, Role.ADMIN), "megaphone"
    ),
    NavEntry(_("Administration"), "admin:index", (Role.ADMIN,), "gear"),
)


def entries_for(user, queues: dict | None = None) -> list[dict]:
    """The user's entries in order, each {"label", "url", "icon", "url_name"}. `queues`: {url name:
    queue} (dashboards.queues.entry_queues); an entry holding a queue also gets "count" (how many
    rows wait), "count_label" (what they are), "queue" (its key) and "url" the list filtered to
    them when any wait."""
    if not user.is_authenticated:
        return []
    role = Role.ADMIN if user.is_superuser else user.role
    entries = [
        {"label": entry.label, "url": reverse(entry.url_name), "icon": entry.icon, "url_name": entry.url_name}
        for entry in NAVIGATION
        if role in entry.roles
    ]
    for entry in entries:
        queue = (queues or {}).get(entry["url_name"])
        if queue is not None:
            entry.update(count=queue.count, count_label=queue.label, url=queue.url, queue=queue.key)
    return entries
