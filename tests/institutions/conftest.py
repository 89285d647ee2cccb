"""Fixtures of the registry tests."""

import pytest


@pytest.fixture(autouse=True)
def media(settings, tmp_path):
    """Uploaded workbooks go to a throw-away directory."""
    settings.MEDIA_ROOT = tmp_path / "media"


@pytest.fixture
def city(world):
    return world.users["city"]
