"""Celery tasks of the shared app (Celery autodiscovers ``<app>.tasks``): the export jobs and the
hourly purge of expired export files, both defined in core/exports.py."""

from core.exports import purge_exports, run_export  # noqa: F401 - registers the tasks with Celery
