"""The inspections endpoints of the REST API (issue 18), registered by config/api_urls.py: the 双随机
draws (read only) and the inspection records (read, and the conclusion through the page's service).

The same scoping as the pages (`Draw.objects.visible_to`, `Inspection.objects.visible_to`: 404
outside it), the same roles (draws: city and district staff; records: also the institution's users,
their own concluded records, and the departments named by a record's items), the same service for
the one write (`inspections.records.conclude`). Inspectors appear with their name, department and
region only: phones and certificate numbers stay in the directory, as on the pages."""

import django_filters
from django.utils.translation import gettext_lazy as _
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import extend_schema, extend_schema_field, extend_schema_view
from rest_framework import permissions, serializers, viewsets
from rest_framework.decorators import action
from rest_framework.response import Response

from core import workdays
from core.api import CursorPagination, IdempotentPostMixin
from core.roles import Role
from hazards.filters import visible_hazards
from inspections import records
from inspections.directory import department_name
from inspections.labels import draw_context
from inspections.models import Draw, Finding, Inspection
from inspections.public_views import public_results


def role_permission(*roles, superuser=True):
    """A DRF permission: the user's role is one of `roles` (superusers too unless `superuser` is
    False), as the pages' `core.permissions.role_required`; others get 403."""

    class RolePermission(permissions.BasePermission):
        def has_permission(self, request, view):
            user = request.user
            return bool(
                user and user.is_authenticated and ((superuser and user.is_superuser) or user.role in roles)
            )

    return RolePermission


# Draws -------------------------------------------------------------------------------------------


class DrawnInspectorSerializer(serializers.Serializer):
    name = serializers.CharField(label=_("name"))
    department = serializers.CharField(label=_("department"))


class DrawnEntrySerializer(serializers.Serializer):
    rank = serializers.IntegerField(label=_("rank"))
    institution = serializers.IntegerField(source="id", label=_("institution"))
    name = serializers.CharField(label=_("institution name"))
    region = serializers.CharField(label=_("region code"))
    region_name = serializers.CharField(label=_("region"))
    weight = serializers.IntegerField(label=_("weight"))
    risk_factors = serializers.ListField(
        child=serializers.CharField(), source="factor_labels", label=_("risk factors")
    )
    inspectors = DrawnInspectorSerializer(many=True, default=list, label=_("inspectors"))
    problem = serializers.CharField(
        source="problem_label",
        label=_("problem"),
        help_text=_("Why no valid team of inspectors could be formed (empty when one was)."),
    )


class PublishedResultSerializer(serializers.Serializer):
    institution = serializers.CharField(label=_("institution name"))
    conclusion = serializers.CharField(label=_("conclusion"))
    concluded_on = serializers.DateField(label=_("concluded on"))


class DrawSerializer(serializers.ModelSerializer):
    region = serializers.CharField(source="region.code", read_only=True, label=_("organised by"))
    scope_regions = serializers.SlugRelatedField(
        slug_field="code", many=True, read_only=True, label=_("regions"), help_text=_("Region codes.")
    )
    redraw_of = serializers.PrimaryKeyRelatedField(read_only=True, label=_("redraw of"))

    class Meta:
        model = Draw
        fields = [
            "id",
            "title",
            "year",
            "region",
            "scope_regions",
            "status",
            "inputs_sha256",
            "frozen_at",
            "seed_kind",
            "seed_available_on",
            "seed",
            "drawn_at",
            "annulled_at",
            "annul_reason",
            "redraw_of",
            "version",
        ]
        read_only_fields = fields


class DrawDetailSerializer(DrawSerializer):
    drawn = serializers.SerializerMethodField(
        label=_("drawn institutions"),
        help_text=_("In rank order, with the inspectors assigned, as the draw's page shows them."),
    )
    results = serializers.SerializerMethodField(
        label=_("published results"),
        help_text=_(
            "The concluded inspections of the drawn institutions, as the public page publishes them."
        ),
    )

    class Meta(DrawSerializer.Meta):
        fields = [*DrawSerializer.Meta.fields, "drawn", "results"]
        read_only_fields = fields

    @extend_schema_field(DrawnEntrySerializer(many=True))
    def get_drawn(self, draw):
        return DrawnEntrySerializer(draw_context(draw)["drawn"], many=True).data

    @extend_schema_field(PublishedResultSerializer(many=True))
    def get_results(self, draw):
        return PublishedResultSerializer(public_results(draw), many=True).data


class DrawFilter(django_filters.FilterSet):
    year = django_filters.NumberFilter(label=_("Year of the draw"))
    status = django_filters.ChoiceFilter(choices=Draw.Status.choices, label=_("Status of the draw"))

    class Meta:
        model = Draw
        fields = ["year", "status"]


@extend_schema_view(
    list=extend_schema(
        summary=_("List draws"),
        description=_(
            "The 双随机 draws you can see: city staff their city's, district staff those whose scope covers "
            "their unit. 403 for other roles."
        ),
    ),
    retrieve=extend_schema(
        summary=_("Read a draw"),
        description=_(
            "One draw with its drawn institutions and their inspectors, and the results published for it; "
            "404 outside your scope."
        ),
    ),
)
class DrawViewSet(viewsets.ReadOnlyModelViewSet):
    permission_classes = [permissions.IsAuthenticated, role_permission(Role.CITY, Role.DISTRICT)]
    filterset_class = DrawFilter
    ordering_fields = ["created_at", "year"]

    def get_queryset(self):
        return (
            Draw.objects.visible_to(self.request.user)
            .select_related("region", "redraw_of")
            .prefetch_related("scope_regions", "items")
            .order_by("-created_at", "-pk")
        )

    def get_serializer_class(self):
        return DrawDetailSerializer if self.action == "retrieve" else DrawSerializer


# Inspection records ------------------------------------------------------------------------------


class InspectionInspectorSerializer(serializers.Serializer):
    name = serializers.CharField(label=_("name"))
    department = serializers.SerializerMethodField(label=_("department"))
    region = serializers.CharField(source="region.name", label=_("region"))

    @extend_schema_field(OpenApiTypes.STR)
    def get_department(self, inspector):
        return department_name(inspector.department)


class InspectionItemNameSerializer(serializers.Serializer):
    code = serializers.CharField(label=_("item code"))
    name = serializers.CharField(label=_("item"))


class InspectionFindingSerializer(serializers.ModelSerializer):
    item = serializers.CharField(source="point.item.code", read_only=True, label=_("item code"))
    number = serializers.IntegerField(source="point.number", read_only=True, label=_("number"))
    text = serializers.CharField(source="point.text", read_only=True, label=_("checklist point"))
    category = serializers.CharField(source="point.category", read_only=True, label=_("field"))
    hazard = serializers.SerializerMethodField(
        label=_("hazard"),
        help_text=_("The hazard this finding became, when you may open it (else null)."),
    )

    class Meta:
        model = Finding
        fields = ["id", "item", "number", "text", "category", "answer", "note", "hazard", "version"]
        read_only_fields = fields

    @extend_schema_field(OpenApiTypes.INT)
    def get_hazard(self, finding):
        return finding.hazard_id if finding.hazard_id in self.context.get("visible_hazards", ()) else None


class InspectionSerializer(serializers.ModelSerializer):
    institution_name = serializers.CharField(
        source="institution.name", read_only=True, label=_("institution name")
    )
    region = serializers.CharField(source="region.code", read_only=True, label=_("region code"))
    draw = serializers.SerializerMethodField(
        label=_("draw"),
        help_text=_("The draw the institution was drawn in (city and district staff only; else null)."),
    )

    class Meta:
        model = Inspection
        fields = [
            "id",
            "institution",
            "institution_name",
            "region",
            "kind",
            "draw",
            "inspected_on",
            "conclusion",
            "concluded_on",
            "version",
        ]
        read_only_fields = fields

    @extend_schema_field(OpenApiTypes.INT)
    def get_draw(self, inspection):
        if inspection.drawn_id is None or not records.can_record(self.context["request"].user):
            return None
        return inspection.drawn.draw_id


class InspectionDetailSerializer(InspectionSerializer):
    inspectors = InspectionInspectorSerializer(many=True, read_only=True, label=_("inspectors"))
    items = InspectionItemNameSerializer(many=True, read_only=True, label=_("inspection items"))
    findings = serializers.SerializerMethodField(label=_("findings"))
    publication_due = serializers.SerializerMethodField(
        label=_("result to be published by"),
        help_text=_(
            "20 working days after the conclusion (statutory holidays off); null before the conclusion "
            "or when the year's holidays are not entered."
        ),
    )

    class Meta(InspectionSerializer.Meta):
        fields = [
            *InspectionSerializer.Meta.fields,
            "representative",
            "summary",
            "inspectors",
            "items",
            "findings",
            "publication_due",
        ]
        read_only_fields = fields

    @extend_schema_field(InspectionFindingSerializer(many=True))
    def get_findings(self, inspection):
        findings = list(
            inspection.findings.select_related("point__item").order_by("point__item__code", "point__number")
        )
        ids = [f.hazard_id for f in findings if f.hazard_id]
        user = self.context["request"].user
        seen = set(visible_hazards(user).filter(pk__in=ids).values_list("pk", flat=True)) if ids else set()
        return InspectionFindingSerializer(findings, many=True, context={"visible_hazards": seen}).data

    @extend_schema_field(OpenApiTypes.DATE)
    def get_publication_due(self, inspection):
        try:
            due = records.publication_due(inspection)
        except workdays.UnknownCalendarYear:
            return None
        return due.isoformat() if due else None


class InspectionFilter(django_filters.FilterSet):
    kind = django_filters.ChoiceFilter(choices=Inspection.Kind.choices, label=_("Kind of inspection"))
    conclusion = django_filters.ChoiceFilter(choices=Inspection.Conclusion.choices, label=_("Conclusion"))
    concluded = django_filters.BooleanFilter(
        field_name="concluded_on",
        lookup_expr="isnull",
        exclude=True,
        label=_("Concluded (true) or open (false)"),
    )
    institution = django_filters.NumberFilter(field_name="institution_id", label=_("Institution id"))
    inspected_from = django_filters.DateFilter(
        field_name="inspected_on", lookup_expr="gte", label=_("Inspected on or after (YYYY-MM-DD)")
    )
    inspected_to = django_filters.DateFilter(
        field_name="inspected_on", lookup_expr="lte", label=_("Inspected on or before (YYYY-MM-DD)")
    )

    class Meta:
        model = Inspection
        fields = ["kind", "conclusion", "concluded", "institution", "inspected_from", "inspected_to"]


class InspectionConcludeSerializer(serializers.Serializer):
    conclusion = serializers.ChoiceField(choices=Inspection.Conclusion.choices, label=_("conclusion"))
    summary = serializers.CharField(label=_("Summary of the inspection"))


class InspectionCursorPagination(CursorPagination):
    ordering = ("-inspected_on", "-pk")


@extend_schema_view(
    list=extend_schema(
        summary=_("List inspection records"),
        description=_(
            "The inspection records you can see, newest first: city and district staff their area's, an "
            "institution's users their own concluded ones, a department's users those whose items name it."
        ),
    ),
    retrieve=extend_schema(
        summary=_("Read an inspection record"),
        description=_(
            "One record with its inspectors, items and each checklist point's result; 404 outside your scope."
        ),
    ),
)
class InspectionViewSet(IdempotentPostMixin, viewsets.ReadOnlyModelViewSet):
    permission_classes = [
        permissions.IsAuthenticated,
        role_permission(Role.CITY, Role.DISTRICT, Role.INSTITUTION, Role.DEPARTMENT),
    ]
    filterset_class = InspectionFilter
    pagination_class = InspectionCursorPagination
    ordering_fields = ["inspected_on"]

    def get_queryset(self):
        queryset = Inspection.objects.visible_to(self.request.user).select_related(
            "institution", "region", "drawn"
        )
        if self.action != "list":
            queryset = queryset.prefetch_related("inspectors__region", "items")
        return queryset

    def get_serializer_class(self):
        return InspectionSerializer if self.action == "list" else InspectionDetailSerializer

    @extend_schema(
        summary=_("Conclude an inspection record"),
        description=_(
            "合格 / 责令整改 / 处罚 with a summary, dated today, as the record page does (the same service): every "
            "point must be answered and 合格 is refused with a 不符合 point (400). City and district staff only "
            "(403); a concluded record is read only (400)."
        ),
        request=InspectionConcludeSerializer,
        responses=InspectionDetailSerializer,
    )
    @action(detail=True, methods=["post"])
    def conclude(self, request, pk=None):
        inspection = self.get_object()
        if not records.can_record(request.user):
            self.permission_denied(request)
        data = InspectionConcludeSerializer(data=request.data)
        data.is_valid(raise_exception=True)
        records.conclude(inspection=inspection, by=request.user, **data.validated_data)
        inspection = self.get_queryset().get(pk=inspection.pk)
        return Response(InspectionDetailSerializer(inspection, context=self.get_serializer_context()).data)


def register(router) -> None:
    """Add this app's viewsets to the API's router (prefix, viewset, basename)."""
    router.register("draws", DrawViewSet, basename="draw")
    router.register("inspections", InspectionViewSet, basename="inspection")
