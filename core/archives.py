"""Decompression limits for every zip the portal accepts: imported workbooks and Office evidence.

A 2007+ Office file (.xlsx, .docx, .pptx) is a zip. A hostile one ("zip bomb") is small on disk and
huge once unpacked, or holds so many members that listing them is the attack. One check,
`check_zip`, is run by the Excel import (`core.excel`) and by evidence uploads (`core.evidence`), so
both refuse the same files:

- the members together unpack to more than `MAX_UNPACKED_BYTES` (200 MB);
- one member of more than `RATIO_FLOOR_BYTES` (1 MB unpacked) is more than `MAX_RATIO` (200) times
  its compressed size (real Office XML compresses 5-50 times; DEFLATE's ceiling is about 1030);
- there are more than `MAX_MEMBERS` (10,000) members.

The sizes are those of the zip's central directory, so nothing is decompressed and a bomb costs
nothing to refuse. A member that lies about its size cannot do harm here either: Python's zipfile
(which openpyxl reads through) never inflates a member past the size it declares.

Old 97-2003 files (OLE2 compound files: .doc, .xls, .ppt) are not compressed: they are never larger
than the upload limit, and need no check of this kind.
"""

from __future__ import annotations

import zipfile

from django.template.defaultfilters import filesizeformat
from django.utils.translation import gettext as _

MAX_UNPACKED_BYTES = 200 * 1024 * 1024
MAX_MEMBERS = 10_000
MAX_RATIO = 200
RATIO_FLOOR_BYTES = 1024 * 1024


class ArchiveTooLarge(Exception):
    """The zip exceeds a decompression limit. `message` is a sentence without the file's name
    (callers put it after their own subject); `code` is "unpacked_too_large", "ratio" or
    "too_many_members"."""

    def __init__(self, message: str, code: str):
        super().__init__(message)
        self.message, self.code = message, code


def check_zip(archive: zipfile.ZipFile) -> None:
    """Raise ArchiveTooLarge when `archive` exceeds one of the limits above; nothing is read but
    the central directory."""
    members = archive.infolist()
    if len(members) > MAX_MEMBERS:
        raise ArchiveTooLarge(
            _("It holds %(count)s files packed inside, more than the %(max)s allowed.")
            % {"count": f"{len(members):,}", "max": f"{MAX_MEMBERS:,}"},
            "too_many_members",
        )
    unpacked = 0
    for member in members:
        unpacked += member.file_size
        if member.file_size > RATIO_FLOOR_BYTES and member.file_size > MAX_RATIO * max(
            member.compress_size, 1
        ):
            raise ArchiveTooLarge(
                _(
                    "A part of it unpacks to %(size)s from %(packed)s, more than %(ratio)s times its "
                    "packed size (a “zip bomb”)."
                )
                % {
                    "size": filesizeformat(member.file_size),
                    "packed": filesizeformat(member.compress_size),
                    "ratio": MAX_RATIO,
                },
                "ratio",
            )
    if unpacked > MAX_UNPACKED_BYTES:
        raise ArchiveTooLarge(
            _("It unpacks to %(size)s, more than the %(max)s allowed.")
            % {"size": filesizeformat(unpacked), "max": filesizeformat(MAX_UNPACKED_BYTES)},
            "unpacked_too_large",
        )


def check_zip_file(file) -> None:
    """`check_zip` on a file object or bytes-like upload; zipfile.BadZipFile (and OSError,
    ValueError, EOFError) when it is not a readable zip. A file object is left at position 0."""
    try:
        with zipfile.ZipFile(file) as archive:
            check_zip(archive)
    finally:
        if hasattr(file, "seek"):
            file.seek(0)
