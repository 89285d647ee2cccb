from rest_framework import serializers, viewsets

from campaign.models import Campaign, InspectionItem, Milestone


class InspectionItemSerializer(serializers.ModelSerializer):
    key_task = serializers.SlugRelatedField(slug_field="number", read_only=True)

    class Meta:
        model = InspectionItem
        fields = ["number", "text", "key_task", "level", "answer_kind"]


class CampaignSerializer(serializers.ModelSerializer):
    region = serializers.SlugRelatedField(slug_field="code", read_only=True)
    items = InspectionItemSerializer(many=True, read_only=True)

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
    items = serializers.SlugRelatedField(slug_field="number", many=True, read_only=True)

    class Meta:
        model = Milestone
        fields = ["id", "campaign", "key", "due_on", "title", "responsible", "level", "items"]


class CampaignViewSet(viewsets.ReadOnlyModelViewSet):
    serializer_class = CampaignSerializer
    filterset_fields = ["year"]

    def get_queryset(self):
        return (
            Campaign.objects.visible_to(self.request.user)
            .select_related("region")
            .prefetch_related("items__key_task")
        )


class MilestoneViewSet(viewsets.ReadOnlyModelViewSet):
    serializer_class = MilestoneSerializer
    filterset_fields = ["campaign__key", "level"]

    def get_queryset(self):
        return (
            Milestone.objects.visible_to(self.request.user)
            .select_related("campaign")
            .prefetch_related("items")
        )
