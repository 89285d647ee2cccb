"""Directories and draws for the inspections pages' tests (database)."""

import datetime

from inspections import services
from inspections.items import load_items
from inspections.models import Draw, InspectionItem, Inspector
from institutions.models import Institution

PHONE = "13912345678"
CERTIFICATE = "LN-ZF-7788123"


def inspector(region, name="张伟", department="civil_affairs", n=0, **extra):
    """An inspector with certificate number `n`; the one already there when `n` was used (the URL
    sweep builds several pages' objects in one database)."""
    certificate = f"{CERTIFICATE}-{n}" if n else CERTIFICATE
    found = Inspector.objects.filter(certificate_number=certificate).first()
    if found is not None:
        return found
    return Inspector.objects.create(
        name=name, department=department, region=region, certificate_number=certificate, phone=PHONE, **extra
    )


def directories(world, inspectors=4):
    """The items list, and `inspectors` civil-affairs and fire inspectors in 铁西区/立山区 (so 回避
    leaves them for 铁东区) and 铁东区 (for 铁西区)."""
    load_items()
    Institution.objects.filter(nature="").update(nature="private")
    regions = [world.regions["210303"], world.regions["210304"], world.regions["210302"]]
    made = []
    for n in range(inspectors):
        department = "civil_affairs" if n % 2 == 0 else "emergency"
        made.append(inspector(regions[n % 3], name=f"检查员{n}", department=department, n=n + 1))
    return made


def more_institutions(world, count, region="210302"):
    return [
        Institution.objects.create(name=f"测试养老院{n:03d}", region=world.regions[region], nature="private")
        for n in range(count)
    ]


def draft(world, *, regions=("210302",), by="city", items=("A01", "B02"), **values):
    city = world.regions["210300"]
    fields = {
        "region": city,
        "title": "2026年第一批养老机构双随机抽查",
        "year": 2026,
        "kinds": ["public", "public_private", "private"],
        "ratio_percent": "50",
        "minimum": 1,
        "weights": {},
        "thresholds": {},
        "seed_kind": "recorded_random",
        "seed_description": "两名见证人现场掷骰子所得20位数字",
        "created_by": world.users[by],
    }
    fields.update(values)
    draw = Draw.objects.create(**fields)
    draw.scope_regions.set([world.regions[c] for c in regions])
    draw.items.set(InspectionItem.objects.filter(region=city, code__in=items))
    return draw


def drawn(world, seed="30918475620394857162", **values):
    draw = draft(world, **values)
    user = world.users["city"]
    draw = services.freeze(draw, by=user)
    draw = services.enter_seed(draw, seed=seed, by=user)
    return services.run(draw, by=user)


TODAY = datetime.date(2026, 11, 23)
