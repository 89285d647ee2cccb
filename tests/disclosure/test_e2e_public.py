"""In a real browser: a district user publishes the filed list; an anonymous visitor then reads it."""

import datetime

import pytest
from django.utils import timezone
from playwright.sync_api import Page, expect

from disclosure.models import Publication
from tests.conftest import PASSWORD
from tests.disclosure import factories
from tests.disclosure.factories import PRIVATE

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


def test_district_publishes_the_filed_list_and_the_public_sees_it_with_its_date(
    live_server, world, page: Page, artifacts
):
    tiedong = world.regions["210302"]
    factories.institution(
        tiedong,
        "铁东区康乐老年公寓",
        address="铁东区园林路88号",
        beds=120,
        star_rating=3,
        star_rated_on=datetime.date(2020, 3, 1),
        **PRIVATE,
    )
    factories.institution(tiedong, "铁东区夕阳红养老院", address="铁东区胜利南路17号", beds=45)
    factories.unfiled(tiedong, "铁东区某托老所", unfiled_found_on=datetime.date(2020, 7, 9), **PRIVATE)

    page.goto(f"{live_server.url}/accounts/login/?next=/public/manage/210302/")
    page.locator("input[name=username]").fill("tiedong")
    page.locator("input[name=password]").fill(PASSWORD)
    page.locator("button[type=submit]").click()
    expect(page.get_by_test_id("manage-filed")).to_contain_text("铁东区康乐老年公寓")
    page.get_by_test_id("publish-filed").click()
    expect(page.get_by_test_id("changes-filed")).to_be_visible()
    publication = Publication.objects.get()
    assert publication.published_by == world.users["district"]
    page.screenshot(path=artifacts / "public-manage.png", full_page=True)

    page.context.clear_cookies()  # from here on an anonymous visitor
    page.goto(f"{live_server.url}/public/210302/")
    filed = page.get_by_test_id("list-filed")
    expect(filed).to_contain_text("铁东区康乐老年公寓")
    expect(filed).to_contain_text("铁东区园林路88号")
    expect(filed).to_contain_text("3 ★")
    published_on = timezone.localtime(publication.published_at)
    expected_date = f"{published_on.year}年{published_on.month}月{published_on.day}日"
    expect(page.get_by_test_id("published-at-filed")).to_contain_text(expected_date)
    expect(page.get_by_test_id("list-filed").get_by_test_id("legal-basis")).to_contain_text("10月15日前公开")
    expect(page.get_by_test_id("user-menu")).to_have_count(0)
    page.screenshot(path=artifacts / "public-region.png", full_page=True)

    body = page.locator("body").inner_text()
    assert "铁东区某托老所" not in body  # the unfiled list was not published
    for value in PRIVATE.values():
        assert str(value) not in body
