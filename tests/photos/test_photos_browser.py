"""In a real browser: a hazard's photos with their thumbnails, capture facts and flags, and the
reused-photos list, at 390, 1280 and 1366 px (no sideways scrolling; screenshots in test-artifacts)."""

import datetime
from zoneinfo import ZoneInfo

import pytest
from playwright.sync_api import Page, expect

from tests.dashboards.test_work_browser import screenshots
from tests.hazards.factories import record
from tests.institutions.test_e2e_registry import login
from tests.photos.test_photos import attach

pytestmark = [
    pytest.mark.browser,
    pytest.mark.django_db(transaction=True),
    pytest.mark.urls("tests.photos.urls"),
]


@pytest.fixture(autouse=True)
def media(settings, tmp_path):
    settings.MEDIA_ROOT = tmp_path


def test_a_hazards_photos_and_the_reused_list(
    live_server, world, district, page: Page, artifacts, time_machine
):
    time_machine.move_to(datetime.datetime(2027, 3, 20, 9, 0, tzinfo=ZoneInfo("Asia/Shanghai")))
    hazard = record(
        world.own_institution,
        district,
        found_on=datetime.date(2027, 3, 15),
        deadline=datetime.date(2027, 4, 30),
    )
    attach(hazard, "site.heic", district, as_name="IMG_4032.HEIC")
    attach(hazard, "other.png", district, purpose="after")
    tiexi = world.users["other_district"]
    attach(record(world.other_institution, tiexi), "site_resaved.jpg", tiexi)
    login(page, live_server, world.users["city"].username)
    page.goto(f"{live_server.url}/hazards/{hazard.pk}/")
    photo = page.get_by_test_id("evidence-file").first
    expect(photo.get_by_test_id("evidence-thumbnail")).to_be_visible()
    expect(photo.get_by_test_id("photo-caption")).to_contain_text(
        "拍摄于 2026-11-28 14:03 · 北纬41.11° 东经122.99°"
    )
    expect(photo.get_by_test_id("photo-flag")).to_contain_text("之前107天")
    expect(photo.get_by_test_id("photo-reused")).to_contain_text("铁西区测试养老院")
    # every thumbnail loads (waited for: on a busy machine the last may still be on its way)
    page.wait_for_function(
        "[...document.images].filter(i => i.src.includes('/files/')).every(i => i.complete && i.naturalWidth > 0)",
        timeout=15_000,
    )
    screenshots(page, artifacts, "photos-hazard")
    page.goto(f"{live_server.url}/files/reused/")
    expect(page.get_by_test_id("reused-photo")).to_have_count(2)
    screenshots(page, artifacts, "photos-reused")
