import pytest


@pytest.fixture(autouse=True)
def media_root(settings, tmp_path):
    """Uploaded policy files go to a throw-away directory."""
    settings.MEDIA_ROOT = tmp_path / "media"
    return settings.MEDIA_ROOT
