"""The regions endpoint of the REST API (issue 18)."""

from django.utils.translation import gettext_lazy as _
from drf_spectacular.utils import extend_schema, extend_schema_view
from rest_framework import serializers, viewsets

from core.models import Region


class RegionSerializer(serializers.ModelSerializer):
    parent = serializers.SlugRelatedField(
        slug_field="code", read_only=True, label=_("parent region"), help_text=_("The parent region's code.")
    )

    has_official_code = serializers.BooleanField(
        read_only=True,
        label=_("has an official code"),
        help_text=_("True when the code is a GB/T 2260 administrative-division code."),
    )

    class Meta:
        model = Region
        fields = ["id", "code", "name", "kind", "parent", "has_official_code"]


@extend_schema_view(
    list=extend_schema(
        summary=_("List regions"),
        description=_("The regions you can see: your own and those below it (a province sees its cities)."),
    ),
    retrieve=extend_schema(
        summary=_("Read a region"), description=_("One region in your scope; 404 outside it.")
    ),
)
class RegionViewSet(viewsets.ReadOnlyModelViewSet):
    serializer_class = RegionSerializer
    filterset_fields = ["kind"]

    def get_queryset(self):
        return Region.objects.visible_to(self.request.user).select_related("parent")
