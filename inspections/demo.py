"""The demo's inspection directories: the starter items list, a few inspectors of 鞍山市 and one
completed draw whose public page shows the method, the inputs' hash, the seed and the institutions
drawn, and three inspection records of 铁东区 (`load_demo_inspections`, called by `manage.py
load_demo`; a second call adds nothing)."""

import datetime

from accounts.models import User
from core import dates
from core.models import Region
from inspections import draw as algo
from inspections import records, services
from inspections.items import load_items
from inspections.models import Draw, DrawnInstitution, Inspection, InspectionItem, Inspector
from institutions.models import Institution

# Invented demo people: names, units and certificate numbers are placeholders, not real officers.
DEMO_INSPECTORS = (
    ("张伟", "civil_affairs", "210302", "DEMO-21030001", "13800000001"),
    ("李娜", "civil_affairs", "210303", "DEMO-21030002", "13800000002"),
    ("刘洋", "civil_affairs", "210304", "DEMO-21030003", "13800000003"),
    ("王强", "emergency", "210302", "DEMO-21030004", "13800000004"),
    ("陈静", "emergency", "210303", "DEMO-21030005", "13800000005"),
    ("赵磊", "market", "210304", "DEMO-21030006", "13800000006"),
    ("孙敏", "market", "210381", "DEMO-21030007", "13800000007"),
    ("周涛", "housing", "210381", "DEMO-21030008", "13800000008"),
    ("吴丹", "housing", "210302", "DEMO-21030009", "13800000009"),
    ("郑浩", "health", "210303", "DEMO-21030010", "13800000010"),
    ("冯雪", "health", "210381", "DEMO-21030011", "13800000011"),
)


def load_demo_inspections() -> int:
    """Load the items list and the demo inspectors; returns how many inspectors were new."""
    load_items()
    regions = {r.code: r for r in Region.objects.filter(code__in={row[2] for row in DEMO_INSPECTORS})}
    created = 0
    for name, department, region, certificate, phone in DEMO_INSPECTORS:
        _obj, new = Inspector.objects.get_or_create(
            certificate_number=certificate,
            defaults={"name": name, "department": department, "region": regions[region], "phone": phone},
        )
        created += new
    _load_demo_draw()
    _load_demo_records()
    return created


def _load_demo_draw() -> None:
    """One draw of 20% of Anshan's operating institutions (at least 3), frozen, seeded and drawn by
    the city's demo user for two items (GB 38600 执行情况, 消防安全), unless the city has a draw already."""
    city = Region.objects.get(code="210300")
    if Draw.objects.filter(region=city).exists():
        return
    clerk = User.objects.get(username="city")
    draw = Draw.objects.create(
        region=city,
        title="2026年第一批养老机构双随机抽查（演示）",
        year=2026,
        kinds=["public", "public_private", "private"],
        ratio_percent="20",
        minimum=3,
        max_load=3,
        seed_kind=Draw.SeedKind.RECORDED_RANDOM,
        seed_description="演示：两名见证人现场掷骰子所得20位数字",
        seed_available_on=dates.today(),
        created_by=clerk,
    )
    draw.scope_regions.set(
        Region.objects.filter(parent=city, code__in=["210302", "210303", "210304", "210381"])
    )
    draw.items.set(InspectionItem.objects.filter(region=city, code__in=["A01", "B02"]))
    draw = services.freeze(draw, by=clerk)
    draw = services.enter_seed(draw, seed=demo_seed(services.stored_inputs(draw)), by=clerk)
    services.run(draw, by=clerk)


def demo_seed(inputs: algo.DrawInputs, base: int = 30918475620394857162, tries: int = 200) -> str:
    """The first 20-digit seed from `base` upwards whose draw over the frozen `inputs` picks an
    institution of 铁东区 (210302), whose user `tiedong` shows the 双随机 record in the README's tour.

    The draw hashes the institutions' ids, and the ids a database hands out differ (a second demo
    database, a test database whose sequences were not reset), so a fixed seed would draw 铁东区
    only sometimes. The seed stays a demo value: real draws take theirs from the witnesses.
    """
    for n in range(base, base + tries):
        seed = str(n)
        if any(d["region"] == "210302" for d in algo.run_draw(inputs, seed)["drawn"]):
            return seed
    return str(base)


def _load_demo_records() -> None:
    """铁东区's records, made by its district user `tiedong` through the same services as the pages:
    a concluded 双随机 record of the demo draw's first institution of 铁东区 (one 不符合 on fire safety,
    in the ledger, 责令整改; its result on the public draw page), an open 专项检查 of 铁东区颐康护理院
    (two points answered: the record page to try on a phone), and a concluded 日常检查 of 铁东区康乐老年公寓
    (合格: what the institution's user `kangle` sees). Skipped when 铁东区 has records already."""
    region = Region.objects.get(code="210302")
    if Inspection.objects.filter(region=region).exists():
        return
    clerk = User.objects.get(username="tiedong")
    city = Region.objects.get(code="210300")
    items = list(InspectionItem.objects.filter(region=city, code__in=["A01", "B02"]))
    drawn = (
        DrawnInstitution.objects.filter(institution__region=region, draw__status="drawn")
        .select_related("institution")
        .order_by("pk")
        .first()
    )
    if drawn is not None:
        inspection, _created = records.inspection_from_drawn(drawn=drawn, by=clerk)
        for finding in inspection.findings.select_related("point"):
            fails = finding.point.category == "fire" and finding.point.number == 1
            records.finding_record(
                finding=finding,
                answer="fails" if fails else "complies",
                note="二层东侧安全出口堆放杂物，疏散通道宽度不足" if fails else "",
                by=clerk,
            )
            if fails:
                records.finding_to_hazard(
                    finding=finding,
                    deadline=dates.today() + datetime.timedelta(days=30),
                    severity="general",
                    by=clerk,
                )
        records.conclude(
            inspection=inspection,
            conclusion=Inspection.Conclusion.RECTIFY,
            summary="检查12个要点，发现1项不符合（疏散通道堆放杂物），已责令限期整改并录入隐患台账。",
            by=clerk,
        )
    team = list(Inspector.objects.filter(region=region)[:2])
    open_one = Institution.objects.filter(name="铁东区颐康护理院").first()
    if open_one is not None:
        inspection = records.inspection_create(
            institution=open_one,
            kind="special",
            inspected_on=dates.today(),
            inspectors=team,
            items=items,
            by=clerk,
        )
        for finding in inspection.findings.all()[:2]:
            records.finding_record(finding=finding, answer="complies", note="", by=clerk)
    own = Institution.objects.filter(name="铁东区康乐老年公寓").first()
    if own is not None:
        inspection = records.inspection_create(
            institution=own,
            kind="routine",
            inspected_on=dates.today(),
            inspectors=team,
            items=[item for item in items if item.code == "A01"],
            by=clerk,
        )
        for finding in inspection.findings.all():
            records.finding_record(finding=finding, answer="complies", note="", by=clerk)
        records.conclude(
            inspection=inspection,
            conclusion=Inspection.Conclusion.QUALIFIED,
            summary="九类风险防范措施落实到位，检查合格。",
            by=clerk,
        )
