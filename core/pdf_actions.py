"""Finding active content in a PDF: scripts, actions that open other files, attached files.

Evidence PDFs are proof (scans, notices, reports); a PDF that runs JavaScript, launches a program,
opens another file or carries attached files is refused (`core.evidence`), never stored. What is
looked for are the PDF *names* that introduce such content (`ACTIVE_NAMES`):

- ``/JS``, ``/JavaScript`` (a script action, the document's script tree; via ``/OpenAction``, a
  page's or field's ``/AA`` or a link, the script needs one of these names);
- ``/Launch``, ``/GoToR``, ``/GoToE`` (open a program or another file), ``/SubmitForm``,
  ``/ImportData`` (send or load form data), ``/RichMedia`` (Flash, video players);
- ``/EmbeddedFile``, ``/EmbeddedFiles`` (attached files, which viewers offer to open);
- ``/XFA`` (an XML form, whose scripts Adobe Reader runs).

``/OpenAction`` and ``/AA`` alone are not refused: Word and WPS write ``/OpenAction`` to open the
first page at a zoom, and an action is only hostile through one of the names above.

Where names hide, and how they are found:

- **Escapes**: ``/J#53`` is ``/JS``; every name is read with its ``#xx`` escapes decoded.
- **Compressed object streams**: objects packed in a ``/FlateDecode`` stream (PDF 1.5+) do not
  appear in the file's bytes. Every stream that may hold objects is decoded (FlateDecode, and the
  ASCIIHex/ASCII85 wrappers) and its names are read too. Images and fonts, which cannot hold
  objects, are skipped (they are the bulk of a scan, and their bytes can spell anything).
- Names are read over the whole file, not by following the cross-reference table, so objects that
  a viewer finds by repairing a damaged file are read as well. A name inside a string or a comment
  counts too: a false alarm is possible on a PDF whose uncompressed text says "/JS", never a miss.

Where the content cannot be read, the file is refused as "cannot be checked": an object stream
under another filter or with a predictor, an encrypted PDF with object streams, or more than
`MAX_DECODED_BYTES` of streams to decode.
"""

from __future__ import annotations

import base64
import binascii
import bisect
import re
import zlib

ACTIVE_NAMES = frozenset(
    {
        b"JS",
        b"JavaScript",
        b"Launch",
        b"GoToR",
        b"GoToE",
        b"SubmitForm",
        b"ImportData",
        b"RichMedia",
        b"EmbeddedFile",
        b"EmbeddedFiles",
        b"XFA",
    }
)

#: Decoding stops (and the file is refused as uncheckable) after this many bytes of streams.
MAX_DECODED_BYTES = 64 * 1024 * 1024

_DELIMITERS = rb"\s\x00/\[\]()<>{}%"
_NAME = re.compile(rb"/([^" + _DELIMITERS + rb"]*)")
_ESCAPE = re.compile(rb"#([0-9A-Fa-f]{2})")
_STREAM = re.compile(rb"stream(?:\r\n|\n|\r)")
_OBJ = re.compile(rb"\d+\s+\d+\s+obj\b")
_SKIPPED_TYPES = {b"XRef", b"XObject", b"Metadata"}
_SKIPPED_SUBTYPES = {b"Image", b"Type1C", b"CIDFontType0C", b"OpenType", b"XML"}
_FONT_KEYS = {b"Length1", b"Length2", b"Length3"}
_OTHER_FILTERS = {b"LZW", b"RL", b"CCF", b"DCT", b"JBIG2Decode", b"JPXDecode", b"Crypt"}
# An object stream starts with its objects' numbers and offsets.
_OBJSTM_START = re.compile(rb"\s*\d+\s+\d+\s")
_FILTERS = {
    b"FlateDecode": "flate",
    b"Fl": "flate",
    b"ASCIIHexDecode": "hex",
    b"AHx": "hex",
    b"ASCII85Decode": "a85",
    b"A85": "a85",
}


class Uncheckable(Exception):
    """The PDF hides content that cannot be decoded to be checked."""


def _unescape(name: bytes) -> bytes:
    return _ESCAPE.sub(lambda match: bytes([int(match.group(1), 16)]), name)


def names(data: bytes) -> list[bytes]:
    """Every name in `data` (without the slash, escapes decoded), in order."""
    return [_unescape(match.group(1)) for match in _NAME.finditer(data)]


def _after(tokens: list[bytes], key: bytes) -> bytes | None:
    """The name right after `key` in a dictionary's names (`/Type /ObjStm` -> b"ObjStm")."""
    for index, token in enumerate(tokens[:-1]):
        if token == key:
            return tokens[index + 1]
    return None


def _inflate(data, budget: int) -> bytes:
    """Inflate a FlateDecode stream starting at `data`'s start (zlib stops at its own end, so the
    stream's /Length is not trusted); a damaged stream gives what inflates before the damage."""
    inflater = zlib.decompressobj()
    out = b""
    for start in range(0, len(data), 1 << 16):
        try:
            out += inflater.decompress(data[start : start + (1 << 16)], budget + 1 - len(out))
        except zlib.error:
            break
        if len(out) > budget:
            raise Uncheckable
        if inflater.eof or inflater.unconsumed_tail:
            break
    return out


def _prefix(raw, filters: list[str]) -> bytes:
    """The first bytes of a FlateDecode stream once inflated (something that looks like an object stream for other chains, which
    are then always read)."""
    if filters != ["flate"]:
        return b"0 0 "
    try:
        return zlib.decompressobj().decompress(raw[:65536], 64)
    except zlib.error:
        return b""


def _decode(raw, filters: list[str], budget: int) -> bytes:
    data = raw
    for kind in filters:
        if kind == "flate":
            data = _inflate(data, budget)
            continue
        data = bytes(data[: budget * 2 + 2])
        if kind == "hex":
            text = re.sub(rb"[^0-9A-Fa-f]", b"", data.split(b">", 1)[0])
            data = binascii.unhexlify(text + b"0" * (len(text) % 2))
        else:
            body = re.sub(rb"\s", b"", data.split(b"~>", 1)[0]).removeprefix(b"<~")
            try:
                data = base64.a85decode(body)
            except ValueError as error:
                raise Uncheckable from error
    return data


def _streams(data: bytes):
    """(names of the stream's dictionary, filter kinds or None when one is not decodable here, has
    a predictor, the bytes from the stream's data to the file's end) for every stream in `data`."""
    objects = [match.end() for match in _OBJ.finditer(data)]
    view = memoryview(data)
    for match in _STREAM.finditer(data):
        start = match.start()
        if start and data[start - 1 : start] not in (b">", b" ", b"\n", b"\r", b"\t"):
            continue  # "endstream", or a word ending in "stream"
        index = bisect.bisect_right(objects, start) - 1
        head_start = objects[index] if index >= 0 and start - objects[index] < 65536 else max(0, start - 4096)
        tokens = names(data[head_start:start])
        filters: list[str] | None = []
        if b"Filter" in tokens:
            for token in tokens[tokens.index(b"Filter") + 1 :]:
                if token in _FILTERS:
                    filters.append(_FILTERS[token])
                elif token.endswith(b"Decode") or token in _OTHER_FILTERS:
                    filters = None
                    break
                else:
                    break
            if filters == []:
                filters = None  # an indirect /Filter, or one this module does not know
        yield tokens, filters, b"Predictor" in tokens, view[match.end() :]


def active_names(data: bytes) -> set[str]:
    """The names of `ACTIVE_NAMES` (as str) found in the PDF `data` and in its object streams.

    Raises Uncheckable when content that may hold objects cannot be decoded (see the module)."""
    all_names = names(data)
    found = {name for name in all_names if name in ACTIVE_NAMES}
    encrypted = b"Encrypt" in all_names
    budget = MAX_DECODED_BYTES
    for tokens, filters, predictor, raw in _streams(data):
        kind, subtype = _after(tokens, b"Type"), _after(tokens, b"Subtype")
        object_stream = kind == b"ObjStm" or b"ObjStm" in tokens
        if filters is None or (object_stream and (predictor or encrypted)):
            if object_stream:
                raise Uncheckable
            continue  # images (DCT, JBIG2, CCITT) and other data that holds no objects
        if not filters or encrypted:
            continue  # uncompressed: read with the file; encrypted: decodes to noise
        skipped = not object_stream and (
            kind in _SKIPPED_TYPES or subtype in _SKIPPED_SUBTYPES or bool(_FONT_KEYS & set(tokens))
        )
        if skipped and not _OBJSTM_START.match(_prefix(raw, filters)):
            continue  # an image or a font; one that starts like an object stream is read anyway
        try:
            decoded = _decode(raw, filters, budget)
        except (binascii.Error, ValueError, Uncheckable):
            if object_stream:
                raise Uncheckable from None
            continue
        budget -= len(decoded)
        if budget < 0:
            raise Uncheckable
        found |= {name for name in names(decoded) if name in ACTIVE_NAMES}
    return {name.decode("latin-1") for name in found}
