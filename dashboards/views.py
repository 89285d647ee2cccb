"""The home page per role (settings.PORTAL_HOME_VIEW, called by core.views.home under the name
`core:home`): institution and department staff see their own work first; city staff (the province
user too) and district staff see their work, then their region's dashboard (the figures against
the campaign's targets, dashboards.dashboard_views) and the campaign calendar; the admin, bound to
no region, the calendar."""

from django.contrib.auth.decorators import login_required
from django.shortcuts import render
from django.template.loader import render_to_string

from campaign.selectors import calendar_context, current_campaign_for
from core.roles import Role
from dashboards.cache import kept_html
from dashboards.dashboard_views import render_dashboard
from dashboards.work import work_for

WORK_HOME_ROLES = (Role.INSTITUTION, Role.DEPARTMENT)
DASHBOARD_ROLES = (Role.CITY, Role.DISTRICT)


@login_required
def home(request):
    user = request.user
    campaign = current_campaign_for(user)
    if user.role in DASHBOARD_ROLES and user.region_id and not user.is_superuser:
        # The work cards and the calendar depend on the reader's scope, the campaign, today and the
        # data only: rendered once and kept like the figures (dashboards.cache, one data version
        # read for the page).
        parts = (*scope_of(user), campaign.pk if campaign else None)
        work_html = kept_html(
            ("work", *parts),
            lambda: render_to_string("dashboards/_work.html", {"work": work_for(user, campaign=campaign)}),
        )
        calendar_html = kept_html(
            ("calendar", *parts),
            lambda: render_to_string("core/_calendar.html", calendar_context(user, campaign)),
        )
        extra = {"work_html": work_html, "calendar_html": calendar_html, "calendar": True}
        return render_dashboard(request, user.region, extra=extra, campaign=campaign)
    context = calendar_context(user, campaign)
    context["work"] = work_for(user, campaign=campaign)
    if user.role in WORK_HOME_ROLES and not user.is_superuser:
        return render(request, "dashboards/home_work.html", context)
    return render(request, "core/home.html", context)


def scope_of(user) -> tuple:
    """What `visible_to(user)` depends on (core.scoping): readers with the same see the same."""
    return (user.is_superuser, user.region_id, user.role, user.institution_id, user.department)


@login_required
def calendar_home(request):
    """The campaign calendar alone, the home page before issue 13 (PORTAL_HOME_VIEW can name it)."""
    return render(
        request, "core/home.html", calendar_context(request.user, current_campaign_for(request.user))
    )
