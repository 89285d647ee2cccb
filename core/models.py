"""Cross-cutting models: the administrative-region tree, import batches, evidence files and claimed
one-time form tokens."""

import re

from django.contrib.contenttypes.fields import GenericForeignKey
from django.core.exceptions import ValidationError
from django.db import models
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from core.scoping import ScopedQuerySet

OFFICIAL_CODE = re.compile(r"^\d{6}$")
# Internal codes for units without an official division code (development zones, scenic areas,
# the city-run bucket): the parent's code, a hyphen and a letter, e.g. 210300-Z01. The hyphen and
# letter make them impossible to mistake for a GB/T 2260 code.
INTERNAL_CODE = re.compile(r"^\d{6}-[A-Z]\d{2}$")


class TimeStampedModel(models.Model):
    created_at = models.DateTimeField(_("created at"), auto_now_add=True)
    updated_at = models.DateTimeField(_("updated at"), auto_now=True)

    class Meta:
        abstract = True


class RegionQuerySet(ScopedQuerySet):
    region_lookup = ""  # a region is scoped by its own path

    def county_level(self):
        return self.filter(kind__in=Region.COUNTY_LEVEL_KINDS)


class Region(models.Model):
    """A node of the administrative-region tree: province → city → county-level unit.

    `path` is the chain of codes from the root ("210000/210300/210302/"), kept by `save()`, so
    "everything inside this region" is one indexed prefix match whatever the depth.
    """

    class Kind(models.TextChoices):
        PROVINCE = "province", _("Province")
        CITY = "city", _("Prefecture-level city")
        DISTRICT = "district", _("City district")
        COUNTY = "county", _("County")
        AUTONOMOUS_COUNTY = "autonomous_county", _("Autonomous county")
        COUNTY_CITY = "county_city", _("County-level city")
        DEVELOPMENT_ZONE = "development_zone", _("Development zone")
        SCENIC_AREA = "scenic_area", _("Scenic area")
        CITY_LEVEL = "city_level", _("City-run (city level)")

    COUNTY_LEVEL_KINDS = (
        Kind.DISTRICT,
        Kind.COUNTY,
        Kind.AUTONOMOUS_COUNTY,
        Kind.COUNTY_CITY,
        Kind.DEVELOPMENT_ZONE,
        Kind.SCENIC_AREA,
        Kind.CITY_LEVEL,
    )
    # Kinds that have an official administrative-division code.
    OFFICIAL_KINDS = (
        Kind.PROVINCE,
        Kind.CITY,
        Kind.DISTRICT,
        Kind.COUNTY,
        Kind.AUTONOMOUS_COUNTY,
        Kind.COUNTY_CITY,
    )

    code = models.CharField(_("code"), max_length=16, unique=True)
    name = models.CharField(_("name"), max_length=64)
    kind = models.CharField(_("kind"), max_length=24, choices=Kind.choices)
    parent = models.ForeignKey(
        "self",
        verbose_name=_("parent region"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="children",
    )
    path = models.CharField(_("path"), max_length=255, unique=True, editable=False)
    sort_order = models.PositiveSmallIntegerField(_("sort order"), default=0)
    # The order of every region list, dropdown and filter (issue 15): like `path` one segment per
    # level, root first, but each segment starts with the region's group (`sort_segment`), so that
    # under a city its districts, counties and county-level cities come by GB/T 2260 code, then the
    # development zones and scenic areas (by `sort_order`), then the city-run bucket (市本级). Kept
    # by `save()`; only letters, digits, "-" and "/" (so a database collation that skips
    # punctuation orders it the same).
    sort_key = models.CharField(_("sort key"), max_length=500, default="", editable=False)

    objects = RegionQuerySet.as_manager()

    class Meta:
        ordering = ["sort_key", "path"]
        verbose_name = _("region")
        verbose_name_plural = _("regions")
        indexes = [models.Index(fields=["path"], name="region_path_idx", opclasses=["varchar_pattern_ops"])]

    def __str__(self):
        return self.name

    def save(self, *args, **kwargs):
        old_path, old_key = self.path, self.sort_key
        self.path = (self.parent.path if self.parent else "") + f"{self.code}/"
        self.sort_key = (self.parent.sort_key if self.parent else "") + self.sort_segment(
            self.kind, self.code, self.sort_order
        )
        if kwargs.get("update_fields") is not None:
            kwargs["update_fields"] = {*kwargs["update_fields"], "path", "sort_key"}
        super().save(*args, **kwargs)
        if old_path and (old_path != self.path or old_key != self.sort_key):
            # moved, recoded or regrouped: carry the subtree along
            for child in self.children.all():
                child.save()

    @classmethod
    def sort_segment(cls, kind: str, code: str, sort_order: int) -> str:
        """One level of `sort_key`: "0" and the code for a unit with an official division code
        (so siblings come by GB/T 2260 code), "1" and the zero-padded `sort_order` then the code for
        a development zone or scenic area, "2" and the same for the city-run bucket (市本级); each
        ends with "/"."""
        if kind in cls.OFFICIAL_KINDS:
            return f"000000{code}/"
        group = "2" if kind == cls.Kind.CITY_LEVEL else "1"
        return f"{group}{sort_order:05d}{code}/"

    @property
    def is_county_level(self) -> bool:
        return self.kind in self.COUNTY_LEVEL_KINDS

    @property
    def has_official_code(self) -> bool:
        return bool(OFFICIAL_CODE.match(self.code))

    def ancestor_paths(self) -> list[str]:
        """Paths of this region and every region above it, root first."""
        codes = self.path.strip("/").split("/")
        return ["/".join(codes[: i + 1]) + "/" for i in range(len(codes))]

    def clean(self):
        if self.kind in self.OFFICIAL_KINDS and not OFFICIAL_CODE.match(self.code or ""):
            raise ValidationError(
                {
                    "code": _("A %(kind)s needs its official six-digit division code.")
                    % {"kind": self.get_kind_display()}
                }
            )
        if self.kind not in self.OFFICIAL_KINDS and not INTERNAL_CODE.match(self.code or ""):
            raise ValidationError(
                {
                    "code": _(
                        "Units without an official code use an internal code such as "
                        "210300-Z01 (parent code, hyphen, letter, two digits)."
                    )
                }
            )
        if self.kind == self.Kind.PROVINCE and self.parent_id:
            raise ValidationError({"parent": _("A province has no parent region.")})
        if self.kind != self.Kind.PROVINCE and not self.parent_id:
            raise ValidationError({"parent": _("Only a province may have no parent region.")})
        if self.kind in self.COUNTY_LEVEL_KINDS and self.parent and self.parent.kind != self.Kind.CITY:
            raise ValidationError({"parent": _("A county-level unit belongs to a city.")})


class VersionedModel(models.Model):
    """A row edited by several people: every save through `core.concurrency` bumps `version`, and a
    save based on an older version is refused instead of overwriting the newer one."""

    version = models.PositiveIntegerField(_("version"), default=1, editable=False)

    class Meta:
        abstract = True


class ImportBatchQuerySet(ScopedQuerySet):
    region_lookup = "region"


class ImportBatch(TimeStampedModel):
    """One uploaded workbook: checked into a preview, then applied all at once (or not at all)."""

    class Kind(models.TextChoices):
        INSTITUTIONS = "institutions", _("Institution list")
        HAZARDS = "hazards", _("Hazard ledger")

    class Status(models.TextChoices):
        PREVIEW = "preview", _("Checked, not yet applied")
        APPLIED = "applied", _("Applied")

    class State(models.TextChoices):
        """Where the batch's work stands; a large file is checked and applied by a Celery task
        (``core.import_tasks``), a small one inside the request."""

        QUEUED = "queued", _("Waiting to be checked")
        CHECKING = "checking", _("Being checked")
        CHECKED = "checked", _("Checked")
        APPLY_QUEUED = "apply_queued", _("Waiting to be imported")
        APPLYING = "applying", _("Being imported")
        APPLIED = "applied", _("Imported")
        FAILED = "failed", _("Failed")

    RUNNING = (State.QUEUED, State.CHECKING, State.APPLY_QUEUED, State.APPLYING)

    kind = models.CharField(_("kind"), max_length=16, choices=Kind.choices)
    region = models.ForeignKey(Region, verbose_name=_("region"), on_delete=models.PROTECT, related_name="+")
    created_by = models.ForeignKey(
        "accounts.User", verbose_name=_("uploaded by"), on_delete=models.PROTECT, related_name="+"
    )
    file = models.FileField(_("file"), upload_to="imports/%Y/%m/")
    original_name = models.CharField(_("file name"), max_length=255)
    sha256 = models.CharField(_("SHA-256"), max_length=64)
    status = models.CharField(_("status"), max_length=16, choices=Status.choices, default=Status.PREVIEW)
    row_count = models.PositiveIntegerField(_("rows"), default=0)
    errors = models.JSONField(_("problems found"), default=list)
    summary = models.JSONField(_("summary"), default=dict)
    applied_at = models.DateTimeField(_("applied at"), null=True, blank=True)
    state = models.CharField(_("state"), max_length=16, choices=State.choices, default=State.CHECKED)
    progress = models.PositiveIntegerField(_("rows done"), default=0)
    total = models.PositiveIntegerField(_("rows to do"), default=0)
    task_id = models.CharField(_("task"), max_length=64, blank=True)
    failure = models.TextField(_("failure"), blank=True)
    # What the check found for each row without problems: [row, action, id, version, label] (id and
    # version of the record it matched, None for a new one); applying compares against it.
    checked_rows = models.JSONField(_("rows as checked"), default=list, blank=True)

    objects = ImportBatchQuerySet.as_manager()

    class Meta:
        ordering = ["-created_at"]
        verbose_name = _("import")
        verbose_name_plural = _("imports")

    def __str__(self):
        return f"{self.original_name} ({self.get_status_display()})"

    @property
    def is_running(self) -> bool:
        return self.state in self.RUNNING

    @property
    def percent(self) -> int:
        return min(100, self.progress * 100 // self.total) if self.total else 0


class EvidenceQuerySet(models.QuerySet):
    """Evidence has no region of its own: it is visible exactly when its owner is (see
    `core.evidence.visible_evidence`, which builds on the owner's `visible_to`)."""

    def live(self):
        return self.filter(removed_at__isnull=True)


def evidence_upload_to(instance, filename: str) -> str:
    """A random name under evidence/<year>/<month>/: the uploader's name is kept in
    `original_name`, never used on disk. `filename` here is already the random name chosen by
    `core.evidence.evidence_attach` (with the extension of the detected type)."""
    return f"evidence/{timezone.localdate():%Y/%m}/{filename}"


class Evidence(TimeStampedModel):
    """One uploaded file proving something (a photo before rectification, a written notice, ...),
    attached to any owner record. Files are checked by content on upload and served only by the
    permission-checked view in `core.evidence_views`."""

    owner_type = models.ForeignKey(
        "contenttypes.ContentType", verbose_name=_("owner type"), on_delete=models.PROTECT, related_name="+"
    )
    owner_id = models.PositiveBigIntegerField(_("owner id"))
    owner = GenericForeignKey("owner_type", "owner_id")
    # What the file proves for its owner, e.g. "before" / "after" for a hazard; the owner's
    # module defines the values and their labels.
    purpose = models.CharField(_("purpose"), max_length=32)
    file = models.FileField(_("file"), upload_to=evidence_upload_to, max_length=255)
    original_name = models.CharField(_("file name"), max_length=255)
    mime_type = models.CharField(_("file type"), max_length=127)
    size = models.PositiveBigIntegerField(_("size in bytes"))
    sha256 = models.CharField(_("SHA-256"), max_length=64)
    uploaded_by = models.ForeignKey(
        "accounts.User", verbose_name=_("uploaded by"), on_delete=models.PROTECT, related_name="+"
    )
    removed_at = models.DateTimeField(_("removed at"), null=True, blank=True)
    removed_by = models.ForeignKey(
        "accounts.User",
        verbose_name=_("removed by"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="+",
    )

    # Photos (core.photos): made once on upload (or by `manage.py evidence_thumbnails`), beside the
    # file; neither carries EXIF (no GPS). The original is kept exactly as uploaded.
    thumbnail = models.FileField(_("thumbnail"), max_length=255, blank=True)
    rendition = models.FileField(_("JPEG rendition"), max_length=255, blank=True)  # HEIC only
    # From the photo's EXIF: capture time (aware; Asia/Shanghai when the EXIF has no offset), position.
    taken_at = models.DateTimeField(_("taken at"), null=True, blank=True)
    latitude = models.DecimalField(_("latitude"), max_digits=9, decimal_places=6, null=True, blank=True)
    longitude = models.DecimalField(_("longitude"), max_digits=9, decimal_places=6, null=True, blank=True)
    camera = models.CharField(_("camera"), max_length=100, blank=True)
    # The record the photo documents ("hazards.hazard:12"; a referral's files document its hazard):
    # a photo reused within one record is not reported, across records it is.
    record_key = models.CharField(_("record"), max_length=80, blank=True)
    # Perceptual hash (imagehash.phash, 64 bits, 16 hex digits) and its five bands (13+13+13+13+12
    # bits), each indexed: two hashes within Hamming distance 4 share at least one band.
    phash = models.CharField(_("perceptual hash"), max_length=16, blank=True)
    phash_band0 = models.PositiveSmallIntegerField(null=True, blank=True, editable=False)
    phash_band1 = models.PositiveSmallIntegerField(null=True, blank=True, editable=False)
    phash_band2 = models.PositiveSmallIntegerField(null=True, blank=True, editable=False)
    phash_band3 = models.PositiveSmallIntegerField(null=True, blank=True, editable=False)
    phash_band4 = models.PositiveSmallIntegerField(null=True, blank=True, editable=False)
    # The same (or a near-identical) photo attached to another record: both ends flagged.
    reused_with = models.ManyToManyField("self", verbose_name=_("also used as"), blank=True)

    objects = EvidenceQuerySet.as_manager()

    class Meta:
        ordering = ["created_at", "pk"]
        verbose_name = _("evidence file")
        verbose_name_plural = _("evidence files")
        indexes = [
            models.Index(fields=["owner_type", "owner_id"], name="evidence_owner_idx"),
            # the dashboards' data version reads MAX(updated_at) (an upload or a removal) per request
            models.Index(fields=["updated_at"], name="evidence_updated_idx"),
            # near-duplicate look-up of a new photo (core.photos.find_reuses): one index per band
            models.Index(fields=["phash_band0"], name="evidence_phash0_idx"),
            models.Index(fields=["phash_band1"], name="evidence_phash1_idx"),
            models.Index(fields=["phash_band2"], name="evidence_phash2_idx"),
            models.Index(fields=["phash_band3"], name="evidence_phash3_idx"),
            models.Index(fields=["phash_band4"], name="evidence_phash4_idx"),
        ]

    def __str__(self):
        return self.original_name

    @property
    def is_image(self) -> bool:
        return self.mime_type.startswith("image/")

    @property
    def previewable(self) -> bool:
        """Images and PDFs may be shown inline; everything else is only downloaded."""
        return self.is_image or self.mime_type == "application/pdf"


class SubmissionToken(models.Model):
    """A claimed one-time form token (`core.submissions`): the first POST that carried it, and the
    answer it got, which a repeated POST with the same token receives instead of writing again.

    Only claimed tokens are stored (rendering a form writes nothing); the claim is inserted in the
    same transaction as the form's writes, and `key` is unique, so of two identical POSTs running at
    once the second waits on the index until the first commits. Rows older than a token's lifetime
    are removed by `manage.py purge_submissions`."""

    key = models.CharField(_("token"), max_length=64, unique=True)
    user = models.ForeignKey(
        "accounts.User", verbose_name=_("user"), on_delete=models.CASCADE, related_name="+"
    )
    path = models.CharField(_("path"), max_length=500)
    claimed_at = models.DateTimeField(_("claimed at"), default=timezone.now, db_index=True)
    # the first answer: a redirect (status and Location) or an htmx fragment (status, body, HX-* headers)
    status_code = models.PositiveSmallIntegerField(_("status code"), null=True, blank=True)
    location = models.CharField(_("location"), max_length=2000, blank=True)
    content_type = models.CharField(_("content type"), max_length=200, blank=True)
    headers = models.JSONField(_("headers"), default=dict, blank=True)
    body = models.TextField(_("body"), blank=True)

    class Meta:
        verbose_name = _("form submission")
        verbose_name_plural = _("form submissions")

    def __str__(self):
        return f"{self.path} ({self.claimed_at:%Y-%m-%d %H:%M})"


class HolidayYear(models.Model):
    """A year whose statutory holidays and make-up working days the portal knows from the State
    Council's notice (国务院办公厅关于YYYY年部分节假日安排的通知), entered by the administrator or
    loaded from `core/data/holidays/<year>.yaml`. Working days of a year listed here are counted
    from its `HolidayDay` rows (plus weekends); of a year not listed, from chinesecalendar; of a year
    neither knows, not at all (`core.workdays.UnknownCalendarYear`). Source: measure 三 of the
    Liaoning 2021 measures counts filing checks in working days (20 工作日)."""

    year = models.PositiveSmallIntegerField(_("year"), unique=True)
    notice = models.CharField(_("State Council notice"), max_length=200)
    published_on = models.DateField(_("published on"), null=True, blank=True)
    note = models.TextField(_("note"), blank=True)

    class Meta:
        ordering = ["-year"]
        verbose_name = _("holiday calendar year")
        verbose_name_plural = _("holiday calendar years")

    def __str__(self):
        return str(self.year)


class HolidayDay(models.Model):
    """One day the notice changes: a statutory holiday (`is_workday` False: off, even on a weekday)
    or a make-up working day (调休上班, `is_workday` True: on, even on a Saturday or Sunday)."""

    calendar = models.ForeignKey(
        HolidayYear, verbose_name=_("year"), on_delete=models.CASCADE, related_name="days"
    )
    day = models.DateField(_("date"), unique=True)
    is_workday = models.BooleanField(_("make-up working day"), default=False)
    name = models.CharField(_("holiday"), max_length=50)

    class Meta:
        ordering = ["day"]
        verbose_name = _("holiday or make-up working day")
        verbose_name_plural = _("holidays and make-up working days")

    def __str__(self):
        return f"{self.day:%Y-%m-%d} {self.name}"

    def clean(self):
        if self.calendar_id and self.day and self.day.year != self.calendar.year:
            raise ValidationError(
                {"day": _("The date is not in the year %(year)s.") % {"year": self.calendar.year}}
            )
