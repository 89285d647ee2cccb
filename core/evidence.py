"""Evidence files, shared by every app that needs uploaded proof (hazards, the 30-item answers).

One place decides what may be uploaded, how it is stored, who may read it and how it is sent:

- **Accepted**: images (JPEG, PNG, GIF, WebP, and iPhone HEIC/HEIF), PDF, and Word, Excel and PowerPoint documents in
  both the 97-2003 (OLE2) and the 2007+ (OOXML) formats, at most `PORTAL_EVIDENCE_MAX_BYTES`
  (20 MB by default). The type is decided by the file's *content* (magic bytes; the stream names
  of an OLE2 file; the members of an OOXML zip) and must belong to the same family as the name's
  extension: an image named .jpg that is really a PNG is accepted (and stored as .png), a PNG
  named .pdf, a plain zip named .docx, HTML, SVG and everything else are refused. Hostile
  content is refused too: Office documents with macros (2007+ and 97-2003) or a password; 2007+
  documents over the import's decompression limits (`core.archives`: unpacked size, ratio, member
  count); PDFs with scripts, launch actions or attached files (`core.pdf_actions`); images over
  `core.photos.max_pixels()` (a decompression bomb: the size is read from the header, nothing
  decoded) or that cannot be decoded. Names with a
  folder path or control characters are refused (Django's upload parser already strips folders
  and non-printable characters from real HTTP uploads, so such a name means a call that did not
  go through it).
- **Stored** under `MEDIA_ROOT/evidence/<year>/<month>/<random hex>.<detected extension>`; the
  uploader's name is kept in `original_name` only. SHA-256, size and the detected MIME type are
  recorded. MEDIA_ROOT has no public URL. An image also gets, once, a thumbnail (and a HEIC a JPEG
  rendition), its EXIF capture time and position and its perceptual hash (`core.photos`).
- **Read** only through `visible_evidence(user)` (lists) and `visible_evidence_or_404(user, pk)`
  (one file): evidence is visible exactly when its owner is visible through the owner's
  `visible_to(user)`, checked for the file's one owner. Owner models register themselves with
  `register_owner(Model)` (in their AppConfig.ready).
- **Sent** by `evidence_response`: the detected MIME type, `Content-Disposition: attachment`
  (inline only for image and PDF previews), `X-Content-Type-Options: nosniff`; by Django itself,
  or by nginx through `X-Accel-Redirect` when `PORTAL_SENDFILE_HEADER` says so.
- **Removed** softly (`evidence_remove`: the row and the file stay); **purged** for good
  (`evidence_purge*`, the `purge_evidence` command), the files deleted after the commit.
"""

from __future__ import annotations

import hashlib
import logging
import unicodedata
import uuid
import zipfile
from collections.abc import Iterable
from datetime import timedelta
from urllib.parse import quote

import filetype
from django.conf import settings
from django.contrib.contenttypes.models import ContentType
from django.core.exceptions import ImproperlyConfigured, PermissionDenied, ValidationError
from django.db import models, transaction
from django.db.models import Exists, OuterRef, Q, QuerySet
from django.http import FileResponse, Http404, HttpResponse
from django.template.defaultfilters import filesizeformat
from django.utils import timezone
from django.utils.http import content_disposition_header
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from core import archives, photos
from core.models import Evidence
from core.pdf_actions import Uncheckable, active_names

logger = logging.getLogger(__name__)

# What may be uploaded -----------------------------------------------------------------------------

#: Accepted extensions and the MIME type a file of that kind is stored and served with.
ALLOWED: dict[str, str] = {
    "jpg": "image/jpeg",
    "jpeg": "image/jpeg",
    "png": "image/png",
    "gif": "image/gif",
    "webp": "image/webp",
    "heic": "image/heic",
    "heif": "image/heif",
    "pdf": "application/pdf",
    "doc": "application/msword",
    "xls": "application/vnd.ms-excel",
    "ppt": "application/vnd.ms-powerpoint",
    "docx": "application/vnd.openxmlformats-officedocument.wordprocessingml.document",
    "xlsx": "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
    "pptx": "application/vnd.openxmlformats-officedocument.presentationml.presentation",
}

#: The family of each extension: a file's content must be of the family its name says. Within a
#: family the content wins (a PNG named .jpg is stored as .png, a .docx named .doc as .docx).
FAMILY: dict[str, str] = {
    "jpg": "image",
    "jpeg": "image",
    "png": "image",
    "gif": "image",
    "webp": "image",
    "heic": "image",
    "heif": "image",
    "pdf": "pdf",
    "doc": "word",
    "docx": "word",
    "xls": "excel",
    "xlsx": "excel",
    "ppt": "powerpoint",
    "pptx": "powerpoint",
}

FAMILY_LABELS = {
    "image": gettext_lazy("an image"),
    "pdf": gettext_lazy("a PDF document"),
    "word": gettext_lazy("a Word document"),
    "excel": gettext_lazy("an Excel workbook"),
    "powerpoint": gettext_lazy("a PowerPoint presentation"),
}

#: Shown wherever the accepted types are listed (help text, refusals).
ACCEPTED_TYPES = gettext_lazy(
    "images (JPG, PNG, GIF, WebP, HEIC), PDF, and Word, Excel or PowerPoint documents"
)

MAX_NAME_LENGTH = 255  # Evidence.original_name

# Magic bytes and containers.
_SIGNATURE_BYTES = 8192
_OLE2_MAGIC = bytes.fromhex("D0CF11E0A1B11AE1")
_ZIP_MAGIC = b"PK\x03\x04"
# The main stream of each OLE2 (97-2003) Office format; "EncryptedPackage" is a password-protected
# 2007+ document, which Office wraps in an OLE2 container.
_OLE2_STREAMS = {
    "WordDocument": "doc",
    "Workbook": "xls",
    "Book": "xls",
    "PowerPoint Document": "ppt",
    "EncryptedPackage": "encrypted",
}
# Entries (name: entry type, 1 = storage, 2 = stream) that only a 97-2003 file with VBA macros has.
_OLE2_MACRO_ENTRIES = {"_VBA_PROJECT": 2, "_VBA_PROJECT_CUR": 1, "Macros": 1}
_OOXML_FOLDERS = (("word/", "docx"), ("xl/", "xlsx"), ("ppt/", "pptx"))
_CONTENT_MATCHERS = [
    filetype.get_type(mime=mime)
    for mime in ("image/jpeg", "image/png", "image/gif", "image/webp", "application/pdf")
]
# Canonical extension of each matcher's type (filetype says "jpg" for JPEG already).
_MATCHER_EXTENSION = {
    "image/jpeg": "jpg",
    "image/png": "png",
    "image/gif": "gif",
    "image/webp": "webp",
    "application/pdf": "pdf",
}

# Characters that reorder or hide text (used to disguise "cod.exe" as "exe.doc") count as control
# characters in a file name, with the C0/C1 controls.
_BIDI_CONTROLS = frozenset("\u061c\u200e\u200f\u202a\u202b\u202c\u202d\u202e\u2066\u2067\u2068\u2069")


def max_bytes() -> int:
    """The largest evidence file accepted, in bytes (`settings.PORTAL_EVIDENCE_MAX_BYTES`)."""
    return int(getattr(settings, "PORTAL_EVIDENCE_MAX_BYTES", 20 * 1024 * 1024))


def accept_attribute() -> str:
    """The `accept` attribute of a file input: the accepted MIME types and extensions."""
    mimes = dict.fromkeys(ALLOWED.values())
    return ",".join([*mimes, *(f".{extension}" for extension in ALLOWED)])


def help_text() -> str:
    """ "Images (...), PDF ...; at most 20 MB per file." for upload forms."""
    return _("Accepted: %(types)s; at most %(max)s per file.") % {
        "types": ACCEPTED_TYPES,
        "max": filesizeformat(max_bytes()),
    }


# Checking an upload -------------------------------------------------------------------------------


def _has_control_characters(name: str) -> bool:
    return any(unicodedata.category(char) == "Cc" or char in _BIDI_CONTROLS for char in name)


def _shown(name: str) -> str:
    """A name safe to put in a message: control characters replaced, at most 100 characters."""
    text = "".join(
        "?" if unicodedata.category(char) == "Cc" or char in _BIDI_CONTROLS else char for char in name
    )
    return text if len(text) <= 100 else text[:99] + "…"


def _is_path_like(name: str) -> bool:
    return "/" in name or "\\" in name or name in (".", "..")


def _extension(name: str) -> str:
    return name.rsplit(".", 1)[1].lower() if "." in name else ""


def clean_original_name(name: str | None) -> str:
    """The name to keep for an upload: refused (ValidationError) when missing, path-like or with
    control characters; surrounding spaces removed; shortened to 255 characters keeping the
    extension."""
    name = (name or "").strip()
    if not name:
        raise ValidationError(_("The uploaded file has no name."), code="no_name")
    if _is_path_like(name) or _has_control_characters(name):
        raise ValidationError(
            _(
                "The file name “%(name)s” contains a folder path or control characters. Upload the "
                "file itself, under a plain name."
            )
            % {"name": _shown(name)},
            code="bad_name",
        )
    if len(name) > MAX_NAME_LENGTH:
        extension = _extension(name)
        suffix = f".{extension}" if extension and len(extension) < 16 else ""
        name = name[: MAX_NAME_LENGTH - len(suffix)] + suffix
    return name


def _read_head(file) -> bytes:
    file.seek(0)
    head = file.read(_SIGNATURE_BYTES)
    file.seek(0)
    return bytes(head)


def _ole2_streams(file, entries: dict[str, int] | None = None) -> set[str]:
    """Names of the known Office streams (or of `entries`: name -> entry type) in an OLE2
    (compound file) container.

    Directory entries are 128 bytes, aligned to 128 bytes in the file (the header and every sector
    are multiples of 128), and start with the UTF-16LE name, its length in bytes at offset 64 and
    the entry type (2 = stream) at 66. Looking for aligned entries avoids parsing the sector chains
    and never misses a real stream; text that merely mentions a name is not aligned like an entry.
    """
    entries = entries if entries is not None else dict.fromkeys(_OLE2_STREAMS, 2)
    needles = {name: name.encode("utf-16-le") + b"\0\0" for name in entries}
    found: set[str] = set()
    chunk_size = 1 << 20  # a multiple of 128, so entries never straddle two chunks
    file.seek(0)
    while chunk := file.read(chunk_size):
        for name, needle in needles.items():
            start = 0
            while (position := chunk.find(needle, start)) != -1:
                start = position + 1
                if (
                    position % 128 == 0
                    and int.from_bytes(chunk[position + 64 : position + 66], "little") == len(needle)
                    and chunk[position + 66] == entries[name]
                ):
                    found.add(name)
    file.seek(0)
    return found


def _ooxml_kind(file) -> tuple[str | None, bool]:
    """(docx/xlsx/pptx or None, has macros) of a zip upload, from its member names only (nothing is
    decompressed, so a zip bomb costs nothing)."""
    file.seek(0)
    try:
        with zipfile.ZipFile(file) as archive:
            names = archive.namelist()
    except (zipfile.BadZipFile, zipfile.LargeZipFile, OSError, ValueError, EOFError):
        return None, False
    finally:
        file.seek(0)
    if "[Content_Types].xml" not in names:
        return None, False
    macros = any(name.lower().endswith("vbaproject.bin") for name in names)
    for folder, extension in _OOXML_FOLDERS:
        if any(name.startswith(folder) for name in names):
            return extension, macros
    return None, macros


class _Refusal(Exception):
    """A refusal whose message still needs the file's name."""

    def __init__(self, message: str, code: str):
        super().__init__(message)
        self.message, self.code = message, code


def _macros_refusal() -> _Refusal:
    return _Refusal(
        _(
            "The file “%(name)s” contains macros, which are not accepted. Save it as a "
            "document without macros and upload that."
        ),
        "macros",
    )


def _detect(file, named_extension: str) -> str | None:
    """The canonical extension of the file's content, or None when it is nothing accepted.

    Raises _Refusal for documents refused for their own sake (macros, password)."""
    head = _read_head(file)
    if head.startswith(_OLE2_MAGIC):
        streams = {_OLE2_STREAMS[name] for name in _ole2_streams(file)}
        found = named_extension if named_extension in streams else None  # a .doc with a chart has both
        found = found or next((ext for ext in ("doc", "xls", "ppt") if ext in streams), None)
        if found and _ole2_streams(file, _OLE2_MACRO_ENTRIES):
            raise _macros_refusal()
        if found:
            return found
        if "encrypted" in streams:
            raise _Refusal(
                _(
                    "The file “%(name)s” is protected by a password. Remove the password, save the "
                    "file and upload it again."
                ),
                "password",
            )
        return None
    if head.startswith(_ZIP_MAGIC):
        extension, macros = _ooxml_kind(file)
        if extension and macros:
            raise _macros_refusal()
        if extension:
            _check_unpacked_size(file)
        return extension
    kind = filetype.match(head, _CONTENT_MATCHERS)
    detected = _MATCHER_EXTENSION[kind.mime] if kind else photos.heif_extension(head)
    if detected == "pdf":
        _check_pdf_actions(file)
    elif detected is not None and FAMILY[detected] == "image":
        _check_pixels(file)
    return detected


def _check_pixels(file) -> None:
    """Refuse an image whose header declares more than `core.photos.max_pixels()` (a decompression
    bomb: a small file that would take gigabytes once decoded) or that Pillow cannot read."""
    try:
        photos.check_pixels(file)
    except photos.TooManyPixels:
        raise _Refusal(
            _(
                "The image “%(name)s” has more than %(max)s million pixels, too many to show (a file "
                "that small with that many pixels can be an attack). Save it at a smaller size and "
                "upload that."
            )
            % {"name": "%(name)s", "max": photos.max_pixels() // 1_000_000},
            "too_many_pixels",
        ) from None
    except photos.NotAnImage:
        raise _Refusal(
            _("The image “%(name)s” cannot be read: the file may be damaged or cut short."),
            "image_unreadable",
        ) from None


def _check_unpacked_size(file) -> None:
    """The import's decompression limits (core.archives) for an Office 2007+ zip."""
    try:
        archives.check_zip_file(file)
    except archives.ArchiveTooLarge as refusal:
        message = _("The file “%(name)s” is not accepted: ") + refusal.message.replace("%", "%%")
        raise _Refusal(message, refusal.code) from None
    except (zipfile.BadZipFile, zipfile.LargeZipFile, OSError, ValueError, EOFError):
        pass  # not a readable zip: _ooxml_kind has said so already


def _check_pdf_actions(file) -> None:
    """Refuse a PDF that carries scripts, launch actions or attached files (core.pdf_actions)."""
    file.seek(0)
    data = bytes(file.read())
    file.seek(0)
    try:
        found = active_names(data)
    except Uncheckable:
        raise _Refusal(
            _(
                "Part of the PDF “%(name)s” is packed in a way that cannot be checked for scripts "
                "(unusual compression or encryption). Print it to a new PDF and upload that."
            ),
            "pdf_uncheckable",
        ) from None
    if found:
        raise _Refusal(
            _(
                "The PDF “%(name)s” contains scripts, actions that open other files or programs, or "
                "attached files (%(found)s), which are not accepted. Print it to a new PDF, or scan "
                "the paper, and upload that."
            )
            % {"name": "%(name)s", "found": ", ".join(f"/{name}" for name in sorted(found))},
            "pdf_active_content",
        )


def refuse_active_pdf(file, *, name: str) -> None:
    """Raise ValidationError (one sentence naming the file) when the PDF `file` carries scripts,
    launch actions or attached files, or hides objects that cannot be checked (core.pdf_actions).
    For every PDF the portal takes besides evidence (the disclosure's policy files)."""
    try:
        _check_pdf_actions(file)
    except _Refusal as refusal:
        raise ValidationError(refusal.message % {"name": _shown(name)}, code=refusal.code) from None


def validate_upload(file, *, name: str | None = None) -> tuple[str, str]:
    """Check an upload; return (MIME type, extension) of its content, or raise ValidationError
    with one clear sentence naming the file.

    `name` defaults to `file.name`. Refused: no name, a path-like name or one with control
    characters, an extension outside ALLOWED, an empty file, a file over `max_bytes()`, content
    that is not of the family the extension says (a PNG named .pdf, a zip named .docx, HTML or SVG
    under any name), Office documents with macros or a password. The file is left at position 0.
    """
    name = clean_original_name(name if name is not None else getattr(file, "name", None))
    shown = _shown(name)
    named_extension = _extension(name)
    if named_extension not in ALLOWED:
        raise ValidationError(
            _("The file “%(name)s” is not of an accepted type. Accepted are %(types)s.")
            % {"name": shown, "types": ACCEPTED_TYPES},
            code="type_not_allowed",
        )
    size = file.size
    if not size:
        raise ValidationError(_("The file “%(name)s” is empty.") % {"name": shown}, code="empty")
    if size > max_bytes():
        raise ValidationError(
            _("The file “%(name)s” is %(size)s, larger than the %(max)s allowed.")
            % {"name": shown, "size": filesizeformat(size), "max": filesizeformat(max_bytes())},
            code="too_large",
        )
    named_family = FAMILY[named_extension]
    try:
        detected = _detect(file, named_extension)
    except _Refusal as refusal:
        raise ValidationError(refusal.message % {"name": shown}, code=refusal.code) from None
    if detected is None:
        raise ValidationError(
            _(
                "The content of “%(name)s” is not %(named)s: the file may be damaged, or another kind "
                "of file renamed."
            )
            % {"name": shown, "named": FAMILY_LABELS[named_family]},
            code="content_unknown",
        )
    if FAMILY[detected] != named_family:
        raise ValidationError(
            _("The name “%(name)s” says %(named)s, but the file's content is %(found)s.")
            % {"name": shown, "named": FAMILY_LABELS[named_family], "found": FAMILY_LABELS[FAMILY[detected]]},
            code="content_mismatch",
        )
    return ALLOWED[detected], detected


# Owners and scope ---------------------------------------------------------------------------------

_OWNERS: dict[str, type[models.Model]] = {}


def register_owner(model: type[models.Model]) -> type[models.Model]:
    """Let `model`'s rows own evidence (idempotent; usable as a class decorator). Its default
    manager must offer `visible_to(user)`: evidence is visible exactly when its owner is."""
    if not callable(getattr(model._default_manager.all(), "visible_to", None)):
        raise ImproperlyConfigured(f"{model._meta.label} has no visible_to(user); it cannot own evidence.")
    _OWNERS[model._meta.label_lower] = model
    return model


def unregister_owner(model: type[models.Model]) -> None:
    """Undo `register_owner` (for tests)."""
    _OWNERS.pop(model._meta.label_lower, None)


def owner_models() -> list[type[models.Model]]:
    return list(_OWNERS.values())


def _check_registered(owner: models.Model) -> None:
    if owner._meta.concrete_model._meta.label_lower not in _OWNERS:
        raise ImproperlyConfigured(
            f"{owner._meta.label} is not registered as an evidence owner (core.evidence.register_owner)."
        )


def visible_evidence(user) -> QuerySet[Evidence]:
    """The live evidence `user` may read: that of every registered owner visible to `user`.

    Each file's own owner is checked (`EXISTS (owner visible to user AND owner.pk = owner_id)`),
    so reading a few files costs a primary-key look-up each, not the set of every visible owner."""
    if user is None or not user.is_authenticated or not _OWNERS:
        return Evidence.objects.none()
    condition = Q()
    for model in _OWNERS.values():
        owner_type = ContentType.objects.get_for_model(model)
        owner = model._default_manager.all().visible_to(user).filter(pk=OuterRef("owner_id"))
        condition |= Q(owner_type=owner_type) & Q(Exists(owner))
    queryset = ReaderEvidenceQuerySet(model=Evidence).live().filter(condition)
    queryset._reader = user
    return queryset


class ReaderEvidenceQuerySet(models.QuerySet):
    """Evidence read by one user (`visible_evidence`): when its rows are fetched, the images among
    them get their photo facts for that reader (`core.photos.annotate`: caption, flags, the records
    the reader can see that use the same photo), in a few queries whatever the number of rows."""

    _reader = None

    def live(self):
        return self.filter(removed_at__isnull=True)

    def _clone(self):
        clone = super()._clone()
        clone._reader = self._reader
        return clone

    def _fetch_all(self):
        fresh = self._result_cache is None
        super()._fetch_all()
        if fresh and self._reader is not None and self._result_cache:
            rows = [row for row in self._result_cache if isinstance(row, Evidence)]
            if rows:
                photos.annotate(rows, self._reader)


def visible_evidence_or_404(user, pk) -> Evidence:
    """The live evidence `pk` if `user` may read it, else Http404 (unknown, removed, outside the
    user's scope alike): the file's one owner is looked up by its primary key in the owner's
    `visible_to(user)`."""
    if user is None or not user.is_authenticated:
        raise Http404
    evidence = Evidence.objects.live().filter(pk=pk).first()
    if evidence is None or not _file_owner_visible(evidence, user):
        raise Http404
    return evidence


def _file_owner_visible(evidence: Evidence, user) -> bool:
    owner_type = ContentType.objects.get_for_id(evidence.owner_type_id)  # cached
    model = _OWNERS.get(f"{owner_type.app_label}.{owner_type.model}")
    if model is None:  # an owner no longer registered: nobody reads its files
        return False
    return model._default_manager.all().visible_to(user).filter(pk=evidence.owner_id).exists()


def evidence_for(owner: models.Model, *, purpose: str | None = None) -> QuerySet[Evidence]:
    """The live evidence of one owner (optionally of one purpose), oldest first, with uploaders.
    The caller has already established that the owner is visible."""
    queryset = Evidence.objects.live().filter(
        owner_type=ContentType.objects.get_for_model(owner), owner_id=owner.pk
    )
    if purpose is not None:
        queryset = queryset.filter(purpose=purpose)
    return queryset.select_related("uploaded_by")


def _owner_visible(owner: models.Model, user) -> bool:
    return type(owner)._default_manager.all().visible_to(user).filter(pk=owner.pk).exists()


# Writes ------------------------------------------------------------------------------------------


def evidence_attach(*, owner: models.Model, file, purpose: str, by) -> Evidence:
    """Check `file`, store it under a random name and record it as evidence of `owner`.

    Raises ValidationError (see `validate_upload`) for a refused file, PermissionDenied when `by`
    cannot see `owner` (the owner's app decides who may attach; this is the floor), and
    ImproperlyConfigured when the owner's model is not registered.
    """
    _check_registered(owner)
    if not _owner_visible(owner, by):
        raise PermissionDenied
    mime, extension = validate_upload(file)
    original_name = clean_original_name(file.name)
    digest = hashlib.sha256()
    size = 0
    file.seek(0)
    for chunk in file.chunks():
        digest.update(chunk)
        size += len(chunk)
    file.seek(0)
    if size == 0 or size > max_bytes():  # the size read, not the size announced
        raise ValidationError(
            _("The file “%(name)s” is empty.") % {"name": _shown(original_name)}
            if size == 0
            else _("The file “%(name)s” is %(size)s, larger than the %(max)s allowed.")
            % {
                "name": _shown(original_name),
                "size": filesizeformat(size),
                "max": filesizeformat(max_bytes()),
            }
        )
    evidence = Evidence(
        owner=owner,
        purpose=purpose,
        original_name=original_name,
        mime_type=mime,
        size=size,
        sha256=digest.hexdigest(),
        uploaded_by=by,
    )
    evidence.record_key = photos.record_key(owner)
    evidence.full_clean(exclude=["file", "thumbnail", "rendition"])
    facts = _photo_facts(file, extension, original_name) if FAMILY[extension] == "image" else None
    storage = Evidence._meta.get_field("file").storage
    evidence.file.save(f"{uuid.uuid4().hex}.{extension}", file, save=False)
    written = [evidence.file.name]
    try:
        if facts is not None:
            written += photos.apply_facts(evidence, facts, base=evidence.file.name)
        with transaction.atomic():
            evidence.save()
            if facts is not None:
                photos.link_reuses(evidence)
    except Exception:
        for name in written:  # no row, no files
            storage.delete(name)
        raise
    return evidence


def _photo_facts(file, extension: str, name: str) -> photos.PhotoFacts:
    """Decode an accepted image once (thumbnail, HEIC rendition, EXIF, pHash); ValidationError
    naming the file when it cannot be decoded after all."""
    try:
        return photos.examine(file, heif=extension in ("heic", "heif"))
    except (photos.NotAnImage, photos.TooManyPixels):
        raise ValidationError(
            _("The image “%(name)s” cannot be read: the file may be damaged or cut short.")
            % {"name": _shown(name)},
            code="image_unreadable",
        ) from None


def evidence_remove(evidence: Evidence, *, by) -> Evidence:
    """Remove `evidence` from view (soft): the row and the file stay until purged. Idempotent.
    Raises PermissionDenied when `by` cannot see it; who else may remove is the owner app's rule."""
    if evidence.removed_at is not None:
        return evidence
    if not (by is not None and by.is_authenticated and _file_owner_visible(evidence, by)):
        raise PermissionDenied
    evidence.removed_at = timezone.now()
    evidence.removed_by = by
    evidence.save(update_fields=["removed_at", "removed_by", "updated_at"])
    return evidence


def _delete_files_on_commit(names: list[str]) -> None:
    storage = Evidence._meta.get_field("file").storage

    def delete() -> None:
        for name in names:
            try:
                storage.delete(name)
            except OSError:
                logger.exception("Could not delete evidence file %s", name)

    if names:
        transaction.on_commit(delete, robust=True)


@transaction.atomic
def evidence_purge(evidence: QuerySet[Evidence] | Iterable[Evidence]) -> int:
    """Delete evidence rows for good, and their files once the transaction commits (a rolled-back
    purge keeps both). Returns the number of rows deleted."""
    if isinstance(evidence, QuerySet):
        rows = list(evidence.values_list("pk", "file", "thumbnail", "rendition"))
    else:
        rows = [(item.pk, item.file.name, item.thumbnail.name, item.rendition.name) for item in evidence]
    if not rows:
        return 0
    deleted, _counts = Evidence.objects.filter(pk__in=[row[0] for row in rows]).delete()
    _delete_files_on_commit([name for row in rows for name in row[1:] if name])
    return deleted


def evidence_purge_for(owner: models.Model) -> int:
    """Purge every evidence file of `owner`, live or removed (when the owner itself is purged)."""
    return evidence_purge(
        Evidence.objects.filter(owner_type=ContentType.objects.get_for_model(owner), owner_id=owner.pk)
    )


def evidence_purge_removed(older_than: timedelta) -> int:
    """Purge evidence removed more than `older_than` ago."""
    return evidence_purge(Evidence.objects.filter(removed_at__lt=timezone.now() - older_than))


# Sending ------------------------------------------------------------------------------------------

# A preview is shown by the browser itself, in a sandboxed document: scripts never run. PDFs keep
# `object-src 'self'` and inline styles for the viewer's wrapper page; Chromium (156) shows a PDF
# opened in its own tab under `sandbox` (tests/test_csp_browser.py checks it). PDFs with scripts or
# actions are refused on upload (core.pdf_actions), so the sandbox is the second line.
CSP_IMAGE = "default-src 'none'; img-src 'self'; style-src 'unsafe-inline'; frame-ancestors 'self'; sandbox"
CSP_PDF = (
    "default-src 'none'; img-src 'self'; style-src 'unsafe-inline'; object-src 'self'; "
    "frame-ancestors 'self'; sandbox"
)
CSP_DOWNLOAD = "default-src 'none'; frame-ancestors 'none'; sandbox"


def evidence_response(evidence: Evidence, *, inline: bool, variant: str = "") -> HttpResponse:
    """The response sending `evidence`: call it only after the permission check.

    `variant` (inline only) picks a derived image: "thumbnail" (the list's 320 px JPEG; 404 when
    the file has none yet: lists never fall back to the full image), or "" for the preview, which is
    the JPEG rendition of a HEIC photo and the file itself otherwise. A download (`inline` False)
    is always the original, exactly as uploaded.

    Content-Type is the detected type stored on upload (never guessed from the name);
    `Content-Disposition` is `attachment` unless `inline` and the file is previewable (image or
    PDF); `X-Content-Type-Options: nosniff`, a Content-Security-Policy and `Cache-Control:
    private` always. With `PORTAL_SENDFILE_HEADER` set (e.g. "X-Accel-Redirect"), the body is left
    to the web server: the header points at `PORTAL_SENDFILE_PREFIX` + the stored name. A file
    missing on disk answers 404.
    """
    as_inline = inline and evidence.previewable
    storage = evidence.file.storage
    name, mime, shown_name = evidence.file.name, evidence.mime_type, evidence.original_name
    if as_inline and evidence.is_image and (variant == "thumbnail" or evidence.rendition):
        name = evidence.thumbnail.name if variant == "thumbnail" else evidence.rendition.name
        mime, shown_name = "image/jpeg", shown_name.rsplit(".", 1)[0] + ".jpg"
    if not name:
        raise Http404
    header = getattr(settings, "PORTAL_SENDFILE_HEADER", "")
    if header:
        if not storage.exists(name):
            raise Http404
        response = HttpResponse(content_type=mime)
        prefix = getattr(settings, "PORTAL_SENDFILE_PREFIX", "/protected-media/")
        response[header] = prefix.rstrip("/") + "/" + quote(name)
    else:
        try:
            stream = storage.open(name, "rb")
        except FileNotFoundError as error:
            raise Http404 from error
        response = FileResponse(stream, content_type=mime)
    response["Content-Disposition"] = content_disposition_header(not as_inline, shown_name)
    response["X-Content-Type-Options"] = "nosniff"
    if not as_inline:
        response["Content-Security-Policy"] = CSP_DOWNLOAD
    elif evidence.is_image:
        response["Content-Security-Policy"] = CSP_IMAGE
    else:
        response["Content-Security-Policy"] = CSP_PDF
    if as_inline:
        # The portal's own pages may show a preview in a frame; the global DENY stays for the rest.
        response["X-Frame-Options"] = "SAMEORIGIN"
    response["Cache-Control"] = "private"
    return response
