"""A real Celery worker for the tests that run long work in the background (imports, exports,
reminders): a subprocess `celery -A config worker -P solo` on the test run's Redis, writing to the
*test* database and the test media directory.

pytest-xdist runs several test processes, each with its own test database; each starts its own
worker on its own queue (``portal-<xdist worker>``), so a task is run against the database of the
process that sent it.

Use the ``celery_worker`` fixture in a test marked ``@pytest.mark.django_db(transaction=True)``
(the worker is another process: it sees only committed rows). Files the worker writes land under
``celery_worker.media_root``, which the fixture also makes the test's MEDIA_ROOT.
"""

from __future__ import annotations

import os
import subprocess
import sys
import time
from dataclasses import dataclass
from pathlib import Path

import pytest
from django.conf import settings

from config.celery import app


@dataclass
class Worker:
    queue: str
    media_root: Path
    process: subprocess.Popen


def _database_url() -> str:
    db = settings.DATABASES["default"]
    return (
        f"postgres://{db['USER']}:{db.get('PASSWORD') or ''}@{db.get('HOST') or '127.0.0.1'}:"
        f"{db.get('PORT') or 5432}/{db['NAME']}"
    )


def worker_env(media_root: Path, queue: str, **extra: str) -> dict:
    """The environment of a worker (or beat) process: the test database, the test media directory,
    and `queue` as the default queue, so that a task queued by a task stays on this test's queue."""
    return {
        **os.environ,
        "DATABASE_URL": _database_url(),
        "DJANGO_MEDIA_ROOT": str(media_root),
        "DJANGO_CONN_MAX_AGE": "0",
        "CELERY_TASK_ALWAYS_EAGER": "0",
        "CELERY_TASK_DEFAULT_QUEUE": queue,
        **extra,
    }


def start_worker(queue: str, name: str, env: dict, log) -> subprocess.Popen:
    """`celery worker -P solo` consuming `queue` as `name@<host>`; returns once it answers a ping."""
    process = subprocess.Popen(
        [
            sys.executable,
            "-m",
            "celery",
            "-A",
            "config",
            "worker",
            "-P",
            "solo",
            "-Q",
            queue,
            "-n",
            f"{name}@%h",
            "--without-gossip",
            "--without-mingle",
            "--without-heartbeat",
            "--loglevel",
            "INFO",
        ],
        cwd=settings.BASE_DIR,
        env=env,
        stdout=log,
        stderr=subprocess.STDOUT,
    )
    deadline = time.monotonic() + 60
    while time.monotonic() < deadline:
        if process.poll() is not None:
            raise RuntimeError(f"the Celery worker exited: see {log.name}")
        if app.control.ping(destination=[f"{name}@{os.uname().nodename}"], timeout=0.5):
            return process
    process.kill()
    raise RuntimeError(f"the Celery worker did not answer within 60 s: see {log.name}")


def stop(process: subprocess.Popen) -> None:
    if process.poll() is None:
        process.terminate()
    try:
        process.wait(timeout=20)
    except subprocess.TimeoutExpired:
        process.kill()
        process.wait()


@pytest.fixture(scope="session")
def _celery_worker_process(django_db_setup, django_db_blocker, tmp_path_factory):
    """Started once per test process, after the test database exists, stopped before it is dropped."""
    if settings.DATABASES["default"]["ENGINE"] != "django.db.backends.postgresql":
        pytest.skip("the Celery worker tests run on PostgreSQL (make test)")
    name = os.environ.get("PYTEST_XDIST_WORKER", "main")
    queue = f"portal-{name}"
    media_root = tmp_path_factory.mktemp("worker-media")
    log = (tmp_path_factory.mktemp("worker-log") / "celery.log").open("w")
    process = start_worker(queue, queue, worker_env(media_root, queue), log)
    previous_queue = app.conf.task_default_queue
    app.conf.task_default_queue = queue
    app.conf.task_always_eager = False
    yield Worker(queue=queue, media_root=media_root, process=process)
    app.conf.task_default_queue = previous_queue
    stop(process)
    log.close()


@pytest.fixture
def celery_worker(_celery_worker_process, settings):
    """The test process's worker; the test's MEDIA_ROOT is the worker's and tasks are sent, not run
    in the test process."""
    settings.MEDIA_ROOT = _celery_worker_process.media_root
    settings.CELERY_TASK_ALWAYS_EAGER = False
    return _celery_worker_process
