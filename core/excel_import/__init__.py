"""The two-step import every Excel importer of the portal shares: check (the preview), then apply.

An importer (``institutions.excel``, ``hazards.excel``) brings its ``validate`` function: it reads
the registry or ledger once for the whole file (a handful of queries: the regions, the records the
file's codes, names and numbers name), checks every row in memory against it *as the earlier rows
of the file leave it*, and returns a ``Plan``: the problems and the plan by row for the preview,
what each good row does (create, update or leave unchanged, and which record at which version),
and a ``write`` that applies it with ``bulk_create`` / ``bulk_update`` in batches of
``WRITE_BATCH`` rows, history rows and timeline entries in bulk too. This package runs it

* to check an upload: validation only, nothing is written (no transaction to roll back); the
  upload is then kept as an ``ImportBatch`` with its problems, its plan and what each row does
  (``checked_rows``);
* to apply a batch: on the stored file again, in one transaction: validated again against the
  database as it is now, with the updated rows locked (SELECT … FOR UPDATE) and their versions
  compared; a row that now does something other than the check showed (its record was registered,
  changed or removed by someone else in between) is a problem of that row; any problem and
  nothing is written, else everything is written: all rows or none.

A file of more than ``PORTAL_IMPORT_SYNC_ROWS`` rows (300) is checked and applied by a Celery task
(``core.import_tasks``) and the preview page polls its progress (``ImportBatch.state``,
``progress`` and ``total``); a smaller one inside the request. The file itself is read in the
request either way, so a file that cannot be imported at all is refused on the upload page.

It also holds what the importers' pages share: the upload form, the .xlsx response, and the
upload → preview → apply views over the templates ``core/import_preview.html``,
``core/_import_status.html`` and ``core/import_upload.html``.

The package, by family: ``rows`` (the rows and their problems, the region lookup), ``writes`` (the
plan of a file and its bulk writes, the progress), ``importer`` (``Importer``: check and apply) and
``pages`` (the upload form and the upload → preview → apply views). Everything is importable from
``core.excel_import`` as before.
"""

from core.excel_import.importer import SYNC_ROWS_DEFAULT, Importer, sync_rows
from core.excel_import.pages import XLSX, ImportPages, UploadForm, xlsx_response
from core.excel_import.rows import ACTIONS, CheckResult, ImportRow, Problem, RegionLookup, check_result
from core.excel_import.writes import (
    WRITE_BATCH,
    Match,
    Plan,
    Progress,
    bulk_create_with_history,
    bulk_update_versioned,
    chunks,
    lock_versions,
)

__all__ = [
    "ACTIONS",
    "SYNC_ROWS_DEFAULT",
    "WRITE_BATCH",
    "XLSX",
    "CheckResult",
    "ImportPages",
    "ImportRow",
    "Importer",
    "Match",
    "Plan",
    "Problem",
    "Progress",
    "RegionLookup",
    "UploadForm",
    "bulk_create_with_history",
    "bulk_update_versioned",
    "check_result",
    "chunks",
    "lock_versions",
    "sync_rows",
    "xlsx_response",
]
