"""Public disclosure (政务公开), items 7–9 of the attachment to 鞍民发〔2020〕37号.

A county-level unit publishes two institution lists (registered or filed; known unregistered or
unfiled) and its list of support policies; the city publishes its own list of support policies.
Each click on "publish" records a `Publication`: who, when (set by the service, never by hand) and
a snapshot of exactly the rows the public sees. Public pages show only snapshots, never live data.
"""

import operator
import uuid
from functools import reduce

from django.core.exceptions import ValidationError
from django.core.validators import URLValidator
from django.db import models
from django.db.models import Q
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from core.evidence import refuse_active_pdf
from core.models import Region, TimeStampedModel
from core.scoping import ScopedQuerySet

MAX_PDF_BYTES = 20 * 1024 * 1024
PDF_MAGIC = b"%PDF-"

# The legal basis quoted above each public list, word for word from the seed document (data, not
# interface text: it is not translated). Items 7 and 8 rest on key task 3; item 9 has no sentence
# in key task 3, so the policy list quotes the attachment's item 9 itself.
SOURCE_DOCUMENT = "《全市2020年开展养老院服务质量建设专项行动实施方案》（鞍民发〔2020〕37号）"
KEY_TASK_3_QUOTE = (
    "要落实养老服务基层政务公开的工作要求，县级以上民政部门要于10月15日前公开本行政区域内经过登记、"
    "备案的机构名单，以及已掌握未经登记、备案的机构名单，通过信息公开的方式加强监管。"
)
ITEM_9_QUOTE = "10月15日前，市、县级民政部门在有关网站上公布本地扶持养老机构政策清单情况。"


def validate_pdf(upload) -> None:
    """An uploaded policy file must be a PDF (its first bytes, not its name) of at most 20 MB, without
    scripts, launch actions or attached files (core.evidence.refuse_active_pdf)."""
    if upload.size > MAX_PDF_BYTES:
        raise ValidationError(_("The file is larger than 20 MB."), code="too_large")
    upload.seek(0)
    head = upload.read(len(PDF_MAGIC))
    upload.seek(0)
    if head != PDF_MAGIC:
        raise ValidationError(
            _("Only PDF files can be uploaded, and this file is not a PDF."), code="not_pdf"
        )
    refuse_active_pdf(upload, name=getattr(upload, "name", "") or "policy.pdf")


def policy_upload_to(instance, filename: str) -> str:
    """A random name: the uploader's file name is kept in `original_filename`, never on disk."""
    return f"disclosure/policies/{uuid.uuid4().hex}.pdf"


class SupportPolicyQuerySet(ScopedQuerySet):
    region_lookup = "region"


class SupportPolicy(TimeStampedModel):
    """One entry of a region's list of local policies supporting eldercare institutions (item 9)."""

    region = models.ForeignKey(
        Region, verbose_name=_("region"), on_delete=models.PROTECT, related_name="support_policies"
    )
    title = models.CharField(_("policy title"), max_length=255)
    issuing_body = models.CharField(_("issuing body"), max_length=128)
    issued_on = models.DateField(_("issued on"))
    url = models.URLField(
        _("link"), max_length=500, blank=True, validators=[URLValidator(schemes=["http", "https"])]
    )
    file = models.FileField(_("PDF file"), upload_to=policy_upload_to, blank=True)
    original_filename = models.CharField(_("file name"), max_length=255, blank=True)
    file_sha256 = models.CharField(_("SHA-256"), max_length=64, blank=True, editable=False)
    created_by = models.ForeignKey(
        "accounts.User", verbose_name=_("created by"), on_delete=models.PROTECT, related_name="+"
    )

    objects = SupportPolicyQuerySet.as_manager()

    class Meta:
        ordering = ["region__path", "-issued_on", "title"]
        verbose_name = _("support policy")
        verbose_name_plural = _("support policies")

    def __str__(self):
        return self.title


class PublicationQuerySet(ScopedQuerySet):
    region_lookup = "region"

    def latest_per_kind(self, region: Region) -> dict[str, "Publication"]:
        """{kind: the region's latest publication of that kind}, in one query, snapshots included."""
        of_region = self.model.objects.filter(region=region).order_by("-published_at", "-pk")
        latest = [Q(pk__in=of_region.filter(kind=kind).values("pk")[:1]) for kind in Publication.Kind.values]
        return {publication.kind: publication for publication in self.filter(reduce(operator.or_, latest))}


class Publication(models.Model):
    """One publication of one list by one region: the date the compliance check reads (items 7–9),
    and the exact public rows at that moment. Created only by `services.publication_publish`."""

    class Kind(models.TextChoices):
        FILED = "filed", _("List of registered or filed institutions")
        UNFILED = "unfiled", _("List of unregistered or unfiled institutions")
        POLICIES = "policies", _("List of support policies")

    # Which inspection item of the attachment each list answers.
    ITEMS = {Kind.FILED: 7, Kind.UNFILED: 8, Kind.POLICIES: 9}

    region = models.ForeignKey(Region, verbose_name=_("region"), on_delete=models.PROTECT, related_name="+")
    kind = models.CharField(_("list"), max_length=16, choices=Kind.choices)
    published_at = models.DateTimeField(_("published at"), default=timezone.now, editable=False)
    published_by = models.ForeignKey(
        "accounts.User",
        verbose_name=_("published by"),
        on_delete=models.PROTECT,
        related_name="+",
        editable=False,
    )
    snapshot = models.JSONField(_("published rows"), default=list, editable=False)

    objects = PublicationQuerySet.as_manager()

    class Meta:
        ordering = ["-published_at", "-pk"]
        verbose_name = _("publication")
        verbose_name_plural = _("publications")
        indexes = [models.Index(fields=["region", "kind", "-published_at"], name="publication_latest_idx")]

    def __str__(self):
        return f"{self.region} · {self.get_kind_display()} · {self.published_at:%Y-%m-%d %H:%M}"

    @property
    def published_on(self):
        """The local (Asia/Shanghai) calendar date of publication: what "10月15日前" is measured on."""
        return timezone.localdate(self.published_at)


def kinds_for(region: Region) -> list[str]:
    """The lists a region publishes: a county-level unit all three (items 7, 8, 9), the city its
    policy list (item 9; the city's own institutions are published by 市本级, a county-level unit)."""
    if region.is_county_level:
        return list(Publication.Kind.values)
    if region.kind == Region.Kind.CITY:
        return [Publication.Kind.POLICIES]
    return []
