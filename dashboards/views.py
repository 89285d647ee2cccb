"""The home page per role (settings.PORTAL_HOME_VIEW, called by core.views.home under the name
`core:home`): institution and department staff see their own work first; city and district staff
keep the campaign calendar with their work on top (a full dashboard will replace it)."""

from django.contrib.auth.decorators import login_required
from django.shortcuts import render

from campaign.selectors import current_campaign_for
from core.roles import Role
from core.views import calendar_context
from dashboards.work import work_for

WORK_HOME_ROLES = (Role.INSTITUTION, Role.DEPARTMENT)


@login_required
def home(request):
    user = request.user
    campaign = current_campaign_for(user)
    context = calendar_context(user, campaign)
    context["work"] = work_for(user, campaign=campaign)
    if user.role in WORK_HOME_ROLES and not user.is_superuser:
        return render(request, "dashboards/home_work.html", context)
    return render(request, "core/home.html", context)
