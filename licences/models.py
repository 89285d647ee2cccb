"""证照 — the licences and certificates of each institution (issue 17 item 5).

Sources (../shared/seeds/004_1e8d291cb6ab1272.txt):

- measure 二: “养老服务机构对依法登记、备案承诺、履约服务、质量安全、应急管理、消防安全、信息公开等承担主体责任” —
  the registration certificate (or business licence) and the filing receipt;
- measure 三: “备案申请人提交按建筑、消防、食品、医疗卫生等法律法规及国家有关标准开展服务活动的书面承诺” — the
  fire, food and medical documents those laws require;
- measure 十二: “相关部门要将养老服务机构登记备案 … 等信息 … 进行公示” — registration and filing are shared.

A licence is valid from `valid_from` to `valid_to` (the last day it is valid; empty = 长期有效). Its
status on a day is computed, never stored (`licences.services.status`). Only the latest licence of
an institution's kind (and, for 其他, of its name) counts: an older one is 已换证 (`renewal_key`).
"""

from django.db import models
from django.utils.translation import gettext_lazy as _

from core.models import TimeStampedModel, VersionedModel
from core.roles import Department
from core.scoping import ScopedQuerySet


class Kind(models.TextChoices):
    """The documents measures 二 and 三 name (registration, filing, 消防, 食品, 医疗卫生), by their usual
    Chinese names; 其他 for anything else (a 特种设备使用登记证, a 排污许可 …), named in `title`."""

    REGISTRATION = (
        "registration",
        _("Registration certificate (private non-enterprise unit / public institution)"),
    )
    BUSINESS = "business", _("Business licence")
    FILING = "filing", _("Eldercare institution filing receipt")
    FIRE = "fire", _("Fire acceptance opinion or fire filing certificate")
    FOOD = "food", _("Food business licence or food business filing")
    MEDICAL = "medical", _("Medical institution practising licence or clinic filing certificate")
    OTHER = "other", _("Other")


# The department that issues (and supervises) each kind (“谁审批谁监管”, measure 二): its staff read
# the licences of that kind in their area. 消防验收/备案 of a building is with housing and urban-rural
# development since 2019 (《建设工程消防设计审查验收管理暂行规定》); food and business licences with
# market regulation; medical practising licences with health. Registration, filing (civil affairs or
# the establishment office) and 其他 have no portal department.
KIND_DEPARTMENT = {
    Kind.BUSINESS: Department.MARKET,
    Kind.FIRE: Department.HOUSING,
    Kind.FOOD: Department.MARKET,
    Kind.MEDICAL: Department.HEALTH,
}


class Status(models.TextChoices):
    VALID = "valid", _("Valid")
    EXPIRING = "expiring", _("Expires within 30 days")
    EXPIRED = "expired", _("Expired")
    LONG_TERM = "long_term", _("Valid indefinitely")
    RENEWED = "renewed", _("Replaced by a newer licence")


class LicenceQuerySet(ScopedQuerySet):
    """City and district staff: licences of their region's subtree; institution staff: their own
    institution's; department staff: the kinds their department issues (`KIND_DEPARTMENT`) inside
    their region's subtree, read only."""

    region_lookup = "region"
    institution_lookup = "institution"
    department_lookup = "department"


class Licence(TimeStampedModel, VersionedModel):
    institution = models.ForeignKey(
        "institutions.Institution",
        verbose_name=_("institution"),
        on_delete=models.PROTECT,
        related_name="licences",
    )
    # the institution's region when the licence was saved (scoping reads it without a join)
    region = models.ForeignKey(
        "core.Region", verbose_name=_("region"), on_delete=models.PROTECT, related_name="+"
    )
    kind = models.CharField(_("kind"), max_length=16, choices=Kind.choices)
    title = models.CharField(
        _("name of the document"),
        max_length=100,
        blank=True,
        help_text=_("Only for “Other”: the document's name, e.g. 特种设备使用登记证."),
    )
    # from `kind` (KIND_DEPARTMENT), set by the services; "" when no portal department issues it
    department = models.CharField(
        _("issuing department"), max_length=16, choices=Department.choices, blank=True
    )
    number = models.CharField(_("number"), max_length=64)
    issuer = models.CharField(_("issued by"), max_length=100)
    valid_from = models.DateField(_("valid from"))
    valid_to = models.DateField(
        _("valid until"),
        null=True,
        blank=True,
        help_text=_("The last day it is valid; leave empty if indefinite."),
    )
    note = models.TextField(_("note"), blank=True)
    created_by = models.ForeignKey(
        "accounts.User", verbose_name=_("recorded by"), on_delete=models.PROTECT, related_name="+"
    )

    objects = LicenceQuerySet.as_manager()

    class Meta:
        ordering = ["valid_to", "pk"]
        verbose_name = _("licence")
        verbose_name_plural = _("licences")
        constraints = [
            models.UniqueConstraint(fields=["institution", "kind", "number"], name="licence_number_unique"),
        ]
        indexes = [
            models.Index(fields=["region", "valid_to"], name="licence_region_valid_to_idx"),
            models.Index(fields=["institution", "kind", "title", "valid_from"], name="licence_renewal_idx"),
        ]

    def __str__(self):
        return f"{self.display_kind} {self.number}"

    @property
    def display_kind(self) -> str:
        """The kind's name, or the document's own name for 其他."""
        return self.title if self.kind == Kind.OTHER and self.title else self.get_kind_display()
