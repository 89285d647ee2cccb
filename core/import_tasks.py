"""The Celery tasks of the Excel imports (``core.excel_import``): checking and applying a file of
more than ``PORTAL_IMPORT_SYNC_ROWS`` rows. Each runs once per batch: the task claims the batch
under a row lock and returns at once when another run has it (a repeated message, a second click).
With ``CELERY_TASK_ALWAYS_EAGER`` (``make run``) they run in the request, after its commit."""

from importlib import import_module

from celery import shared_task

# ImportBatch.Kind -> the module whose IMPORTER handles it
IMPORTERS = {
    "institutions": "institutions.excel.importer",
    "hazards": "hazards.excel.importer",
}


def importer(kind: str):
    return import_module(IMPORTERS[kind]).IMPORTER


def _kind(batch_id: int) -> str | None:
    from core.models import ImportBatch

    return ImportBatch.objects.filter(pk=batch_id).values_list("kind", flat=True).first()


@shared_task(name="core.import_check", ignore_result=True)
def check_import(batch_id: int) -> None:
    kind = _kind(batch_id)
    if kind is not None:
        importer(kind).run_check(batch_id)


@shared_task(name="core.import_apply", ignore_result=True)
def apply_import(batch_id: int, task_id: str) -> None:
    kind = _kind(batch_id)
    if kind is not None:
        importer(kind).run_apply(batch_id, task_id)
