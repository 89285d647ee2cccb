"""Reconciliation runs against the national system's institution export (全国养老服务信息系统,
"金民工程"): a run (who, when, which file, scope, tolerance, counts), its rows (one per export row
in scope, and one per registry institution the export lacks) with the differences field by field
and the district's decision, and the date each institution was last reconciled."""

from django.conf import settings
from django.db import models
from django.db.models import Q
from django.utils.translation import gettext_lazy as _

from core.roles import Role
from core.scoping import ScopedQuerySet, subtree_ids


class RunQuerySet(models.QuerySet):
    def visible_to(self, user):
        """City and district staff see the runs uploaded inside their region and the runs of the
        regions above it (a district reads the city's run: its own rows of it); nobody else."""
        if user is None or not user.is_authenticated or not user.is_active:
            return self.none()
        if user.is_superuser:
            return self.all()
        if user.role not in (Role.CITY, Role.DISTRICT) or user.region is None:
            return self.none()
        return self.filter(
            Q(region_id__in=subtree_ids(user)) | Q(region__path__in=user.region.ancestor_paths())
        )


class ReconciliationRun(models.Model):
    """One upload of the national export and its dry run: nothing in the registry changed."""

    created_at = models.DateTimeField(_("reconciled at"), auto_now_add=True)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, verbose_name=_("reconciled by"), on_delete=models.PROTECT, related_name="+"
    )
    region = models.ForeignKey(
        "core.Region",
        verbose_name=_("scope"),
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
    )
    file_name = models.CharField(_("file name"), max_length=255)
    sha256 = models.CharField(max_length=64, blank=True)
    beds_tolerance = models.PositiveIntegerField(_("beds may differ by (beds)"), default=0)
    beds_tolerance_percent = models.PositiveSmallIntegerField(_("beds may differ by (%)"), default=0)
    ignore_area_granularity = models.BooleanField(
        _("ignore the area code's granularity (6 or 12 digits)"), default=True
    )
    compared = models.JSONField(_("compared fields"), default=list)
    row_count = models.PositiveIntegerField(_("rows in the export"), default=0)
    counts = models.JSONField(_("counts"), default=dict)

    objects = RunQuerySet.as_manager()

    class Meta:
        ordering = ["-created_at", "-pk"]
        verbose_name = _("reconciliation run")
        verbose_name_plural = _("reconciliation runs")

    def __str__(self):
        return f"{self.file_name} · {self.created_at:%Y-%m-%d %H:%M}"


class RowQuerySet(ScopedQuerySet):
    region_lookup = "region"


class ReconciliationRow(models.Model):
    """A row of a run: an export row (would create, differs, unchanged, conflict) or a registry
    institution the export lacks (missing). `region` is the institution's (or, for a row not in the
    registry, the region of its area code): the district that decides it."""

    class Kind(models.TextChoices):
        CREATE = "create", _("Not in the registry")
        UPDATE = "update", _("Differs")
        UNCHANGED = "unchanged", _("Unchanged")
        CONFLICT = "conflict", _("Conflict")
        MISSING = "missing", _("Not in the national system")

    class State(models.TextChoices):
        OPEN = "open", _("To be synchronised")
        ADOPTED = "adopted", _("National values adopted")
        NATIONAL_TO_FIX = "national_to_fix", _("National system to be corrected")

    run = models.ForeignKey(ReconciliationRun, on_delete=models.CASCADE, related_name="rows")
    kind = models.CharField(_("result"), max_length=16, choices=Kind.choices)
    region = models.ForeignKey(
        "core.Region", verbose_name=_("region"), on_delete=models.PROTECT, related_name="+"
    )
    institution = models.ForeignKey(
        "institutions.Institution",
        verbose_name=_("institution"),
        on_delete=models.CASCADE,
        null=True,
        blank=True,
        related_name="+",
    )
    institution_version = models.PositiveIntegerField(default=0)
    row_number = models.PositiveIntegerField(_("row of the export"), null=True, blank=True)
    national = models.JSONField(_("national values"), default=dict)
    differences = models.JSONField(_("differences"), default=list)
    note = models.CharField(_("note"), max_length=500, blank=True)
    state = models.CharField(_("state"), max_length=16, choices=State.choices, default=State.OPEN)
    decided_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("decided by"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="+",
    )
    decided_at = models.DateTimeField(_("decided at"), null=True, blank=True)

    objects = RowQuerySet.as_manager()

    class Meta:
        ordering = ["run", "region__sort_key", "row_number", "pk"]
        verbose_name = _("reconciliation row")
        verbose_name_plural = _("reconciliation rows")
        indexes = [models.Index(fields=["run", "region", "kind"], name="national_row_run_region_kind")]

    def __str__(self):
        return f"{self.run_id} · {self.get_kind_display()} · {self.row_number or self.institution_id}"


class LastReconciliation(models.Model):
    """When an institution was last reconciled with the national system: a run matched it, or its
    district decided one of its rows (items 14, 20 and 30 can read it)."""

    institution = models.OneToOneField(
        "institutions.Institution", on_delete=models.CASCADE, related_name="last_reconciliation"
    )
    run = models.ForeignKey(ReconciliationRun, on_delete=models.SET_NULL, null=True, related_name="+")
    reconciled_at = models.DateTimeField(_("last reconciled at"))
    confirmed_at = models.DateTimeField(_("last confirmed at"), null=True, blank=True)

    class Meta:
        verbose_name = _("last reconciliation")
        verbose_name_plural = _("last reconciliations")

    def __str__(self):
        return f"{self.institution_id} · {self.reconciled_at:%Y-%m-%d}"
