"""培训 — training sessions organised by the city or a district civil-affairs department (issue 17
item 7; item 22 of the attachment to 鞍民发〔2020〕37号: “市、县（市、区）级民政部门 2020 年组织开展养老服务
与管理或养老护理员培训情况”).

The notice (key task 十一): “积极组织参与市级举办的养老护理员、养老院院长、老年社会工作者等人才培训工作。重点
培训标准规范、专业技能、安全管理等内容。” A session belongs to the region of the department that
organised it (`region`: the city or a county-level unit); the institutions whose staff took part are
listed (optional) and may read the session.
"""

from django.db import models
from django.utils.translation import gettext_lazy as _
from django.utils.translation import pgettext_lazy

from core.models import TimeStampedModel, VersionedModel
from core.scoping import ScopedQuerySet


class Kind(models.TextChoices):
    """The four kinds of issue 17 item 7. Item 22 names the first two (“养老服务与管理或养老护理员培训”)."""

    MANAGEMENT = "management", _("Elderly-care services and management")
    CARE_WORKER = "care_worker", _("Elderly-care workers")
    DIRECTOR = "director", _("Directors of care homes")
    SOCIAL_WORKER = "social_worker", _("Social workers")


#: The kinds item 22 asks about: a department has done it with at least one session of these.
ITEM_22_KINDS = (Kind.MANAGEMENT, Kind.CARE_WORKER)


class TrainingQuerySet(ScopedQuerySet):
    """City and district staff: sessions organised in their region's subtree (the city sees the
    districts' too); institution staff: the sessions their institution took part in."""

    region_lookup = "region"
    institution_lookup = "institutions"
    department_lookup = None


class Training(TimeStampedModel, VersionedModel):
    region = models.ForeignKey(
        "core.Region",
        verbose_name=_("organised by"),
        on_delete=models.PROTECT,
        related_name="+",
        help_text=_("The civil-affairs department (city or district) that organised the session."),
    )
    held_on = models.DateField(_("held on"))
    kind = models.CharField(pgettext_lazy("training", "kind"), max_length=16, choices=Kind.choices)
    title = models.CharField(_("title"), max_length=200)
    participants = models.PositiveIntegerField(_("participants"))
    hours = models.DecimalField(_("hours"), max_digits=5, decimal_places=1)
    institutions = models.ManyToManyField(
        "institutions.Institution",
        verbose_name=_("institutions taking part"),
        blank=True,
        related_name="trainings",
    )
    note = models.TextField(_("content"), blank=True)
    created_by = models.ForeignKey(
        "accounts.User", verbose_name=_("recorded by"), on_delete=models.PROTECT, related_name="+"
    )

    objects = TrainingQuerySet.as_manager()

    class Meta:
        ordering = ["-held_on", "-pk"]
        verbose_name = _("training session")
        verbose_name_plural = _("training sessions")
        indexes = [models.Index(fields=["region", "held_on"], name="training_region_idx")]

    def __str__(self):
        return f"{self.held_on:%Y-%m-%d} {self.title}"
