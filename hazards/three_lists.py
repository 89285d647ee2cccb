"""The three lists (三个清单) of the 2021 Liaoning fire-safety measures — 隐患清单, 整改清单,
责任清单 — as views of the one hazard ledger: each list is a choice of columns, defined once here
and used by the HTML pages and the Excel export alike.

A column's value function returns plain values: text, a date or datetime, a bool, a `Flag` (是/否
with particulars) or a list (one line per referral). `cell_value` turns them into what a workbook
cell holds (是/否 and Chinese choice labels whatever the user's language, because the export runs
under ``translation.override("zh-hans")``), `display_value` into what the page shows.

The hazards come from `three_lists_queryset`, which annotates overdue and extension
(`HazardQuerySet.with_overdue`) and fetches the institution, the verifier and the referrals with
the page: a constant number of queries however many rows. Unless a sort was chosen, the lists (page
and workbook) come in the ledger's order: open hazards first, the nearest deadline on top.
"""

from __future__ import annotations

import datetime
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from django.db.models import Prefetch
from django.utils import timezone, translation
from django.utils.functional import Promise
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy, pgettext_lazy

from core.excel import NO, YES
from hazards.models import Hazard, Referral, closed_last

SHORT_DESCRIPTION = 40

# Kinds of value, for formatting: text, a date, a date and time, yes/no.
TEXT, DATE, DATETIME, BOOL = "text", "date", "datetime", "bool"


@dataclass(frozen=True)
class Flag:
    """是 / 否 with the particulars that go with 是 (who determined it, when)."""

    value: bool
    details: tuple = ()


@dataclass(frozen=True)
class ListColumn:
    key: str
    header: str  # the workbook's header, Chinese in every language
    label: Promise  # the page's header: its Chinese translation (context "three lists") is `header`
    width: int
    value: Callable[[Hazard], Any]
    kind: str = TEXT
    wrap: bool = False


@dataclass(frozen=True)
class ThreeList:
    kind: str  # the URL's name for the list
    sheet: str  # the worksheet's name, Chinese
    title: Promise
    help: Promise
    columns: tuple[ListColumn, ...]


def _short(text: str, length: int = SHORT_DESCRIPTION) -> str:
    text = " ".join(text.split())
    return text if len(text) <= length else text[: length - 1] + "…"


# (field, value, language) -> the choice's label: an export asks for the same few labels 20,000 times.
_LABELS: dict[tuple, str] = {}


def _label(obj, name: str) -> str:
    """The label of `obj`'s choice field `name` in the active language (``get_<name>_display()``,
    remembered per language)."""
    key = (type(obj), name, getattr(obj, name), translation.get_language())
    label = _LABELS.get(key)
    if label is None:
        label = _LABELS[key] = str(getattr(obj, f"get_{name}_display")())
    return label


REFERRAL_LIST = "referral_list"  # the attribute `three_lists_queryset` puts each hazard's referrals in


def _referrals(hazard: Hazard) -> list[Referral]:
    """The hazard's referrals in notice order (Referral.Meta.ordering): the list
    `three_lists_queryset` fetched with it (`REFERRAL_LIST`), else read now."""
    found = getattr(hazard, REFERRAL_LIST, None)
    return found if found is not None else list(hazard.referrals.all())


def _verifier(hazard: Hazard) -> str:
    return hazard.verified_by.display_name if hazard.verified_by_id else ""


def _local(moment: datetime.datetime | None):
    return timezone.localtime(moment) if moment else None


def _reply(referral: Referral) -> str:
    if not referral.reply:
        return ""
    return f"{referral.reply}（{referral.replied_on:%Y-%m-%d}）" if referral.replied_on else referral.reply


CODE = ListColumn("code", "编号", pgettext_lazy("three lists", "Ledger number"), 16, lambda h: h.code)
INSTITUTION = ListColumn(
    "institution",
    "机构名称",
    pgettext_lazy("three lists", "Institution"),
    24,
    # issue 17 item 6: an institution under a 停业整顿 order in force is flagged in every list and export
    lambda h: (
        f"{h.institution.name}（停业整顿）"
        if getattr(h, "institution_suspended", False)
        else h.institution.name
    ),
    wrap=True,
)
DESCRIPTION = ListColumn(
    "description",
    "隐患描述",
    pgettext_lazy("three lists", "Hazard description"),
    40,
    lambda h: h.description,
    wrap=True,
)

HAZARDS = ThreeList(
    "hazards",
    "隐患清单",
    gettext_lazy("Hazard list"),
    gettext_lazy("Every hazard found: where, what, how serious, and whether it is under listed supervision."),
    (
        CODE,
        ListColumn("region", "所属区域", pgettext_lazy("three lists", "Region"), 10, lambda h: h.region.name),
        INSTITUTION,
        ListColumn(
            "category",
            "隐患类别",
            pgettext_lazy("three lists", "Category"),
            14,
            lambda h: _label(h, "category"),
            wrap=True,
        ),
        ListColumn(
            "severity",
            "隐患等级",
            pgettext_lazy("three lists", "Severity"),
            8,
            lambda h: _label(h, "severity"),
        ),
        ListColumn(
            "source",
            "隐患来源",
            pgettext_lazy("three lists", "Source"),
            14,
            lambda h: _label(h, "source"),
            wrap=True,
        ),
        DESCRIPTION,
        ListColumn(
            "found_on", "发现日期", pgettext_lazy("three lists", "Found on"), 11, lambda h: h.found_on, DATE
        ),
        ListColumn(
            "major_fire",
            "重大火灾隐患",
            pgettext_lazy("three lists", "Major fire hazard"),
            18,
            lambda h: Flag(h.is_major_fire, (h.major_determined_by, h.major_determined_on)),
            wrap=True,
        ),
        ListColumn(
            "listed",
            "挂牌督办",
            pgettext_lazy("three lists", "Listed supervision"),
            18,
            lambda h: Flag(h.is_listed, (h.listed_by, h.listed_on)),
            wrap=True,
        ),
    ),
)

RECTIFICATION = ThreeList(
    "rectification",
    "整改清单",
    gettext_lazy("Rectification list"),
    gettext_lazy(
        "What is done about each hazard, by when, and how far it has got: rectify within the deadline."
    ),
    (
        CODE,
        INSTITUTION,
        ListColumn(
            "description_short",
            "隐患描述",
            pgettext_lazy("three lists", "Hazard description"),
            24,
            lambda h: _short(h.description),
            wrap=True,
        ),
        ListColumn(
            "measures",
            "整改措施",
            pgettext_lazy("three lists", "Rectification measures"),
            36,
            lambda h: h.measures,
            wrap=True,
        ),
        ListColumn(
            "deadline", "整改时限", pgettext_lazy("three lists", "Deadline"), 11, lambda h: h.deadline, DATE
        ),
        ListColumn(
            "original_deadline",
            "原定时限",
            pgettext_lazy("three lists", "Original deadline"),
            11,
            lambda h: h.original_deadline if h.is_extended else None,
            DATE,
        ),
        ListColumn(
            "status",
            "整改状态",
            pgettext_lazy("three lists", "Status"),
            12,
            lambda h: _label(h, "status"),
            wrap=True,
        ),
        ListColumn(
            "overdue", "是否逾期", pgettext_lazy("three lists", "Overdue"), 8, lambda h: h.is_overdue, BOOL
        ),
        ListColumn("verified_by", "核查人", pgettext_lazy("three lists", "Verified by"), 10, _verifier),
        ListColumn(
            "verified_at",
            "核查时间",
            pgettext_lazy("three lists", "Verified at"),
            16,
            lambda h: _local(h.verified_at),
            DATETIME,
        ),
        ListColumn(
            "verification_opinion",
            "核查意见",
            pgettext_lazy("three lists", "Verification opinion"),
            28,
            lambda h: h.verification_opinion,
            wrap=True,
        ),
        ListColumn(
            "closed_on",
            "销号日期",
            pgettext_lazy("three lists", "Closed on"),
            11,
            lambda h: h.closed_on,
            DATE,
        ),
    ),
)

RESPONSIBILITY = ThreeList(
    "responsibility",
    "责任清单",
    gettext_lazy("Responsibility list"),
    gettext_lazy(
        "Who answers for each hazard: the responsible unit and person, the supervising body, and the "
        "departments notified in writing."
    ),
    (
        CODE,
        INSTITUTION,
        DESCRIPTION,
        ListColumn(
            "responsible_unit",
            "责任单位",
            pgettext_lazy("three lists", "Responsible unit"),
            20,
            lambda h: h.responsible_unit,
            wrap=True,
        ),
        ListColumn(
            "responsible_person",
            "责任人",
            pgettext_lazy("three lists", "Responsible person"),
            10,
            lambda h: h.responsible_person,
        ),
        ListColumn(
            "responsible_phone",
            "联系电话",
            pgettext_lazy("three lists", "Phone"),
            14,
            lambda h: h.responsible_phone,
        ),
        ListColumn(
            "listed_by",
            "督办单位",
            pgettext_lazy("three lists", "Supervising body"),
            18,
            lambda h: h.listed_by if h.is_listed else "",
            wrap=True,
        ),
        ListColumn(
            "departments",
            "告知部门",
            pgettext_lazy("three lists", "Departments notified"),
            18,
            lambda h: [_label(r, "department") for r in _referrals(h)],
            wrap=True,
        ),
        ListColumn(
            "referred_on",
            "告知日期",
            pgettext_lazy("three lists", "Notified on"),
            11,
            lambda h: [r.referred_on for r in _referrals(h)],
            DATE,
            wrap=True,
        ),
        ListColumn(
            "replies",
            "部门回复",
            pgettext_lazy("three lists", "Department's reply"),
            30,
            lambda h: [_reply(r) for r in _referrals(h)],
            wrap=True,
        ),
    ),
)

LISTS: dict[str, ThreeList] = {
    three_list.kind: three_list for three_list in (HAZARDS, RECTIFICATION, RESPONSIBILITY)
}


def in_ledger_order(queryset):
    """`queryset` in the ledger's default order (hazards.views.hazard_list): open hazards first
    (`closed_last`), then the nearest deadline, then id, as the ledger's index holds them
    (`hazard_ledger_idx`); left as it is when a sort was chosen (an explicit order_by)."""
    if queryset.query.order_by:
        return queryset
    return queryset.alias(closed_last=closed_last()).order_by("closed_last", "deadline", "pk")


def three_lists_queryset(queryset):
    """The hazards with what the three lists show, fetched with them: overdue and extension
    annotated, institution, region and verifier joined, referrals prefetched; in the ledger's order
    unless sorted (`in_ledger_order`)."""
    from enforcement.services import suspended_q

    return (
        in_ledger_order(queryset)
        .with_overdue()
        .annotate(institution_suspended=suspended_q("institution_id"))
        .select_related("institution", "region", "verified_by")
        # A plain list per hazard (in notice order: Referral.Meta.ordering): prefetching into the
        # related manager would clone a queryset per hazard, a fifth of a big export's time.
        .prefetch_related(Prefetch("referrals", queryset=Referral.objects.all(), to_attr=REFERRAL_LIST))
    )


# Rendering -----------------------------------------------------------------------------------------


def _text(value) -> str:
    if value is None:
        return ""
    if isinstance(value, datetime.datetime):
        return f"{value:%Y-%m-%d %H:%M}"
    if isinstance(value, datetime.date):
        return f"{value:%Y-%m-%d}"
    return str(value)


def _flag(flag: Flag, yes: str, no: str, chinese: bool = True) -> str:
    if not flag.value:
        return no
    details = [_text(detail) for detail in flag.details if detail not in (None, "")]
    if not details:
        return yes
    return f"{yes}（{'，'.join(details)}）" if chinese else f"{yes} ({', '.join(details)})"


def cell_value(column: ListColumn, hazard: Hazard):
    """What the workbook's cell holds: dates as dates, 是/否, several lines for several referrals.
    Choice labels are in the active language: export under ``translation.override("zh-hans")``."""
    value = column.value(hazard)
    if isinstance(value, Flag):
        return _flag(value, YES, NO)
    if isinstance(value, bool):
        return YES if value else NO
    if isinstance(value, list):
        if len(value) == 1:
            value = value[0]
        else:
            return "\n".join(_text(item) or "—" for item in value) or None
    if isinstance(value, datetime.datetime):
        return value.replace(tzinfo=None)
    if value == "":
        return None
    return value


def display_value(column: ListColumn, hazard: Hazard) -> str:
    """What the page shows, in the user's language; "" for nothing (the template shows —)."""
    value = column.value(hazard)
    if isinstance(value, Flag):
        chinese = (translation.get_language() or "").startswith("zh")
        return _flag(value, _("Yes"), _("No"), chinese)
    if isinstance(value, bool):
        return _("Yes") if value else _("No")
    if isinstance(value, list):
        return "\n".join(_text(item) or "—" for item in value) if any(value) else ""
    return _text(value)
