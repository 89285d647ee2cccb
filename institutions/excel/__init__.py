"""The institution list as an Excel workbook: template, export, check (preview) and import.

The workbook is a data-exchange format between the bureaus, so its sheet names, headers,
instructions and 是/否 are Chinese whatever language the user reads the portal in (a file
exported in English must import in Chinese, and the other way round). Choice columns hold the
choice's Chinese label (the model's label under ``translation.override("zh-hans")``); the import
also accepts the English label and the stored value, so a file keeps importing if a label's
wording changes.

``notes`` (内部备注) is left out on purpose: it is the district's internal remark, and a
workbook leaves the portal (mail, USB sticks). An import never touches it.

Import is two steps (``core.excel_import``). ``create_batch`` reads the upload, checks every row
and stores an ``ImportBatch`` with the problems, the plan (create / update / unchanged) and what
each row does. ``apply_batch`` checks the stored file again against the registry as it is now and
applies it in one transaction, all rows or none; a row whose institution was registered, changed or
removed since the check is a problem of that row. A file of more than ``PORTAL_IMPORT_SYNC_ROWS``
rows is checked and applied by a Celery task, with its progress on the preview page.

Checking writes nothing: the registry is read once for the file (the area's institutions, the
holders of the file's credit codes) and rows are validated in memory by the model's own rules
(field validators, ``Institution.clean()``, the unique name in a region; see ``_full_clean``)
against the registry *as the earlier rows of the file leave it* (a branch may name a head
institution created a few rows above), so the preview is what applying will do. Applying writes
with ``bulk_create`` / ``bulk_update`` in batches of 500 rows, each with its history row naming the
importer, updates version-checked on rows locked for the transaction. Matching: credit code and
name, else region and name; a matched row equal to the registry is "unchanged" and not saved (no
history entry, no version bump), so importing a file twice, or importing an export, changes nothing.
"""

from core.excel_import import ACTIONS, CheckResult, Problem  # noqa: F401
from institutions.excel.columns import (  # noqa: F401
    BOOL,
    BY_FIELD,
    CHOICE,
    CODE,
    COLUMNS,
    COUNT_LIMIT,
    DATE,
    DECIMAL,
    FALSE_WORDS,
    INSTRUCTIONS_SHEET,
    INT,
    KIND_HELP,
    MAX_BYTES_DEFAULT,
    MAX_ROWS,
    MAX_UNPACKED_BYTES,
    NO,
    OPTIONS_SHEET,
    PARENT,
    PLAN_PREVIEW_ROWS,
    REGION,
    SHEET,
    SUSPENDED_HEADER,
    TEXT,
    TRUE_WORDS,
    VALUE_FIELDS,
    YES,
    CellError,
    Column,
    WorkbookError,
    choice_label,
    choice_labels,
    clean_text,
    header_key,
    parse_bool,
    parse_date,
    parse_decimal,
    parse_int,
)
from institutions.excel.importer import (  # noqa: F401
    Row,
    apply_batch,
    batch_region,
    check_workbook,
    create_batch,
    queue_apply,
    read_rows,
)
from institutions.excel.workbook import (  # noqa: F401
    HEADER_FILL,
    HEADER_FONT,
    REQUIRED_FONT,
    check_size,
    export_workbook,
    max_bytes,
    template_workbook,
)
from institutions.models import Area, FireSafetyStatus  # noqa: F401 - tests read them through the package
