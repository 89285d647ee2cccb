"""投诉举报 (issue 17 item 1): intake by civil-affairs staff, routing to the competent department,
a handling deadline in working days, the result and the reply to the complainant, repeats.

Source: measure 二 of the Liaoning 2021 measures (004_1e8d291cb6ab1272.txt): "畅通群众监督渠道，
优化养老服务投诉举报受理流程，实现'民政牵头、归口负责'" — civil affairs takes every complaint in and
hands each to the department competent for it; measure 五: "依法依规从严惩处养老服务机构欺老、虐老等
侵害老年人合法权益的行为" (elder abuse goes to the police, `core.roles.Department.POLICE`); measure 十一:
institutions with many complaints are drawn more often (`complaints.services.counts_by_institution`).

The complainant's name and contact are private: lists show them masked (138****5678, 张*), the
detail page shows them in full only to city and district staff whose scope holds the complaint,
and a department's users never see them (see `complaints.privacy`).
"""

import datetime

from django.db import models
from django.db.models import BooleanField, Case, Exists, OuterRef, Q, Value, When
from django.utils.translation import gettext_lazy as _
from django.utils.translation import pgettext_lazy

from core import dates
from core.models import TimeStampedModel, VersionedModel
from core.roles import Department
from core.scoping import ScopedQuerySet

#: Same institution and category within this many days before the receipt: a repeat complaint.
REPEAT_WINDOW_DAYS = 90
#: The default handling deadline: this many working days after the day of receipt.
HANDLING_WORKING_DAYS = 15


class Channel(models.TextChoices):
    HOTLINE = "hotline", pgettext_lazy("complaint channel", "12345 hotline")
    PHONE = "phone", pgettext_lazy("complaint channel", "Telephone")
    LETTER = "letter", pgettext_lazy("complaint channel", "Letter")
    VISIT = "visit", pgettext_lazy("complaint channel", "Visit in person")
    ONLINE = "online", pgettext_lazy("complaint channel", "Online")
    DEPARTMENT = "department", pgettext_lazy("complaint channel", "Handed over by a department")
    OTHER = "other", pgettext_lazy("complaint channel", "Other")


class Category(models.TextChoices):
    SERVICE = "service", pgettext_lazy("complaint category", "Quality of service")
    SAFETY = "safety", pgettext_lazy("complaint category", "Safety hazard")
    ABUSE = "abuse", pgettext_lazy("complaint category", "Elder abuse and mistreatment")
    FEES = "fees", pgettext_lazy("complaint category", "Fees and charges")
    FIRE = "fire", pgettext_lazy("complaint category", "Fire safety")
    FOOD = "food", pgettext_lazy("complaint category", "Food safety")
    MEDICAL = "medical", pgettext_lazy("complaint category", "Medical care")
    OTHER = "other", pgettext_lazy("complaint category", "Other")


class Status(models.TextChoices):
    RECEIVED = "received", pgettext_lazy("complaint status", "Received")
    HANDLING = "handling", pgettext_lazy("complaint status", "Being handled")
    CLOSED = "closed", pgettext_lazy("complaint status", "Closed")


#: The department a category suggests when it is routed (the routing form's initial choice; staff
#: may choose another or none). 欺老虐老 → public security (measure 五, Anshan item 27); the others as
#: the hazard referrals name them.
SUGGESTED_DEPARTMENT = {
    Category.ABUSE: Department.POLICE,
    Category.FIRE: Department.EMERGENCY,
    Category.FOOD: Department.MARKET,
    Category.MEDICAL: Department.HEALTH,
}

#: The hazard category a complaint's category becomes when it raises a hazard.
HAZARD_CATEGORY = {
    Category.ABUSE: "elder_abuse",
    Category.FIRE: "fire",
    Category.FOOD: "food",
    Category.MEDICAL: "medical",
}


def repeat_window(received_on: datetime.date) -> datetime.date:
    """The first day of the repeat window of a complaint received on `received_on` (90 days
    before it: a complaint 90 days earlier is a repeat, one 91 days earlier is not)."""
    return received_on - datetime.timedelta(days=REPEAT_WINDOW_DAYS)


class ComplaintQuerySet(ScopedQuerySet):
    region_lookup = "region"
    institution_lookup = None  # the complainant's privacy: institution users see no complaint
    department_lookup = "department"  # a department's users: the complaints routed to them

    def earlier_of(self, complaint: "Complaint") -> "ComplaintQuerySet":
        """Complaints about the same institution and category received within the 90 days before
        `complaint` (the same day counts when recorded earlier)."""
        received = complaint.received_on
        return self.filter(
            Q(received_on__lt=received) | Q(received_on=received, pk__lt=complaint.pk),
            institution_id=complaint.institution_id,
            category=complaint.category,
            received_on__gte=repeat_window(received),
        ).exclude(pk=complaint.pk)

    def with_flags(self, on: datetime.date | None = None) -> "ComplaintQuerySet":
        """Annotate `is_repeat` (an earlier complaint about the same institution and category
        within 90 days, whoever may read it) and `is_overdue` (past the deadline, not closed)."""
        today = on or dates.today()
        earlier = Complaint.objects.filter(
            Q(received_on__lt=OuterRef("received_on"))
            | Q(received_on=OuterRef("received_on"), pk__lt=OuterRef("pk")),
            institution_id=OuterRef("institution_id"),
            category=OuterRef("category"),
            received_on__gte=OuterRef("repeat_from"),
        )
        return self.annotate(
            repeat_from=models.ExpressionWrapper(
                models.F("received_on") - datetime.timedelta(days=REPEAT_WINDOW_DAYS),
                output_field=models.DateField(),
            ),
        ).annotate(
            is_repeat=Exists(earlier),
            is_overdue=Case(
                When(Q(deadline__lt=today) & ~Q(status=Status.CLOSED), then=Value(True)),
                default=Value(False),
                output_field=BooleanField(),
            ),
        )

    def overdue(self, on: datetime.date | None = None) -> "ComplaintQuerySet":
        return self.filter(deadline__lt=on or dates.today()).exclude(status=Status.CLOSED)


class Complaint(TimeStampedModel, VersionedModel):
    """One complaint or report (投诉举报) about an institution, from intake to the reply."""

    Channel = Channel
    Category = Category
    Status = Status

    channel = models.CharField(_("channel"), max_length=16, choices=Channel.choices)
    received_on = models.DateField(_("received on"))
    complainant_name = models.CharField(
        _("complainant's name"),
        max_length=64,
        blank=True,
        help_text=_("Leave empty for an anonymous report."),
    )
    complainant_contact = models.CharField(
        _("complainant's contact"),
        max_length=64,
        blank=True,
        help_text=_("Telephone or address; kept private, shown masked in lists."),
    )
    institution = models.ForeignKey(
        "institutions.Institution",
        verbose_name=_("institution"),
        on_delete=models.PROTECT,
        related_name="complaints",
    )
    # The institution's region, copied on save: complaints are scoped per region.
    region = models.ForeignKey(
        "core.Region", verbose_name=_("region"), on_delete=models.PROTECT, related_name="+", editable=False
    )
    category = models.CharField(
        pgettext_lazy("complaint", "category"), max_length=16, choices=Category.choices
    )
    content = models.TextField(_("content of the complaint"))

    # Routing (归口负责): blank = civil affairs handles it itself.
    department = models.CharField(
        _("competent department"), max_length=16, choices=Department.choices, blank=True, editable=False
    )
    routed_on = models.DateField(_("routed on"), null=True, blank=True, editable=False)
    deadline = models.DateField(_("handling deadline"))
    status = models.CharField(
        _("status"), max_length=16, choices=Status.choices, default=Status.RECEIVED, editable=False
    )
    result = models.TextField(_("handling result"), blank=True, editable=False)
    result_on = models.DateField(_("result recorded on"), null=True, blank=True, editable=False)
    reply = models.TextField(_("reply to the complainant"), blank=True, editable=False)
    replied_on = models.DateField(_("replied on"), null=True, blank=True, editable=False)
    closed_on = models.DateField(_("closed on"), null=True, blank=True, editable=False)

    hazard = models.OneToOneField(
        "hazards.Hazard",
        verbose_name=_("hazard raised"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="complaint",
        editable=False,
    )
    created_by = models.ForeignKey(
        "accounts.User",
        verbose_name=_("recorded by"),
        on_delete=models.PROTECT,
        related_name="+",
        editable=False,
    )

    objects = ComplaintQuerySet.as_manager()

    class Meta:
        ordering = ["-received_on", "-pk"]
        verbose_name = _("complaint")
        verbose_name_plural = _("complaints")
        indexes = [
            models.Index(fields=["region", "received_on", "id"], name="complaint_region_idx"),
            models.Index(fields=["institution", "category", "received_on"], name="complaint_repeat_idx"),
            models.Index(fields=["department", "region"], name="complaint_department_idx"),
        ]

    def __str__(self):
        return f"{self.number} {self.get_category_display()}"

    @property
    def number(self) -> str:
        """The complaint's number as pages show it, e.g. TS000012."""
        return f"TS{self.pk:06d}" if self.pk else ""

    @property
    def is_open(self) -> bool:
        return self.status != Status.CLOSED

    @property
    def suggested_department(self) -> str:
        return SUGGESTED_DEPARTMENT.get(self.category, "")

    def save(self, *args, **kwargs):
        if self.institution_id:
            self.region_id = self.institution.region_id
        super().save(*args, **kwargs)
