"""The campaign as data: the notice, its key tasks, the 30 inspection items and the deadlines."""

from django.contrib.contenttypes.fields import GenericRelation
from django.db import models
from django.utils.translation import gettext_lazy as _
from django.utils.translation import pgettext_lazy

from core.models import TimeStampedModel, VersionedModel
from core.review import ReviewedModel, ReviewEvent, status_field
from core.roles import Role
from core.scoping import ScopedQuerySet


class CampaignQuerySet(ScopedQuerySet):
    """A campaign covers its region: every unit inside reads it."""

    region_lookup = "region"
    coverage = True


class Campaign(TimeStampedModel):
    key = models.SlugField(_("key"), max_length=64, unique=True)
    year = models.PositiveSmallIntegerField(_("year"))
    title = models.CharField(_("title"), max_length=200)
    doc_number = models.CharField(_("document number"), max_length=64, blank=True)
    issuing_bodies = models.JSONField(_("issuing bodies"), default=list)
    issued_on = models.DateField(_("issued on"), null=True, blank=True)
    region = models.ForeignKey(
        "core.Region", verbose_name=_("region"), on_delete=models.PROTECT, related_name="campaigns"
    )
    goal = models.TextField(_("overall goal"), blank=True)
    source_file = models.CharField(_("source document"), max_length=128, blank=True)
    copied_from = models.ForeignKey(
        "self",
        verbose_name=_("copied from"),
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="copies",
    )

    objects = CampaignQuerySet.as_manager()

    class Meta:
        ordering = ["-year", "key"]
        verbose_name = _("campaign")
        verbose_name_plural = _("campaigns")

    def __str__(self):
        return self.title


class KeyTask(models.Model):
    """One of the notice's 14 key tasks (重点任务)."""

    campaign = models.ForeignKey(Campaign, on_delete=models.CASCADE, related_name="key_tasks")
    number = models.PositiveSmallIntegerField(_("number"))
    title = models.CharField(_("title"), max_length=200)
    summary = models.TextField(_("summary"), blank=True)

    class Meta:
        ordering = ["campaign", "number"]
        verbose_name = _("key task")
        verbose_name_plural = _("key tasks")
        constraints = [models.UniqueConstraint(fields=["campaign", "number"], name="keytask_unique_number")]

    def __str__(self):
        return self.title


class InspectionItem(models.Model):
    """One of the 30 items of the attachment (调研检查重点工作项目), text exactly as issued."""

    class Level(models.TextChoices):
        COUNTY = "county", _("County-level units")
        CITY = "city", _("City")
        BOTH = "both", _("City and county-level units")

    class AnswerKind(models.TextChoices):
        NARRATIVE = "narrative", _("Narrative")
        YES_NO = "yes_no", _("Yes / no with evidence")
        COUNT = "count", _("Count")
        RATIO = "ratio", _("Ratio")
        DATE = "date", _("Date")
        LIST = "list", _("Published list")

    campaign = models.ForeignKey(Campaign, on_delete=models.CASCADE, related_name="items")
    number = models.PositiveSmallIntegerField(_("number"))
    text = models.TextField(_("text"))
    key_task = models.ForeignKey(
        KeyTask,
        verbose_name=_("key task"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="items",
    )
    level = models.CharField(_("answered by"), max_length=8, choices=Level.choices)
    answer_kind = models.CharField(_("kind of answer"), max_length=16, choices=AnswerKind.choices)

    class Meta:
        ordering = ["campaign", "number"]
        verbose_name = _("inspection item")
        verbose_name_plural = _("inspection items")
        constraints = [models.UniqueConstraint(fields=["campaign", "number"], name="item_unique_number")]

    def __str__(self):
        return f"{self.number}、{self.text}"

    @property
    def answered_by_county(self) -> bool:
        return self.level in (self.Level.COUNTY, self.Level.BOTH)

    @property
    def answered_by_city(self) -> bool:
        return self.level in (self.Level.CITY, self.Level.BOTH)


class MilestoneQuerySet(ScopedQuerySet):
    region_lookup = "campaign__region"
    coverage = True


class Milestone(models.Model):
    """A dated deadline of the notice. `due_on` is inclusive: done on that day is on time."""

    class Level(models.TextChoices):
        COUNTY = "county", _("County-level units")
        CITY = "city", _("City")
        JOINT = "joint", _("City bureaus jointly")

    campaign = models.ForeignKey(Campaign, on_delete=models.CASCADE, related_name="milestones")
    key = models.SlugField(_("key"), max_length=64)
    due_on = models.DateField(_("due on"))
    title = models.CharField(_("what is due"), max_length=200)
    quote = models.TextField(_("text of the notice"), blank=True)
    responsible = models.CharField(_("who must do it"), max_length=255)
    level = models.CharField(_("level"), max_length=8, choices=Level.choices)
    key_task = models.ForeignKey(
        KeyTask,
        verbose_name=_("key task"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="milestones",
    )
    items = models.ManyToManyField(
        InspectionItem, verbose_name=_("items"), blank=True, related_name="milestones"
    )

    objects = MilestoneQuerySet.as_manager()

    class Meta:
        ordering = ["campaign", "due_on", "key"]
        verbose_name = _("milestone")
        verbose_name_plural = _("milestones")
        constraints = [models.UniqueConstraint(fields=["campaign", "key"], name="milestone_unique_key")]

    def __str__(self):
        return f"{self.due_on:%Y-%m-%d} {self.title}"

    def concerns(self, user) -> bool:
        """Whether the user's unit must act on this milestone (highlighted on the home page)."""
        if user.role == Role.DISTRICT:
            return self.level == self.Level.COUNTY
        if user.role == Role.CITY:
            return self.level in (self.Level.CITY, self.Level.JOINT)
        return False


class ItemAnswerQuerySet(ScopedQuerySet):
    region_lookup = "region"


class ItemAnswer(TimeStampedModel, VersionedModel, ReviewedModel):
    """A unit's answer to one of the 30 items (各地落实及有关证明材料): the implementation narrative,
    the figures the item asks for, evidence files, and its way to acceptance (验收).

    A county-level unit answers the items its level covers; the city answers the city-level ones
    (its region is the city). Status: 草稿 → 已提交 → 已退回 (with the reason) → 已提交 … → 已验收;
    an accepted answer is locked until the city reopens it with a reason."""

    class Status(models.TextChoices):
        # Context "acceptance": the bare words are taken by other screens (提交时间, 已通过).
        DRAFT = "draft", pgettext_lazy("acceptance", "Draft")
        SUBMITTED = "submitted", pgettext_lazy("acceptance", "Submitted")
        RETURNED = "returned", pgettext_lazy("acceptance", "Returned")
        ACCEPTED = "accepted", pgettext_lazy("acceptance", "Accepted")

    item = models.ForeignKey(
        InspectionItem, verbose_name=_("inspection item"), on_delete=models.PROTECT, related_name="answers"
    )
    region = models.ForeignKey(
        "core.Region", verbose_name=_("region"), on_delete=models.PROTECT, related_name="item_answers"
    )
    status = status_field(Status)
    narrative = models.TextField(_("implementation"), blank=True)
    # The figures the unit declares, keyed like the computed indicator's figures (campaign.indicators).
    values = models.JSONField(_("declared figures"), default=dict, blank=True)

    evidence = GenericRelation("core.Evidence", content_type_field="owner_type", object_id_field="owner_id")

    objects = ItemAnswerQuerySet.as_manager()

    class Meta:
        ordering = ["region__sort_key", "item__number"]
        verbose_name = _("item answer")
        verbose_name_plural = _("item answers")
        constraints = [models.UniqueConstraint(fields=["item", "region"], name="itemanswer_once_per_region")]

    def __str__(self):
        return f"{self.region} · {self.item.number}"


class AnswerEventQuerySet(ScopedQuerySet):
    region_lookup = "answer__region"


class AnswerEvent(ReviewEvent):
    """One line of an answer's history: who did what, when, with which reason."""

    class Action(models.TextChoices):
        SAVE = "save", _("Draft saved")
        SUBMIT = "submit", pgettext_lazy("workflow step", "Submitted")
        RETURN = "return", pgettext_lazy("acceptance", "Returned")
        ACCEPT = "accept", pgettext_lazy("acceptance", "Accepted")
        REOPEN = "reopen", _("Reopened")
        EVIDENCE = "evidence", _("Evidence added")

    owner = "answer"
    answer = models.ForeignKey(ItemAnswer, on_delete=models.CASCADE, related_name="events")
    action = models.CharField(_("action"), max_length=16, choices=Action.choices)

    objects = AnswerEventQuerySet.as_manager()

    class Meta(ReviewEvent.Meta):
        verbose_name = _("answer event")
        verbose_name_plural = _("answer events")
