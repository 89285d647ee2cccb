"""The change history of a record, as a clerk reads it: who, when, why, which fields from what to what."""

from django.db import models

from core.display import display_value
from core.models import Region

HIDDEN = {"id", "created_at", "updated_at", "version"}


def history_rows(obj, limit: int = 50) -> list[dict]:
    """Newest first. Two queries whatever the length: the history rows and the names of regions
    and institutions they point to."""
    model = type(obj)
    records = list(
        obj.history.select_related("history_user").order_by("-history_date", "-history_id")[: limit + 1]
    )
    fields = [f for f in model._meta.concrete_fields if f.name not in HIDDEN]
    fk_ids = {
        (f.related_model, getattr(r, f.attname))
        for r in records
        for f in fields
        if isinstance(f, models.ForeignKey)
    }
    names = {}
    for related in {m for m, _id in fk_ids}:
        ids = [pk for m, pk in fk_ids if m is related and pk is not None]
        if related in (Region, model):
            names.update(
                {
                    (related, pk): name
                    for pk, name in related.objects.filter(pk__in=ids).values_list("pk", "name")
                }
            )
    rows = []
    for index, record in enumerate(records[:limit]):
        previous = records[index + 1] if index + 1 < len(records) else None
        changes = []
        if previous is not None:
            for field in fields:
                old, new = getattr(previous, field.attname), getattr(record, field.attname)
                if old != new:
                    changes.append(
                        {
                            "label": field.verbose_name,
                            "old": display_value(field, old, names),
                            "new": display_value(field, new, names),
                        }
                    )
        rows.append(
            {
                "date": record.history_date,
                "user": record.history_user,
                "type": record.get_history_type_display(),
                "kind": record.history_type,
                "reason": record.history_change_reason or "",
                "changes": changes,
            }
        )
    return rows
