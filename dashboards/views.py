"""The home page per role (settings.PORTAL_HOME_VIEW, called by core.views.home under the name
`core:home`): institution and department staff see their own work first; city staff (the province
user too) and district staff see their work, then their region's dashboard (the figures against
the campaign's targets, dashboards.dashboard_views) and the campaign calendar; the admin, bound to
no region, the calendar."""

from django.contrib.auth.decorators import login_required
from django.shortcuts import render

from campaign.selectors import current_campaign_for
from core.roles import Role
from core.views import calendar_context
from dashboards.dashboard_views import render_dashboard
from dashboards.work import work_for

WORK_HOME_ROLES = (Role.INSTITUTION, Role.DEPARTMENT)
DASHBOARD_ROLES = (Role.CITY, Role.DISTRICT)


@login_required
def home(request):
    user = request.user
    campaign = current_campaign_for(user)
    context = calendar_context(user, campaign)
    context["work"] = work_for(user, campaign=campaign)
    if user.role in WORK_HOME_ROLES and not user.is_superuser:
        return render(request, "dashboards/home_work.html", context)
    if user.role in DASHBOARD_ROLES and user.region_id and not user.is_superuser:
        return render_dashboard(request, user.region, extra={**context, "calendar": True})
    return render(request, "core/home.html", context)
