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

The first two characters must be a pair of GB 32100-2015's table (``CATEGORIES``): 1 机构编制
(1 机关, 2 事业单位, 3 群众团体, 9 其他), 5 民政 (1 社会团体, 2 民办非企业单位/社会服务机构,
3 基金会, 9 其他), 9 工商/市场监管 (1 企业, 2 个体工商户, 3 农民专业合作社), and the other
authorities' pairs; characters 3-8 must be a GB/T 2260 administrative-division code (``division_name``:
python-stdnum's table ``cn/loc``, which keeps historical codes too, for codes issued years ago, plus
``100000`` for national registration). An 18-digit personal ID number therefore fails on its
division segment (``210302198001010839``: "030219" is no division).

python-stdnum's ``stdnum.cn.uscc`` (2.2) computes the same check character but insists that
the first eight characters are all digits, so it rejects every valid code whose registration
authority is a letter: ``A1110000600037341K`` (military establishment office),
``N2210300MA0000001A`` (agriculture, e.g. a village collective), ``Y1210300MA1234567R``
(other authorities). Conversely it accepts authority or organisation type ``0``
(``01110000600037341X``, ``90110000600037341P``) and any pair and division, which GB 32100 never
assigns. This module has its own check, which agrees with stdnum's check character on every code
(tests/test_uscc.py shows it on random codes).

Some codes really issued before 2016 fail the check character; the registry records them only
with a person's confirmation (``Institution.credit_code_confirmed``): ``validate`` checks the
segments first and the check character last, so an error whose code is ``check_digit`` means the
code is otherwise well formed.

``normalize`` cleans what people paste from Excel and Word; ``validate`` raises a Django
``ValidationError`` whose ``code`` says what is wrong (``scientific_notation``, ``length``,
``charset``, ``authority``, ``org_type``, ``division``, ``check_digit``) and whose message
says it in the active language.
"""

from __future__ import annotations

import random as _random
import re
from decimal import Decimal
from functools import lru_cache

from django.core.exceptions import ValidationError
from django.utils.translation import gettext
from django.utils.translation import gettext_lazy as _
from stdnum import numdb
from stdnum.cn import ric
from stdnum.exceptions import ValidationError as StdnumError

ALPHABET = "0123456789ABCDEFGHJKLMNPQRTUWXY"
WEIGHTS = (1, 3, 9, 27, 19, 26, 16, 17, 20, 29, 25, 13, 8, 24, 10, 30, 28)

# GB 32100-2015, table 1 and 2: registration authority (character 1) -> its organisation
# categories (character 2). Civil affairs also uses 4 and 5 (村民委员会, 居民委员会) since 2017;
# B-G are authorities assigned after 2015 whose categories the standard does not list: any
# non-zero digit is accepted there.
AUTHORITY_NAMES = {
    "1": _("establishment office"),
    "2": _("foreign affairs"),
    "3": _("justice administration"),
    "4": _("culture"),
    "5": _("civil affairs"),
    "6": _("tourism"),
    "7": _("religious affairs"),
    "8": _("trade unions"),
    "9": _("market regulation"),
    "A": _("Central Military Commission establishment office"),
    "B": _("other authority"),
    "C": _("other authority"),
    "D": _("other authority"),
    "E": _("other authority"),
    "F": _("other authority"),
    "G": _("other authority"),
    "N": _("agriculture"),
    "Y": _("other authorities"),
}
_ANY = dict.fromkeys("123456789", "")
CATEGORIES = {
    "1": {
        "1": _("government organ"),
        "2": _("public institution"),
        "3": _("mass organisation"),
        "9": _("other"),
    },
    "2": {"1": _("resident foreign news agency"), "9": _("other")},
    "3": {
        "1": _("law firm"),
        "2": _("notary office"),
        "3": _("grassroots legal service office"),
        "4": _("judicial expertise institution"),
        "5": _("arbitration commission"),
        "9": _("other"),
    },
    "4": {"1": _("foreign cultural centre"), "9": _("other")},
    "5": {
        "1": _("social association"),
        "2": _("private non-enterprise unit"),
        "3": _("foundation"),
        "4": _("villagers' committee"),
        "5": _("residents' committee"),
        "9": _("other"),
    },
    "6": {
        "1": _("foreign tourism office"),
        "2": _("Hong Kong, Macao or Taiwan tourism office"),
        "9": _("other"),
    },
    "7": {"1": _("place of religious activity"), "2": _("religious college"), "9": _("other")},
    "8": {"1": _("grassroots trade union"), "9": _("other")},
    "9": {"1": _("enterprise"), "2": _("individual business"), "3": _("farmers' cooperative")},
    "A": {"1": _("military public institution"), "9": _("other")},
    **dict.fromkeys("BCDEFG", _ANY),
    "N": {
        "1": _("group-level collective economic organisation"),
        "2": _("village-level collective economic organisation"),
        "3": _("township-level collective economic organisation"),
        "9": _("other"),
    },
    "Y": {"1": _("other")},
}
AUTHORITIES = "".join(CATEGORIES)
# Registration at national level uses 100000, which GB/T 2260 does not list.
EXTRA_DIVISIONS = {"100000": "国家"}
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
_ID_SHAPE = re.compile(r"\d{17}[\dX]")


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


def looks_scientific(code: str) -> bool:
    """Whether a normalised code is a number Excel wrote in scientific notation (digits lost)."""
    return bool(_SCIENTIFIC.fullmatch(code))


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
            gettext(
                "Character 1 of the credit code (registration authority) “%(char)s” is not a registration "
                "authority of GB 32100-2015 (1 establishment office, 5 civil affairs, 9 market regulation, …)."
            ),
            code="authority",
            params={"char": code[0]},
        )
    categories = CATEGORIES[code[0]]
    if code[1] not in categories:
        raise ValidationError(
            gettext(
                "Character 2 of the credit code (organisation category) “%(char)s” is not a category of "
                "registration authority “%(authority)s” (%(name)s); it can be: %(allowed)s."
            ),
            code="org_type",
            params={
                "char": code[1],
                "authority": code[0],
                "name": str(AUTHORITY_NAMES[code[0]]),  # in the language active now, like the rest
                "allowed": "、".join(f"{key} {label}".strip() for key, label in categories.items()),
            },
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
    if division_name(code[2:8]) is None:
        if looks_like_id_number(code):
            message = gettext(
                "Characters 3 to 8 of the credit code, “%(value)s”, are not an administrative-division "
                "code (GB/T 2260) of the registering authority, such as 210302 for Tiedong District. It "
                "looks like an 18-digit personal ID number, which is not a credit code."
            )
        else:
            message = gettext(
                "Characters 3 to 8 of the credit code, “%(value)s”, are not an administrative-division "
                "code (GB/T 2260) of the registering authority, such as 210302 for Tiedong District."
            )
        raise ValidationError(message, code="division", params={"value": code[2:8]})
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


@lru_cache(maxsize=4096)
def division_name(code: str) -> str | None:
    """The name of a six-digit GB/T 2260 administrative-division code (province, prefecture or
    county level, current or historical: codes issued years ago keep their old division), else None.

    The table is python-stdnum's ``cn/loc`` (from the lists of division codes since 1980), plus
    ``EXTRA_DIVISIONS``. Historical names carry their years: ``[1983-1995]旧堡区,[1996-]千山区``."""
    if code in EXTRA_DIVISIONS:
        return EXTRA_DIVISIONS[code]
    if len(code) != 6 or not code.isdigit():
        return None
    parts = numdb.get("cn/loc").info(code)
    if len(parts) != 2 or not parts[0][1] or not parts[1][1]:
        return None
    return parts[1][1].get("county") or parts[0][1].get("province")


def looks_like_id_number(code: str) -> bool:
    """Whether an 18-character `code` has the shape of a personal ID number (GB 11643: 17 digits
    and a digit or X, a division code in 1 to 6, a birth date in 7 to 14), whatever its check
    character: the field case of an ID number typed as a social organisation's code."""
    if not _ID_SHAPE.fullmatch(code) or division_name(code[:6]) is None:
        return False
    try:
        ric.get_birth_date(code)
    except StdnumError:
        return False
    return True


def describe_prefix(code: str) -> str:
    """Characters 1-2 of a code in words: ``52`` -> "52 (civil affairs: private non-enterprise unit)"."""
    authority, category = code[:1], code[1:2]
    name = AUTHORITY_NAMES.get(authority)
    if name is None:
        return code[:2]
    label = CATEGORIES[authority].get(category, "")
    if label:
        return gettext("%(prefix)s (%(authority)s: %(category)s)") % {
            "prefix": code[:2],
            "authority": name,
            "category": label,
        }
    return gettext("%(prefix)s (%(authority)s)") % {"prefix": code[:2], "authority": name}


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
