"""The credit pages: create with the decision document, bad input named in Chinese, scoping,
version-checked edits, one-time tokens, constant queries."""

import pytest
from django.urls import reverse

from credit.models import CreditRecord
from tests.credit.factories import D, code, id_number, record
from tests.hazards.factories import notice
from tests.submissions import with_token

pytestmark = pytest.mark.django_db


@pytest.fixture(autouse=True)
def media(settings, tmp_path):
    settings.MEDIA_ROOT = tmp_path


def _form(**changes):
    data = {
        "kind": "dishonest",
        "source": "market",
        "subject": "institution",
        "decided_on": "2026-03-01",
        "expires_on": "2027-02-28",
        "document_number": "鞍市监罚〔2026〕12号",
        "reason": "虚假宣传，列入经营异常名录",
        "document": notice(),
    }
    data.update(changes)
    return {k: v for k, v in data.items() if v is not None}


def test_district_records_a_dishonesty_by_code_and_the_institution_is_linked(world, client):
    own = world.own_institution
    own.credit_code = code(body="MJ0000101")
    own.save(update_fields=["credit_code"])
    client.force_login(world.users["district"])
    pasted = f"{own.credit_code[:6]} {own.credit_code[6:]}".lower()
    response = client.post(reverse("credit:create"), with_token(client, _form(credit_code=pasted)))
    assert response.status_code == 302, response.content.decode()[:2000]
    r = CreditRecord.objects.get()
    assert (r.credit_code, r.institution, r.region) == (own.credit_code, own, own.region)
    page = client.get(response["Location"]).content.decode()
    assert "社会组织公共服务平台" in page  # 52…: civil affairs
    assert "书面告知书.pdf" in page  # the decision document
    assert 'data-testid="standing"' in page


def test_a_persons_record_keeps_only_the_key_and_tail(world, client):
    own = world.own_institution
    own.legal_representative = "陈刚"
    own.save(update_fields=["legal_representative"])
    own.credit_code = code(body="MJ0000102")
    own.save(update_fields=["credit_code"])
    number = id_number("318")
    client.force_login(world.users["district"])
    response = client.post(
        reverse("credit:create"),
        with_token(
            client, _form(institution=own.pk, subject="person", person_name=" 陈 刚 ", id_number=number)
        ),
    )
    assert response.status_code == 302
    r = CreditRecord.objects.get()
    assert (r.person_name, r.person_id_tail) == ("陈刚", number[-4:])
    page = client.get(response["Location"]).content.decode()
    assert number not in page and f"**************{number[-4:]}" in page
    assert own.name in page.split('data-testid="led-institutions"')[1]


@pytest.mark.parametrize(
    ("changes", "field", "sentence"),
    [
        ({"credit_code": "52210300MJ000010"}, "credit_code", "统一社会信用代码应为18位"),
        ({"credit_code": ""}, "credit_code", None),
        ({"subject": "person", "person_name": "陈刚", "id_number": "12345"}, "id_number", None),
        ({"subject": "person", "person_name": ""}, "person_name", None),
        ({"expires_on": "2026-02-01"}, "expires_on", None),
        ({"decided_on": "2026-13-01"}, "decided_on", "YYYY-MM-DD"),
        ({"document": None}, "document", None),
    ],
)
def test_bad_input_is_named_in_chinese(world, client, changes, field, sentence):
    client.force_login(world.users["district"])
    data = _form(**{"credit_code": code(body="MJ0000103"), **changes})
    response = client.post(reverse("credit:create"), with_token(client, data))
    assert response.status_code == 400
    form = response.context["form"]
    assert field in form.errors, form.errors
    message = " ".join(form.errors[field])
    assert any("\u4e00" <= char <= "\u9fff" for char in message), message
    if sentence:
        assert sentence in message
    assert not CreditRecord.objects.exists()


def test_a_code_of_another_institution_is_refused(world, client):
    own = world.own_institution
    own.credit_code = code(body="MJ0000104")
    own.save(update_fields=["credit_code"])
    client.force_login(world.users["district"])
    data = _form(institution=own.pk, credit_code=code(body="MJ0000105"))
    response = client.post(reverse("credit:create"), with_token(client, data))
    assert response.status_code == 400
    assert own.credit_code in " ".join(response.context["form"].errors["credit_code"])


def test_edit_is_version_checked_and_a_token_writes_once(world, client):
    r = record(world, code(body="MJ0000106"), decided_on=D(2026, 1, 5), institution=world.own_institution)
    client.force_login(world.users["district"])
    data = _form(
        credit_code=r.credit_code, institution=world.own_institution.pk, expected_version=1, document=None
    )
    data["document_number"] = "改后文号"
    tokened = with_token(client, data)
    assert client.post(reverse("credit:edit", args=[r.pk]), tokened).status_code == 302
    r.refresh_from_db()
    assert (r.document_number, r.version) == ("改后文号", 2)
    # the same token again: no second save
    assert client.post(reverse("credit:edit", args=[r.pk]), tokened).status_code == 302
    r.refresh_from_db()
    assert r.version == 2
    # a form opened at version 1 is refused, the input kept
    stale = with_token(client, {**data, "document_number": "过时的修改"})
    response = client.post(reverse("credit:edit", args=[r.pk]), stale)
    assert response.status_code == 400
    assert "过时的修改" in response.content.decode()
    r.refresh_from_db()
    assert r.document_number == "改后文号"


def test_scoping_of_the_list(world, client):
    own = record(world, code(body="MJ0000107"), decided_on=D(2026, 1, 5), institution=world.own_institution)
    other = record(
        world, code(body="MJ0000108"), decided_on=D(2026, 1, 5), institution=world.other_institution
    )
    foreign = record(
        world, code(body="MJ0000109"), decided_on=D(2026, 1, 5), institution=world.foreign_institution
    )
    seen = {}
    for viewer in ("city", "district", "other_district", "institution", "department"):
        client.force_login(world.users[viewer])
        response = client.get(reverse("credit:list"))
        seen[viewer] = {r.pk for r in response.context["records"]}
        assert "credit-create" in response.content.decode() or viewer in ("institution", "department")
    assert seen["city"] == seen["department"] == {own.pk, other.pk}
    assert seen["district"] == seen["institution"] == {own.pk}
    assert seen["other_district"] == {other.pk}
    assert foreign.pk not in set().union(*seen.values())
    client.force_login(world.users["institution"])
    assert client.get(reverse("credit:create")).status_code == 403
    assert client.get(reverse("credit:edit", args=[own.pk])).status_code == 403


def test_list_filters(world, client):
    good = record(world, code(body="MJ0000110"), kind="good", decided_on=D(2026, 1, 5))
    old = record(world, code(body="MJ0000111"), decided_on=D(2020, 1, 5), expires_on=D(2021, 1, 4))
    client.force_login(world.users["district"])
    pks = lambda **q: {r.pk for r in client.get(reverse("credit:list"), q).context["records"]}  # noqa: E731
    assert pks(kind="good") == {good.pk}
    assert pks(status="expired") == {old.pk}
    assert pks(status="in_force") == {good.pk}
    assert pks(q=good.credit_code.lower()) == {good.pk}
    response = client.get(reverse("credit:list"), {"kind": "nonsense"})
    assert response.status_code == 200 and response.context["form"].errors["kind"]


@pytest.mark.parametrize("extra", [0, 15])
def test_list_runs_constant_queries(world, client, django_assert_num_queries, extra):
    for n in range(2 + extra):
        record(
            world, code(body=f"MJ{200 + n:07d}"), decided_on=D(2026, 1, 5), institution=world.own_institution
        )
    client.force_login(world.users["city"])
    client.get(reverse("credit:list"))
    with django_assert_num_queries(EXPECTED_LIST_QUERIES):
        assert client.get(reverse("credit:list"), {"kind": "dishonest"}).status_code == 200


# session, user, region, subtree, count, page, the header (3), the region filter, the 停业整顿 ids
EXPECTED_LIST_QUERIES = 11
