"""The demo's inspection directories: the starter items list and a few inspectors of 鞍山市
(`load_demo_inspections`, called by `manage.py load_demo`; a second call adds nothing)."""

from core.models import Region
from inspections.items import load_items
from inspections.models import Inspector

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
    return created
