"""Celery workers are recycled (issue 14: WeasyPrint and openpyxl hold memory after a large report):
the settings reach the Celery app under its own names, and the environment can change them."""

import subprocess
import sys

from config.celery import app


def test_the_worker_is_replaced_after_50_tasks_or_600_mb():
    assert app.conf.worker_max_tasks_per_child == 50
    assert app.conf.worker_max_memory_per_child == 600_000  # KiB


def test_the_limits_come_from_the_environment():
    code = "import django; django.setup(); from config.celery import app; c = app.conf; "
    code += "print(c.worker_max_tasks_per_child, c.worker_max_memory_per_child)"
    env = {"DJANGO_SETTINGS_MODULE": "config.settings", "DJANGO_DEBUG": "1", "PATH": "/usr/bin:/bin"}
    env |= {"CELERY_WORKER_MAX_TASKS_PER_CHILD": "5", "CELERY_WORKER_MAX_MEMORY_PER_CHILD": "300000"}
    out = subprocess.run([sys.executable, "-c", code], env=env, capture_output=True, text=True, check=True)
    assert out.stdout.split() == ["5", "300000"]
