"""Standing over time, the publication channel per code, and a person's record following them."""

import pytest

from credit import channels, services
from institutions import uscc
from tests.credit.factories import D, code, id_number, record

pytestmark = pytest.mark.django_db


def test_standing_over_time_dishonesty_wins_while_in_force(world):
    c = code(body="MJ0000011")
    record(world, c, kind="good", decided_on=D(2026, 1, 1))
    record(world, c, kind="dishonest", decided_on=D(2026, 3, 1), expires_on=D(2026, 6, 30))
    assert services.standing(c, D(2025, 12, 31)) == "none"
    assert services.standing(c, D(2026, 1, 1)) == "good"
    assert services.standing(c, D(2026, 2, 28)) == "good"
    assert services.standing(c, D(2026, 3, 1)) == "dishonest"
    assert services.standing(c, D(2026, 6, 30)) == "dishonest"  # the expiry day still counts
    assert services.standing(c, D(2026, 7, 1)) == "good"  # expired: no longer counts


def test_standing_reads_the_code_as_pasted_and_ignores_other_codes_and_persons(world):
    c, other = code(body="MJ0000012"), code(body="MJ0000013")
    record(world, other, decided_on=D(2026, 1, 1))
    record(
        world, c, decided_on=D(2026, 1, 1), subject="person", person_name="张伟", id_number=id_number()
    )  # the legal representative's record is theirs, not the code's
    assert services.standing(c, D(2026, 5, 1)) == "none"
    assert services.standing(f" {c[:4]}-{c[4:]}".lower(), D(2026, 5, 1)) == "none"
    record(world, c, kind="good", decided_on=D(2026, 1, 1), expires_on=D(2026, 1, 31))
    assert services.standing(c.lower(), D(2026, 1, 15)) == "good"


def test_standing_by_institution_in_one_query(world, django_assert_num_queries):
    own, other, foreign = world.own_institution, world.other_institution, world.foreign_institution
    own.credit_code, other.credit_code = (
        code(body="MJ0000021"),
        code(authority="9", org_type="1", body="MA0000022"),
    )
    own.save(update_fields=["credit_code"])
    other.save(update_fields=["credit_code"])
    record(world, own.credit_code, decided_on=D(2026, 2, 1), expires_on=D(2026, 2, 28), institution=own)
    record(world, other.credit_code, kind="good", decided_on=D(2026, 1, 1), institution=other)
    ids = [own.pk, other.pk, foreign.pk]  # foreign has no code
    with django_assert_num_queries(1):
        on_feb = services.standing_by_institution(ids, D(2026, 2, 10))
    assert on_feb == {own.pk: "dishonest", other.pk: "good", foreign.pk: "none"}
    assert services.standing_by_institution(ids, D(2026, 3, 1))[own.pk] == "none"
    assert services.standing_by_institution([], D(2026, 3, 1)) == {}


@pytest.mark.parametrize(
    ("authority", "org_type", "channel"),
    [
        ("1", "2", channels.PUBLIC_INSTITUTIONS),  # 12… 事业单位
        ("5", "1", channels.SOCIAL_ORGANISATIONS),  # 51… 社会团体
        ("5", "2", channels.SOCIAL_ORGANISATIONS),  # 52… 民办非企业单位 (most private homes)
        ("5", "3", channels.SOCIAL_ORGANISATIONS),  # 53… 基金会
        ("9", "1", channels.ENTERPRISES),  # 91… 企业
        ("9", "2", channels.ENTERPRISES),  # 92… 个体工商户
        ("N", "2", channels.CREDIT_CHINA),  # 村级集体经济组织
        ("Y", "1", channels.CREDIT_CHINA),  # 其他
        ("7", "1", channels.CREDIT_CHINA),  # 宗教活动场所
    ],
)
def test_publication_channel_follows_the_registration_authority(authority, org_type, channel):
    c = uscc.generate(authority=authority, org_type=org_type, division="210302", body="MA0K1B2C3")
    assert uscc.is_valid(c)
    assert channels.channel_for(c) == channel
    assert channels.channel_for(c.lower()) == channel


def test_channel_names_the_platforms_of_measure_12():
    assert str(channels.SOCIAL_ORGANISATIONS.name) == "社会组织公共服务平台"
    assert str(channels.ENTERPRISES.name) == "国家企业信用信息公示系统"
    assert str(channels.PUBLIC_INSTITUTIONS.name) == "事业单位在线网"
    assert str(channels.CREDIT_CHINA.name) == "信用中国"


def test_a_persons_record_follows_them_to_every_institution_they_lead(world, django_assert_num_queries):
    own, other, foreign = world.own_institution, world.other_institution, world.foreign_institution
    own.legal_representative, other.legal_representative = "张伟", "张 伟"  # typed with a space
    foreign.legal_representative = "李娜"
    for institution in (own, other, foreign):
        institution.save(update_fields=["legal_representative"])
    person = id_number("231")
    first = record(
        world,
        code(body="MJ0000031"),
        decided_on=D(2026, 1, 5),
        expires_on=D(2026, 12, 31),
        institution=own,
        subject="person",
        person_name="张伟",
        id_number=person,
    )
    with django_assert_num_queries(1):
        flags = services.representative_flags([own, other, foreign], D(2026, 6, 1))
    assert set(flags) == {own.pk, other.pk}
    assert flags[other.pk] == [first]
    assert services.representative_flags([own, other], D(2027, 1, 1)) == {}  # expired
    # the same person recorded again at another institution: the identity key joins them
    second = record(
        world,
        code(body="MJ0000032"),
        decided_on=D(2026, 2, 1),
        institution=other,
        subject="person",
        person_name="张伟",
        id_number=person.lower(),
    )
    assert second.person_key == first.person_key and second.person_id_tail == person[-4:]
    assert list(services.same_person(first, world.users["city"])) == [second]
    # another person of the same name has another key
    namesake = services.person_key(id_number("555", birth="19800101"))[0]
    assert namesake != first.person_key
    # the district sees the institutions of its own unit led by that name; the city both
    assert services.institutions_led_by(first, world.users["district"]) == [own]
    assert set(services.institutions_led_by(first, world.users["city"])) == {own, other}


def test_the_id_number_is_never_stored(world):
    person = id_number("777")
    r = record(
        world,
        code(body="MJ0000041"),
        decided_on=D(2026, 1, 5),
        subject="person",
        person_name="王芳",
        id_number=person,
    )
    stored = " ".join(str(value) for value in r.__dict__.values())
    assert person not in stored and person[:14] not in stored
    assert r.masked_id.endswith(person[-4:]) and r.masked_id.count("*") == 14
