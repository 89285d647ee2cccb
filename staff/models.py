"""从业人员 — staff, their qualifications and the 行业禁入 list (issue 17 item 8; measures 五 and 十二).

Measure 五 (../shared/seeds/004_1e8d291cb6ab1272.txt): “养老服务机构中从事医疗护理、康复治疗、消防安全等服务
的专业技术人员应当具备相关资格 … 依法依规从严惩处养老服务机构欺老、虐老等侵害老年人合法权益的行为，对相关责任人
实施行业禁入措施。” Measure 十二: “及时采集 … 从业人员 … 等数据信息，形成机构基本数据集和从业人员基本数据集。”

Identity numbers (staff and banned persons) are kept three ways (`staff.crypto`): the Fernet token
(`id_encrypted`, readable only with the key), the HMAC key for matching (`id_key`, credit's
`person_key`) and the last four characters (`id_tail`) for the mask. No other digit is stored.
"""

from django.db import models
from django.db.models import Q
from django.utils.translation import gettext_lazy as _

from core.fields import PhoneField
from core.models import TimeStampedModel, VersionedModel
from core.scoping import ScopedQuerySet
from staff import crypto


class Role(models.TextChoices):
    """Posts of the 从业人员基本数据集 (measure 十二), in the terms of the national occupational
    classification and of measure 五 (医疗护理、康复治疗、消防安全)."""

    HEAD = "head", _("Director or manager")
    CARE_WORKER = "care_worker", _("Elderly care worker")
    DOCTOR = "doctor", _("Doctor")
    NURSE = "nurse", _("Nurse")
    REHABILITATION = "rehabilitation", _("Rehabilitation therapist")
    SOCIAL_WORKER = "social_worker", _("Social worker")
    FIRE_SAFETY = "fire_safety", _("Fire safety manager or control-room operator")
    KITCHEN = "kitchen", _("Cook or canteen staff")
    OTHER = "other", _("Other staff")


class QualificationKind(models.TextChoices):
    CARE_SKILL = "care_skill", _("Elderly care worker vocational skill certificate")
    PHYSICIAN = "physician", _("Physician practising certificate")
    NURSE = "nurse", _("Nurse practising certificate")
    REHABILITATION = "rehabilitation", _("Rehabilitation therapist qualification")
    SOCIAL_WORK = "social_work", _("Social worker professional qualification")
    FIRE_OPERATOR = "fire_operator", _("Fire facilities operator certificate")
    HEALTH = "health", _("Health certificate")
    OTHER = "other", _("Other certificate")


#: The roles measure 五 requires a qualification for (医疗护理、康复治疗、消防安全), and which.
REQUIRED = {
    Role.DOCTOR: QualificationKind.PHYSICIAN,
    Role.NURSE: QualificationKind.NURSE,
    Role.REHABILITATION: QualificationKind.REHABILITATION,
    Role.FIRE_SAFETY: QualificationKind.FIRE_OPERATOR,
}


def employed_q(on, prefix: str = "") -> Q:
    """Staff on the payroll on the day `on`: hired on or before it, not left before it (the day they
    leave still counts)."""
    return Q(**{f"{prefix}hired_on__lte": on}) & (
        Q(**{f"{prefix}left_on__isnull": True}) | Q(**{f"{prefix}left_on__gte": on})
    )


def ban_in_force_q(on, prefix: str = "") -> Q:
    """Bans in force on the day `on`: decided on or before it, and lifelong or lasting until it."""
    return Q(**{f"{prefix}decided_on__lte": on}) & (
        Q(**{f"{prefix}until__isnull": True}) | Q(**{f"{prefix}until__gte": on})
    )


class IdentityMixin(models.Model):
    """A person's identity number: encrypted, keyed and its last four (see `staff.crypto`)."""

    id_encrypted = models.TextField(_("identity number (encrypted)"), editable=False)
    id_key = models.CharField(_("identity key"), max_length=64, db_index=True, editable=False)
    id_tail = models.CharField(_("last four characters of the ID number"), max_length=4, editable=False)

    class Meta:
        abstract = True

    @property
    def masked_id(self) -> str:
        return crypto.mask(self.id_tail)

    def full_id(self) -> str:
        """The number in full (decrypted). Call only for a reader `services.sees_full_id` allows."""
        return crypto.decrypt(self.id_encrypted)


class StaffQuerySet(ScopedQuerySet):
    """City and district staff: their region's subtree; institution users: their own staff;
    departments: none (the staff data set is not shared with them, issue 17 item 8)."""

    region_lookup = "region"
    institution_lookup = "institution"
    department_lookup = None

    def employed(self, on):
        return self.filter(employed_q(on))


class StaffMember(TimeStampedModel, VersionedModel, IdentityMixin):
    institution = models.ForeignKey(
        "institutions.Institution",
        verbose_name=_("institution"),
        on_delete=models.PROTECT,
        related_name="staff_members",
    )
    #: The institution's region, copied on save (scoping reads the row's own region_id).
    region = models.ForeignKey(
        "core.Region", verbose_name=_("region"), on_delete=models.PROTECT, related_name="+", editable=False
    )
    name = models.CharField(_("name"), max_length=64)
    role = models.CharField(_("post"), max_length=24, choices=Role.choices)
    hired_on = models.DateField(_("hired on"))
    left_on = models.DateField(_("left on"), null=True, blank=True)
    phone = PhoneField(_("phone"), blank=True)
    created_by = models.ForeignKey(
        "accounts.User", verbose_name=_("recorded by"), on_delete=models.PROTECT, related_name="+"
    )

    objects = StaffQuerySet.as_manager()

    class Meta:
        ordering = ["name", "pk"]
        verbose_name = _("staff member")
        verbose_name_plural = _("staff members")
        indexes = [
            models.Index(fields=["region", "name"], name="staff_region_name_idx"),
            models.Index(fields=["institution", "name"], name="staff_institution_idx"),
        ]

    def __str__(self):
        return f"{self.name}（{self.get_role_display()}）"

    @property
    def required_kind(self):
        return REQUIRED.get(self.role)

    def employed_on(self, on) -> bool:
        return self.hired_on <= on and (self.left_on is None or self.left_on >= on)


class QualificationQuerySet(ScopedQuerySet):
    region_lookup = "staff__region"
    institution_lookup = "staff__institution"
    department_lookup = None

    def visible_to(self, user):
        # through the staff member: its own region_id column, no join to core_region
        return self.filter(staff__in=StaffMember.objects.visible_to(user).values("pk"))


class Qualification(TimeStampedModel, VersionedModel):
    staff = models.ForeignKey(
        StaffMember, verbose_name=_("staff member"), on_delete=models.CASCADE, related_name="qualifications"
    )
    kind = models.CharField(_("certificate"), max_length=24, choices=QualificationKind.choices)
    number = models.CharField(_("certificate number"), max_length=64)
    issuer = models.CharField(_("issued by"), max_length=128)
    valid_to = models.DateField(
        _("valid until"),
        null=True,
        blank=True,
        help_text=_("Leave empty when the certificate has no end date."),
    )

    objects = QualificationQuerySet.as_manager()

    class Meta:
        ordering = ["kind", "-valid_to", "pk"]
        verbose_name = _("qualification")
        verbose_name_plural = _("qualifications")
        indexes = [models.Index(fields=["staff", "kind", "valid_to"], name="staff_qual_idx")]

    def __str__(self):
        return f"{self.get_kind_display()} {self.number}"

    def valid_on(self, on) -> bool:
        return self.valid_to is None or self.valid_to >= on


class TrainingRecordQuerySet(QualificationQuerySet):
    pass


class TrainingRecord(TimeStampedModel):
    staff = models.ForeignKey(
        StaffMember, verbose_name=_("staff member"), on_delete=models.CASCADE, related_name="trainings"
    )
    held_on = models.DateField(_("date"))
    course = models.CharField(_("course"), max_length=128)
    hours = models.DecimalField(_("hours"), max_digits=5, decimal_places=1)

    objects = TrainingRecordQuerySet.as_manager()

    class Meta:
        ordering = ["-held_on", "-pk"]
        verbose_name = _("training record")
        verbose_name_plural = _("training records")


class BanQuerySet(ScopedQuerySet):
    """City and district staff: the bans decided in their region's subtree. Institutions and
    departments do not read the list (an institution sees the flag on its own staff member only)."""

    region_lookup = "region"
    institution_lookup = None
    department_lookup = None

    def in_force(self, on):
        return self.filter(ban_in_force_q(on))


class Ban(TimeStampedModel, VersionedModel, IdentityMixin):
    """行业禁入 (measure 五): a person barred from working in eldercare after abusing elders."""

    name = models.CharField(_("name"), max_length=64)
    reason = models.TextField(_("facts and reason"))
    document_number = models.CharField(_("decision document number"), max_length=100)
    decided_on = models.DateField(_("decided on"))
    until = models.DateField(
        _("banned until"), null=True, blank=True, help_text=_("Leave empty for a lifelong ban.")
    )
    #: The deciding civil-affairs bureau's region (the writer's region).
    region = models.ForeignKey(
        "core.Region",
        verbose_name=_("decided by"),
        on_delete=models.PROTECT,
        related_name="+",
        editable=False,
    )
    created_by = models.ForeignKey(
        "accounts.User", verbose_name=_("recorded by"), on_delete=models.PROTECT, related_name="+"
    )

    objects = BanQuerySet.as_manager()

    class Meta:
        ordering = ["-decided_on", "-pk"]
        verbose_name = _("industry ban")
        verbose_name_plural = _("industry bans")
        indexes = [models.Index(fields=["region", "-decided_on"], name="staff_ban_region_idx")]

    def __str__(self):
        return f"{self.name} {self.document_number}"

    def in_force_on(self, on) -> bool:
        return self.decided_on <= on and (self.until is None or self.until >= on)
