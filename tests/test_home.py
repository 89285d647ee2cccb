"""The workbench: the current campaign's deadlines with the days remaining."""

import datetime

import pytest
from django.urls import reverse

from campaign.selectors import current_campaign_for, milestone_rows, next_due
from campaign.services import campaign_copy


@pytest.fixture
def live_campaign(world):
    copy, _ = campaign_copy(source=world.campaign, year=2026)
    return copy


def test_this_years_campaign_is_the_current_one(world, live_campaign, time_machine_2026):
    assert current_campaign_for(world.users["district"]) == live_campaign


def test_the_latest_campaign_is_shown_when_this_year_has_none(world, time_machine_2026):
    assert current_campaign_for(world.users["district"]) == world.campaign


def test_next_due_are_all_milestones_of_the_next_deadline_date(world):
    rows = milestone_rows(world.campaign, world.users["district"], on=datetime.date(2020, 10, 15))
    upcoming = next_due(rows)
    assert {row.milestone.due_on for row in upcoming} == {datetime.date(2020, 10, 15)}
    assert all(row.days_left == 0 for row in upcoming)
    assert len(upcoming) == 3  # institution lists, the city's and the county's policy lists
    later = next_due(milestone_rows(world.campaign, world.users["district"], on=datetime.date(2020, 10, 16)))
    assert {row.milestone.key for row in later} == {"summary-report"}
    assert later[0].days_left == 4


def test_district_and_city_see_their_own_deadlines_flagged(world):
    on = datetime.date(2020, 9, 1)
    district = {
        r.milestone.key
        for r in milestone_rows(world.campaign, world.users["district"], on)
        if r.concerns_user
    }
    city = {
        r.milestone.key for r in milestone_rows(world.campaign, world.users["city"], on) if r.concerns_user
    }
    assert "summary-report" in district and "fire-upgrade-city-plan" not in district
    assert "fire-upgrade-city-plan" in city and "joint-acceptance" in city and "summary-report" not in city


def test_home_shows_days_remaining_in_chinese(client, world, live_campaign, time_machine_2026):
    client.force_login(world.users["district"])
    body = client.get(reverse("core:home")).content.decode()
    assert live_campaign.title in body
    assert "2026-11-30" in body  # legal-person registration deadline, the next one on 23 November
    assert "剩余 7 天" in body
    assert "本单位" in body


@pytest.mark.parametrize("viewer", ["city", "district", "institution", "department", "admin"])
def test_every_role_has_a_home_page(client, world, live_campaign, viewer):
    client.force_login(world.users[viewer])
    response = client.get(reverse("core:home"))
    assert response.status_code == 200
    assert live_campaign.title in response.content.decode()


def test_home_runs_a_constant_number_of_queries(client, world, live_campaign, django_assert_max_num_queries):
    client.force_login(world.users["district"])
    with django_assert_max_num_queries(26):  # the calendar, the work cards and the dashboard
        client.get(reverse("core:home"))
