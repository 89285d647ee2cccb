"""综合监管 (issues 16 and 17): one entry in the navigation for the comprehensive-supervision
records — the 双随机 draws, inspection records and filing checks (institutions and departments: their
inspection results), complaints, incidents, drills, credit records, enforcement orders, licences, staff,
trainings and 一事一议 cases — each as a card with what the
reader has to act on, linking to its list. A card shows only to the roles its list serves, and its
counts come from the records the reader sees (`visible_to`): a constant number of queries (one per
card)."""

from dataclasses import dataclass

from django.shortcuts import render
from django.urls import reverse
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from complaints.models import Complaint
from complaints.models import Status as ComplaintStatus
from core import dates
from core.permissions import role_required
from core.roles import Role
from credit.models import CreditRecord
from credit.models import Kind as CreditKind
from emergencies.models import Incident
from enforcement.models import EnforcementOrder
from inspections.models import Draw, Inspection

READERS = (Role.CITY, Role.DISTRICT, Role.INSTITUTION, Role.DEPARTMENT)
DONE = ("drawn", "annulled")  # a draw's states after which nothing is left to do on it


@dataclass
class Card:
    title: str
    url: str
    icon: str
    lines: list  # (label, count, alarming)


def _cards(user) -> list[Card]:
    today = dates.today()
    cards = []
    role = user.role
    records = Inspection.objects.visible_to(user)
    if role in (Role.CITY, Role.DISTRICT):
        cards.append(
            Card(
                gettext_lazy("Random inspections"),
                reverse("inspections:draws"),
                "shuffle",
                [
                    (
                        _("Draws not yet drawn"),
                        Draw.objects.visible_to(user).exclude(status__in=DONE).count(),
                        False,
                    )
                ],
            )
        )
        cards.append(
            Card(
                gettext_lazy("Inspection records"),
                reverse("inspections:records"),
                "clipboard-check",
                [(_("Records not yet concluded"), records.filter(concluded_on__isnull=True).count(), False)],
            )
        )
        cards.append(
            Card(gettext_lazy("Filing checks"), reverse("inspections:filing_checks"), "calendar-check", [])
        )
    else:
        cards.append(
            Card(
                gettext_lazy("Inspection results"),
                reverse("inspections:records"),
                "clipboard-data",
                [(_("Inspection records"), records.count(), False)],
            )
        )
    if role in (Role.CITY, Role.DISTRICT, Role.DEPARTMENT):
        complaints = Complaint.objects.visible_to(user)
        cards.append(
            Card(
                gettext_lazy("Complaints and reports"),
                reverse("complaints:list"),
                "telephone-inbound",
                [
                    (
                        _("Not yet concluded"),
                        complaints.exclude(status=ComplaintStatus.CLOSED).count(),
                        False,
                    ),
                    (_("Overdue"), complaints.overdue(today).count(), True),
                ],
            )
        )
    incidents = Incident.objects.visible_to(user)
    cards.append(
        Card(
            gettext_lazy("Incidents"),
            reverse("emergencies:incidents"),
            "exclamation-octagon",
            [(_("Open incidents"), incidents.open().values("pk").distinct().count(), True)],
        )
    )
    if role in (Role.CITY, Role.DISTRICT, Role.INSTITUTION):
        cards.append(
            Card(
                gettext_lazy("Drills and awareness activities"),
                reverse("emergencies:drills" if role == Role.INSTITUTION else "emergencies:missing"),
                "megaphone",
                [],
            )
        )
    cards.append(
        Card(
            gettext_lazy("Credit records"),
            reverse("credit:list"),
            "patch-exclamation",
            [
                (
                    _("Dishonesty records in force"),
                    CreditRecord.objects.visible_to(user)
                    .in_force(today)
                    .filter(kind=CreditKind.DISHONEST)
                    .count(),
                    True,
                )
            ],
        )
    )
    cards.append(
        Card(
            gettext_lazy("Enforcement"),
            reverse("enforcement:list"),
            "slash-circle",
            [(_("Orders in force"), EnforcementOrder.objects.visible_to(user).in_force(today).count(), True)],
        )
    )
    from licences.services import counts_for as licence_counts

    licences = licence_counts(user, today)
    cards.append(
        Card(
            gettext_lazy("Licences and certificates"),
            reverse("licences:list") + "?status=expiring"
            if role == Role.INSTITUTION
            else reverse("licences:due"),
            "file-earmark-check",
            [
                (_("Expiring within 30 days"), licences["expiring"], False),
                (_("Expired"), licences["expired"], True),
            ],
        )
    )
    if role in (Role.CITY, Role.DISTRICT, Role.INSTITUTION):
        from staff.services import counts_for as staff_counts

        staff = staff_counts(user, today)
        cards.append(
            Card(
                gettext_lazy("Staff"),
                reverse("staff:list"),
                "people",
                [
                    (_("Banned persons on staff"), staff["banned_on_staff"], True),
                    (_("Qualification missing or expired"), staff["qualifications_missing"], True),
                    (_("Certificates expiring within 30 days"), staff["qualifications_expiring"], False),
                ],
            )
        )
    if role in (Role.CITY, Role.DISTRICT, Role.INSTITUTION):
        from trainings.services import counts_for as training_counts

        trainings = training_counts(user, today)
        cards.append(
            Card(
                gettext_lazy("Trainings"),
                reverse("trainings:list"),
                "mortarboard",
                [
                    (_("Sessions this year"), trainings["year"], False),
                    (_("Participants this year"), trainings["participants"], False),
                ],
            )
        )
    if role in (Role.CITY, Role.DISTRICT):
        from fireacceptance.services import counts_for as case_counts

        cases = case_counts(user, today)
        cards.append(
            Card(
                gettext_lazy("One-matter-one-discussion cases"),
                reverse("fireacceptance:list"),
                "building-check",
                [
                    (_("Not yet submitted to the government"), cases["pending"], False),
                    (_("Not yet resolved"), cases["open"], False),
                ],
            )
        )
    return cards


@role_required(*READERS)
def supervision(request):
    return render(request, "dashboards/supervision.html", {"cards": _cards(request.user)})
