"""Reads shared by the home page, the campaign pages and (later) reminders."""

import datetime
from dataclasses import dataclass

from django.db.models import Case, Value, When

from campaign.models import Campaign, Milestone
from core import dates


def current_campaign_for(user) -> Campaign | None:
    """The campaign of this year if the user can see one, else the most recent one they can."""
    visible = Campaign.objects.visible_to(user).select_related("region", "copied_from")
    this_year = Case(When(year=dates.today().year, then=Value(0)), default=Value(1))
    return visible.order_by(this_year, "-year", "pk").first()  # one query


@dataclass
class MilestoneRow:
    milestone: Milestone
    days_left: int
    working_days_left: int | None
    concerns_user: bool

    @property
    def is_past(self) -> bool:
        return self.days_left < 0

    @property
    def is_today(self) -> bool:
        return self.days_left == 0

    @property
    def is_soon(self) -> bool:
        return 0 <= self.days_left <= 14


def milestone_rows(campaign: Campaign, user, on: datetime.date | None = None) -> list[MilestoneRow]:
    """The campaign's milestones with days remaining, in date order (one query plus the items)."""
    on = on or dates.today()
    milestones = (
        Milestone.objects.visible_to(user)
        .filter(campaign=campaign)
        .select_related("key_task")
        .prefetch_related("items")
        .order_by("due_on", "key")
    )
    return [
        MilestoneRow(
            milestone=m,
            days_left=dates.days_left(m.due_on, on),
            working_days_left=dates.working_days_left(m.due_on, on),
            concerns_user=m.concerns(user),
        )
        for m in milestones
    ]


def next_due(rows: list[MilestoneRow]) -> list[MilestoneRow]:
    """The milestones on the next deadline date still ahead (several can share a date)."""
    upcoming = [row for row in rows if row.days_left >= 0]
    if not upcoming:
        return []
    first = upcoming[0].milestone.due_on
    return [row for row in upcoming if row.milestone.due_on == first]


def calendar_context(user, campaign) -> dict:
    """The campaign calendar of the home page (templates/core/home.html) for `campaign` (the
    user's current one, `current_campaign_for`, or None): the campaign, its next deadline, the
    deadlines the user's unit must meet and every deadline."""
    rows = milestone_rows(campaign, user) if campaign else []
    return {
        "campaign": campaign,
        "rows": rows,
        "next_rows": next_due(rows),
        "own_rows": [row for row in rows if row.concerns_user and row.days_left >= 0],
    }


def dashboard_campaign(user) -> Campaign | None:
    """The campaign a dashboard measures against: the user's current one (a campaign covering their
    region), else, for a province user (no campaign covers a province in the source documents: the
    Liaoning 2021 measures set no dated targets), the latest campaign held inside their region — so
    every city is measured against the same milestones."""
    campaign = current_campaign_for(user)
    if campaign is None and user.region_id:
        campaign = (
            Campaign.objects.filter(region__path__startswith=user.region.path)
            .order_by("-year", "-pk")
            .first()
        )
    return campaign
