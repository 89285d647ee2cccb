"""Photos as evidence you can trust (issue 16, item 4): what the evidence module does with an image.

- **HEIC/HEIF** (iPhone photos) are read with pillow-heif: the original is stored as uploaded, with a
  JPEG **rendition** (at most `PORTAL_PHOTO_RENDITION_PX`, 2560 px on the long side) that previews
  show, since most browsers cannot show HEIC.
- A **thumbnail** (JPEG, `PORTAL_PHOTO_THUMBNAIL_PX`, 320 px on the long side) is made once, on
  upload, and stored beside the file; every list shows it, never the full image. Files uploaded
  before this existed get theirs from `manage.py evidence_thumbnails` (never from a GET).
- Neither the rendition nor the thumbnail carries EXIF, XMP or ICC data (so no GPS position): only
  the stored original, which is evidence and is never altered, keeps it.
- **EXIF**: the capture time (DateTimeOriginal, with OffsetTimeOriginal when given, else
  `PORTAL_PHOTO_TIME_ZONE`, Asia/Shanghai), the GPS position and the camera's make and model are
  kept on the evidence record and shown beside the photo.
- **Flags** (`photo_flags`): a capture time after the upload (beyond
  `PORTAL_PHOTO_CLOCK_TOLERANCE_MINUTES`, 10, for clocks a little off), or more than
  `PORTAL_PHOTO_MAX_AGE_DAYS` (90) before the date of the finding it documents (a hazard's
  `found_on`, an answer's campaign's issue date: `FINDING_DATES`). A photo without EXIF is not
  flagged; it says 无拍摄信息.
- **Reuse**: a perceptual hash (imagehash's pHash, 64 bits) per image. A new photo within Hamming
  distance `PORTAL_PHOTO_REUSE_DISTANCE` (4) of a live photo of *another record* is linked to it
  (`Evidence.reused_with`, both ends). The look-up is indexed: the hash is cut into five bands
  (13, 13, 13, 13 and 12 bits), each an indexed column; two hashes at distance at most 4 agree on
  at least one whole band (pigeonhole), so the candidates are the rows sharing a band, at most
  `REUSE_CANDIDATES` of them, compared in Python. With 500,000 photos a 13-bit band value is shared
  by about 60 rows, so an upload reads a few hundred short index entries whatever the province's
  size. The same photo attached twice to one record (a hazard's before and after, a hazard and its
  referral) is not reported: the record's own page shows both side by side. A featureless picture
  (less than 16 grey levels of contrast: one colour, a blank page) gets no hash.

Sources: issue 16 item 4 ("Photos as evidence you can trust").
"""

from __future__ import annotations

import datetime
import io
import logging
import zoneinfo
from dataclasses import dataclass
from decimal import Decimal

import imagehash
import pillow_heif
from django.conf import settings
from django.contrib.contenttypes.models import ContentType
from django.core.files.base import ContentFile
from django.db import models, transaction
from django.db.models import Q
from django.urls import NoReverseMatch, reverse
from django.utils import timezone
from django.utils.formats import date_format
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from PIL import Image, ImageOps, UnidentifiedImageError

from core.models import Evidence

logger = logging.getLogger(__name__)

pillow_heif.register_heif_opener()

#: ftyp brands of HEIF/HEIC stills (iPhone: "heic"; "mif1"/"msf1" are the generic HEIF brands).
HEIF_BRANDS = frozenset({b"heic", b"heix", b"hevc", b"hevx", b"heim", b"heis", b"mif1", b"msf1"})
BANDS = ((0, 13), (13, 13), (26, 13), (39, 13), (52, 12))  # (first bit, bits) of each band
REUSE_CANDIDATES = 500  # rows compared at most for one upload
FEATURELESS_RANGE = 16  # grey levels: a thumbnail with less contrast than this gets no pHash

# EXIF tags (TIFF/EXIF 2.32)
_EXIF_IFD, _GPS_IFD = 0x8769, 0x8825
_MAKE, _MODEL, _DATETIME = 0x010F, 0x0110, 0x0132
_DATETIME_ORIGINAL, _OFFSET_ORIGINAL = 0x9003, 0x9011


def setting(name: str, default):
    """A photo setting (`settings.PORTAL_PHOTO_*`), with its documented default."""
    return getattr(settings, name, default)


def max_pixels() -> int:
    """The largest image accepted, in pixels (`PORTAL_EVIDENCE_MAX_PIXELS`, 60 million: a 48 MP
    iPhone photo passes, a decompression bomb does not)."""
    return int(setting("PORTAL_EVIDENCE_MAX_PIXELS", 60_000_000))


# Reading an upload -------------------------------------------------------------------------------


def heif_extension(head: bytes) -> str | None:
    """ "heic" when `head` (the file's first bytes) is an ISO-BMFF file of a HEIF still-image brand."""
    if len(head) < 12 or head[4:8] != b"ftyp":
        return None
    major = head[8:12]
    box_size = int.from_bytes(head[0:4], "big")
    compatible = {head[i : i + 4] for i in range(16, min(box_size, len(head)) - 3, 4)}
    if major in HEIF_BRANDS - {b"mif1", b"msf1"}:
        return "heic"
    if major in (b"mif1", b"msf1") and compatible & (HEIF_BRANDS - {b"mif1", b"msf1"}):
        return "heic"
    return None


class NotAnImage(Exception):
    """The image cannot be read (damaged, truncated, or not what its header says)."""


class TooManyPixels(Exception):
    """The image's declared size is over `max_pixels()`: refused before any pixel is decoded."""

    def __init__(self, width: int, height: int):
        super().__init__(f"{width}x{height}")
        self.width, self.height = width, height


def check_pixels(file) -> tuple[int, int]:
    """(width, height) of the image `file` from its header only; TooManyPixels over the limit,
    NotAnImage when Pillow cannot read the header. The file is left at position 0."""
    file.seek(0)
    try:
        with Image.open(file) as image:
            width, height = image.size
    except Image.DecompressionBombError:
        raise TooManyPixels(0, 0) from None
    except (UnidentifiedImageError, OSError, ValueError, SyntaxError, EOFError) as error:
        raise NotAnImage(str(error)) from None
    finally:
        file.seek(0)
    if width * height > max_pixels():
        raise TooManyPixels(width, height)
    return width, height


@dataclass
class PhotoFacts:
    """What `examine` learns from one image: the derived files (JPEG bytes) and the EXIF facts."""

    thumbnail: bytes
    rendition: bytes | None
    phash: str
    taken_at: datetime.datetime | None = None
    latitude: Decimal | None = None
    longitude: Decimal | None = None
    camera: str = ""


def _clean_jpeg(image: Image.Image, long_side: int) -> bytes:
    """`image` shrunk to `long_side` and saved as a JPEG with no metadata (no EXIF, XMP, ICC)."""
    image = image.copy()
    image.thumbnail((long_side, long_side), Image.Resampling.LANCZOS)
    if image.mode in ("RGBA", "LA", "PA") or (image.mode == "P" and "transparency" in image.info):
        image = image.convert("RGBA")
        background = Image.new("RGB", image.size, "white")
        background.paste(image, mask=image.getchannel("A"))
        image = background
    elif image.mode != "RGB":
        image = image.convert("RGB")
    clean = Image.new("RGB", image.size)
    clean.paste(image)  # a new image: nothing of the original's info (exif, xmp, icc) comes along
    out = io.BytesIO()
    clean.save(out, format="JPEG", quality=85, optimize=True)
    return out.getvalue()


def examine(file, *, heif: bool) -> PhotoFacts:
    """Decode the image `file` once: its thumbnail, its JPEG rendition (HEIC only), its pHash and
    its EXIF facts. NotAnImage when it cannot be decoded; TooManyPixels over the limit."""
    check_pixels(file)
    file.seek(0)
    thumb_px = int(setting("PORTAL_PHOTO_THUMBNAIL_PX", 320))
    rendition_px = int(setting("PORTAL_PHOTO_RENDITION_PX", 2560))
    try:
        with Image.open(file) as image:
            exif = image.getexif()
            if not heif and image.format == "JPEG":
                image.draft("RGB", (thumb_px * 2, thumb_px * 2))  # decode at 1/2..1/8 scale
            image.seek(0)
            image.load()
            upright = ImageOps.exif_transpose(image) or image
            thumbnail = _clean_jpeg(upright, thumb_px)
            rendition = _clean_jpeg(upright, rendition_px) if heif else None
    except Image.DecompressionBombError:
        raise TooManyPixels(0, 0) from None
    except (UnidentifiedImageError, OSError, ValueError, SyntaxError, EOFError) as error:
        raise NotAnImage(str(error)) from None
    finally:
        file.seek(0)
    with Image.open(io.BytesIO(thumbnail)) as small:
        low, high = small.convert("L").getextrema()
        # a featureless picture (one colour, a blank page) has no pHash worth comparing: every such
        # picture would "match" every other
        phash = str(imagehash.phash(small)) if high - low >= FEATURELESS_RANGE else ""
    taken_at, latitude, longitude, camera = read_exif(exif)
    return PhotoFacts(thumbnail, rendition, phash, taken_at, latitude, longitude, camera)


def _text(value) -> str:
    if isinstance(value, bytes):
        value = value.decode("utf-8", "replace")
    return " ".join(str(value or "").replace("\0", " ").split())


def _taken_at(exif_ifd, ifd0) -> datetime.datetime | None:
    raw = _text(exif_ifd.get(_DATETIME_ORIGINAL) or ifd0.get(_DATETIME))
    try:
        naive = datetime.datetime.strptime(raw[:19], "%Y:%m:%d %H:%M:%S")
    except ValueError:
        return None  # absent, or "0000:00:00 00:00:00" from a camera whose clock was never set
    offset = _text(exif_ifd.get(_OFFSET_ORIGINAL))
    try:
        sign = -1 if offset[0] == "-" else 1
        hours, minutes = int(offset[1:3]), int(offset[4:6])
        zone = datetime.timezone(sign * datetime.timedelta(hours=hours, minutes=minutes))
    except (IndexError, ValueError):
        zone = zoneinfo.ZoneInfo(setting("PORTAL_PHOTO_TIME_ZONE", "Asia/Shanghai"))
    return naive.replace(tzinfo=zone)


def _degrees(parts, ref) -> Decimal | None:
    try:
        degrees, minutes, seconds = (float(part) for part in parts)
    except (TypeError, ValueError, ZeroDivisionError):
        return None
    value = degrees + minutes / 60 + seconds / 3600
    if _text(ref).upper() in ("S", "W"):
        value = -value
    return Decimal(f"{value:.6f}")


def read_exif(exif) -> tuple[datetime.datetime | None, Decimal | None, Decimal | None, str]:
    """(capture time, latitude, longitude, camera) from a Pillow `Image.Exif`; None/"" for what it
    lacks. A position of 0°, 0° or out of range is no position."""
    if exif is None:
        exif = Image.Exif()
    exif_ifd, gps = exif.get_ifd(_EXIF_IFD), exif.get_ifd(_GPS_IFD)
    taken_at = _taken_at(exif_ifd, exif)
    latitude = _degrees(gps.get(2), gps.get(1)) if gps.get(2) else None
    longitude = _degrees(gps.get(4), gps.get(3)) if gps.get(4) else None
    if (
        latitude is None
        or longitude is None
        or not (-90 <= latitude <= 90 and -180 <= longitude <= 180)
        or (latitude == 0 and longitude == 0)
    ):
        latitude = longitude = None
    make, model = _text(exif.get(_MAKE)), _text(exif.get(_MODEL))
    camera = model if make and model.lower().startswith(make.lower()) else f"{make} {model}".strip()
    return taken_at, latitude, longitude, camera[:100]


# Storing --------------------------------------------------------------------------------------------


def bands(phash: str) -> tuple[int, ...]:
    """The five band values of a 16-hex-digit pHash (see the module's docstring)."""
    value = int(phash, 16)
    return tuple((value >> (64 - first - bits)) & ((1 << bits) - 1) for first, bits in BANDS)


def distance(a: str, b: str) -> int:
    """Hamming distance of two pHashes (hex)."""
    return (int(a, 16) ^ int(b, 16)).bit_count()


def reuse_distance() -> int:
    """Hashes at most this far apart are the same photo (`PORTAL_PHOTO_REUSE_DISTANCE`, 4; at most
    4, what five bands guarantee to find)."""
    return max(0, min(int(setting("PORTAL_PHOTO_REUSE_DISTANCE", 4)), len(BANDS) - 1))


#: An owner whose files document another record: (its model, the field holding that record's id).
RECORD_OF = {
    "hazards.referral": ("hazards.hazard", "hazard_id"),
    # the points of one inspection record are one record: a photo on two of its points is not reuse
    "inspections.finding": ("inspections.inspection", "inspection_id"),
}


def record_key(owner: models.Model) -> str:
    """ "app.model:pk" of the record `owner`'s files document (a referral's: its hazard's)."""
    label = owner._meta.concrete_model._meta.label_lower
    if label in RECORD_OF:
        other, field = RECORD_OF[label]
        return f"{other}:{getattr(owner, field)}"
    return f"{label}:{owner.pk}"


def apply_facts(evidence: Evidence, facts: PhotoFacts, *, base: str) -> list[str]:
    """Save `facts`' files beside `base` (the stored original's name) and set the fields on
    `evidence` (not saved). Returns the names written, for clean-up on failure."""
    storage = Evidence._meta.get_field("file").storage
    stem = base.rsplit(".", 1)[0]
    written = []
    evidence.thumbnail.name = storage.save(f"{stem}.thumb.jpg", ContentFile(facts.thumbnail))
    written.append(evidence.thumbnail.name)
    if facts.rendition is not None:
        evidence.rendition.name = storage.save(f"{stem}.view.jpg", ContentFile(facts.rendition))
        written.append(evidence.rendition.name)
    evidence.taken_at = facts.taken_at
    evidence.latitude, evidence.longitude = facts.latitude, facts.longitude
    evidence.camera = facts.camera
    evidence.phash = facts.phash
    for index, value in enumerate(bands(facts.phash) if facts.phash else [None] * len(BANDS)):
        setattr(evidence, f"phash_band{index}", value)
    return written


def find_reuses(evidence: Evidence) -> list[Evidence]:
    """Live photos of other records within `reuse_distance()` of `evidence`'s pHash: one indexed
    query over the five bands, at most REUSE_CANDIDATES rows compared."""
    if not evidence.phash:
        return []
    condition = Q()
    for index, value in enumerate(bands(evidence.phash)):
        condition |= Q(**{f"phash_band{index}": value})
    candidates = (
        Evidence.objects.live()
        .filter(condition)
        .exclude(pk=evidence.pk)
        .exclude(record_key=evidence.record_key)
        .only("pk", "phash")[:REUSE_CANDIDATES]
    )
    limit = reuse_distance()
    return [other for other in candidates if other.phash and distance(other.phash, evidence.phash) <= limit]


def link_reuses(evidence: Evidence) -> int:
    """Link `evidence` to the photos it repeats (both ways); returns how many."""
    others = find_reuses(evidence)
    if others:
        evidence.reused_with.add(*others)
    return len(others)


def fill_missing(evidence: Evidence) -> bool:
    """Make the thumbnail (and HEIC rendition), read the EXIF and the pHash of an image stored
    without them, and link its reuses (`manage.py evidence_thumbnails`). False when there was
    nothing to do or the file cannot be read (logged)."""
    if not evidence.is_image or evidence.thumbnail:
        return False
    storage = evidence.file.storage
    try:
        with storage.open(evidence.file.name, "rb") as stream:
            facts = examine(stream, heif=evidence.mime_type in ("image/heic", "image/heif"))
    except (OSError, NotAnImage, TooManyPixels):
        logger.warning("Evidence %s: no thumbnail (unreadable image)", evidence.pk, exc_info=True)
        return False
    written = apply_facts(evidence, facts, base=evidence.file.name)
    if not evidence.record_key and evidence.owner is not None:
        evidence.record_key = record_key(evidence.owner)
    try:
        with transaction.atomic():
            evidence.save()
            link_reuses(evidence)
    except Exception:
        for name in written:
            storage.delete(name)
        raise
    return True


# Showing ------------------------------------------------------------------------------------------

#: The date a photo documents, per owner model: (lookup from the owner, what the date is).
FINDING_DATES: dict[str, tuple[str, object]] = {
    "hazards.hazard": ("found_on", gettext_lazy("the hazard was found")),
    "hazards.referral": ("hazard__found_on", gettext_lazy("the hazard was found")),
    "campaign.itemanswer": ("item__campaign__issued_on", gettext_lazy("the campaign was issued")),
}


def register_finding_date(label: str, lookup: str, what) -> None:
    """Flag photos of `label`'s ("app.model") records taken long before `lookup`'s date (e.g. an
    inspection's date); `what` completes "taken N days before …"."""
    FINDING_DATES[label] = (lookup, what)


def caption(evidence: Evidence) -> str:
    """ "拍摄于 2026-11-28 14:03 · 北纬41.11° 东经122.99° · Apple iPhone 15" or "无拍摄信息"."""
    parts = []
    if evidence.taken_at:
        shown = timezone.localtime(evidence.taken_at)
        parts.append(_("Taken %(time)s") % {"time": f"{shown:%Y-%m-%d %H:%M}"})
    if evidence.latitude is not None and evidence.longitude is not None:
        lat, lon = evidence.latitude, evidence.longitude
        parts.append(
            (_("N %(degrees)s°") if lat >= 0 else _("S %(degrees)s°")) % {"degrees": f"{abs(lat):.2f}"}
            + " "
            + (_("E %(degrees)s°") if lon >= 0 else _("W %(degrees)s°")) % {"degrees": f"{abs(lon):.2f}"}
        )
    if evidence.camera and parts:
        parts.append(evidence.camera)
    return " · ".join(parts) if parts else _("No capture information")


def flags(evidence: Evidence, finding: tuple[datetime.date, object] | None) -> list[str]:
    """The reasons (Chinese sentences) to doubt the photo's capture time; [] for none or no EXIF.
    `finding` is (date, what) of the record it documents, when known."""
    if not evidence.taken_at:
        return []
    found = []
    uploaded = evidence.created_at or timezone.now()
    tolerance = datetime.timedelta(minutes=int(setting("PORTAL_PHOTO_CLOCK_TOLERANCE_MINUTES", 10)))
    if evidence.taken_at > uploaded + tolerance:
        found.append(
            _("The capture time %(taken)s is after the upload (%(uploaded)s).")
            % {
                "taken": f"{timezone.localtime(evidence.taken_at):%Y-%m-%d %H:%M}",
                "uploaded": f"{timezone.localtime(uploaded):%Y-%m-%d %H:%M}",
            }
        )
    if finding and finding[0]:
        day, what = finding
        days = (day - timezone.localtime(evidence.taken_at).date()).days
        if days > int(setting("PORTAL_PHOTO_MAX_AGE_DAYS", 90)):
            found.append(
                _("Taken %(days)s days before %(what)s (%(date)s).")
                % {"days": days, "what": what, "date": date_format(day, "Y-m-d")}
            )
    return found


def _describe(owner: models.Model, user) -> tuple[str, str | None]:
    """(name, URL or None) of a record the reader can see, for "此照片也用于 …"."""
    label = owner._meta.concrete_model._meta.label_lower
    try:
        if label == "hazards.referral":
            owner = owner.hazard
            label = "hazards.hazard"
        if label == "hazards.hazard":
            return (
                _("hazard %(code)s (%(institution)s)")
                % {"code": owner.code, "institution": owner.institution.name},
                reverse("hazards:detail", args=[owner.pk]),
            )
        if label == "inspections.finding":
            inspection = owner.inspection
            return (
                _("inspection of %(institution)s on %(date)s")
                % {"institution": inspection.institution.name, "date": f"{inspection.inspected_on:%Y-%m-%d}"},
                reverse("inspections:record_detail", args=[inspection.pk]),
            )
        if label == "campaign.itemanswer":
            name = _("item %(number)s of %(region)s") % {
                "number": owner.item.number,
                "region": owner.region.name,
            }
            if getattr(user, "role", "") == "city":
                return name, reverse("checklist:review", args=[owner.pk])
            return name, reverse("checklist:answer", args=[owner.item.number])
    except (AttributeError, NoReverseMatch):
        pass
    return str(owner), None


_SELECT = {
    "hazards.hazard": ["institution"],
    "hazards.referral": ["hazard__institution"],
    "campaign.itemanswer": ["item", "region"],
    "inspections.finding": ["inspection__institution"],
}


def _visible_owners(user, keys: set[tuple[int, int]]) -> dict[tuple[int, int], models.Model]:
    """{(content type id, pk): owner} of the owners among `keys` that `user` can see: one query per
    owner model present."""
    from core.evidence import owner_models  # the registry lives with the scope rules

    wanted: dict[int, set[int]] = {}
    for type_id, pk in keys:
        wanted.setdefault(type_id, set()).add(pk)
    found = {}
    for model in owner_models():
        type_id = ContentType.objects.get_for_model(model).pk
        if type_id not in wanted:
            continue
        label = model._meta.label_lower
        queryset = model._default_manager.all().visible_to(user).filter(pk__in=wanted[type_id])
        for owner in queryset.select_related(*_SELECT.get(label, [])):
            found[(type_id, owner.pk)] = owner
    return found


def _finding_dates(files: list[Evidence]) -> dict[tuple[int, int], tuple[datetime.date, object]]:
    """{(owner type, owner id): (date, what)} for the owners of `files` that have a finding date."""
    from core.evidence import owner_models

    by_type: dict[int, set[int]] = {}
    for file in files:
        if file.taken_at:
            by_type.setdefault(file.owner_type_id, set()).add(file.owner_id)
    found = {}
    for model in owner_models():
        label = model._meta.label_lower
        type_id = ContentType.objects.get_for_model(model).pk
        if type_id not in by_type or label not in FINDING_DATES:
            continue
        lookup, what = FINDING_DATES[label]
        rows = model._default_manager.filter(pk__in=by_type[type_id]).values_list("pk", lookup)
        for pk, day in rows:
            if day:
                found[(type_id, pk)] = (day, what)
    return found


def annotate(files: list[Evidence], user) -> None:
    """Set on each image of `files` (evidence `user` can see): `photo_caption`, `photo_flags` (list
    of sentences), `photo_record` ((name, URL) of its own record), `photo_reuses` (list of (name, URL) of the *visible* records that use the same
    photo) and `photo_hidden_reuses` (how many other records, outside the reader's scope, use it;
    counted for city and district staff only, never named). Queries: one for the links, one per
    owner model for the records named, one per owner model for the finding dates."""
    images = [file for file in files if file.is_image]
    for file in files:
        file.photo_caption, file.photo_flags, file.photo_reuses, file.photo_hidden_reuses = "", [], [], 0
        file.photo_record = None
    if not images:
        return
    through = Evidence.reused_with.through
    links = list(
        through.objects.filter(
            from_evidence_id__in=[file.pk for file in images], to_evidence__removed_at__isnull=True
        ).values_list("from_evidence_id", "to_evidence__owner_type_id", "to_evidence__owner_id")
    )
    keys = {(type_id, pk) for _file, type_id, pk in links} | {(f.owner_type_id, f.owner_id) for f in images}
    owners = _visible_owners(user, keys)
    findings = _finding_dates(images)
    staff = getattr(user, "role", "") in ("city", "district")
    for file in images:
        file.photo_caption = caption(file)
        own = owners.get((file.owner_type_id, file.owner_id))
        file.photo_record = _describe(own, user) if own is not None else None
        file.photo_flags = flags(file, findings.get((file.owner_type_id, file.owner_id)))
        seen, hidden = {}, set()
        for source, type_id, pk in links:
            if source != file.pk:
                continue
            owner = owners.get((type_id, pk))
            if owner is None:
                hidden.add((type_id, pk))
                continue
            name, url = _describe(owner, user)
            seen.setdefault(name, url)
        file.photo_reuses = list(seen.items())
        file.photo_hidden_reuses = len(hidden) if staff else 0
