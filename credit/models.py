"""信用记录 keyed by the Unified Social Credit Code (issue 17 item 4; measures 九 and 十二).

Measure 九 (../shared/seeds/004_1e8d291cb6ab1272.txt): “全面建立养老服务市场主体信用记录，以统一社会信用
代码为标识，整合形成完整的市场主体信用记录 … 对失信的养老服务机构及其法定代表人或主要负责人、实际控制人依法
依规实施联合惩戒，记入个人信用记录。” So a record is keyed by the code (not by a registry row: the code
outlives a re-registration, and a record may arrive from a court before the institution is in the
registry), may name the institution's legal representative (a person's record), and has a period:
from `decided_on` to `expires_on` inclusive (no `expires_on`: until edited).

A person's identity number is personal data: only a keyed hash (HMAC-SHA256 with the portal's
secret key, `credit.services.person_key`) for matching and its last four characters for people to
read are stored, never the number itself.
"""

from django.db import models
from django.db.models import Q
from django.utils.translation import gettext_lazy as _
from django.utils.translation import pgettext_lazy

from core.models import TimeStampedModel, VersionedModel
from core.roles import Role
from core.scoping import ScopedQuerySet
from institutions.fields import CreditCodeField


class Kind(models.TextChoices):
    GOOD = "good", pgettext_lazy("credit", "Good faith")
    DISHONEST = "dishonest", pgettext_lazy("credit", "Dishonesty")


class Subject(models.TextChoices):
    INSTITUTION = "institution", _("The institution")
    PERSON = "person", _("Its legal representative or head")


class Source(models.TextChoices):
    """Who decided the record: civil affairs itself, another department of the joint incentive and
    punishment (守信联合激励和失信联合惩戒, measure 九), or a court (失信被执行人)."""

    CIVIL_AFFAIRS = "civil_affairs", _("Civil affairs department")
    MARKET = "market", _("Market regulation")
    EMERGENCY = "emergency", _("Emergency management / fire rescue")
    HEALTH = "health", _("Health commission")
    HOUSING = "housing", _("Housing and urban-rural development")
    POLICE = "police", _("Public security")
    TAX = "tax", _("Taxation")
    HUMAN_RESOURCES = "human_resources", _("Human resources and social security")
    COURT = "court", _("People's court")
    OTHER = "other", _("Other department")


def in_force_q(on, prefix: str = "") -> Q:
    """Records in force on the day `on`: decided on or before it, and not expired before it (the
    expiry day itself still counts)."""
    return Q(**{f"{prefix}decided_on__lte": on}) & (
        Q(**{f"{prefix}expires_on__isnull": True}) | Q(**{f"{prefix}expires_on__gte": on})
    )


class CreditRecordQuerySet(ScopedQuerySet):
    """City and district staff: records of their region's subtree; institution staff: their own
    institution's records (read only); department staff: every record of their region's subtree,
    read only — measure 十二 asks departments to share 奖惩情况 and measure 九 has them take part in
    the joint punishment, so each needs to see the others' records (decision, README)."""

    region_lookup = "region"
    institution_lookup = "institution"
    department_lookup = None

    def visible_to(self, user):
        if (
            user is not None
            and user.is_authenticated
            and user.is_active
            and not user.is_superuser
            and user.role == Role.DEPARTMENT
            and user.region is not None
        ):
            return self.filter(**self._in_subtree(user))
        return super().visible_to(user)

    def in_force(self, on):
        return self.filter(in_force_q(on))


class CreditRecord(TimeStampedModel, VersionedModel):
    credit_code = CreditCodeField(_("unified social credit code"), db_index=True)
    institution = models.ForeignKey(
        "institutions.Institution",
        verbose_name=_("institution"),
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="credit_records",
    )
    region = models.ForeignKey(
        "core.Region", verbose_name=_("region"), on_delete=models.PROTECT, related_name="+"
    )
    kind = models.CharField(_("kind of record"), max_length=16, choices=Kind.choices)
    subject = models.CharField(
        _("whose record"), max_length=16, choices=Subject.choices, default=Subject.INSTITUTION
    )
    person_name = models.CharField(_("name of the legal representative or head"), max_length=64, blank=True)
    person_key = models.CharField(_("identity key"), max_length=64, blank=True, db_index=True, editable=False)
    person_id_tail = models.CharField(_("last four characters of the ID number"), max_length=4, blank=True)
    source = models.CharField(_("decided by"), max_length=24, choices=Source.choices)
    reason = models.TextField(_("facts and decision"))
    decided_on = models.DateField(_("decided on"))
    document_number = models.CharField(_("decision document number"), max_length=100)
    expires_on = models.DateField(
        _("in force until"), null=True, blank=True, help_text=_("Leave empty when the decision sets no end.")
    )
    created_by = models.ForeignKey(
        "accounts.User", verbose_name=_("recorded by"), on_delete=models.PROTECT, related_name="+"
    )

    objects = CreditRecordQuerySet.as_manager()

    class Meta:
        ordering = ["-decided_on", "-pk"]
        verbose_name = _("credit record")
        verbose_name_plural = _("credit records")
        indexes = [
            models.Index(fields=["credit_code", "kind", "decided_on"], name="credit_code_kind_idx"),
            models.Index(fields=["person_name", "kind"], name="credit_person_idx"),
            models.Index(fields=["region", "-decided_on"], name="credit_region_idx"),
        ]

    def __str__(self):
        return f"{self.credit_code} {self.get_kind_display()} {self.document_number}"

    def in_force_on(self, on) -> bool:
        return self.decided_on <= on and (self.expires_on is None or self.expires_on >= on)

    @property
    def masked_id(self) -> str:
        """“**************1234”: what a page shows of the person's ID number."""
        return f"{'*' * 14}{self.person_id_tail}" if self.person_id_tail else ""

    @property
    def channel(self):
        from credit.channels import channel_for

        return channel_for(self.credit_code)
