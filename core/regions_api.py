"""The regions endpoint of the REST API (issue 18)."""

from rest_framework import serializers, viewsets

from core.models import Region


class RegionSerializer(serializers.ModelSerializer):
    parent = serializers.SlugRelatedField(slug_field="code", read_only=True)

    class Meta:
        model = Region
        fields = ["id", "code", "name", "kind", "parent", "has_official_code"]


class RegionViewSet(viewsets.ReadOnlyModelViewSet):
    serializer_class = RegionSerializer
    filterset_fields = ["kind"]

    def get_queryset(self):
        return Region.objects.visible_to(self.request.user).select_related("parent")
