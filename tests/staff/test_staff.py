"""Staff, certificates and the 行业禁入 list: identity numbers encrypted and masked per role, the ban flag
across districts, certificate expiry boundaries, Chinese errors, version checks, one-time tokens,
scoping and constant queries."""

import datetime

import pytest
from django.db import connection
from django.urls import reverse

from core import dates
from staff import crypto, services
from staff.models import Ban, StaffMember
from tests.staff.factories import D, ban, certificate, id_number, member
from tests.submissions import with_token

pytestmark = pytest.mark.django_db

NUMBER = id_number("531", birth="19780923")


def _staff_form(**changes):
    data = {
        "name": "王丽",
        "id_number": NUMBER,
        "role": "nurse",
        "hired_on": "2025-01-06",
        "phone": "13912345678",
    }
    data.update(changes)
    return {k: v for k, v in data.items() if v is not None}


def _pages(world, staff, ban_row=None):
    urls = [reverse("staff:list"), reverse("staff:detail", args=[staff.pk]), reverse("staff:matches")]
    if ban_row is not None:
        urls += [reverse("staff:ban_list"), reverse("staff:ban_detail", args=[ban_row.pk])]
    return urls


# Encryption at rest --------------------------------------------------------------------------------


def test_the_number_is_stored_encrypted_with_only_the_last_four_in_clear(world, client):
    client.force_login(world.users["district"])
    data = _staff_form(institution=world.own_institution.pk, id_number=f" {NUMBER[:6]} {NUMBER[6:].lower()} ")
    response = client.post(reverse("staff:create"), with_token(client, data))
    assert response.status_code == 302, response.content.decode()[:3000]
    row = StaffMember.objects.get()
    with connection.cursor() as cursor:
        cursor.execute("SELECT * FROM staff_staffmember WHERE id = %s", [row.pk])
        stored = " ".join(str(value) for value in cursor.fetchone())
    # no run of the number longer than its last four characters is in any column
    for start in range(len(NUMBER) - 4):
        assert NUMBER[start : start + 5] not in stored
    assert row.id_tail == NUMBER[-4:] and row.full_id() == NUMBER
    assert row.id_key == crypto.person_key(NUMBER)[0]  # the same key as credit's person records


def test_the_key_comes_from_personal_data_key_and_falls_back_to_the_secret(world, settings):
    settings.PERSONAL_DATA_KEY = "one key"
    token = crypto.encrypt(NUMBER)
    assert crypto.decrypt(token) == NUMBER
    settings.PERSONAL_DATA_KEY = "another key"
    assert crypto.decrypt(token) == ""  # unreadable, not an error page
    del settings.PERSONAL_DATA_KEY
    assert crypto.decrypt(crypto.encrypt(NUMBER)) == NUMBER


# Who reads the number ------------------------------------------------------------------------------


def test_only_district_staff_of_the_region_read_the_full_number(world, client):
    staff = member(world, number=NUMBER)
    b = ban(world, NUMBER)
    masked = f"**************{NUMBER[-4:]}"
    for viewer in ("district", "city", "institution", "admin"):
        client.force_login(world.users[viewer])
        for url in _pages(world, staff, b):
            response = client.get(url)
            if viewer == "institution" and "/ban" in url:  # bans/ and banned-on-staff/
                assert response.status_code == 403
                continue
            assert response.status_code == 200, (viewer, url)
            body = response.content.decode()
            full_here = viewer == "district" and url in (
                reverse("staff:detail", args=[staff.pk]),
                reverse("staff:ban_detail", args=[b.pk]),
            )
            assert (NUMBER in body) == full_here, (viewer, url)
            assert NUMBER[:14] not in body or full_here
            assert masked in body or full_here, (viewer, url)
    for viewer in ("other_district", "department"):
        client.force_login(world.users[viewer])
        assert client.get(reverse("staff:detail", args=[staff.pk])).status_code in (403, 404)
        assert client.get(reverse("staff:ban_detail", args=[b.pk])).status_code in (403, 404)
        body = client.get(reverse("staff:list")).content.decode()
        assert NUMBER[-8:] not in body


def test_the_phone_is_private(world, client):
    staff = member(world, phone="13912345678")
    url = reverse("staff:detail", args=[staff.pk])
    for viewer, shown in (("district", True), ("institution", True), ("city", False), ("admin", False)):
        client.force_login(world.users[viewer])
        assert ("13912345678" in client.get(url).content.decode()) == shown, viewer
    client.force_login(world.users["district"])
    assert "13912345678" not in client.get(reverse("staff:list")).content.decode()


# The ban flag --------------------------------------------------------------------------------------


def test_a_person_banned_in_tiedong_is_flagged_in_tiexi_without_the_bans_details(world, client):
    b = ban(world, NUMBER, region="210302")
    elsewhere = member(world, world.other_institution, number=NUMBER, name="王丽")
    member(world, world.other_institution, name="孙梅")  # not banned
    client.force_login(world.users["other_district"])
    listing = client.get(reverse("staff:list"), {"flag": "banned"})
    assert [m.pk for m in listing.context["members"]] == [elsewhere.pk]
    detail = client.get(reverse("staff:detail", args=[elsewhere.pk])).content.decode()
    assert 'data-testid="ban-alert"' in detail and 'data-testid="ban-note"' in detail
    matches = client.get(reverse("staff:matches"))
    assert [m.pk for m in matches.context["members"]] == [elsewhere.pk]
    for body in (detail, matches.content.decode()):
        assert b.document_number not in body and "铁东区" not in body and b.reason not in body
        assert reverse("staff:ban_detail", args=[b.pk]) not in body
    # the ban itself stays with the area that decided it
    assert client.get(reverse("staff:ban_detail", args=[b.pk])).status_code == 404
    # 铁东区 sees that the person works outside its area, not where
    client.force_login(world.users["district"])
    page = client.get(reverse("staff:ban_detail", args=[b.pk])).content.decode()
    assert 'data-testid="working-elsewhere"' in page and world.other_institution.name not in page
    # the city sees the match with the ban's details
    client.force_login(world.users["city"])
    body = client.get(reverse("staff:matches")).content.decode()
    assert elsewhere.name in body and b.document_number in body


def test_the_institution_sees_the_flag_on_its_own_staff_member_only(world, client):
    ban(world, NUMBER)
    staff = member(world, number=NUMBER)
    client.force_login(world.users["institution"])
    body = client.get(reverse("staff:detail", args=[staff.pk])).content.decode()
    assert 'data-testid="ban-alert"' in body and "鞍民禁" not in body
    assert client.get(reverse("staff:ban_list")).status_code == 403


def test_recording_a_banned_person_is_allowed_and_flagged(world, client):
    ban(world, NUMBER)
    client.force_login(world.users["institution"])
    response = client.post(reverse("staff:create"), with_token(client, _staff_form()))
    assert response.status_code == 302
    staff = StaffMember.objects.get()
    assert staff.institution == world.own_institution
    page = client.get(response["Location"]).content.decode()
    assert 'data-testid="ban-alert"' in page
    assert services.counts_for(world.users["district"])["banned_on_staff"] == 1


def test_only_bans_in_force_flag(world):
    today = dates.today()
    staff = member(world, number=NUMBER)
    ban(
        world,
        NUMBER,
        decided_on=today - datetime.timedelta(days=400),
        until=today - datetime.timedelta(days=1),
    )
    flagged = lambda on: services.with_flags(StaffMember.objects.filter(pk=staff.pk), on).get().is_banned  # noqa: E731
    assert not flagged(today)
    assert flagged(today - datetime.timedelta(days=1))  # the last day of the ban still counts
    ban(world, NUMBER, decided_on=today + datetime.timedelta(days=0))
    assert flagged(today)


def test_a_person_who_left_is_not_listed_as_on_staff(world, client):
    ban(world, NUMBER)
    member(world, number=NUMBER, left_on=dates.today() - datetime.timedelta(days=1))
    client.force_login(world.users["district"])
    assert list(client.get(reverse("staff:matches")).context["members"]) == []
    assert services.counts_for(world.users["district"])["banned_on_staff"] == 0


# Certificates --------------------------------------------------------------------------------------


def test_certificate_states_at_the_boundaries(world):
    on = D(2026, 5, 10)
    nurse = member(world, role="nurse", name="护士甲")
    doctor = member(world, role="doctor", name="医生乙")
    fire = member(world, role="fire_safety", name="消防丙")
    carer = member(world, role="care_worker", name="护理员丁")
    certificate(nurse, "nurse", valid_to=on)  # the last day still counts
    certificate(doctor, "physician", valid_to=on - datetime.timedelta(days=1))
    certificate(fire, "other", valid_to=None)  # not the certificate the post needs
    rows = {m.pk: services.qualification_state(m) for m in services.with_flags(StaffMember.objects.all(), on)}
    assert rows == {nurse.pk: "ok", doctor.pk: "expired", fire.pk: "missing", carer.pk: None}
    problems = services.with_flags(StaffMember.objects.all(), on).filter(services.problem_q())
    assert {m.pk for m in problems} == {doctor.pk, fire.pk}


def test_expiring_within_30_days_both_ends_included(world):
    on = D(2026, 5, 10)
    staff = member(world, role="nurse")
    inside = [
        certificate(staff, "nurse", on, "A"),
        certificate(staff, "nurse", on + datetime.timedelta(days=30), "B"),
    ]
    certificate(staff, "nurse", on + datetime.timedelta(days=31), "C")
    certificate(staff, "nurse", on - datetime.timedelta(days=1), "D")
    gone = member(world, role="nurse", name="已离职", left_on=on - datetime.timedelta(days=1))
    certificate(gone, "nurse", on + datetime.timedelta(days=3), "E")
    assert list(services.expiring(world.users["district"], on)) == inside
    assert list(services.expiring(world.users["other_district"], on)) == []
    assert [q.number for q in services.expiring(world.users["district"], on, days=0)] == ["A"]


def test_a_certificate_added_through_the_page_clears_the_flag(world, client):
    staff = member(world, role="nurse")
    client.force_login(world.users["institution"])
    url = reverse("staff:detail", args=[staff.pk])
    assert 'data-testid="qualification-flag"' in client.get(url).content.decode()
    data = {
        "kind": "nurse",
        "number": "202312345678",
        "issuer": "鞍山市卫生健康委员会",
        "valid_to": "2030-12-31",
    }
    response = client.post(reverse("staff:qualification_create", args=[staff.pk]), with_token(client, data))
    assert response.status_code == 302
    assert 'data-testid="qualification-flag"' not in client.get(url).content.decode()
    training = {"held_on": "2026-01-05", "course": "失能老人照护", "hours": "8"}
    response = client.post(reverse("staff:training_create", args=[staff.pk]), with_token(client, training))
    assert response.status_code == 302
    assert "失能老人照护" in client.get(url).content.decode()


# Errors, versions, tokens --------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("changes", "field"),
    [
        ({"id_number": NUMBER[:17] + ("0" if NUMBER[17] != "0" else "1")}, "id_number"),
        ({"id_number": "12345"}, "id_number"),
        ({"id_number": ""}, "id_number"),
        ({"hired_on": (dates.today() + datetime.timedelta(days=2)).isoformat()}, "hired_on"),
        ({"left_on": "2024-12-31"}, "left_on"),
        ({"hired_on": "2025-02-30"}, "hired_on"),
        ({"role": "boss"}, "role"),
        ({"phone": "12"}, "phone"),
    ],
)
def test_bad_input_is_named_in_chinese(world, client, changes, field):
    client.force_login(world.users["district"])
    data = _staff_form(institution=world.own_institution.pk, **changes)
    response = client.post(reverse("staff:create"), with_token(client, data))
    assert response.status_code == 400
    errors = response.context["form"].errors
    assert field in errors, errors
    assert any("\u4e00" <= char <= "\u9fff" for char in " ".join(errors[field]))
    assert not StaffMember.objects.exists()


def test_the_same_person_twice_at_one_institution_is_refused(world, client):
    member(world, number=NUMBER, name="王丽")
    client.force_login(world.users["institution"])
    response = client.post(reverse("staff:create"), with_token(client, _staff_form()))
    assert response.status_code == 400
    assert "王丽" in " ".join(response.context["form"].errors["id_number"])


def test_another_districts_institution_is_refused(world, client):
    client.force_login(world.users["district"])
    data = _staff_form(institution=world.other_institution.pk)
    response = client.post(reverse("staff:create"), with_token(client, data))
    assert response.status_code == 400 and "institution" in response.context["form"].errors


def test_edit_is_version_checked_and_a_token_writes_once(world, client):
    staff = member(world, number=NUMBER)
    client.force_login(world.users["district"])
    url = reverse("staff:edit", args=[staff.pk])
    form = client.get(url).content.decode()
    assert NUMBER not in form  # a stored number is never put back into the form
    data = _staff_form(institution=world.own_institution.pk, id_number="", expected_version=1, name="王丽华")
    tokened = with_token(client, data)
    assert client.post(url, tokened).status_code == 302
    assert client.post(url, tokened).status_code == 302  # the same token: answered, not saved again
    staff.refresh_from_db()
    assert (staff.name, staff.version, staff.full_id()) == ("王丽华", 2, NUMBER)
    response = client.post(url, with_token(client, {**data, "name": "过时的修改"}))
    assert response.status_code == 400 and "过时的修改" in response.content.decode()
    staff.refresh_from_db()
    assert staff.name == "王丽华"


def test_a_ban_through_the_page_with_errors_and_a_version_check(world, client):
    client.force_login(world.users["district"])
    data = {
        "name": "刘洋",
        "id_number": NUMBER,
        "decided_on": "2026-01-05",
        "until": "2025-01-01",
        "document_number": "鞍铁东民禁〔2026〕1号",
        "reason": "虐待入住老人",
    }
    response = client.post(reverse("staff:ban_create"), with_token(client, data))
    assert response.status_code == 400 and "until" in response.context["form"].errors
    data["until"] = ""
    response = client.post(reverse("staff:ban_create"), with_token(client, data))
    assert response.status_code == 302
    b = Ban.objects.get()
    assert (b.region, b.until, b.id_tail) == (world.regions["210302"], None, NUMBER[-4:])
    edit = reverse("staff:ban_edit", args=[b.pk])
    stale = with_token(client, {**data, "id_number": "", "expected_version": 1, "until": "2036-01-04"})
    assert client.post(edit, stale).status_code == 302
    assert (
        client.post(edit, with_token(client, {**data, "id_number": "", "expected_version": 1})).status_code
        == 400
    )
    client.force_login(world.users["institution"])
    assert client.get(reverse("staff:ban_create")).status_code == 403


# Scoping and queries -------------------------------------------------------------------------------


def test_scoping_of_the_list(world, client):
    own = member(world, name="甲")
    other = member(world, world.other_institution, name="乙")
    foreign = member(world, world.foreign_institution, name="丙")
    seen = {}
    for viewer in ("city", "district", "other_district", "institution", "admin"):
        client.force_login(world.users[viewer])
        seen[viewer] = {m.pk for m in client.get(reverse("staff:list")).context["members"]}
    assert seen["city"] == {own.pk, other.pk}
    assert seen["district"] == seen["institution"] == {own.pk}
    assert seen["other_district"] == {other.pk}
    assert seen["admin"] == {own.pk, other.pk, foreign.pk}
    client.force_login(world.users["department"])
    assert client.get(reverse("staff:list")).status_code == 403
    client.force_login(world.users["city"])
    assert client.get(reverse("staff:create")).status_code == 403  # the city reads
    assert client.get(reverse("staff:detail", args=[foreign.pk])).status_code == 404


def test_list_filters(world, client):
    nurse = member(world, role="nurse", name="护士")
    carer = member(world, role="care_worker", name="护理员")
    client.force_login(world.users["district"])
    pks = lambda **q: {m.pk for m in client.get(reverse("staff:list"), q).context["members"]}  # noqa: E731
    assert pks(role="nurse") == {nurse.pk}
    assert pks(flag="qualification") == {nurse.pk}
    assert pks(q="护理") == {carer.pk}
    assert pks(institution=world.own_institution.pk) == {nurse.pk, carer.pk}
    response = client.get(reverse("staff:list"), {"institution": world.other_institution.pk})
    assert response.status_code == 200 and response.context["form"].errors["institution"]


@pytest.mark.parametrize("extra", [0, 12])
def test_pages_run_constant_queries(world, client, django_assert_num_queries, extra):
    for n in range(3 + extra):
        staff = member(world, role="nurse", name=f"员工{n}", number=id_number(f"{n + 200:03d}"))
        certificate(staff, "nurse", D(2020, 1, 1))
        ban(world, id_number(f"{n + 200:03d}"))
    client.force_login(world.users["city"])
    for url, expected in (
        (reverse("staff:list"), EXPECTED_LIST_QUERIES),
        (reverse("staff:matches"), EXPECTED_MATCHES_QUERIES),
        (reverse("staff:ban_list"), EXPECTED_BAN_LIST_QUERIES),
    ):
        client.get(url)
        with django_assert_num_queries(expected):
            assert client.get(url).status_code == 200
    user = world.users["city"]
    with django_assert_num_queries(3):  # subtree, staff aggregate, expiring count
        assert services.counts_for(user)["staff"] == 3 + extra


# session, user, region, subtree, count, page, bans of the page, the header (3), institutions filter, 停业整顿 ids
EXPECTED_LIST_QUERIES = 12
EXPECTED_MATCHES_QUERIES = 10
EXPECTED_BAN_LIST_QUERIES = 9
