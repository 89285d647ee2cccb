"""Fixtures shared by the printed outputs' tests (issue 14)."""

import pytest

from config.celery import app


@pytest.fixture(autouse=True)
def media(settings, tmp_path):
    """Generated and uploaded files under the test's own directory."""
    settings.MEDIA_ROOT = tmp_path / "media"


@pytest.fixture
def eager():
    """Celery tasks (the background jobs) run inline for the test."""
    before = app.conf.task_always_eager
    app.conf.task_always_eager = True
    yield
    app.conf.task_always_eager = before
