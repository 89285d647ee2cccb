"""The hazard ledger (风险隐患整治工作台账): each hazard with its rectification task, the responsible
unit and person, the deadline, and its way from 待整改 to 已销号.

Overdue is never stored: `HazardQuerySet.with_overdue()` derives it from the deadline and today in
Asia/Shanghai. Every status change, deadline change, referral and reply is a `HazardEvent`;
field-level history comes from django-simple-history.
"""

from django.contrib.contenttypes.fields import GenericRelation
from django.core.exceptions import ValidationError
from django.db import models
from django.db.models import BooleanField, Case, Exists, F, OuterRef, Q, Value, When
from django.utils.translation import gettext_lazy as _
from simple_history.models import HistoricalRecords

from core import dates
from core.fields import PhoneField
from core.models import TimeStampedModel, VersionedModel
from core.roles import Department
from core.scoping import ScopedQuerySet
from institutions.models import RISKS

# Categories: the fields of the 2021 measures (建筑, 消防, 食品, 医疗卫生, 特种设备), the notice's
# special concerns (非法集资, 欺老虐老) and the nine risks of GB 38600, each its own category.
CATEGORIES = (
    ("fire", _("Fire safety")),
    ("food", _("Food safety")),
    ("building", _("Building safety in use")),
    ("medical", _("Medical and health")),
    ("special_equipment", _("Special equipment")),
    ("illegal_fundraising", _("Illegal fund-raising")),
    ("elder_abuse", _("Elder abuse and mistreatment")),
    *RISKS,
    ("other", _("Other")),
)


class Severity(models.TextChoices):
    GENERAL = "general", _("General")
    MAJOR = "major", _("Major")


class Source(models.TextChoices):
    SELF_CHECK = "self_check", _("Self-inspection by the institution")
    SURVEY = "survey", _("Hazard survey")
    RANDOM_CHECK = "random_check", _("Random inspection (双随机)")
    COMPLAINT = "complaint", _("Complaint or report")
    DEPARTMENT = "department", _("Handed over by a department")
    SUPERVISION = "supervision", _("Supervision visit")
    OTHER = "other", _("Other")


class Status(models.TextChoices):
    PENDING = "pending", _("To be rectified")
    IN_PROGRESS = "in_progress", _("Being rectified")
    AWAITING_VERIFICATION = "awaiting_verification", _("Rectified, awaiting verification")
    CLOSED = "closed", _("Closed")


OPEN_STATUSES = (Status.PENDING, Status.IN_PROGRESS, Status.AWAITING_VERIFICATION)


def closed_last() -> Case:
    """0 for an open hazard, 1 for a closed one: the first key of the ledger's default order. The
    ledger's indexes hold this very expression (`Hazard.Meta.indexes`), so PostgreSQL reads a page
    of the ledger in order from the index instead of sorting every row; change both together."""
    return Case(When(status=Status.CLOSED, then=Value(1)), default=Value(0))


class HazardQuerySet(ScopedQuerySet):
    region_lookup = "region"
    institution_lookup = "institution"
    department_lookup = "referrals__department"  # at most one referral per department (constraint)

    def live(self):
        """Hazards not deleted (a deleted hazard keeps its rows and files until it is purged)."""
        return self.filter(deleted_at__isnull=True)

    def overdue(self, on=None):
        """Past the deadline (the deadline day itself still counts as in time) and not closed."""
        return self.filter(deadline__lt=on or dates.today()).exclude(status=Status.CLOSED)

    def with_overdue(self, on=None):
        today = on or dates.today()
        return self.annotate(
            is_overdue=Case(
                When(Q(deadline__lt=today) & ~Q(status=Status.CLOSED), then=Value(True)),
                default=Value(False),
                output_field=BooleanField(),
            ),
            is_extended=Exists(DeadlineChange.objects.filter(hazard=OuterRef("pk"))),
        )


class Hazard(TimeStampedModel, VersionedModel):
    Status = Status
    Severity = Severity
    Source = Source

    code = models.CharField(
        _("ledger number"),
        max_length=32,
        unique=True,
        help_text=_("Given by the portal, e.g. 210302-2026-0001; an imported ledger keeps its numbers."),
    )
    institution = models.ForeignKey(
        "institutions.Institution",
        verbose_name=_("institution"),
        on_delete=models.PROTECT,
        related_name="hazards",
    )
    # The institution's region, copied on save: the ledger is kept (and scoped) per region.
    region = models.ForeignKey(
        "core.Region",
        verbose_name=_("region"),
        on_delete=models.PROTECT,
        related_name="hazards",
        editable=False,
    )
    category = models.CharField(_("category"), max_length=24, choices=CATEGORIES)
    severity = models.CharField(
        _("severity"), max_length=8, choices=Severity.choices, default=Severity.GENERAL
    )
    source = models.CharField(_("source"), max_length=16, choices=Source.choices)
    description = models.TextField(_("hazard description"))
    found_on = models.DateField(_("found on"))
    measures = models.TextField(_("rectification measures"), blank=True)
    responsible_unit = models.CharField(_("responsible unit"), max_length=128)
    responsible_person = models.CharField(_("responsible person"), max_length=64)
    responsible_phone = PhoneField(_("responsible person's phone"), max_length=32, blank=True)
    deadline = models.DateField(_("rectification deadline"))
    original_deadline = models.DateField(_("original deadline"), editable=False)
    status = models.CharField(
        _("status"), max_length=24, choices=Status.choices, default=Status.PENDING, editable=False
    )

    # Verification and closing (核查、销号) by district staff.
    verified_by = models.ForeignKey(
        "accounts.User",
        verbose_name=_("verified by"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="+",
        editable=False,
    )
    verified_at = models.DateTimeField(_("verified at"), null=True, blank=True, editable=False)
    verification_opinion = models.TextField(_("verification opinion"), blank=True, editable=False)
    closed_on = models.DateField(_("closed on"), null=True, blank=True, editable=False)

    # Major fire hazards (重大火灾隐患) are determined by the fire-rescue authority; the 2021
    # measures ask that they be put under listed supervision (挂牌督办) by the government.
    is_major_fire = models.BooleanField(_("major fire hazard"), default=False)
    major_determined_by = models.CharField(_("determined by"), max_length=128, blank=True)
    major_determined_on = models.DateField(_("determined on"), null=True, blank=True)
    is_listed = models.BooleanField(_("listed supervision (挂牌督办)"), default=False)
    listed_by = models.CharField(_("supervising body"), max_length=128, blank=True)
    listed_on = models.DateField(_("listed on"), null=True, blank=True)

    created_by = models.ForeignKey(
        "accounts.User",
        verbose_name=_("recorded by"),
        on_delete=models.PROTECT,
        related_name="+",
        editable=False,
    )
    deleted_at = models.DateTimeField(_("deleted at"), null=True, blank=True, editable=False)
    deleted_by = models.ForeignKey(
        "accounts.User",
        verbose_name=_("deleted by"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="+",
        editable=False,
    )
    delete_reason = models.CharField(_("reason for deletion"), max_length=255, blank=True, editable=False)

    evidence = GenericRelation("core.Evidence", content_type_field="owner_type", object_id_field="owner_id")

    objects = HazardQuerySet.as_manager()
    history = HistoricalRecords(excluded_fields=["version", "updated_at"])

    class Meta:
        ordering = ["deadline", "pk"]
        verbose_name = _("hazard")
        verbose_name_plural = _("hazards")
        indexes = [
            models.Index(fields=["region", "status", "deadline"], name="hazard_region_status_idx"),
            models.Index(fields=["institution", "status"], name="hazard_institution_idx"),
            # The ledger's default order (open first, nearest deadline, id) among live hazards:
            # per region for a district (region_id = …), across regions for a city, a
            # department and superusers (region_id IN … checked on the rows read in order).
            models.Index(
                F("region"),
                closed_last(),
                F("deadline"),
                F("id"),
                name="hazard_ledger_region_idx",
                condition=Q(deleted_at__isnull=True),
            ),
            models.Index(
                closed_last(),
                F("deadline"),
                F("id"),
                name="hazard_ledger_idx",
                condition=Q(deleted_at__isnull=True),
            ),
            # The three lists' order (Meta.ordering: deadline, id) among live hazards.
            models.Index(
                fields=["region", "deadline", "id"],
                name="hazard_lists_region_idx",
                condition=Q(deleted_at__isnull=True),
            ),
            models.Index(
                fields=["deadline", "id"], name="hazard_lists_idx", condition=Q(deleted_at__isnull=True)
            ),
            # The status counts above the ledger (hazards.views.grouped_counts: GROUP BY status,
            # listed, deadline passed) read this index alone (an index-only scan) for any scope.
            models.Index(
                fields=["region", "status", "is_listed", "deadline"],
                name="hazard_counts_idx",
                condition=Q(deleted_at__isnull=True),
            ),
        ]

    def __str__(self):
        return f"{self.code} {self.get_category_display()}"

    def save(self, *args, **kwargs):
        if self.institution_id:
            self.region_id = self.institution.region_id
        if self.original_deadline is None:
            self.original_deadline = self.deadline
        super().save(*args, **kwargs)

    def clean(self):
        errors = {}
        if self.found_on and self.found_on > dates.today():
            errors["found_on"] = _("A hazard cannot be found in the future.")
        if self.found_on and self.deadline and self.deadline < self.found_on:
            errors["deadline"] = _("The deadline cannot be earlier than the day the hazard was found.")
        if self.is_major_fire:
            if self.category != "fire":
                errors["is_major_fire"] = _("Only a fire-safety hazard can be a major fire hazard.")
            if not self.major_determined_by:
                errors["major_determined_by"] = _(
                    "A major fire hazard is determined by the fire-rescue authority: name it."
                )
            if not self.major_determined_on:
                errors["major_determined_on"] = _("Enter the date it was determined.")
        elif self.major_determined_by or self.major_determined_on:
            errors["is_major_fire"] = _("Tick “major fire hazard” or clear who determined it and when.")
        if self.is_listed and not self.listed_by:
            errors["listed_by"] = _("Name the body that supervises this hazard (e.g. the city government).")
        if self.listed_by and not self.is_listed:
            errors["is_listed"] = _("Tick “listed supervision” or clear the supervising body.")
        if errors:
            raise ValidationError(errors)

    @property
    def is_open(self) -> bool:
        return self.status != Status.CLOSED

    def overdue_on(self, on=None) -> bool:
        return self.is_open and self.deadline < (on or dates.today())


class DeadlineChange(models.Model):
    """An extension (or shortening) of a deadline: the old and new dates and why, never a silent edit."""

    hazard = models.ForeignKey(Hazard, on_delete=models.CASCADE, related_name="deadline_changes")
    old_deadline = models.DateField(_("old deadline"))
    new_deadline = models.DateField(_("new deadline"))
    reason = models.CharField(_("reason"), max_length=255)
    changed_by = models.ForeignKey("accounts.User", on_delete=models.PROTECT, related_name="+")
    changed_at = models.DateTimeField(_("changed at"), auto_now_add=True)

    class Meta:
        ordering = ["changed_at", "pk"]
        verbose_name = _("deadline change")
        verbose_name_plural = _("deadline changes")

    def __str__(self):
        return f"{self.old_deadline} → {self.new_deadline}"


class ReferralQuerySet(ScopedQuerySet):
    region_lookup = "hazard__region"
    institution_lookup = None  # a written notice between authorities
    department_lookup = "department"


class Referral(TimeStampedModel):
    """书面告知: the civil-affairs bureau's written notice of a hazard to the competent department,
    and the department's reply."""

    hazard = models.ForeignKey(Hazard, on_delete=models.CASCADE, related_name="referrals")
    department = models.CharField(_("department"), max_length=16, choices=Department.choices)
    referred_on = models.DateField(_("notified on"))
    note = models.TextField(_("what is asked of the department"), blank=True)
    referred_by = models.ForeignKey(
        "accounts.User", verbose_name=_("notified by"), on_delete=models.PROTECT, related_name="+"
    )
    reply = models.TextField(_("department's reply"), blank=True)
    replied_on = models.DateField(_("replied on"), null=True, blank=True)
    replied_by = models.ForeignKey(
        "accounts.User",
        verbose_name=_("replied by"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="+",
    )

    evidence = GenericRelation("core.Evidence", content_type_field="owner_type", object_id_field="owner_id")

    objects = ReferralQuerySet.as_manager()

    class Meta:
        ordering = ["referred_on", "pk"]
        verbose_name = _("referral")
        verbose_name_plural = _("referrals")
        constraints = [
            models.UniqueConstraint(fields=["hazard", "department"], name="referral_once_per_department")
        ]
        # the dashboards' data version reads MAX(updated_at) (a notice sent or answered) per request
        indexes = [models.Index(fields=["updated_at"], name="referral_updated_idx")]

    def __str__(self):
        return f"{self.hazard.code} → {self.get_department_display()}"


class HazardEvent(models.Model):
    """One line of a hazard's timeline: who did what, when, from which status to which."""

    class Action(models.TextChoices):
        CREATE = "create", _("Recorded")
        IMPORT = "import", _("Imported")
        EDIT = "edit", _("Edited")
        START = "start", _("Rectification started")
        SUBMIT = "submit", _("Rectification reported done")
        CLOSE = "close", _("Verified and closed")
        RETURN = "return", _("Verification failed, returned")
        EXTEND = "extend", _("Deadline changed")
        REFER = "refer", _("Referred to a department")
        REPLY = "reply", _("Department replied")
        EVIDENCE = "evidence", _("Evidence added")
        DELETE = "delete", _("Deleted")

    hazard = models.ForeignKey(Hazard, on_delete=models.CASCADE, related_name="events")
    action = models.CharField(_("action"), max_length=16, choices=Action.choices)
    from_status = models.CharField(_("from"), max_length=24, choices=Status.choices, blank=True)
    to_status = models.CharField(_("to"), max_length=24, choices=Status.choices, blank=True)
    note = models.TextField(_("note"), blank=True)
    by = models.ForeignKey("accounts.User", verbose_name=_("by"), on_delete=models.PROTECT, related_name="+")
    at = models.DateTimeField(_("at"), auto_now_add=True)

    class Meta:
        ordering = ["at", "pk"]
        verbose_name = _("hazard event")
        verbose_name_plural = _("hazard events")

    def __str__(self):
        return f"{self.hazard_id} {self.action}"
