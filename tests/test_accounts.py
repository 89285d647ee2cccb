"""Login, logout, lockout after guessing, the header."""

from django.urls import reverse
from django.utils import translation

from tests.conftest import PASSWORD
from tests.submissions import with_token


def zh(text: str) -> str:
    with translation.override("zh-hans"):
        return translation.gettext(text)


def test_login_with_the_right_password_lands_on_the_workbench(client, world):
    response = client.post(
        reverse("accounts:login"), {"username": "tiedong", "password": PASSWORD}, follow=True
    )
    assert response.redirect_chain[-1][0] == reverse("core:home")
    body = response.content.decode()
    assert "李秀梅" in body and "铁东区" in body


def test_a_wrong_password_gets_a_chinese_message(client, world):
    response = client.post(reverse("accounts:login"), {"username": "tiedong", "password": "wrong"})
    assert response.status_code == 200
    assert "用户名或密码" in response.content.decode()


def test_guessing_locks_the_account_with_a_chinese_page(client, world, settings):
    url = reverse("accounts:login")
    for _ in range(settings.AXES_FAILURE_LIMIT):
        client.post(url, {"username": "tiedong", "password": "guess"})
    response = client.post(url, {"username": "tiedong", "password": PASSWORD})
    body = response.content.decode()
    assert response.status_code == 429
    assert zh("Account temporarily locked") in body
    assert zh("Account temporarily locked") != "Account temporarily locked"
    # The right password does not get through while locked.
    assert "_auth_user_id" not in client.session


def test_logout_is_a_post_and_ends_the_session(client, world):
    client.force_login(world.users["district"])
    assert client.get(reverse("accounts:logout")).status_code == 405
    response = client.post(reverse("accounts:logout"))
    assert response.status_code == 302
    assert client.get(reverse("core:home")).status_code == 302


def test_header_shows_name_role_and_unit(client, world):
    client.force_login(world.users["department"])
    body = client.get(reverse("core:home")).content.decode()
    assert "周明" in body
    assert zh("Department staff") in body
    assert "鞍山市 · " + zh("Housing and urban-rural development") in body


def test_navigation_shows_administration_only_to_superusers(client, world):
    client.force_login(world.users["city"])
    assert reverse("admin:index") not in client.get(reverse("core:home")).content.decode()
    client.force_login(world.users["admin"])
    assert reverse("admin:index") in client.get(reverse("core:home")).content.decode()


def test_password_can_be_changed(client, world):
    client.force_login(world.users["district"])
    response = client.post(
        reverse("accounts:password_change"),
        with_token(
            client,
            {
                "old_password": PASSWORD,
                "new_password1": "Tiedong-new-2026",
                "new_password2": "Tiedong-new-2026",
            },
        ),
    )
    assert response.status_code == 302
    world.users["district"].refresh_from_db()
    assert world.users["district"].check_password("Tiedong-new-2026")
