"""Login lockout behind the reverse proxy: the guesser's own address is locked, not the proxy's.

nginx (README) sends `X-Forwarded-For: <whatever the client sent>, <client address>` from its own
address. The settings for AXES_PROXY_COUNT=N are read from config/settings.py in a subprocess, so
these tests follow the real mapping of the environment variable.
"""

import json
import subprocess
import sys

import pytest
from axes.helpers import get_client_ip_address
from axes.models import AccessAttempt
from django.conf import settings as django_settings
from django.test import Client, RequestFactory
from django.urls import reverse

from tests.conftest import PASSWORD

PROXY = "10.0.0.2"  # nginx, as Django sees it (REMOTE_ADDR)
GUESSER = "198.51.100.7"
OWNER = "203.0.113.20"
IPWARE_SETTINGS = ("AXES_IPWARE_PROXY_COUNT", "AXES_IPWARE_META_PRECEDENCE_ORDER", "IPWARE_STRICT")


def settings_for_proxy_count(count: int) -> dict:
    """The ipware settings config/settings.py derives from AXES_PROXY_COUNT=count."""
    code = (
        "import json; from django.conf import settings; "
        f"print(json.dumps({{n: getattr(settings, n) for n in {IPWARE_SETTINGS!r}}}))"
    )
    result = subprocess.run(
        [sys.executable, "-c", f"import django; django.setup(); {code}"],
        cwd=django_settings.BASE_DIR,
        env={
            "DJANGO_SETTINGS_MODULE": "config.settings",
            "DJANGO_DEBUG": "1",
            "AXES_PROXY_COUNT": str(count),
        },
        capture_output=True,
        text=True,
        check=True,
    )
    return json.loads(result.stdout.strip().splitlines()[-1])


@pytest.fixture
def proxies(settings):
    """Apply the settings of AXES_PROXY_COUNT=n to this test: `proxies(1)`."""

    def apply(count: int) -> None:
        for name, value in settings_for_proxy_count(count).items():
            setattr(settings, name, tuple(value) if isinstance(value, list) else value)

    return apply


@pytest.fixture
def client_factory():
    """A fresh browser each call (its own cookies)."""
    return Client


def login(client, password, forwarded_for=None):
    headers = {"REMOTE_ADDR": PROXY}
    if forwarded_for is not None:
        headers["HTTP_X_FORWARDED_FOR"] = forwarded_for
    return client.post(reverse("accounts:login"), {"username": "tiedong", "password": password}, **headers)


def guess(client, times, forwarded_for):
    for _ in range(times):
        response = login(client, "wrong-guess", forwarded_for)
        assert response.status_code in (200, 429)


def test_behind_one_proxy_the_guesser_is_locked_and_the_owner_logs_in(client_factory, world, proxies):
    proxies(1)
    guesser, owner = client_factory(), client_factory()
    guess(guesser, django_settings.AXES_FAILURE_LIMIT, GUESSER)

    assert login(guesser, PASSWORD, GUESSER).status_code == 429
    assert "_auth_user_id" not in guesser.session
    # The attempts are recorded under the guesser's address, not the proxy's.
    assert set(AccessAttempt.objects.values_list("ip_address", flat=True)) == {GUESSER}

    response = login(owner, PASSWORD, OWNER)
    assert response.status_code == 302
    assert response["Location"] == reverse("core:home")
    assert owner.session["_auth_user_id"] == str(world.users["district"].pk)


def test_a_guesser_cannot_dodge_the_lockout_by_sending_its_own_forwarded_for(client_factory, world, proxies):
    """What the client writes into X-Forwarded-For stays left of the address nginx appends."""
    proxies(1)
    guesser = client_factory()
    for number in range(django_settings.AXES_FAILURE_LIMIT):
        login(guesser, "wrong-guess", f"192.0.2.{number + 1}, {GUESSER}")
    assert login(guesser, PASSWORD, f"192.0.2.99, {OWNER}, {GUESSER}").status_code == 429
    assert set(AccessAttempt.objects.values_list("ip_address", flat=True)) == {GUESSER}
    assert login(client_factory(), PASSWORD, OWNER).status_code == 302


def test_the_lockout_stays_per_username_and_address(client_factory, world, proxies):
    """Another user at the guesser's address is not locked (AXES_LOCKOUT_PARAMETERS username + address)."""
    proxies(1)
    guess(client_factory(), django_settings.AXES_FAILURE_LIMIT, GUESSER)
    response = client_factory().post(
        reverse("accounts:login"),
        {"username": "tiexi", "password": PASSWORD},
        REMOTE_ADDR=PROXY,
        HTTP_X_FORWARDED_FOR=GUESSER,
    )
    assert response.status_code == 302


def test_without_a_proxy_a_spoofed_forwarded_for_is_ignored(client_factory, world, proxies):
    proxies(0)
    guesser = client_factory()
    for number in range(django_settings.AXES_FAILURE_LIMIT):
        login(guesser, "wrong-guess", f"198.51.100.{number + 1}")
    # A new invented address each time changes nothing: the lockout follows REMOTE_ADDR.
    assert login(guesser, PASSWORD, "198.51.100.200").status_code == 429
    assert set(AccessAttempt.objects.values_list("ip_address", flat=True)) == {PROXY}


@pytest.mark.parametrize(
    ("count", "remote", "forwarded_for", "client_address"),
    [
        (0, "198.51.100.7", None, "198.51.100.7"),
        (0, "198.51.100.7", "203.0.113.20", "198.51.100.7"),
        (1, PROXY, "198.51.100.7", "198.51.100.7"),
        (1, PROXY, "203.0.113.20, 198.51.100.7", "198.51.100.7"),
        (1, PROXY, "unknown, 198.51.100.7", "198.51.100.7"),
        (1, PROXY, "10.8.1.5", "10.8.1.5"),  # intranet clients have private addresses
        (1, PROXY, "2001:db8::7", "2001:db8::7"),
        (1, PROXY, None, PROXY),  # a request that bypassed the proxy
        # Two proxies (a load balancer, then nginx): the second address from the right.
        (2, PROXY, "198.51.100.7, 10.0.0.1", "198.51.100.7"),
        (2, PROXY, "203.0.113.20, 198.51.100.7, 10.0.0.1", "198.51.100.7"),
    ],
)
def test_the_client_address_is_the_one_the_proxies_saw(proxies, count, remote, forwarded_for, client_address):
    proxies(count)
    meta = {"REMOTE_ADDR": remote}
    if forwarded_for:
        meta["HTTP_X_FORWARDED_FOR"] = forwarded_for
    assert get_client_ip_address(RequestFactory().post("/accounts/login/", **meta)) == client_address


def test_ipware_is_installed_so_axes_uses_it():
    from axes import helpers

    assert helpers.IPWARE_INSTALLED
