"""The Unified Social Credit Code (统一社会信用代码, GB 32100-2015).

Every registered eldercare institution has one: an enterprise or sole trader from the market
regulator (authority 9), a private non-enterprise unit (民办非企业单位) from civil affairs (5),
a public institution (事业单位) from the establishment office (1). The 18 characters are::

    9  1  210300  MA0XXXXXX  X
    |  |  |       |          `-- 18:     check character
    |  |  |       `------------- 9-17:   organisation code (the old 组织机构代码 body)
    |  |  `--------------------- 3-8:    administrative-division code, six digits
    |  `------------------------ 2:      organisation type within that authority (1-9, never 0)
    `--------------------------- 1:      registration authority: 1-9, A-G, N (agriculture), Y (other)

All characters come from a 31-character alphabet, the digits and the capital letters without
I, O, S, V and Z (they look like 1, 0, 5, U and 2). The check character is a weighted sum modulo
31: character i has the value of its position in the alphabet, weight 3**(i-1) mod 31.

python-stdnum's ``stdnum.cn.uscc`` (2.2) computes the same check character but insists that
the first eight characters are all digits, so it rejects every valid code whose registration
authority is a letter: ``A1110000600037341K`` (military establishment office),
``N2210300MA0000001A`` (agriculture, e.g. a village collective), ``Y1210300MA1234567R``
(other authorities), and likewise any letter in position 2 (``5A210300MA00000013``).
Conversely it accepts authority or organisation type ``0`` (``01110000600037341X``,
``90110000600037341P``), which GB 32100 never assigns. This module has its own check, which
agrees with stdnum on every code stdnum accepts that starts with two non-zero characters
(tests/test_uscc.py shows it on random codes).

``normalize`` cleans what people paste from Excel and Word; ``validate`` raises a Django
``ValidationError`` whose ``code`` says what is wrong (``scientific_notation``, ``length``,
``charset``, ``authority``, ``org_type``, ``division``, ``check_digit``) and whose message
says it in the active language.
"""

from __future__ import annotations

import random as _random
import re
from decimal import Decimal

from django.core.exceptions import ValidationError
from django.utils.translation import gettext

ALPHABET = "0123456789ABCDEFGHJKLMNPQRTUWXY"
WEIGHTS = (1, 3, 9, 27, 19, 26, 16, 17, 20, 29, 25, 13, 8, 24, 10, 30, 28)
AUTHORITIES = "123456789ABCDEFGNY"
LENGTH = 18

_VALUES = {char: value for value, char in enumerate(ALPHABET)}

# Full-width digits and letters (U+FF10-FF19, U+FF21-FF3A, U+FF41-FF5A) to ASCII; hyphens,
# full-width hyphens and the dashes Word substitutes for them, and the invisible characters
# that ride along in pasted text (zero-width spaces and joiners, word joiner, BOM) are deleted.
_FULL_WIDTH = {
    code: code - 0xFEE0 for code in (*range(0xFF10, 0xFF1A), *range(0xFF21, 0xFF3B), *range(0xFF41, 0xFF5B))
}
_DELETE = dict.fromkeys(
    map(ord, "-\uff0d\u2010\u2011\u2012\u2013\u2014\u2015\u2212\u200b\u200c\u200d\u2060\ufeff")
)
_TRANSLATION = {**_FULL_WIDTH, **_DELETE}

# What Excel shows, and str() of openpyxl's float gives, for an 18-digit number: 9.12103E+17,
# 9.121030012345679e+17. The "+" is required: 9121030000000000E0 is a valid code.
_SCIENTIFIC = re.compile(r"\d+(\.\d*)?E\+\d+")


def normalize(value) -> str:
    """The code as typed or pasted, in canonical form: ASCII, upper case, no spaces or hyphens.

    An int (a number-formatted Excel cell) becomes its digits; a float or Decimal becomes its
    text (``9.121030012345679E+17``), which ``validate`` rejects: the digits past the
    sixteenth are lost and cannot be recovered.
    """
    if value is None:
        return ""
    if isinstance(value, int) and not isinstance(value, bool):
        return str(value)
    if isinstance(value, float | Decimal):
        return str(value).upper()
    text = str(value).translate(_TRANSLATION)
    return "".join(text.split()).upper()


def check_digit(first17: str) -> str:
    """The 18th character for the first 17 (already normalized) characters."""
    if len(first17) != LENGTH - 1:
        raise ValueError(f"need 17 characters, got {len(first17)}")
    total = sum(_VALUES[char] * weight for char, weight in zip(first17, WEIGHTS, strict=True))
    return ALPHABET[(31 - total % 31) % 31]


def validate(value) -> str:
    """The normalized code, or a ValidationError saying what is wrong with it."""
    code = normalize(value)
    if _SCIENTIFIC.fullmatch(code):
        raise ValidationError(
            gettext(
                "The credit code “%(value)s” looks like a number that Excel turned into scientific "
                "notation, which loses digits. Format the column as text and enter the code again."
            ),
            code="scientific_notation",
            params={"value": code},
        )
    if len(code) != LENGTH:
        raise ValidationError(
            gettext("The credit code must have 18 characters, not %(n)s."),
            code="length",
            params={"n": len(code)},
        )
    for position, char in enumerate(code, start=1):
        if char not in _VALUES:
            raise ValidationError(
                gettext(
                    "The credit code has a character that is not allowed at position %(position)s: "
                    "“%(char)s”. Credit codes use only digits and capital letters other than "
                    "I, O, S, V and Z."
                ),
                code="charset",
                params={"position": position, "char": char},
            )
    if code[0] not in AUTHORITIES:
        raise ValidationError(
            gettext("Character 1 of the credit code (registration authority) “%(char)s” is not valid."),
            code="authority",
            params={"char": code[0]},
        )
    if code[1] == "0":
        raise ValidationError(
            gettext("Character 2 of the credit code (organisation type) cannot be “0”."),
            code="org_type",
            params={"char": code[1]},
        )
    if not code[2:8].isdigit():
        raise ValidationError(
            gettext(
                "Characters 3 to 8 of the credit code must be the administrative-division code "
                "(6 digits), not “%(value)s”."
            ),
            code="division",
            params={"value": code[2:8]},
        )
    expected = check_digit(code[:17])
    if code[17] != expected:
        raise ValidationError(
            gettext(
                "Wrong check character in the credit code: from the first 17 characters, character 18 "
                "should be “%(expected)s”, not “%(actual)s”. Compare the whole code with the "
                "registration certificate: usually another character was mistyped."
            ),
            code="check_digit",
            params={"expected": expected, "actual": code[17]},
        )
    return code


def is_valid(value) -> bool:
    try:
        validate(value)
    except ValidationError:
        return False
    return True


def generate(
    authority: str = "5",
    org_type: str = "2",
    division: str = "210300",
    body: str | None = None,
    rng: _random.Random | None = None,
) -> str:
    """A valid code, for tests and demo data; the 9-character body is random unless given.

    The defaults make a private non-enterprise unit (5 2) registered in Anshan (210300), the
    usual form of a private care home. Bad parts raise ValidationError.
    """
    if body is None:
        body = "".join((rng or _random).choices(ALPHABET, k=9))
    first17 = normalize(f"{authority}{org_type}{division}{body}")
    if len(first17) == LENGTH - 1 and all(char in _VALUES for char in first17):
        return validate(first17 + check_digit(first17))
    return validate(first17 + "0")
