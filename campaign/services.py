"""Writes for the campaign: loading it from its data file, copying it to another year."""

import copy
import datetime
import functools
from dataclasses import dataclass, field
from pathlib import Path

from django.core.exceptions import ValidationError
from django.db import models, transaction
from django.utils.translation import gettext as _

from campaign.models import Campaign, InspectionItem, KeyTask, Milestone
from core import yamldata
from core.dates import same_day_in_year
from core.models import Region

DATA_DIR = Path(__file__).resolve().parent / "data"


@dataclass
class SyncReport:
    created: int = 0
    updated: int = 0
    unchanged: int = 0
    changed_objects: list[str] = field(default_factory=list)

    def record(self, obj, state: str) -> None:
        if state == "created":
            self.created += 1
        elif state == "updated":
            self.updated += 1
            self.changed_objects.append(f"{obj._meta.model_name}:{obj}")
        else:
            self.unchanged += 1

    @property
    def changed(self) -> bool:
        return bool(self.created or self.updated)

    def __str__(self) -> str:
        return f"{self.created} created, {self.updated} updated, {self.unchanged} unchanged"


def sync_row(model: type[models.Model], lookup: dict, values: dict, report: SyncReport) -> models.Model:
    """Create or update one row, writing only when a value differs (a second load writes nothing)."""
    obj = model.objects.filter(**lookup).first()
    if obj is None:
        obj = model(**lookup, **values)
        obj.full_clean()
        obj.save()
        report.record(obj, "created")
        return obj
    changed = [name for name, value in values.items() if getattr(obj, name) != value]
    if changed:
        for name in changed:
            setattr(obj, name, values[name])
        obj.full_clean()
        obj.save()
        report.record(obj, "updated")
    else:
        report.record(obj, "unchanged")
    return obj


def _date(value) -> datetime.date | None:
    if value is None or isinstance(value, datetime.date):
        return value
    return datetime.date.fromisoformat(str(value))


def _sync_children(model, campaign: Campaign, key_name: str, rows: list[tuple], report: SyncReport) -> dict:
    """Create or update the campaign's rows of one model ({key: values} as (key, values) pairs),
    writing only what differs: one query reads the rows there are, one bulk insert adds the new
    ones (a fresh campaign: four queries for its 64 rows, not one per row and field). A new row is
    validated as `sync_row` does, except the checks the database makes anyway here (its foreign
    keys are the rows just read or written; its key is unique per campaign and was not there)."""
    existing = {getattr(obj, key_name): obj for obj in model.objects.filter(campaign=campaign)}
    foreign_keys = [f.name for f in model._meta.concrete_fields if f.is_relation]
    found, new = {}, []
    for key, values in rows:
        obj = existing.get(key)
        if obj is None:
            obj = model(campaign=campaign, **{key_name: key}, **values)
            obj.full_clean(exclude=foreign_keys, validate_unique=False, validate_constraints=False)
            new.append(obj)
            report.record(obj, "created")
        else:
            changed = [name for name, value in values.items() if getattr(obj, name) != value]
            if changed:
                for name in changed:
                    setattr(obj, name, values[name])
                obj.full_clean()
                obj.save()
                report.record(obj, "updated")
            else:
                report.record(obj, "unchanged")
        found[key] = obj
    model.objects.bulk_create(new)
    return found


@transaction.atomic
def campaign_load(*, data: dict) -> tuple[Campaign, SyncReport]:
    """Load a campaign (its key tasks, items and milestones) from parsed data, idempotently: a second
    load writes nothing. About ten queries whatever the number of items."""
    report = SyncReport()
    head = data["campaign"]
    region = Region.objects.filter(code=str(head["region_code"])).first()
    if region is None:
        raise ValidationError(
            _("Region %(code)s is not loaded; load the regions first.") % {"code": head["region_code"]}
        )
    campaign = sync_row(
        Campaign,
        {"key": head["key"]},
        {
            "year": int(head["year"]),
            "title": head["title"],
            "doc_number": head.get("doc_number", ""),
            "issuing_bodies": list(head.get("issuing_bodies", [])),
            "issued_on": _date(head.get("issued_on")),
            "region": region,
            "goal": head.get("goal", ""),
            "source_file": head.get("source_file", ""),
        },
        report,
    )
    tasks = _sync_children(
        KeyTask,
        campaign,
        "number",
        [
            (row["number"], {"title": row["title"], "summary": row.get("summary", "")})
            for row in data["key_tasks"]
        ],
        report,
    )
    items = _sync_children(
        InspectionItem,
        campaign,
        "number",
        [
            (
                row["number"],
                {
                    "text": row["text"],
                    "key_task": tasks.get(row.get("key_task")),
                    "level": row["level"],
                    "answer_kind": row["answer_kind"],
                },
            )
            for row in data["items"]
        ],
        report,
    )
    milestones = _sync_children(
        Milestone,
        campaign,
        "key",
        [
            (
                row["key"],
                {
                    "due_on": _date(row["due_on"]),
                    "title": row["title"],
                    "quote": row.get("quote", ""),
                    "responsible": row["responsible"],
                    "level": row["level"],
                    "key_task": tasks.get(row.get("key_task")),
                },
            )
            for row in data["milestones"]
        ],
        report,
    )
    # each milestone's items: one query reads every link, one insert and one delete fix them
    through = Milestone.items.through
    linked = set(
        through.objects.filter(milestone__campaign=campaign).values_list("milestone_id", "inspectionitem_id")
    )
    wanted = {
        (milestones[row["key"]].pk, items[number].pk)
        for row in data["milestones"]
        for number in row.get("items", [])
    }
    if linked != wanted:
        through.objects.bulk_create(
            through(milestone_id=milestone, inspectionitem_id=item) for milestone, item in wanted - linked
        )
        for milestone, item in linked - wanted:
            through.objects.filter(milestone_id=milestone, inspectionitem_id=item).delete()
        by_pk = {m.pk: m for m in milestones.values()}
        for milestone in sorted({m for m, _i in linked ^ wanted}):
            report.record(by_pk[milestone], "updated")
    return campaign, report


@functools.lru_cache(maxsize=8)
def _parsed(path: Path, modified: float) -> dict:
    with open(path, encoding="utf-8") as handle:
        return yamldata.load(handle)


def campaign_load_file(*, path: Path) -> tuple[Campaign, SyncReport]:
    """`campaign_load` from a YAML file (campaign/data/*.yaml); the parsed file is kept per process
    while it is unchanged (tests load it for every test)."""
    return campaign_load(data=copy.deepcopy(_parsed(Path(path), Path(path).stat().st_mtime)))


def _year_key(source: Campaign, year: int) -> str:
    if str(source.year) in source.key:
        return source.key.replace(str(source.year), str(year))
    return f"{source.key}-{year}"


@transaction.atomic
def campaign_copy(*, source: Campaign, year: int) -> tuple[Campaign, SyncReport]:
    """Copy a campaign to another year: same tasks and items, every date moved to the same month
    and day, each deadline keeping its distance in years (end of 2022 stays two years after the
    campaign year). The copy has no document number of its own; running it twice changes nothing."""
    report = SyncReport()
    shift = year - source.year
    copy = sync_row(
        Campaign,
        {"key": _year_key(source, year)},
        {
            "year": year,
            "title": source.title.replace(str(source.year), str(year)),
            "doc_number": "",
            "issuing_bodies": source.issuing_bodies,
            "issued_on": same_day_in_year(source.issued_on, source.issued_on.year + shift)
            if source.issued_on
            else None,
            "region": source.region,
            "goal": source.goal.replace(str(source.year), str(year)),
            "source_file": source.source_file,
            "copied_from": source,
        },
        report,
    )
    tasks = {}
    for task in source.key_tasks.all():
        tasks[task.pk] = sync_row(
            KeyTask,
            {"campaign": copy, "number": task.number},
            {"title": task.title, "summary": task.summary},
            report,
        )
    items = {}
    for item in source.items.all():
        items[item.pk] = sync_row(
            InspectionItem,
            {"campaign": copy, "number": item.number},
            {
                "text": item.text,
                "key_task": tasks.get(item.key_task_id),
                "level": item.level,
                "answer_kind": item.answer_kind,
            },
            report,
        )
    for milestone in source.milestones.prefetch_related("items"):
        new = sync_row(
            Milestone,
            {"campaign": copy, "key": milestone.key},
            {
                "due_on": same_day_in_year(milestone.due_on, milestone.due_on.year + shift),
                "title": milestone.title,
                "quote": milestone.quote,
                "responsible": milestone.responsible,
                "level": milestone.level,
                "key_task": tasks.get(milestone.key_task_id),
            },
            report,
        )
        wanted = {items[item.pk].pk for item in milestone.items.all()}
        if set(new.items.values_list("pk", flat=True)) != wanted:
            new.items.set(wanted)
            report.record(new, "updated")
    return copy, report
