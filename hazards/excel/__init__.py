"""The hazard ledger as Excel: the three lists (三个清单) for printing and sending on, and the
import of a district's existing ledger (风险隐患整治工作台账).

As for the institution list (see ``institutions.excel`` and ``core.excel``), a workbook is a
data-exchange format: sheet names, headers, instructions and 是/否 are Chinese whatever language
the user reads the portal in, and choice cells hold the Chinese label (the import also accepts the
English label and the stored value).

Export. ``three_lists_workbook`` writes one workbook with the sheets 隐患清单, 整改清单 and
责任清单 of the (filtered, scoped) hazards, with the columns of ``hazards.three_lists``: title row,
frozen bold header, A4 landscape one page wide with the header repeated on every printed page,
dates as real dates. It is a report, not the import format.

Import. The template (``template_workbook``) has its own columns (``columns.COLUMNS``). Only
district staff import, into their own district. Each row names an institution of the registry
— by credit code (branches of a "1+N" consortium share the head's code, then the name decides),
else by region and name — and is matched to a hazard of the ledger by 编号 when given (a number
of another area is refused, an unknown one creates the hazard under that number), else by the
natural key (institution, date found, category, description). A matched hazard equal to the row is
"unchanged" and not saved (no history, no event, no version bump): importing the same file twice
writes nothing. A changed deadline is recorded as a ``DeadlineChange`` with the file's name as the
reason; an import neither closes an open hazard nor changes a closed one.

Two steps, as for institutions (``core.excel_import``): ``create_batch`` reads the upload, checks
every row in memory against the ledger read once for the file (a handful of queries whatever the
number of rows) and stores an ``ImportBatch`` with the problems, the plan and what each row does;
``apply_batch`` checks the stored file again against the ledger as it is now, refuses rows whose
hazard was recorded or changed since the check, and writes everything in bulk in one transaction
(new hazards numbered per region and year under the region's row lock; updates version-checked on
locked rows; history rows, timeline lines and deadline changes in bulk), all rows or none. A file
of more than ``PORTAL_IMPORT_SYNC_ROWS`` rows is checked and applied by a Celery task.
"""

from core.excel import WorkbookError  # noqa: F401
from core.excel_import import ACTIONS, CheckResult  # noqa: F401
from hazards.excel.columns import (  # noqa: F401
    BY_FIELD,
    COLUMNS,
    INSTRUCTIONS_SHEET,
    MAX_ROWS,
    OPTIONS_SHEET,
    SHEET,
)
from hazards.excel.importer import (  # noqa: F401
    apply_batch,
    can_import,
    check_workbook,
    create_batch,
    natural_key,
    queue_apply,
    read_rows,
)
from hazards.excel.workbook import template_workbook, three_lists_workbook  # noqa: F401
