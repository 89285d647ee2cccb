"""The Unified Social Credit Code check (institutions/uscc.py); no database needed."""

import random
import re

import pytest
from django.core.exceptions import ValidationError
from django.utils import translation
from stdnum.cn import uscc as stdnum_uscc

from institutions import uscc

FULL_WIDTH = str.maketrans(
    "0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz",
    "０１２３４５６７８９ＡＢＣＤＥＦＧＨＩＪＫＬＭＮＯＰＱＲＳＴＵＶＷＸＹＺａｂｃｄｅｆｇｈｉｊｋｌｍｎｏｐｑｒｓｔｕｖｗｘｙｚ",
)


def error_code(value) -> str:
    with pytest.raises(ValidationError) as info:
        uscc.validate(value)
    return info.value.code


# --- the check character, computed by hand ---------------------------------------------------
#
# Alphabet values: 0-9 = 0-9, A=10 B=11 C=12 D=13 E=14 F=15 G=16 H=17 J=18 K=19 L=20 M=21 N=22
# P=23 Q=24 R=25 T=26 U=27 W=28 X=29 Y=30. Weights 1 3 9 27 19 26 16 17 20 29 25 13 8 24 10 30 28.
#
# 91110000600037341 (python-stdnum's own example, 91110000600037341L):
#   9*1 + 1*3 + 1*9 + 1*27 + 0 + 0 + 0 + 0 + 6*20 + 0 + 0 + 0 + 3*8 + 7*24 + 3*10 + 4*30 + 1*28
#   = 9 + 3 + 9 + 27 + 120 + 24 + 168 + 30 + 120 + 28 = 538 = 17*31 + 11; 31 - 11 = 20 -> L
# Y1210300MA1234567 (Y=30, M=21, A=10):
#   30*1 + 1*3 + 2*9 + 1*27 + 0*19 + 3*26 + 0*16 + 0*17 + 21*20 + 10*29 + 1*25 + 2*13 + 3*8
#   + 4*24 + 5*10 + 6*30 + 7*28
#   = 30 + 3 + 18 + 27 + 78 + 420 + 290 + 25 + 26 + 24 + 96 + 50 + 180 + 196 = 1463
#   = 47*31 + 6; 31 - 6 = 25 -> R
# 9121030000000000E (E=14): 9 + 3 + 18 + 27 + 0 + 78 + 0 ... + 14*28 = 9+3+18+27+78+392 = 527
#   = 17*31 + 0; (31 - 0) % 31 = 0 -> "0", the one case the final "% 31" is for.
@pytest.mark.parametrize(
    ("first17", "expected"),
    [("91110000600037341", "L"), ("Y1210300MA1234567", "R"), ("9121030000000000E", "0")],
)
def test_check_digit_matches_hand_computation(first17, expected):
    assert uscc.check_digit(first17) == expected
    assert uscc.validate(first17 + expected) == first17 + expected


def test_check_digit_needs_exactly_17_characters():
    with pytest.raises(ValueError):
        uscc.check_digit("9111000060003734")


@pytest.mark.parametrize(
    "code",
    [
        "91110000600037341L",  # python-stdnum's documented example
        # Published codes of well-known companies (Tencent, Alibaba China, Xiaomi, Huawei).
        "9144030071526726XG",
        "91330100716105852F",
        "91110108551385082Q",
        "91440300708461136T",
    ],
)
def test_real_codes_are_valid(code):
    assert uscc.validate(code) == code


# --- valid codes across authorities ------------------------------------------------------------


@pytest.mark.parametrize("authority", list("123456789ABCDEFGNY"))
def test_generated_codes_are_valid_for_every_authority(authority):
    rng = random.Random(authority)
    for _ in range(20):
        code = uscc.generate(
            authority=authority, org_type=rng.choice(list(uscc.CATEGORIES[authority])), rng=rng
        )
        assert len(code) == 18
        assert code[0] == authority
        assert code[2:8] == "210300"
        assert uscc.validate(code) == code
        assert uscc.is_valid(code)


def test_generate_defaults_to_a_private_non_enterprise_unit_in_anshan():
    code = uscc.generate(body="MA0TEXT01")
    assert code[:17] == "52210300MA0TEXT01"
    assert code[17] == uscc.check_digit(code[:17])


def test_generate_is_reproducible_with_a_seeded_rng():
    assert uscc.generate(rng=random.Random(7)) == uscc.generate(rng=random.Random(7))


def test_generate_refuses_bad_parts():
    with pytest.raises(ValidationError):
        uscc.generate(authority="0")
    with pytest.raises(ValidationError):
        uscc.generate(division="21A300")
    with pytest.raises(ValidationError):
        uscc.generate(body="MAOTEST01")  # letter O


def test_every_wrong_check_character_is_caught():
    first17 = "52210300MA0TEXT01"
    right = uscc.check_digit(first17)
    for char in uscc.ALPHABET.replace(right, ""):
        assert error_code(first17 + char) == "check_digit"


def test_a_single_mistyped_character_is_caught():
    rng = random.Random(2015)
    for _ in range(200):
        code = uscc.generate(authority=rng.choice("159"), org_type=rng.choice("123"), rng=rng)
        position = rng.randrange(8, 17)  # the organisation code
        replacement = rng.choice(uscc.ALPHABET.replace(code[position], ""))
        assert not uscc.is_valid(code[:position] + replacement + code[position + 1 :])


# --- agreement with python-stdnum ---------------------------------------------------------------


# Division codes of every level, current and historical (GB/T 2260), to build well-formed codes from.
DIVISIONS = [
    "110000",
    "110101",
    "210000",
    "210300",
    "210302",
    "210311",
    "210322",
    "210381",
    "440305",
    "100000",
]
DIGIT_PAIRS = [a + c for a, cats in uscc.CATEGORIES.items() if a.isdigit() for c in cats]


def random_stdnum_shaped(rng: random.Random) -> str:
    """17 characters stdnum accepts and GB 32100's tables allow: a digit pair of the authority and
    category table, a division code, nine alphabet characters."""
    return rng.choice(DIGIT_PAIRS) + rng.choice(DIVISIONS) + "".join(rng.choices(uscc.ALPHABET, k=9))


def test_agrees_with_stdnum_on_codes_it_accepts():
    rng = random.Random(32100)
    for _ in range(1000):
        first17 = random_stdnum_shaped(rng)
        code = first17 + stdnum_uscc.calc_check_digit(first17)
        assert stdnum_uscc.is_valid(code)
        assert uscc.validate(code) == code


def test_agrees_with_stdnum_on_codes_it_rejects_for_their_check_character():
    rng = random.Random(2015)
    for _ in range(500):
        code = random_stdnum_shaped(rng) + rng.choice(uscc.ALPHABET)
        assert uscc.is_valid(code) == stdnum_uscc.is_valid(code)


def test_check_character_agrees_with_stdnum_for_any_17_alphabet_characters():
    rng = random.Random(31)
    for _ in range(1000):
        first17 = "".join(rng.choices(uscc.ALPHABET, k=17))
        assert uscc.check_digit(first17) == stdnum_uscc.calc_check_digit(first17)


@pytest.mark.parametrize(
    "code",
    [
        "A1110000600037341K",  # military establishment office
        "N2210300MA0000001A",  # agriculture: a village collective economic organisation
        "Y1210300MA1234567R",  # other authorities
    ],
)
def test_valid_codes_stdnum_rejects(code):
    assert not stdnum_uscc.is_valid(code)
    assert uscc.validate(code) == code


def test_random_letter_authority_codes_pass_though_stdnum_rejects_them():
    rng = random.Random(18)
    for _ in range(200):
        authority = rng.choice("ABCDEFGNY")
        code = uscc.generate(
            authority=authority, org_type=rng.choice(list(uscc.CATEGORIES[authority])), rng=rng
        )
        assert uscc.is_valid(code)
        assert not stdnum_uscc.is_valid(code)


@pytest.mark.parametrize(
    ("code", "expected"), [("01110000600037341X", "authority"), ("90110000600037341P", "org_type")]
)
def test_zero_authority_or_type_stdnum_accepts_is_rejected(code, expected):
    assert stdnum_uscc.is_valid(code)
    assert error_code(code) == expected


# --- bad codes ------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("code", "expected"),
    [
        ("91110000600037341", "length"),  # 17 characters
        ("91110000600037341LL", "length"),
        ("", "length"),
        ("91110000I00037341L", "charset"),
        ("91110000O00037341L", "charset"),
        ("91110000S00037341L", "charset"),
        ("91110000V00037341L", "charset"),
        ("91110000Z00037341L", "charset"),
        ("91110000600037341.", "charset"),
        ("阳光养老院阳光养老院阳光养老院阳光养老", "length"),
        ("阳光养老院阳光养老院阳光养老院阳光养", "charset"),
        ("H1110000600037341L", "authority"),
        ("M1210300MA1234567R", "authority"),
        ("91A10000600037341L", "division"),
        ("5A210300MA00000013", "org_type"),  # civil affairs has no category A
        ("94210300MA00000013", "org_type"),  # market regulation: 1, 2, 3 only
        ("Y2210300MA00000013", "org_type"),  # other authorities: 1 only
        ("52030219MA00000013", "division"),  # no province 03
        ("52219999MA00000013", "division"),  # Liaoning has no 9999
        ("9111000X600037341L", "division"),
        ("91110000600037341K", "check_digit"),
        ("91110000600037342L", "check_digit"),  # one digit of the body mistyped
        ("91110000600073341L", "check_digit"),  # two digits swapped
    ],
)
def test_bad_codes_are_rejected_with_their_reason(code, expected):
    assert error_code(code) == expected


def test_errors_name_what_is_wrong():
    with pytest.raises(ValidationError) as info:
        uscc.validate("91110000600037341")
    assert "17" in info.value.messages[0]
    with pytest.raises(ValidationError) as info:
        uscc.validate("91110000I00037341L")
    assert info.value.params == {"position": 9, "char": "I"}
    with pytest.raises(ValidationError) as info:
        uscc.validate("91110000600037341K")
    assert info.value.params == {"expected": "L", "actual": "K"}
    assert "“L”" in info.value.messages[0] and "“K”" in info.value.messages[0]


def test_messages_are_given_in_the_active_language_without_failing():
    with translation.override("zh-hans"), pytest.raises(ValidationError) as info:
        uscc.validate("H1110000600037341L")
    assert "“H”" in info.value.messages[0]


# --- normalisation ------------------------------------------------------------------------------


def test_full_width_input_is_converted():
    code = uscc.generate(authority="9", org_type="1", body="MA0XWYT3K")
    full = code.translate(FULL_WIDTH)
    assert full != code and all(ord(char) > 0xFF00 for char in full)
    assert uscc.normalize(full) == code
    assert uscc.validate(full) == code
    assert uscc.validate(code.lower().translate(FULL_WIDTH)) == code  # full-width lower case


def test_full_width_forbidden_letter_is_reported_as_such():
    assert error_code("９１１１００００Ｏ０００３７３４１Ｌ") == "charset"


@pytest.mark.parametrize(
    "pasted",
    [
        " 91110000600037341L ",
        "\t91110000600037341L\n",
        "9111 0000 6000 3734 1L",
        "91110000\u3000600037341L",  # ideographic space
        "\u00a091110000600037341L\u00a0",  # no-break space from Word
        "9111-0000-6000-3734-1L",
        "9111\u20130000\u2014600037341L",  # Word's en and em dashes
        "9111\uff0d0000600037341L",  # full-width hyphen
        "\ufeff91110000600037341L\u200b",  # BOM and zero-width space
        "91110000600037341l",
        "９１１１００００６０００３７３４１ｌ",
        "91110000600037341L\r\n",
    ],
)
def test_pasted_input_is_cleaned(pasted):
    assert uscc.normalize(pasted) == "91110000600037341L"
    assert uscc.validate(pasted) == "91110000600037341L"


def test_none_normalizes_to_empty():
    assert uscc.normalize(None) == ""
    assert uscc.normalize("  \u3000\t") == ""


def test_an_18_digit_int_is_accepted():
    # Only a code whose 18 characters are all digits can have been typed as an Excel number.
    code = next(
        candidate
        for body in range(123456789, 123457789)
        if (candidate := uscc.generate(authority="9", org_type="1", body=str(body))).isdigit()
    )
    assert uscc.normalize(int(code)) == code
    assert uscc.validate(int(code)) == code


def test_an_int_of_the_wrong_length_fails_on_length():
    assert uscc.normalize(12345) == "12345"
    assert error_code(12345) == "length"
    assert error_code(-912103001234567890) == "length"  # the minus sign is not a hyphen to drop


@pytest.mark.parametrize("number", [9.1210300123456789e17, 912103001234567890.0, float(10**17)])
def test_a_float_in_scientific_notation_fails_without_crashing(number):
    assert "E+17" in uscc.normalize(number)
    assert error_code(number) == "scientific_notation"


def test_excel_s_displayed_scientific_notation_fails_clearly():
    assert error_code("9.12103E+17") == "scientific_notation"
    assert error_code("9.12103e+17") == "scientific_notation"


def test_a_valid_code_that_looks_like_a_number_with_an_exponent_is_valid():
    assert uscc.validate("9121030000000000E0") == "9121030000000000E0"


def test_a_small_float_fails_on_length():
    assert error_code(123.0) == "length"


def test_search_text_that_is_not_a_code_normalizes_harmlessly():
    # institutions/filters.py normalizes whatever is typed into the name-or-code search box.
    assert uscc.normalize("阳光 养老院") == "阳光养老院"
    assert uscc.normalize("９１２１") == "9121"


# --- segments: registration authority + category, administrative division (GB 32100 tables) ------


def test_a_personal_id_number_is_refused_on_its_division_segment():
    # 02-uscc-idcard-shaped.xlsx: an ID number of a person born in Tiedong District in 1980.
    # (Messages are asserted in English, the msgids; locale/ holds the Chinese.)
    with translation.override("en"), pytest.raises(ValidationError) as info:
        uscc.validate("210302198001010839")
    assert info.value.code == "division"
    assert info.value.params == {"value": "030219"}
    assert "Characters 3 to 8" in info.value.messages[0] and "“030219”" in info.value.messages[0]
    assert "personal ID number" in info.value.messages[0]


@pytest.mark.parametrize("code", ["52219999MA00000013", "91A10000600037341L", "5203021980MA00013X"])
def test_a_wrong_division_mentions_id_numbers_only_for_what_looks_like_one(code):
    with translation.override("en"), pytest.raises(ValidationError) as info:
        uscc.validate(code)
    assert info.value.code == "division"
    assert "ID number" not in info.value.messages[0]


def test_an_id_number_message_reads_in_chinese():
    with translation.override("zh-hans"), pytest.raises(ValidationError) as info:
        uscc.validate("210302198001010839")
    assert "公民身份号码" in info.value.messages[0]
    assert re.search(r"[A-Za-z]{3,}", info.value.messages[0].replace("GB/T", "")) is None


def test_a_wrong_category_names_the_authority_and_the_allowed_categories():
    with translation.override("en"), pytest.raises(ValidationError) as info:
        uscc.validate("5A210300MA00000013")
    message = info.value.messages[0]
    assert info.value.code == "org_type"
    assert "civil affairs" in message and "2 private non-enterprise unit" in message and "“A”" in message


@pytest.mark.parametrize(
    ("division", "expected"),
    [
        ("210302", "铁东区"),
        ("210381", "海城市"),
        ("210300", "鞍山市"),
        ("210000", "辽宁省"),
        ("210322", "海城县"),  # abolished in 1985: codes issued before then keep it
        ("210311", "千山区"),
        ("100000", "国家"),  # national registration
    ],
)
def test_division_table_knows_current_historical_and_national_codes(division, expected):
    assert expected in uscc.division_name(division)
    code = uscc.generate(authority="5", org_type="2", division=division, body="MA0TEXT01")
    assert uscc.validate(code) == code


@pytest.mark.parametrize("division", ["030219", "219999", "210399", "000000", "999999", "21030", "21030X"])
def test_division_table_refuses_what_is_no_division(division):
    assert uscc.division_name(division) is None


def test_every_official_anshan_region_code_is_in_the_division_table():
    import yaml
    from django.conf import settings

    data = yaml.safe_load((settings.BASE_DIR / "core" / "data" / "regions_anshan.yaml").read_text("utf-8"))
    codes = []

    def walk(node):
        if isinstance(node, dict):
            code = str(node.get("code", ""))
            if len(code) == 6 and code.isdigit():
                codes.append(code)
            for value in node.values():
                walk(value)
        elif isinstance(node, list):
            for value in node:
                walk(value)

    walk(data)
    assert len(codes) >= 8
    assert [code for code in codes if uscc.division_name(code) is None] == []


def test_segments_are_checked_before_the_check_character():
    # A code with a wrong division AND a wrong check character fails on the division: only a code
    # whose sole problem is the check character can be confirmed as verified manually.
    first17 = "52030219MA0TEXT01"
    wrong = next(c for c in uscc.ALPHABET if c != uscc.check_digit(first17))
    assert error_code(first17 + wrong) == "division"


def test_describe_prefix():
    with translation.override("en"):
        assert uscc.describe_prefix("52") == "52 (civil affairs: private non-enterprise unit)"
        assert uscc.describe_prefix("12MA").startswith("12 (establishment office: public institution)")
    assert uscc.describe_prefix("H1") == "H1"
    with translation.override("zh-hans"):  # Chinese punctuation, no ASCII brackets or colon
        assert uscc.describe_prefix("52") == "52（民政：民办非企业单位）"
        assert uscc.describe_prefix("21") == "21（外交：外国常驻新闻机构）"
