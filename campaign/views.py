from itertools import groupby

from django.contrib.auth.decorators import login_required
from django.shortcuts import get_object_or_404, render

from campaign.models import Campaign
from campaign.selectors import milestone_rows


@login_required
def campaign_list(request):
    campaigns = Campaign.objects.visible_to(request.user).select_related("region", "copied_from")
    return render(request, "campaign/list.html", {"campaigns": campaigns})


@login_required
def campaign_detail(request, pk):
    campaign = get_object_or_404(
        Campaign.objects.visible_to(request.user).select_related("region", "copied_from"), pk=pk
    )
    items = campaign.items.select_related("key_task").order_by("key_task__number", "number")
    groups = [(task, list(rows)) for task, rows in groupby(items, key=lambda item: item.key_task)]
    groups.sort(key=lambda group: group[0].number if group[0] else 0)
    return render(
        request,
        "campaign/detail.html",
        {
            "campaign": campaign,
            "key_tasks": campaign.key_tasks.all(),
            "item_groups": groups,
            "rows": milestone_rows(campaign, request.user),
        },
    )
