"""The 双随机 directories and draws: the inspection-items list, the inspectors directory, and draws.

Source: 辽民发〔2021〕28号 十一 "制定养老服务随机抽查事项清单、检查对象名录库以及执法检查人员名录库 … 明确抽查比例和频次
… 对经营服务异常、投诉举报多、安全隐患大、有失信行为、有违法违规记录等问题的养老服务机构，应增加抽查的比例和频次"; national
practice (国办发〔2015〕58号): an items list with each item's legal basis, a directory of objects and one of
inspectors, draws by lot, results published. The objects directory is not a table: it is the registry's
operating institutions (`inspections.directory`). The draw itself is `inspections.draw` (pure Python);
a `Draw` row keeps its parameters, its frozen inputs (canonical JSON and SHA-256), its seed and result.
"""

from django.conf import settings
from django.db import models
from django.db.models import Exists, OuterRef
from django.utils.translation import gettext_lazy as _

from core.fields import PhoneField
from core.models import TimeStampedModel, VersionedModel
from core.roles import Department, Role
from core.scoping import ScopedQuerySet, subtree_ids
from institutions.models import RISKS

# Competent departments of an item: civil affairs (the bureau itself) and the departments the
# notice names beside it (core.roles.Department).
DEPARTMENTS = (("civil_affairs", _("Civil affairs")), *Department.choices)

# A checklist point's field: the five fields of the 2021 measures (三: 建筑、消防、食品、医疗卫生、特种设备),
# the nine risks of GB 38600-2019, and service in general.
POINT_CATEGORIES = (
    ("building", _("Building safety in use")),
    ("fire", _("Fire safety")),
    ("food", _("Food safety")),
    ("medical", _("Medical and health")),
    ("special_equipment", _("Special equipment")),
    *RISKS,
    ("service", _("Service management")),
)


class ItemQuerySet(ScopedQuerySet):
    """The city's items list covers its whole city: readable by its districts too (`coverage`)."""

    region_lookup = "region"
    coverage = True


class InspectionItem(TimeStampedModel, VersionedModel):
    """One entry of a city's inspection-items list (随机抽查事项清单, measure 十一): what is checked, on
    which legal basis, by which competent department, with its checklist points."""

    region = models.ForeignKey(
        "core.Region", verbose_name=_("region"), on_delete=models.PROTECT, related_name="+"
    )
    code = models.CharField(_("item code"), max_length=16)
    name = models.CharField(_("item"), max_length=200)
    legal_basis = models.TextField(_("legal basis"))
    department = models.CharField(_("competent department"), max_length=16, choices=DEPARTMENTS)
    active = models.BooleanField(_("in use"), default=True)

    objects = ItemQuerySet.as_manager()

    class Meta:
        ordering = ["code"]
        verbose_name = _("inspection item")
        verbose_name_plural = _("inspection items")
        constraints = [models.UniqueConstraint(fields=["region", "code"], name="inspection_item_unique_code")]

    def __str__(self):
        return f"{self.code} {self.name}"


class ChecklistPoint(models.Model):
    """One point an inspector checks under an item (符合 / 不符合 / 不适用 in the inspection record)."""

    item = models.ForeignKey(InspectionItem, on_delete=models.CASCADE, related_name="points")
    number = models.PositiveSmallIntegerField(_("number"))
    text = models.TextField(_("checklist point"))
    category = models.CharField(_("field"), max_length=24, choices=POINT_CATEGORIES)

    class Meta:
        ordering = ["item", "number"]
        verbose_name = _("checklist point")
        verbose_name_plural = _("checklist points")
        constraints = [
            models.UniqueConstraint(fields=["item", "number"], name="checklist_point_unique_number")
        ]

    def __str__(self):
        return f"{self.item.code}.{self.number} {self.text[:30]}"


class InspectorQuerySet(ScopedQuerySet):
    """City staff: every inspector in the city; district staff: their own unit's (which they keep)."""

    region_lookup = "region"


class Inspector(TimeStampedModel, VersionedModel):
    """One entry of the inspectors directory (执法检查人员名录库, measure 十一). The phone and the
    certificate number are private: no public page and no published document carries them."""

    name = models.CharField(_("name"), max_length=64)
    department = models.CharField(_("department"), max_length=16, choices=DEPARTMENTS)
    region = models.ForeignKey(
        "core.Region", verbose_name=_("region"), on_delete=models.PROTECT, related_name="+"
    )
    certificate_number = models.CharField(_("law-enforcement certificate number"), max_length=32)
    phone = PhoneField(_("phone"), max_length=32, blank=True)
    active = models.BooleanField(_("active"), default=True)
    conflicts = models.ManyToManyField(
        "institutions.Institution",
        through="Conflict",
        verbose_name=_("declared conflicts of interest"),
        related_name="+",
        blank=True,
    )

    objects = InspectorQuerySet.as_manager()

    class Meta:
        ordering = ["region__code", "name", "pk"]
        verbose_name = _("inspector")
        verbose_name_plural = _("inspectors")
        constraints = [
            models.UniqueConstraint(fields=["certificate_number"], name="inspector_unique_certificate")
        ]

    def __str__(self):
        return self.name


class Conflict(models.Model):
    """A declared conflict of interest: the inspector never inspects this institution."""

    inspector = models.ForeignKey(Inspector, on_delete=models.CASCADE, related_name="conflict_rows")
    institution = models.ForeignKey("institutions.Institution", on_delete=models.CASCADE, related_name="+")
    note = models.CharField(_("note"), max_length=200, blank=True)

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["inspector", "institution"], name="conflict_unique_pair")
        ]

    def __str__(self):
        return f"{self.inspector_id} ↔ {self.institution_id}"


class DrawQuerySet(ScopedQuerySet):
    """City staff: their city's draws; district staff: draws whose scope covers their unit (read
    only); everyone else nothing; superusers everything."""

    region_lookup = "region"

    def visible_to(self, user):
        if user is None or not user.is_authenticated or not user.is_active:
            return self.none()
        if user.is_superuser:
            return self.all()
        if user.region_id is None:
            return self.none()
        if user.role == Role.CITY:
            return self.filter(region_id__in=subtree_ids(user))
        if user.role == Role.DISTRICT:
            covers = Draw.scope_regions.through.objects.filter(
                draw_id=OuterRef("pk"), region_id=user.region_id
            )
            return self.filter(Exists(covers))
        return self.none()

    def published(self):
        """Draws shown on the public pages: frozen or later (a draft is nobody's business yet)."""
        return self.exclude(status=Draw.Status.DRAFT)


class Draw(TimeStampedModel, VersionedModel):
    """A 双随机 draw (measure 十一): scope, sample rule, items, weights, 回避; then frozen (inputs'
    canonical JSON and SHA-256 kept and published), seeded (after the seed's `available_on`), drawn
    (`inspections.draw.run_draw`, result kept), or annulled with a reason and redrawn (`redraw_of`).
    Nothing in the inputs changes after the freeze; a drawn list is never edited."""

    class Status(models.TextChoices):
        DRAFT = "draft", _("Draft")
        FROZEN = "frozen", _("Frozen, awaiting the seed")
        DRAWN = "drawn", _("Drawn")
        ANNULLED = "annulled", _("Annulled")

    class Rounding(models.TextChoices):
        UP = "up", _("Round up")
        HALF_UP = "half_up", _("Round half up")
        DOWN = "down", _("Round down")

    class SeedKind(models.TextChoices):
        LOTTERY = "lottery", _("A lottery draw's numbers")
        PUBLISHED_FIGURE = "published_figure", _("A figure published on a later date")
        RECORDED_RANDOM = "recorded_random", _("A value drawn in public and recorded")

    region = models.ForeignKey(
        "core.Region", verbose_name=_("organised by"), on_delete=models.PROTECT, related_name="+"
    )
    title = models.CharField(_("title"), max_length=120)
    year = models.PositiveSmallIntegerField(_("year"))
    scope_regions = models.ManyToManyField("core.Region", verbose_name=_("regions"), related_name="+")
    kinds = models.JSONField(_("kinds of institution"), default=list)
    items = models.ManyToManyField(InspectionItem, verbose_name=_("inspection items"), related_name="draws")
    sample_size = models.PositiveIntegerField(_("number to draw"), default=0)
    ratio_percent = models.CharField(_("ratio (%)"), max_length=8, blank=True)
    rounding = models.CharField(_("rounding"), max_length=8, choices=Rounding.choices, default=Rounding.UP)
    minimum = models.PositiveIntegerField(_("at least"), default=0)
    inspectors_per_institution = models.PositiveSmallIntegerField(_("inspectors per institution"), default=2)
    avoid_own_region = models.BooleanField(
        _("avoid inspectors of the institution's own region (回避)"), default=True
    )
    max_load = models.PositiveSmallIntegerField(_("at most institutions per inspector"), default=0)
    recent_months = models.PositiveSmallIntegerField(
        _("exclude institutions inspected in the last months"), default=0
    )
    weights = models.JSONField(_("weights"), default=dict)
    thresholds = models.JSONField(_("thresholds"), default=dict)
    seed_kind = models.CharField(_("seed source"), max_length=16, choices=SeedKind.choices)
    seed_description = models.TextField(_("where the seed comes from"))
    seed_available_on = models.DateField(_("seed known on"), null=True, blank=True)

    status = models.CharField(_("status"), max_length=12, choices=Status.choices, default=Status.DRAFT)
    created_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    inputs_json = models.TextField(_("frozen inputs"), blank=True, editable=False)
    inputs_sha256 = models.CharField(_("inputs' hash"), max_length=64, blank=True, editable=False)
    frozen_at = models.DateTimeField(_("frozen at"), null=True, blank=True, editable=False)
    frozen_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    seed = models.CharField(_("seed"), max_length=200, blank=True, editable=False)
    seed_entered_at = models.DateTimeField(_("seed entered at"), null=True, blank=True, editable=False)
    seed_entered_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    drawn_at = models.DateTimeField(_("drawn at"), null=True, blank=True, editable=False)
    drawn_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    result = models.JSONField(_("result"), null=True, blank=True, editable=False)
    annulled_at = models.DateTimeField(_("annulled at"), null=True, blank=True, editable=False)
    annulled_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    annul_reason = models.TextField(_("reason for annulment"), blank=True, editable=False)
    redraw_of = models.ForeignKey(
        "self",
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="redraws",
        verbose_name=_("redraw of"),
    )

    objects = DrawQuerySet.as_manager()

    class Meta:
        ordering = ["-created_at", "-pk"]
        verbose_name = _("draw")
        verbose_name_plural = _("draws")

    def __str__(self):
        return self.title

    @property
    def is_frozen(self) -> bool:
        return bool(self.inputs_sha256)


class DrawnInstitution(models.Model):
    """One institution a draw picked (so lists and later inspection records can join it)."""

    draw = models.ForeignKey(Draw, on_delete=models.CASCADE, related_name="drawn")
    institution = models.ForeignKey("institutions.Institution", on_delete=models.PROTECT, related_name="+")
    rank = models.PositiveIntegerField(_("rank"))
    weight = models.PositiveIntegerField(_("weight"))
    risk_factors = models.JSONField(default=list)
    problem = models.JSONField(null=True, blank=True)

    class Meta:
        ordering = ["draw", "rank"]
        constraints = [
            models.UniqueConstraint(fields=["draw", "institution"], name="drawn_unique_institution")
        ]

    def __str__(self):
        return f"{self.draw_id} #{self.rank}"


class Assignment(models.Model):
    """An inspector assigned to a drawn institution."""

    drawn = models.ForeignKey(DrawnInstitution, on_delete=models.CASCADE, related_name="assignments")
    inspector = models.ForeignKey(Inspector, on_delete=models.PROTECT, related_name="assignments")

    class Meta:
        ordering = ["drawn", "pk"]
        constraints = [
            models.UniqueConstraint(fields=["drawn", "inspector"], name="assignment_unique_inspector")
        ]

    def __str__(self):
        return f"{self.drawn_id} ← {self.inspector_id}"


# Inspection records (issue 16 item 4) ------------------------------------------------------------


class Kind(models.TextChoices):
    """Kinds of inspection: the 双随机 draw's (planned), and the ad hoc ones."""

    RANDOM = "random", _("Random inspection (双随机)")
    FILING = "filing", _("Filing check (备案核查)")
    ROUTINE = "routine", _("Routine inspection")
    SPECIAL = "special", _("Special inspection")
    JOINT = "joint", _("Joint inspection")
    ACCEPTANCE = "acceptance", _("Acceptance inspection")
    COMPLAINT = "complaint", _("Complaint verification")


class Conclusion(models.TextChoices):
    """The result summary published for a 双随机 inspection (一公开)."""

    QUALIFIED = "qualified", _("Qualified")
    RECTIFY = "rectify", _("Ordered to rectify")
    PENALTY = "penalty", _("Penalty")


class Answer(models.TextChoices):
    COMPLIES = "complies", _("Complies")
    FAILS = "fails", _("Does not comply")
    NOT_APPLICABLE = "na", _("Not applicable")


class InspectionQuerySet(ScopedQuerySet):
    """City staff: their city's records; district staff: their unit's institutions'; an
    institution's users: their own concluded records (results, read only); a department's users:
    the records of their region whose items name their department."""

    region_lookup = "region"
    institution_lookup = "institution"

    def visible_to(self, user):
        if user is None or not user.is_authenticated or not user.is_active:
            return self.none()
        if user.is_superuser:
            return self.all()
        if user.region_id is None:
            return self.none()
        if user.role in (Role.CITY, Role.DISTRICT):
            return self.filter(region_id__in=subtree_ids(user))
        if user.role == Role.INSTITUTION:
            return self.filter(institution_id=user.institution_id, concluded_on__isnull=False)
        if user.role == Role.DEPARTMENT:
            names = Inspection.items.through.objects.filter(
                inspection_id=OuterRef("pk"), inspectionitem__department=user.department
            )
            return self.filter(Exists(names), region_id__in=subtree_ids(user))
        return self.none()


class Inspection(TimeStampedModel, VersionedModel):
    """An inspection record (检查记录): planned from a draw (`drawn`) or ad hoc, with its date,
    inspectors, the checklist points of its items answered 符合 / 不符合 / 不适用 (`Finding`), and a
    conclusion (合格 / 责令整改 / 处罚) with a summary. The conclusion date starts the 20 working days
    within which a 双随机 result is published (measure 十一, 国办发〔2015〕58号)."""

    Kind = Kind
    Conclusion = Conclusion

    institution = models.ForeignKey(
        "institutions.Institution", verbose_name=_("institution"), on_delete=models.PROTECT, related_name="+"
    )
    # The institution's region, copied on creation: records are scoped per region.
    region = models.ForeignKey(
        "core.Region", verbose_name=_("region"), on_delete=models.PROTECT, related_name="+", editable=False
    )
    kind = models.CharField(_("kind of inspection"), max_length=12, choices=Kind.choices)
    drawn = models.OneToOneField(
        DrawnInstitution,
        verbose_name=_("drawn in"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="inspection",
    )
    inspected_on = models.DateField(_("inspected on"))
    inspectors = models.ManyToManyField(Inspector, verbose_name=_("inspectors"), related_name="inspections")
    items = models.ManyToManyField(InspectionItem, verbose_name=_("inspection items"), related_name="+")
    representative = models.CharField(_("institution's representative"), max_length=64, blank=True)
    conclusion = models.CharField(_("conclusion"), max_length=12, choices=Conclusion.choices, blank=True)
    summary = models.TextField(_("summary"), blank=True)
    concluded_on = models.DateField(_("concluded on"), null=True, blank=True, editable=False)
    created_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")

    objects = InspectionQuerySet.as_manager()

    class Meta:
        ordering = ["-inspected_on", "-pk"]
        verbose_name = _("inspection record")
        verbose_name_plural = _("inspection records")
        indexes = [
            models.Index(fields=["institution", "kind", "inspected_on"], name="inspection_inst_kind_idx")
        ]

    def __str__(self):
        return f"{self.institution_id} {self.inspected_on}"

    @property
    def is_concluded(self) -> bool:
        return self.concluded_on is not None


class FindingQuerySet(ScopedQuerySet):
    """A finding is visible exactly when its inspection record is."""

    def visible_to(self, user):
        return self.filter(inspection__in=Inspection.objects.visible_to(user).values("pk"))


class Finding(models.Model):
    """One checklist point of an inspection record, answered 符合 / 不符合 / 不适用 with a note and
    photos (`core.evidence`, purpose "inspection"). A 不符合 becomes a hazard of the ledger in one
    step (`hazard`, set once)."""

    Answer = Answer

    inspection = models.ForeignKey(Inspection, on_delete=models.CASCADE, related_name="findings")
    point = models.ForeignKey(
        ChecklistPoint, verbose_name=_("checklist point"), on_delete=models.PROTECT, related_name="+"
    )
    answer = models.CharField(_("Result"), max_length=8, choices=Answer.choices, blank=True)
    note = models.TextField(_("note"), blank=True)
    hazard = models.OneToOneField(
        "hazards.Hazard",
        verbose_name=_("hazard"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="finding",
        editable=False,
    )
    #: Bumped by every save of the point (`records.finding_record`): two inspectors answering the
    #: same point from two phones cannot silently overwrite each other.
    version = models.PositiveIntegerField(_("version"), default=1, editable=False)

    objects = FindingQuerySet.as_manager()

    class Meta:
        ordering = ["inspection", "point__item__code", "point__number"]
        verbose_name = _("finding")
        verbose_name_plural = _("findings")
        constraints = [models.UniqueConstraint(fields=["inspection", "point"], name="finding_unique_point")]

    def __str__(self):
        return f"{self.inspection_id} / {self.point_id}"
