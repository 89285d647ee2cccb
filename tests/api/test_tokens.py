"""Issue 18, tokens: a user creates, names, uses, sees the last use of and revokes their own API
tokens; a token is stored hashed, expires, is throttled, and acts with its user's scope only."""

import datetime
import hashlib

import pytest
import time_machine
from django.core.cache import cache
from django.core.exceptions import ValidationError
from django.urls import reverse
from django.utils import timezone

from accounts import tokens
from accounts.models import ApiToken
from tests.submissions import token_in, with_token

pytestmark = pytest.mark.django_db


def bearer(raw: str) -> dict:
    return {"HTTP_AUTHORIZATION": f"Bearer {raw}"}


def create_on_page(client, user, name="区台账同步", days="90"):
    client.force_login(user)
    page = client.get(reverse("accounts:api_tokens"))
    response = client.post(
        reverse("accounts:api_tokens"),
        {"name": name, "days": days, "submission_token": token_in(page, 'data-testid="token-form"')},
    )
    return response


def test_a_token_is_created_on_the_profile_page_shown_once_and_stored_hashed(client, world):
    district = world.users["district"]
    response = create_on_page(client, district)
    assert response.status_code == 303
    page = client.get(response["Location"]).content.decode()
    assert 'data-testid="new-token"' in page and "只显示这一次" in page
    raw = page.split('data-testid="new-token-value"')[0].rsplit('value="', 1)[1].split('"', 1)[0]
    assert raw.startswith("ylj_") and len(raw) > 40
    token = ApiToken.objects.get(user=district)
    assert token.name == "区台账同步"
    assert token.digest == hashlib.sha256(raw.encode()).hexdigest()
    assert raw not in {
        str(v) for v in ApiToken.objects.values_list(*[f.attname for f in ApiToken._meta.fields]).get()
    }
    assert token.expires_at.date() == (timezone.now() + datetime.timedelta(days=90)).date()
    # shown once: the next visit lists it by its prefix only
    again = client.get(reverse("accounts:api_tokens")).content.decode()
    assert raw not in again and token.prefix in again
    # and the token works
    assert client.logout() is None
    assert client.get(reverse("api:region-list"), **bearer(raw)).status_code == 200


def test_the_same_form_posted_twice_creates_one_token(client, world):
    client.force_login(world.users["district"])
    page = client.get(reverse("accounts:api_tokens"))
    data = {"name": "重复提交", "days": "30", "submission_token": token_in(page, 'data-testid="token-form"')}
    first = client.post(reverse("accounts:api_tokens"), data)
    second = client.post(reverse("accounts:api_tokens"), data)
    assert first.status_code == second.status_code == 303
    assert ApiToken.objects.filter(user=world.users["district"], name="重复提交").count() == 1


@pytest.mark.parametrize(
    ("name", "days", "message"),
    [
        ("", "90", "给令牌起个名字"),
        ("有效期", "1000", "选择一个有效的选项"),
    ],
)
def test_bad_input_is_refused_in_chinese_naming_the_field(client, world, name, days, message):
    response = create_on_page(client, world.users["district"], name=name, days=days)
    assert response.status_code == 400
    assert message in response.content.decode()
    assert not ApiToken.objects.exists()


def test_one_function_creates_every_token_and_checks_its_rules(world):
    user = world.users["city"]
    tokens.issue_token(user=user, name="市局报表", days=30)
    with pytest.raises(ValidationError) as repeated:
        tokens.issue_token(user=user, name="市局报表", days=30)
    assert "同名" in str(repeated.value)
    with pytest.raises(ValidationError) as too_long:
        tokens.issue_token(user=user, name="两年", days=400)
    assert "365" in str(too_long.value)
    user.is_active = False
    user.save()
    with pytest.raises(ValidationError) as disabled:
        tokens.issue_token(user=user, name="停用", days=30)
    assert "停用" in str(disabled.value)
    assert list(ApiToken.objects.values_list("name", flat=True)) == ["市局报表"]


def test_a_token_acts_with_its_users_scope_and_nothing_more(client, world):
    _token, raw = tokens.issue_token(user=world.users["other_district"], name="铁西", days=30)
    own = reverse("api:region-detail", kwargs={"pk": world.regions["210303"].pk})
    other = reverse("api:region-detail", kwargs={"pk": world.regions["210302"].pk})
    foreign = reverse("api:region-detail", kwargs={"pk": world.foreign_region.pk})
    assert client.get(own, **bearer(raw)).status_code == 200
    for url in (other, foreign):
        response = client.get(url, **bearer(raw))
        assert response.status_code == 404
        assert response.json()["detail"] == "未找到。"
    codes = {
        region["code"] for region in client.get(reverse("api:region-list"), **bearer(raw)).json()["results"]
    }
    assert "210303" in codes and "210302" not in codes


def test_the_last_use_is_shown_on_the_profile_page_without_a_write_on_get(client, world):
    token, raw = tokens.issue_token(user=world.users["district"], name="脚本", days=30)
    cache.delete(f"api-token-use:{token.pk}")
    client.get(reverse("api:region-list"), **bearer(raw), REMOTE_ADDR="10.1.2.3")
    token.refresh_from_db()
    assert token.last_used_at is None  # the GET wrote nothing to the database
    client.force_login(world.users["district"])
    page = client.get(reverse("accounts:api_tokens")).content.decode()
    assert "10.1.2.3" in page and "从未使用" not in page
    assert tokens.save_last_uses() == 1  # beat copies it to the row
    token.refresh_from_db()
    assert token.last_used_ip == "10.1.2.3" and token.last_used_at is not None


def test_an_expired_token_is_refused_with_the_reason(client, world):
    _token, raw = tokens.issue_token(user=world.users["district"], name="短期", days=30)
    assert client.get(reverse("api:region-list"), **bearer(raw)).status_code == 200
    with time_machine.travel(timezone.now() + datetime.timedelta(days=31)):
        response = client.get(reverse("api:region-list"), **bearer(raw))
    assert response.status_code == 401
    assert "已过期" in response.json()["detail"]
    assert response["WWW-Authenticate"] == "Bearer"


def test_a_revoked_token_is_refused_and_only_its_owner_revokes_it(client, world):
    token, raw = tokens.issue_token(user=world.users["district"], name="撤销", days=30)
    client.force_login(world.users["other_district"])
    url = reverse("accounts:api_token_revoke", kwargs={"pk": token.pk})
    assert client.post(url, with_token(client)).status_code == 404
    client.logout()
    assert client.get(reverse("api:region-list"), **bearer(raw)).status_code == 200
    client.force_login(world.users["district"])
    assert client.post(url, with_token(client)).status_code == 303
    page = client.get(reverse("accounts:api_tokens")).content.decode()
    assert "已撤销" in page
    client.logout()
    response = client.get(reverse("api:region-list"), **bearer(raw))
    assert response.status_code == 401 and "已撤销" in response.json()["detail"]


@pytest.mark.parametrize("header", ["Bearer ylj_wrong", "Bearer", "Token a b", "Basic dXNlcjpwYXNz"])
def test_a_wrong_token_answers_401_in_chinese(client, world, header):
    response = client.get(reverse("api:region-list"), HTTP_AUTHORIZATION=header)
    assert response.status_code == 401
    detail = response.json()["detail"]
    assert any("\u4e00" <= ch <= "\u9fff" for ch in detail), detail


def test_a_disabled_users_token_stops_working(client, world):
    user = world.users["district"]
    _token, raw = tokens.issue_token(user=user, name="停用后", days=30)
    user.is_active = False
    user.save()
    assert client.get(reverse("api:region-list"), **bearer(raw)).status_code == 401


def test_each_token_is_throttled_on_its_own(client, world, settings):
    settings.API_THROTTLE_RATE = "3/min"
    user = world.users["district"]
    first, raw_first = tokens.issue_token(user=user, name="一", days=30)
    second, raw_second = tokens.issue_token(user=user, name="二", days=30)
    cache.delete_many([f"throttle_api_token-{first.pk}", f"throttle_api_token-{second.pk}"])
    url = reverse("api:region-list")
    assert [client.get(url, **bearer(raw_first)).status_code for _ in range(3)] == [200, 200, 200]
    throttled = client.get(url, **bearer(raw_first))
    assert throttled.status_code == 429
    assert int(throttled["Retry-After"]) > 0
    assert "请求" in throttled.json()["detail"]
    assert client.get(url, **bearer(raw_second)).status_code == 200  # another token has its own count
