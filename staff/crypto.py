"""Identity numbers of staff and banned persons: encrypted at rest, keyed for matching, masked to read.

Issue 17 item 8: "Identity numbers are personal data: stored encrypted or masked, shown in full only
to district staff of that region, never exported to departments or the public."

- `encrypt` / `decrypt`: Fernet (AES-128-CBC + HMAC-SHA256, the `cryptography` package) with a key
  derived from `settings.PERSONAL_DATA_KEY`, falling back to `SECRET_KEY` when that setting is
  absent or empty. Rotating the key makes stored numbers unreadable (decrypt answers ""), not the
  matching: the key for matching is credit's `person_key`, an HMAC with SECRET_KEY.
- `person_key` (credit's, reused): the same number gives the same key in staff, bans and credit
  records, so a person is matched across them without reading any number.
- `mask(tail)`: what every page shows unless the reader may see the number in full.
"""

from __future__ import annotations

import base64
import functools
import hashlib
import unicodedata

from cryptography.fernet import Fernet, InvalidToken
from django.conf import settings

from credit.services import person_key  # noqa: F401  (re-exported: the key for matching)

#: Characters hidden in front of the last four of an 18-character number.
MASK = "*" * 14


def _secret() -> str:
    return getattr(settings, "PERSONAL_DATA_KEY", "") or settings.SECRET_KEY


@functools.lru_cache(maxsize=4)
def _fernet(secret: str) -> Fernet:
    digest = hashlib.sha256(b"staff.personal-data\x00" + secret.encode()).digest()
    return Fernet(base64.urlsafe_b64encode(digest))


def encrypt(number: str) -> str:
    """The Fernet token (ASCII text, ~140 characters) of a normalised identity number."""
    return _fernet(_secret()).encrypt(number.encode()).decode("ascii")


def decrypt(token: str) -> str:
    """The number of a token from `encrypt`; "" for an empty token or one made with another key."""
    if not token:
        return ""
    try:
        return _fernet(_secret()).decrypt(token.encode("ascii")).decode()
    except (InvalidToken, ValueError):
        return ""


def mask(tail: str) -> str:
    """“**************1234”: the number as every page shows it to readers who may not see it whole."""
    return f"{MASK}{tail}" if tail else ""


def normalize(number: str) -> str:
    """What was typed without spaces, full-width characters made half-width (NFKC), upper case (a
    check character x → X)."""
    return "".join(unicodedata.normalize("NFKC", number or "").split()).upper()
