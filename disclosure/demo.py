"""Demo publications for `make run`: the lists of 铁东区 and 海城市 published, with one policy each, so
the public pages show something. Idempotent: a region that has published anything is left alone."""

import datetime

from core.models import Region
from disclosure import services
from disclosure.models import Publication, SupportPolicy, kinds_for

DEMO_REGIONS = {
    "210302": ("铁东区", "tiedong"),
    "210381": ("海城市", "haicheng"),
}


def load_demo_publications(users: dict) -> int:
    published = 0
    for code, (name, username) in DEMO_REGIONS.items():
        region = Region.objects.get(code=code)
        by = users.get(username)
        if by is None or Publication.objects.filter(region=region).exists():
            continue
        if not SupportPolicy.objects.filter(region=region).exists():
            services.policy_create(
                region=region,
                title=f"{name}关于加快发展养老服务业的实施意见",
                issuing_body=f"{name}人民政府办公室",
                issued_on=datetime.date(2020, 6, 18),
                url="https://www.example.gov.cn/zwgk/yanglao/2020-06-18.html",
                by=by,
            )
        for kind in kinds_for(region):
            services.publication_publish(region=region, kind=kind, by=by)
            published += 1
    return published
