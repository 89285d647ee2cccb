"""Records as they stood at the end of a day (issue 13: figures "截至 2020-10-31").

django-simple-history keeps one row per change of a tracked model (`history_type` "+" created,
"~" changed, "-" deleted, with `history_date`). The state of a record at the end of day D is its
latest history row dated before the next midnight in Asia/Shanghai; a record whose latest row is a
deletion, or that has no row yet, did not exist then. A late entry therefore does not rewrite the
past: a national-system update recorded on 5 November is not in the records as of 31 October,
whatever date it carries.

`as_of_rows(model, day)` returns a queryset of the model's history rows, one per record existing
at the end of `day`, with the model's own field names (foreign keys as `<name>_id`, joinable as
`<name>__…`): the same `Q` conditions filter and aggregate it as they do the live table, so a
figure has one definition whether it is measured today or as of a date. The latest row per record
is chosen by a window function (`ROW_NUMBER() OVER (PARTITION BY id ORDER BY history_date DESC,
history_id DESC)`), which PostgreSQL and SQLite (`make run`) both run.
"""

from __future__ import annotations

import datetime

from django.db.models import Model, QuerySet
from django.db.models.expressions import RawSQL

from core import dates


def end_of(day: datetime.date) -> datetime.datetime:
    """The first instant after `day` in Asia/Shanghai (an aware datetime): "as of `day`" means
    strictly before it."""
    return dates.start_of_day(day + datetime.timedelta(days=1))


def latest_rows_sql(model: type[Model]) -> tuple[str, str]:
    """(SQL selecting the history ids of each record's latest row before %s, the history table)."""
    history = model.history.model
    table = history._meta.db_table
    pk = model._meta.pk.column
    sql = (
        f'SELECT "latest"."history_id" FROM (SELECT "history_id", ROW_NUMBER() OVER ('
        f'PARTITION BY "{pk}" ORDER BY "history_date" DESC, "history_id" DESC) AS "n" '
        f'FROM "{table}" WHERE "history_date" < %s) AS "latest" WHERE "latest"."n" = 1'
    )
    return sql, table


def as_of_rows(model: type[Model], day: datetime.date) -> QuerySet:
    """The history rows of `model` (a model with `history = HistoricalRecords()`) holding each
    record as it stood at the end of `day` (Asia/Shanghai); records deleted by then or created
    after are absent. The rows carry the record's id as `id` (not `pk`, which is `history_id`)."""
    sql, _table = latest_rows_sql(model)
    return model.history.model.objects.filter(history_id__in=RawSQL(sql, [end_of(day)])).exclude(
        history_type="-"
    )
