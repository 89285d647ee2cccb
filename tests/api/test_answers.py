"""Issue 18, the checklist answers' API: list (the checklist's filter, as of a date), detail, and the
pages' transitions through the same functions (`campaign.answers`): submit by the answering unit,
accept / return / reopen by the city; 403 for other roles, 400 in Chinese, 409 on a stale version,
404 outside the area. The parity test sends the same refused steps through the page and the API."""

import pytest
from django.urls import reverse
from rest_framework.test import APIClient

from accounts.tokens import issue_token
from campaign import answers
from campaign.models import ItemAnswer
from tests.submissions import with_token

pytestmark = pytest.mark.django_db

LIST = "/api/v1/answers/"


def client_for(user) -> APIClient:
    client = APIClient()
    client.force_authenticate(user)
    return client


def url(answer, step="") -> str:
    return f"{LIST}{answer.pk}/" + (f"{step}/" if step else "")


def saved(world, number=4, who="district", submit=False) -> ItemAnswer:
    user = world.users[who]
    answer = answers.answer_for(item=world.campaign.items.get(number=number), by=user)
    return answers.answer_save(
        answer=answer,
        narrative="全区养老机构已全部对照GB 38600开展自查。",
        values={},
        by=user,
        expected_version=answer.version,
        submit=submit,
    )


def test_each_role_sees_the_answers_of_its_area(world):
    own, other = saved(world), saved(world, who="other_district")
    seen = {
        who: {row["id"] for row in client_for(world.users[who]).get(LIST).json()["results"]}
        for who in ("city", "district", "other_district", "admin")
    }
    assert seen == {
        "city": {own.pk, other.pk},
        "district": {own.pk},
        "other_district": {other.pk},
        "admin": {own.pk, other.pk},
    }
    for who in ("institution", "department"):
        assert client_for(world.users[who]).get(LIST).status_code == 403
    district = client_for(world.users["district"])
    assert district.get(url(other)).status_code == 404
    body = district.get(url(own)).json()
    assert body["item"] == 4 and body["region_code"] == "210302" and body["status"] == "draft"
    assert body["narrative"].startswith("全区") and body["evidence"] == [] and body["version"] == own.version


def test_the_checklists_filter_and_the_status_as_of_a_date(world):
    submitted, draft = saved(world, submit=True), saved(world, number=5)
    city = client_for(world.users["city"])
    rows = city.get(LIST, {"status": "submitted"}).json()["results"]
    assert [row["id"] for row in rows] == [submitted.pk]
    assert [r["id"] for r in city.get(LIST, {"item": 5}).json()["results"]] == [draft.pk]
    assert city.get(LIST, {"region_code": "210303"}).json()["results"] == []
    long_ago = city.get(LIST, {"as_of": "2020-01-01"}).json()["results"]
    assert long_ago == []  # neither existed then
    today = city.get(LIST, {"as_of": ItemAnswer.objects.get(pk=submitted.pk).updated_at.date().isoformat()})
    assert {row["id"]: row["status_as_of"] for row in today.json()["results"]}[submitted.pk] == "submitted"
    bad = city.get(LIST, {"as_of": "2020-13-45"})
    assert bad.status_code == 400 and "as_of" in bad.json()


@pytest.mark.parametrize("size", [1, 3])
def test_the_list_runs_a_constant_number_of_queries(world, size, django_assert_num_queries):
    for number in (4, 5, 7)[:size]:
        saved(world, number=number)
    client = client_for(world.users["city"])
    client.get(LIST)
    with django_assert_num_queries(2):  # the answers, their files
        response = client.get(LIST)
    assert len(response.json()["results"]) == size


def test_a_district_submits_and_the_city_accepts(world):
    answer = saved(world)
    district = client_for(world.users["district"])
    response = district.post(url(answer, "submit"), {"version": answer.version}, format="json")
    assert response.status_code == 200, response.json()
    assert response.json()["status"] == "submitted" and response.json()["submitted_by"] == "李秀梅"
    accepted = client_for(world.users["city"]).post(
        url(answer, "accept"), {"version": response.json()["version"]}, format="json"
    )
    assert accepted.status_code == 200 and accepted.json()["status"] == "accepted"
    assert [e.action for e in ItemAnswer.objects.get(pk=answer.pk).events.all()][-2:] == ["submit", "accept"]


def test_submit_takes_the_pages_figures_and_refuses_in_chinese(world):
    answer = saved(world)  # item 4: GB 38600 compliance, figures counted by the portal
    district = client_for(world.users["district"])
    bad = district.post(
        url(answer, "submit"), {"version": answer.version, "values": {"nope": "1"}}, format="json"
    )
    assert bad.status_code == 400 and "nope" in bad.json()["values"][0]
    empty = district.post(url(answer, "submit"), {"version": answer.version, "narrative": " "}, format="json")
    assert empty.status_code == 400 and empty.json()["narrative"]
    stale = district.post(url(answer, "submit"), {"version": answer.version + 5}, format="json")
    assert stale.status_code == 409 and stale.json()["code"] == "concurrent_edit"
    assert ItemAnswer.objects.get(pk=answer.pk).status == "draft"


def test_return_needs_a_reason_and_a_stale_version_answers_409(world):
    answer = saved(world, submit=True)
    city = client_for(world.users["city"])
    no_reason = city.post(url(answer, "return"), {}, format="json")
    assert no_reason.status_code == 400 and "退回原因" in no_reason.json()["reason"][0]
    stale = city.post(
        url(answer, "return"), {"reason": "材料不全", "version": answer.version - 1}, format="json"
    )
    assert stale.status_code == 409
    returned = city.post(
        url(answer, "return"), {"reason": "材料不全", "version": answer.version}, format="json"
    )
    assert returned.status_code == 200 and returned.json()["return_reason"] == "材料不全"
    assert client_for(world.users["district"]).post(url(answer, "reopen"), {"reason": "x"}).status_code == 403


def api_step(user, answer, step, data=None):
    return client_for(user).post(url(answer, step), data or {}, format="json")


def test_parity_the_api_refuses_what_the_page_refuses(world, client):
    city, district = world.users["city"], world.users["district"]
    unsubmitted = saved(world)
    submitted = saved(world, number=5, submit=True)
    cases = [  # (user, answer, step, data)
        (district, submitted, "accept", {}),  # a district does not accept
        (city, submitted, "return", {"reason": ""}),  # no reason
        (district, submitted, "return", {"reason": "材料不全"}),
        (city, submitted, "reopen", {"reason": "重新核实"}),  # not accepted
    ]
    for user, answer, step, data in cases:
        client.force_login(user)
        page = client.post(reverse(f"checklist:{step}", kwargs={"pk": answer.pk}), with_token(client, data))
        api = api_step(user, answer, step, data)
        assert page.status_code in (400, 403), (step, page.status_code)
        assert api.status_code == page.status_code, (user.username, step, api.status_code, page.status_code)
    # a stale version: the page's form says so (400), the API answers 409
    client.force_login(district)
    page = client.post(
        reverse("checklist:answer", kwargs={"number": 4}),
        with_token(
            client, {"narrative": "已自查", "expected_version": unsubmitted.version + 1, "submit": "1"}
        ),
    )
    assert page.status_code == 400 and "after you opened it" not in page.content.decode()
    api = api_step(
        district, unsubmitted, "submit", {"version": unsubmitted.version + 1, "narrative": "已自查"}
    )
    assert api.status_code == 409
    assert ItemAnswer.objects.get(pk=unsubmitted.pk).status == "draft"
    assert ItemAnswer.objects.get(pk=submitted.pk).status == "submitted"


def test_parity_accepting_an_unsubmitted_answer(world, client):
    """Found by this test: the page answered 500 (an unbound form took the service's refusal); now
    both refuse with the service's message."""
    city, unsubmitted = world.users["city"], saved(world)
    client.force_login(city)
    page = client.post(reverse("checklist:accept", kwargs={"pk": unsubmitted.pk}), with_token(client))
    api = api_step(city, unsubmitted, "accept")
    assert page.status_code == api.status_code == 400
    assert api.json()["non_field_errors"][0] in page.content.decode()
    assert ItemAnswer.objects.get(pk=unsubmitted.pk).status == "draft"


def test_the_api_refuses_accepting_an_unsubmitted_answer(world):
    unsubmitted = saved(world)
    response = api_step(world.users["city"], unsubmitted, "accept")
    assert response.status_code == 400 and "草稿" in response.json()["non_field_errors"][0]
    assert ItemAnswer.objects.get(pk=unsubmitted.pk).status == "draft"


def test_a_token_submits_as_its_user(world):
    answer = saved(world)
    _token, raw = issue_token(user=world.users["district"], name="区台账同步", days=30)
    response = APIClient().post(
        url(answer, "submit"), {"version": answer.version}, format="json", HTTP_AUTHORIZATION=f"Bearer {raw}"
    )
    assert response.status_code == 200 and response.json()["status"] == "submitted"
