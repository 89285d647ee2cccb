"""Fixtures shared by the printed outputs' tests (issue 14)."""

import pytest


@pytest.fixture(autouse=True)
def media(settings, tmp_path):
    """Generated and uploaded files under the test's own directory."""
    settings.MEDIA_ROOT = tmp_path / "media"
