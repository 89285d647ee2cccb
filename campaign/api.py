import django_filters
from django.utils.translation import gettext_lazy as _
from drf_spectacular.utils import extend_schema, extend_schema_view
from rest_framework import serializers, viewsets

from campaign.models import Campaign, InspectionItem, Milestone


class InspectionItemSerializer(serializers.ModelSerializer):
    key_task = serializers.SlugRelatedField(slug_field="number", read_only=True)

    class Meta:
        model = InspectionItem
        fields = ["number", "text", "key_task", "level", "answer_kind"]


class CampaignSerializer(serializers.ModelSerializer):
    region = serializers.SlugRelatedField(slug_field="code", read_only=True)
    items = InspectionItemSerializer(many=True, read_only=True, label=_("inspection items"))

    class Meta:
        model = Campaign
        fields = [
            "id",
            "key",
            "year",
            "title",
            "doc_number",
            "issuing_bodies",
            "issued_on",
            "region",
            "items",
        ]


class MilestoneSerializer(serializers.ModelSerializer):
    campaign = serializers.SlugRelatedField(slug_field="key", read_only=True)
    items = serializers.SlugRelatedField(
        slug_field="number",
        many=True,
        read_only=True,
        label=_("inspection items"),
        help_text=_("Item numbers."),
    )

    class Meta:
        model = Milestone
        fields = ["id", "campaign", "key", "due_on", "title", "responsible", "level", "items"]


class CampaignFilter(django_filters.FilterSet):
    year = django_filters.NumberFilter(label=_("Year of the campaign"))

    class Meta:
        model = Campaign
        fields = ["year"]


class MilestoneFilter(django_filters.FilterSet):
    campaign__key = django_filters.CharFilter(label=_("Key of the campaign, e.g. anshan-2020"))

    class Meta:
        model = Milestone
        fields = ["campaign__key", "level"]


@extend_schema_view(
    list=extend_schema(
        summary=_("List campaigns"),
        description=_("The supervision campaigns of your region and above, with their inspection items."),
    ),
    retrieve=extend_schema(
        summary=_("Read a campaign"), description=_("One campaign with its inspection items.")
    ),
)
class CampaignViewSet(viewsets.ReadOnlyModelViewSet):
    serializer_class = CampaignSerializer
    filterset_class = CampaignFilter

    def get_queryset(self):
        return (
            Campaign.objects.visible_to(self.request.user)
            .select_related("region")
            .prefetch_related("items__key_task")
        )


@extend_schema_view(
    list=extend_schema(
        summary=_("List milestones"),
        description=_("The dated deadlines of the campaigns you can see, with the items due at each."),
    ),
    retrieve=extend_schema(summary=_("Read a milestone"), description=_("One dated deadline of a campaign.")),
)
class MilestoneViewSet(viewsets.ReadOnlyModelViewSet):
    serializer_class = MilestoneSerializer
    filterset_class = MilestoneFilter

    def get_queryset(self):
        return (
            Milestone.objects.visible_to(self.request.user)
            .select_related("campaign")
            .prefetch_related("items")
        )
