"""The bench data's fixed parts: the regions, users and scales (``Scale``, ``SCALES``), Liaoning's
county-level units from python-stdnum (``liaoning_rows``, ``load_regions``), and what rows are
made of: office-hours moments and days, names, phone numbers, hazard descriptions and the one
evidence PNG."""

from __future__ import annotations

import datetime
import importlib.resources
import random
import re
from dataclasses import dataclass
from zoneinfo import ZoneInfo

from core.models import Region
from core.roles import Department, Role
from core.services import DATA_DIR as REGION_DATA
from core.services import regions_load, regions_load_file

TZ = ZoneInfo("Asia/Shanghai")
PROVINCE = "210000"
CITY = "210300"  # Anshan: the demo city, the 2020 campaign's region
DISTRICT = "210302"  # 铁东区: the bench's district user
CAMPAIGN_START = datetime.date(2020, 8, 1)  # 鞍民发〔2020〕37号 was issued in August 2020

# The bench's users (password: --password, default BENCH_PASSWORD). A province user is a city
# bureau user bound to the province (accounts.User.clean allows a city role on a province).
BENCH_PASSWORD = "Bench-2020"
USERS = {
    "bench-province": (Role.CITY, PROVINCE, "", "省厅工作人员"),
    "bench-city": (Role.CITY, CITY, "", "市局工作人员"),
    "bench-district": (Role.DISTRICT, DISTRICT, "", "铁东区工作人员"),
    "bench-housing": (Role.DEPARTMENT, CITY, Department.HOUSING, "住建局工作人员"),
    "bench-health": (Role.DEPARTMENT, CITY, Department.HEALTH, "卫健委工作人员"),
    "bench-emergency": (Role.DEPARTMENT, CITY, Department.EMERGENCY, "应急局工作人员"),
    "bench-market": (Role.DEPARTMENT, CITY, Department.MARKET, "市场监管局工作人员"),
}


@dataclass(frozen=True)
class Scale:
    institutions: int
    hazards: int
    province: bool
    users: int  # in all: the named ones, one per county-level unit, the rest institution users


SCALES = {
    "city": Scale(institutions=500, hazards=20_000, province=False, users=300),
    "province": Scale(institutions=5_000, hazards=200_000, province=True, users=3_000),
}


# Regions ------------------------------------------------------------------------------------------

_PERIOD = re.compile(r"^(?:\[(\d*)-(\d*)\])?(.+)$")


def _current_name(value: str) -> str | None:
    """The name in force today of a cn/loc entry such as ``[1983-2013]东陵区,[2014-]浑南区``."""
    last = value.split(",")[-1]
    match = _PERIOD.match(last)
    if not match:
        return None
    _start, end, name = match.groups()
    return None if end else name


def _kind(name: str) -> str:
    if name.endswith("自治县"):
        return Region.Kind.AUTONOMOUS_COUNTY
    if name.endswith("县"):
        return Region.Kind.COUNTY
    if name.endswith("市"):
        return Region.Kind.COUNTY_CITY
    return Region.Kind.DISTRICT


def liaoning_rows() -> list[dict]:
    """Liaoning's 14 cities and their county-level units in force today, from python-stdnum's
    GB/T 2260 table (cn/loc), plus a city-run bucket (市本级, internal code ``<city>-C00``) per
    city, as core/data/regions_anshan.yaml has for Anshan. Anshan itself comes from that file."""
    text = importlib.resources.files("stdnum").joinpath("cn/loc.dat").read_text(encoding="utf-8")
    rows, inside = [], False
    for line in text.splitlines():
        if not line.startswith(" "):
            inside = line.startswith("21 ")
            continue
        if not inside:
            continue
        suffix, _, rest = line.strip().partition(" ")
        name = _current_name(rest.removeprefix('county="').removesuffix('"'))
        code = "21" + suffix
        if not name or name in ("市辖区", "市区", "郊区") or code == PROVINCE:
            continue
        city = code[:4] + "00"
        if city == CITY:
            continue
        if code == city:
            rows.append({"code": code, "name": name, "kind": Region.Kind.CITY, "parent": PROVINCE})
            rows.append(
                {
                    "code": f"{code}-C00",
                    "name": f"{name}本级",
                    "kind": Region.Kind.CITY_LEVEL,
                    "parent": code,
                    "sort_order": 99,
                }
            )
        else:
            rows.append({"code": code, "name": name, "kind": _kind(name), "parent": city})
    cities = [row for row in rows if row["kind"] == Region.Kind.CITY]
    # parents first: the cities, then their units
    return cities + [row for row in rows if row["kind"] != Region.Kind.CITY]


def load_regions(province: bool) -> list[Region]:
    regions_load_file(path=REGION_DATA / "regions_anshan.yaml")
    if province:
        regions_load(rows=liaoning_rows())
    units = Region.objects.county_level()
    if not province:
        units = units.filter(parent__code=CITY)
    return list(units.select_related("parent").order_by("path"))


# Helpers ------------------------------------------------------------------------------------------


def at(day: datetime.date, rng: random.Random) -> datetime.datetime:
    """A moment in office hours of `day`, Asia/Shanghai."""
    return datetime.datetime.combine(day, datetime.time(8 + rng.randrange(9), rng.randrange(60)), tzinfo=TZ)


def day_between(rng: random.Random, start: datetime.date, end: datetime.date) -> datetime.date:
    return start + datetime.timedelta(days=rng.randrange(max((end - start).days, 0) + 1))


SURNAMES = "王李张刘陈杨赵黄周吴徐孙胡朱高林何郭马罗梁宋郑谢韩唐冯于董萧程曹袁邓许傅沈曾彭吕"
GIVEN = "秀英桂兰淑珍玉梅建国海涛志强晓丽德胜明静军丽娜国庆红艳春华永刚文斌立新宏伟慧敏"
HOME_WORDS = [
    "康乐",
    "福寿",
    "夕阳红",
    "颐和",
    "安康",
    "长青",
    "幸福",
    "松鹤",
    "惠民",
    "仁爱",
    "金秋",
    "温馨",
    "乐龄",
    "恒康",
    "百合",
    "友爱",
    "福星",
    "鹤年",
    "延年",
    "祥和",
]
HOME_KINDS = ["老年公寓", "养老院", "护理院", "颐养中心", "养老服务中心", "托老所"]
TOWN_WORDS = ["东", "西", "南", "北", "中心", "新兴", "前进", "红旗", "胜利", "和平"]


def person(rng: random.Random) -> str:
    return rng.choice(SURNAMES) + "".join(rng.choices(GIVEN, k=rng.choice((1, 2))))


def mobile(rng: random.Random) -> str:
    return f"1{rng.choice('3456789')}{rng.randrange(10**9):09d}"


DESCRIPTIONS = {
    "fire": [
        "疏散通道堆放杂物，影响安全疏散",
        "部分灭火器压力不足，未按期检验",
        "电动车在楼道内充电",
        "消防控制室值班人员无证上岗",
        "防火门闭门器损坏",
    ],
    "food": ["食堂未落实食品留样制度", "从业人员健康证过期", "生熟食品混放"],
    "building": ["二楼走廊扶手松动", "卫生间地面防滑措施不到位", "外墙瓷砖局部脱落"],
    "medical": ["药品存放不规范，过期药品未及时清理", "未建立老年人健康档案"],
    "special_equipment": ["电梯年检合格证过期", "锅炉操作人员无证上岗"],
    "illegal_fundraising": ["以会员卡形式预收费用，金额超过规定"],
    "elder_abuse": ["护理员对失能老人照护不到位，家属投诉"],
    "other": ["安全管理制度未上墙", "应急预案未组织演练"],
}
MEASURES = "立即清理整改，落实专人负责，定期复查并建立台账。"
DEPARTMENT_FOR = {
    "fire": Department.EMERGENCY,
    "food": Department.MARKET,
    "special_equipment": Department.MARKET,
    "building": Department.HOUSING,
    "medical": Department.HEALTH,
}


def png_bytes() -> bytes:
    """A valid 1×1 PNG: every evidence row of the bench points to this one stored file."""
    import struct
    import zlib

    def chunk(kind, data):
        return (
            struct.pack(">I", len(data))
            + kind
            + data
            + struct.pack(">I", zlib.crc32(kind + data) & 0xFFFFFFFF)
        )

    raw = zlib.compress(b"\x00\xff\xff\xff")
    return (
        b"\x89PNG\r\n\x1a\n"
        + chunk(b"IHDR", struct.pack(">IIBBBBB", 1, 1, 8, 2, 0, 0, 0))
        + chunk(b"IDAT", raw)
        + chunk(b"IEND", b"")
    )
