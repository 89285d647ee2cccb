"""Who must be told of which incident, by when, and the half-years drills are counted in.

Routing (辽民发〔2021〕28号 八):

- 传染病暴发或流行、不明原因群体性疾病、重大食物中毒事件: "按照有关规定，向所在地县级卫生健康主管部门、疾病预防控制机构和
  民政部门报告" → health, CDC, civil affairs.
- 重大食物中毒 additionally → market regulation: the measure's "按照有关规定" are, for food, 《食品安全法》第一百零三条
  "发生食品安全事故的单位…应当…向事故发生地县级人民政府食品安全监督管理、卫生行政部门报告", and the 食品安全监督管理部门 is
  市场监督管理 since 2018. So food poisoning goes to health, CDC (the measure's own sentence), market
  regulation (the Food Safety Law) and civil affairs.
- 生产安全事故: "按要求向事故发生地县级以上应急管理部门和民政部门报告" → emergency management, civil affairs.
- 人身伤害事件: "民政应及时向事发地公安和民政部门报告" → public security, civil affairs.

Time limits (hours after the occurrence; `settings.EMERGENCY_NOTIFICATION_HOURS` may override any
entry as {kind: {recipient: hours}}). The measure says "按照有关规定", "按要求" and "及时"; the rules it
points to:

- 《突发公共卫生事件应急条例》第十九、二十条 and 《传染病防治法》: a 突发公共卫生事件 (outbreak, cluster
  illness, major food poisoning are its kinds, 第二条) is reported "在2小时内" → 2 hours for every
  recipient of those kinds;
- 《生产安全事故报告和调查处理条例》第九条: "单位负责人接到报告后，应当于1小时内向事故发生地县级以上人民政府安全生产
  监督管理部门和负有安全生产监督管理职责的有关部门报告" → 1 hour for emergency management and civil
  affairs (the department with supervisory duty over the institution);
- 人身伤害事件: "及时", no number in any rule → 2 hours, the portal's default for "及时" and "立即"
  (the same as a public-health report, so one figure rules the day).

The limit is copied into each notification's `due_at` when the incident is recorded: a later
change of the settings does not make an old notification late.
"""

import datetime
from dataclasses import dataclass

from django.conf import settings
from django.utils import timezone

from emergencies.models import IncidentKind, Recipient

ROUTES: dict[str, tuple[str, ...]] = {
    IncidentKind.OUTBREAK: (Recipient.HEALTH, Recipient.CDC, Recipient.CIVIL_AFFAIRS),
    IncidentKind.CLUSTER: (Recipient.HEALTH, Recipient.CDC, Recipient.CIVIL_AFFAIRS),
    IncidentKind.FOOD_POISONING: (Recipient.HEALTH, Recipient.CDC, Recipient.MARKET, Recipient.CIVIL_AFFAIRS),
    IncidentKind.PRODUCTION_SAFETY: (Recipient.EMERGENCY, Recipient.CIVIL_AFFAIRS),
    IncidentKind.INJURY: (Recipient.POLICE, Recipient.CIVIL_AFFAIRS),
}

DEFAULT_HOURS = 2
HOURS: dict[str, dict[str, float]] = {
    IncidentKind.PRODUCTION_SAFETY: {Recipient.EMERGENCY: 1, Recipient.CIVIL_AFFAIRS: 1},
}


def recipients(kind: str) -> tuple[str, ...]:
    """The recipients that must be told of an incident of `kind` (an `IncidentKind` value);
    KeyError for an unknown kind."""
    return ROUTES[kind]


def limit_hours(kind: str, recipient: str) -> float:
    """Hours after the occurrence within which `recipient` must be told of an incident of `kind`:
    `settings.EMERGENCY_NOTIFICATION_HOURS[kind][recipient]` if set, else `HOURS`, else 2."""
    configured = getattr(settings, "EMERGENCY_NOTIFICATION_HOURS", {}) or {}
    for table in (configured, HOURS):
        if recipient in table.get(kind, {}):
            return float(table[kind][recipient])
    return float(DEFAULT_HOURS)


def due_at(kind: str, recipient: str, occurred_at: datetime.datetime) -> datetime.datetime:
    return occurred_at + datetime.timedelta(hours=limit_hours(kind, recipient))


@dataclass(frozen=True)
class HalfYear:
    """1 January–30 June (`half` 1) or 1 July–31 December (`half` 2) of `year`, as dates in
    Asia/Shanghai (measure 八: "每半年至少…"). Written "2026-1" / "2026-2" in URLs."""

    year: int
    half: int

    @property
    def start(self) -> datetime.date:
        return datetime.date(self.year, 1 if self.half == 1 else 7, 1)

    @property
    def end(self) -> datetime.date:
        return datetime.date(self.year, 6, 30) if self.half == 1 else datetime.date(self.year, 12, 31)

    def __str__(self) -> str:
        return f"{self.year}-{self.half}"

    def contains(self, day: datetime.date) -> bool:
        return self.start <= day <= self.end

    def previous(self) -> "HalfYear":
        return HalfYear(self.year, 1) if self.half == 2 else HalfYear(self.year - 1, 2)

    def next(self) -> "HalfYear":
        return HalfYear(self.year, 2) if self.half == 1 else HalfYear(self.year + 1, 1)

    @classmethod
    def of(cls, day: datetime.date | datetime.datetime) -> "HalfYear":
        """The half-year of a date, or of an aware datetime read in Asia/Shanghai (so 2026-06-30
        16:00 UTC, i.e. 1 July 00:00 in Shanghai, is in the second half)."""
        if isinstance(day, datetime.datetime):
            day = timezone.localtime(day, timezone.get_default_timezone()).date()
        return cls(day.year, 1 if day.month <= 6 else 2)

    @classmethod
    def parse(cls, text: str) -> "HalfYear":
        """ "2026-1" or "2026-2"; ValueError for anything else (years 2000–2100)."""
        year, _sep, half = str(text or "").strip().partition("-")
        if not (year.isdigit() and half in ("1", "2") and 2000 <= int(year) <= 2100):
            raise ValueError(text)
        return cls(int(year), int(half))
