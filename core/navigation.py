"""The header navigation: one list, each entry naming the roles that may use it."""

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
        _("Hazard ledger"),
        "hazards:list",
        (Role.CITY, Role.DISTRICT, Role.INSTITUTION, Role.DEPARTMENT, Role.ADMIN),
        "exclamation-triangle",
    ),
    NavEntry(_("The 30 items"), "checklist:index", (Role.CITY, Role.DISTRICT), "list-check"),
    NavEntry(_("Summary report"), "reports:summary", (Role.DISTRICT,), "file-earmark-text"),
    NavEntry(_("Summary reports"), "reports:summary_list", (Role.CITY, Role.ADMIN), "file-earmark-check"),
    NavEntry(_("Campaigns"), "campaign:list", ALL_STAFF, "journal-text"),
    NavEntry(
        _("Public disclosure"), "disclosure:manage", (Role.CITY, Role.DISTRICT, Role.ADMIN), "megaphone"
    ),
    NavEntry(_("Administration"), "admin:index", (Role.ADMIN,), "gear"),
)


def entries_for(user) -> list[dict]:
    if not user.is_authenticated:
        return []
    role = Role.ADMIN if user.is_superuser else user.role
    return [
        {"label": entry.label, "url": reverse(entry.url_name), "icon": entry.icon, "url_name": entry.url_name}
        for entry in NAVIGATION
        if role in entry.roles
    ]
