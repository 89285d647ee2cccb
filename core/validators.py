"""Phone numbers: one normaliser and one check, used by every phone field of every app.

A phone field holds one mainland number, in one of two canonical forms:

- a mobile: 11 digits starting with 1 and a second digit 3-9 (``13841200000``);
- a landline with its area code: ``0`` + 2 or 3 digits, a hyphen, the 7- or 8-digit local
  number (``0412-2432368``, ``010-12345678``), optionally an extension after ``转``
  (``0412-2432368转801``). Area codes 010 and 020-029 are the big cities' three-character codes,
  every other one has four characters (GB/T 13800 numbering plan), so ``04122432368`` is split
  as ``0412-2432368`` and ``01012345678`` as ``010-12345678``;
- a nationwide service number ``400``/``800`` + 7 digits (``400-123-4567``).

``normalize_phone`` accepts what people type and paste: full-width digits, spaces, the dashes
Word substitutes, parentheses around the area code, ``+86``/``0086``/``86-``, and an extension
written ``-801``, ``转801``, ``ext. 801`` or ``x801`` after a landline. ``validate_phone`` raises a
``ValidationError`` whose ``code`` says what is wrong: ``phone_leading_zero`` (digits that are a
landline once a ``0`` is put in front: Excel dropped it), ``phone_several`` (two numbers in one
field), ``phone_invalid``.

``phone_from_cell`` reads an Excel cell: a number-formatted cell is digits without any leading
zero, so a landline there has lost its ``0`` for good and is refused with a sentence saying so
(``phone_leading_zero``), never stored as ``4125551234``.
"""

from __future__ import annotations

import re

from django.core.exceptions import ValidationError
from django.utils.translation import gettext

_FULL_WIDTH = {code: code - 0xFEE0 for code in range(0xFF01, 0xFF5F)}
_DASHES = dict.fromkeys(map(ord, "\u2010\u2011\u2012\u2013\u2014\u2015\u2212\uff0d\u30fc"), ord("-"))
_INVISIBLE = dict.fromkeys(map(ord, "\u200b\u200c\u200d\u2060\ufeff"))
_TRANSLATION = {**_FULL_WIDTH, **_DASHES, **_INVISIBLE}

_COUNTRY = re.compile(r"^(?:(?:\+|00)86|86(?=[-\s(]|1[3-9]\d{9}$))[-\s]*")
_EXTENSION = re.compile(r"(?:转|分机|ext\.?|x|#)\s*(\d{1,6})$", re.IGNORECASE)
_SEVERAL = re.compile(r"[/、,;，；]|\d\s*(?:或|and)\s*\d")
MOBILE = re.compile(r"1[3-9]\d{9}")
_SERVICE = re.compile(r"([48]00)(\d{3})(\d{4})")


def _split_landline(digits: str) -> tuple[str, str] | None:
    """(area code, local number) of a landline written as digits only, or None."""
    if not digits.startswith("0") or len(digits) < 3 or digits[1] == "0":
        return None
    area_length = 3 if digits[1] in "12" else 4
    area, local = digits[:area_length], digits[area_length:]
    if digits[1] == "1" and area != "010":
        return None
    if not local or local[0] in "01":
        return None
    if len(local) == 8 or (len(local) == 7 and area_length == 4):
        return area, local
    return None


def _canonical(text: str) -> str | None:
    """The canonical form of one number without an extension, or None."""
    digits = re.sub(r"[\s\-()（）]", "", text)
    if not digits.isdigit():
        return None
    if MOBILE.fullmatch(digits):
        return digits
    service = _SERVICE.fullmatch(digits)
    if service:
        return "-".join(service.groups())
    # The area code may be written in parentheses or followed by a dash: split there if given.
    written = digits != text.strip() and re.fullmatch(
        r"[(（]?\s*(0\d{2,3})\s*[)）]?\s*-?\s*(\d{7,8})", text.strip()
    )
    if written:
        parts = _split_landline(written.group(1) + written.group(2))
        if parts and parts[0] == written.group(1):
            return "-".join(parts)
        return None
    parts = _split_landline(digits)
    return "-".join(parts) if parts else None


def normalize_phone(value) -> str:
    """The number in canonical form when it is one; else the input cleaned of stray spaces (for
    ``validate_phone`` to report). ``None`` -> ``""``; an int -> its digits."""
    if value is None:
        return ""
    if isinstance(value, float) and value.is_integer():
        value = int(value)
    text = " ".join(str(value).translate(_TRANSLATION).split())
    if text == "":
        return ""
    number = _COUNTRY.sub("", text, count=1)
    if number != text and number[:1] in "23456789":
        number = "0" + number  # +86 412 2432368: the area code's 0 is left out after the country code
    extension = ""
    match = _EXTENSION.search(number)
    if match:
        number, extension = number[: match.start()].rstrip(" -"), match.group(1)
    canonical = _canonical(number)
    if canonical is None and not extension:
        # "0412-2432368-801": a landline and a dash-separated extension
        match = re.fullmatch(r"(.*\d{7,8})\s*-\s*(\d{1,6})", number)
        if match and (landline := _canonical(match.group(1))) and landline.startswith("0"):
            canonical, extension = landline, match.group(2)
    if canonical is None:
        return text
    if extension:
        return f"{canonical}转{extension}" if canonical.startswith("0") else text
    return canonical


def is_canonical_phone(text: str) -> bool:
    """Whether ``text`` is one number in the canonical form ``normalize_phone`` gives."""
    if MOBILE.fullmatch(text) or re.fullmatch(r"[48]00-\d{3}-\d{4}", text):
        return True
    match = re.fullmatch(r"(0\d{2,3})-(\d{7,8})(?:转\d{1,6})?", text)
    return bool(match and _split_landline(match.group(1) + match.group(2)) == match.groups()[:2])


def _lost_zero(digits: str) -> str | None:
    """The landline these digits are once the dropped leading 0 is put back, or None."""
    if not digits.isdigit() or digits.startswith(("0", "1")):
        return None
    parts = _split_landline("0" + digits)
    return "-".join(parts) if parts else None


def validate_phone(value) -> None:
    """Raise ValidationError unless ``value`` (already normalised) is one mainland phone number."""
    text = "" if value is None else str(value)
    if text == "" or is_canonical_phone(text):
        return
    guess = _lost_zero(text.replace("-", "").replace(" ", ""))
    if guess:
        raise ValidationError(
            gettext(
                "“%(value)s” has lost the leading 0 of its area code (Excel drops it from a number); "
                "enter the number with its area code, e.g. %(guess)s."
            ),
            code="phone_leading_zero",
            params={"value": text, "guess": guess},
        )
    if _SEVERAL.search(text):
        raise ValidationError(
            gettext("Enter one phone number only, not “%(value)s”."),
            code="phone_several",
            params={"value": text},
        )
    raise ValidationError(
        gettext(
            "“%(value)s” is not a phone number: enter an 11-digit mobile number (e.g. 13841200000) or a "
            "landline with its area code (e.g. 0412-2432368)."
        ),
        code="phone_invalid",
        params={"value": text},
    )


def phone_from_cell(value) -> str:
    """A phone cell of an uploaded workbook, normalised; ValidationError as ``validate_phone``.

    A number-formatted cell (int or float) never has a leading zero: a landline there lost its
    ``0`` and the message says so; a mobile number in such a cell is fine."""
    if isinstance(value, int | float) and not isinstance(value, bool):
        if isinstance(value, float) and not value.is_integer():
            raise ValidationError(
                gettext("“%(value)s” is not a phone number."), code="phone_invalid", params={"value": value}
            )
        digits = str(int(value))
        if not MOBILE.fullmatch(digits):
            guess = _lost_zero(digits)
            if guess:
                raise ValidationError(
                    gettext(
                        "The cell is formatted as a number, so Excel dropped the leading 0 of “%(value)s” "
                        "(probably %(guess)s). Format the column as text and enter the number again."
                    ),
                    code="phone_leading_zero",
                    params={"value": digits, "guess": guess},
                )
        value = digits
    number = normalize_phone(value)
    validate_phone(number)
    return number
