"""Shared fixtures: the demo regions, the 2020 campaign, one user per role, a foreign city."""

import datetime
import os
from dataclasses import dataclass
from pathlib import Path

import pytest
from django.conf import settings
from django.utils import translation

from accounts.models import User
from campaign.models import Campaign
from campaign.services import DATA_DIR as CAMPAIGN_DATA
from campaign.services import campaign_load_file
from core.models import Region
from core.services import DATA_DIR, regions_load_file
from institutions.models import Institution
from tests.browser import CHROMIUM, CHROMIUM_ARGS
from tests.workers import _celery_worker_process, celery_worker  # noqa: F401  (fixtures)

ARTIFACTS = Path(settings.BASE_DIR) / "test-artifacts"
SEEDS = Path(os.environ.get("SEEDS_DIR", Path(settings.BASE_DIR).parent / "shared" / "seeds"))
# Copies of ../shared/field-cases/ (real-world inputs that once failed; its README gives each right value).
FIELD_CASES = Path(__file__).resolve().parent / "field_cases"
PASSWORD = "Test-password-2020"


def _first_shares(count: int, workers: int) -> list[int]:
    """How many tests pytest-xdist's work stealing first sends each worker: the pending list cut
    into contiguous shares, each `len(pending) // workers_left` (xdist/scheduler/worksteal.py)."""
    sizes, left = [], count
    for n in range(workers):
        sizes.append(left // (workers - n))
        left -= sizes[-1]
    return sizes


@pytest.hookimpl(trylast=True)
def pytest_collection_modifyitems(config, items):
    """Under pytest-xdist, put the tests marked `long` (15 s to a minute and a half each) at the
    head of each worker's first share, dealt round in turn: they run while every worker still has
    work, rather than landing together at the end, where one worker runs them with the others
    idle (three Chromium walks at the end took 97 s each instead of ~50). Runs after
    pytest-randomly's shuffle (the same order in every worker, as xdist requires)."""
    workers = int(os.environ.get("PYTEST_XDIST_WORKER_COUNT", "0"))
    long = [item for item in items if item.get_closest_marker("long")]
    if workers < 2 or not long:
        return
    rest = iter([item for item in items if not item.get_closest_marker("long")])
    ordered = []
    for n, size in enumerate(_first_shares(len(items), workers)):
        share = long[n::workers]
        ordered += share + [next(rest) for _ in range(max(0, size - len(share)))]
    ordered += list(rest)
    items[:] = ordered


@pytest.fixture(autouse=True)
def portal_language():
    """Each test starts in the portal's language (Chinese): a request made in English by an earlier
    test leaves English active in the thread (LocaleMiddleware never switches back)."""
    translation.activate(settings.LANGUAGE_CODE)
    yield
    translation.activate(settings.LANGUAGE_CODE)


@pytest.fixture(autouse=True)
def fast_password_hashing(settings):
    """PBKDF2 at production strength costs ~0.3 s per user; tests create many."""
    settings.PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]


@pytest.fixture(autouse=True)
def holiday_calendar(request, django_db_blocker):
    """Tests that use the database start with the holiday table (core.workdays) read, as a running
    process has it: query counts do not depend on which test read it first; no copy of rows a
    test's rolled-back transaction held survives it."""
    uses_db = request.node.get_closest_marker("django_db") or {"db", "transactional_db"} & set(
        request.fixturenames
    )
    from core import workdays

    if not uses_db:  # no database: no table, chinesecalendar alone (as before the table existed)
        workdays.keep(workdays.Calendar())
        yield
        workdays.forget()
        return

    request.getfixturevalue("django_db_setup")
    with django_db_blocker.unblock():
        workdays.refresh()
    yield
    workdays.forget()


@pytest.fixture
def regions(db) -> dict[str, Region]:
    regions_load_file(path=DATA_DIR / "regions_anshan.yaml")
    return {region.code: region for region in Region.objects.all()}


@pytest.fixture
def campaign(regions) -> Campaign:
    campaign, _ = campaign_load_file(path=CAMPAIGN_DATA / "anshan_2020.yaml")
    return campaign


def make_user(username: str, role: str, **bindings) -> User:
    user = User(username=username, full_name=bindings.pop("full_name", username), role=role, **bindings)
    if role == User.Role.ADMIN:
        user.is_superuser = user.is_staff = True
    user.set_password(PASSWORD)
    # the bound region and institution are saved objects: no query to look them up again
    user.full_clean(exclude=["password", "region", "institution"])
    user.save()
    return user


@dataclass
class World:
    """Two districts of Anshan, an institution in each, and a foreign city with its own campaign."""

    regions: dict
    campaign: Campaign
    own_institution: Institution
    other_institution: Institution
    foreign_region: Region
    foreign_campaign: Campaign
    foreign_institution: Institution
    users: dict[str, User]


@pytest.fixture
def world(regions, campaign) -> World:
    tiedong, tiexi = regions["210302"], regions["210303"]
    own = Institution.objects.create(name="铁东区测试养老院", region=tiedong)
    other = Institution.objects.create(name="铁西区测试养老院", region=tiexi)
    dalian = Region.objects.create(code="210200", name="大连市", kind="city", parent=regions["210000"])
    foreign_region = Region.objects.create(code="210202", name="中山区", kind="district", parent=dalian)
    foreign_campaign = Campaign.objects.create(
        key="dalian-2020", year=2020, title="大连市2020年养老院服务质量建设专项行动", region=dalian
    )
    foreign_institution = Institution.objects.create(name="中山区测试养老院", region=foreign_region)
    foreign_campaign.milestones.create(
        key="x", due_on="2020-10-15", title="大连市公开机构名单", responsible="大连市各区", level="county"
    )
    users = {
        "city": make_user("city", User.Role.CITY, region=regions["210300"], full_name="王建国"),
        "district": make_user("tiedong", User.Role.DISTRICT, region=tiedong, full_name="李秀梅"),
        "other_district": make_user("tiexi", User.Role.DISTRICT, region=tiexi, full_name="张海涛"),
        "institution": make_user("kangle", User.Role.INSTITUTION, institution=own, full_name="赵淑芬"),
        "department": make_user(
            "zhujian", User.Role.DEPARTMENT, region=regions["210300"], department="housing", full_name="周明"
        ),
        "admin": make_user("admin", User.Role.ADMIN),
    }
    return World(regions, campaign, own, other, foreign_region, foreign_campaign, foreign_institution, users)


@pytest.fixture
def district(world) -> User:
    """The world's district user (铁东区), who imports the district's registry and ledger."""
    return world.users["district"]


# Browser tests drive Debian's chromium: never `playwright install` (it downloads a browser).
@pytest.fixture(scope="session")
def browser_type_launch_args(browser_type_launch_args):
    return {
        **browser_type_launch_args,
        "executable_path": CHROMIUM,
        "args": CHROMIUM_ARGS,
    }


@pytest.fixture(scope="session")
def browser_context_args(browser_context_args):
    return {
        **browser_context_args,
        "locale": "zh-CN",
        "timezone_id": "Asia/Shanghai",
        "viewport": {"width": 1366, "height": 900},
    }


@pytest.fixture
def artifacts() -> Path:
    ARTIFACTS.mkdir(exist_ok=True)
    return ARTIFACTS


@pytest.fixture
def time_machine_2026(monkeypatch):
    """Freeze the portal's idea of today at 2026-11-23 (Asia/Shanghai) for pages that count days."""
    from core import dates

    monkeypatch.setattr(dates, "today", lambda: datetime.date(2026, 11, 23))


@pytest.fixture
def eager():
    """Celery tasks run inline in the process that sends them, as with `make run` (and as the
    worker's path runs them: test_beat_integration)."""
    from config.celery import app

    before = app.conf.task_always_eager
    app.conf.task_always_eager = True
    yield
    app.conf.task_always_eager = before
