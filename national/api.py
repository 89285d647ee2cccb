"""The reconciliation endpoints of the REST API (issue 18 part 5), registered by config/api_urls.py:
upload the national export for a dry run, read the runs and their rows, and decide a row (the
district's confirmation). The same service functions as the pages (`national.services`): one set
of rules, the same scoping (`visible_to`), Chinese errors, 409 on a version conflict."""

from django.core.exceptions import PermissionDenied, ValidationError
from django.utils.translation import gettext_lazy as _
from drf_spectacular.utils import extend_schema, extend_schema_view
from rest_framework import mixins, permissions, serializers, status, viewsets
from rest_framework.decorators import action
from rest_framework.parsers import FormParser, MultiPartParser
from rest_framework.response import Response

from core.api import IdempotentPostMixin
from national import services
from national.models import ReconciliationRow, ReconciliationRun


class CanReconcile(permissions.BasePermission):
    """City and district staff (and superusers); others get 403."""

    def has_permission(self, request, view):
        return services.can_reconcile(request.user)


class RunSerializer(serializers.ModelSerializer):
    created_by = serializers.CharField(source="created_by.username", read_only=True, label=_("reconciled by"))
    region = serializers.CharField(
        source="region.code",
        read_only=True,
        default=None,
        allow_null=True,
        label=_("scope"),
        help_text=_("The scope's region code."),
    )
    counts = serializers.DictField(
        child=serializers.IntegerField(),
        read_only=True,
        label=_("counts"),
        help_text=_(
            "Rows by result: create (not in the registry), update (differs), unchanged, conflict, missing "
            "(not in the national system), outside (outside your scope, not named)."
        ),
    )
    compared = serializers.ListField(
        child=serializers.CharField(), read_only=True, label=_("compared fields")
    )

    class Meta:
        model = ReconciliationRun
        fields = [
            "id",
            "created_at",
            "created_by",
            "region",
            "file_name",
            "beds_tolerance",
            "beds_tolerance_percent",
            "ignore_area_granularity",
            "compared",
            "row_count",
            "counts",
        ]
        read_only_fields = fields


class UploadSerializer(serializers.Serializer):
    file = serializers.FileField(label=_("National system export (.xlsx)"))
    beds_tolerance = serializers.IntegerField(
        label=_("beds may differ by (beds)"), min_value=0, max_value=10000, default=0
    )
    beds_tolerance_percent = serializers.IntegerField(
        label=_("beds may differ by (%)"), min_value=0, max_value=100, default=0
    )
    ignore_area_granularity = serializers.BooleanField(
        label=_("ignore the area code's granularity (6 or 12 digits)"), default=True
    )


class RowSerializer(serializers.ModelSerializer):
    region = serializers.CharField(source="region.code", read_only=True, label=_("region"))
    institution = serializers.IntegerField(
        source="institution_id", read_only=True, allow_null=True, label=_("institution")
    )
    run = serializers.PrimaryKeyRelatedField(read_only=True, label=_("reconciliation run"))
    national = serializers.DictField(read_only=True, label=_("national values"))
    differences = serializers.ListField(
        child=serializers.DictField(),
        read_only=True,
        label=_("differences"),
        help_text=_("Each differing field: field, registry (our value), national (the export's value)."),
    )

    class Meta:
        model = ReconciliationRow
        fields = [
            "id",
            "run",
            "kind",
            "state",
            "region",
            "institution",
            "row_number",
            "national",
            "differences",
            "note",
            "decided_at",
        ]
        read_only_fields = fields


@extend_schema_view(
    list=extend_schema(
        summary=_("List reconciliation runs"), description=_("The runs of your area and above it.")
    ),
    retrieve=extend_schema(
        summary=_("Read a reconciliation run"), description=_("Its counts; 404 outside your scope.")
    ),
    create=extend_schema(
        summary=_("Upload the national export (dry run)"),
        description=_(
            "Compares the export with the registry institutions you can see and keeps the result; nothing in "
            "the registry changes. 400 with the row and column of each bad cell."
        ),
        request={"multipart/form-data": UploadSerializer},
        responses={201: RunSerializer},
    ),
)
class RunViewSet(IdempotentPostMixin, mixins.CreateModelMixin, viewsets.ReadOnlyModelViewSet):
    serializer_class = RunSerializer
    permission_classes = [permissions.IsAuthenticated, CanReconcile]
    parser_classes = [MultiPartParser, FormParser]
    filterset_fields = []
    ordering_fields = ["created_at"]

    def get_queryset(self):
        return ReconciliationRun.objects.visible_to(self.request.user).select_related("created_by", "region")

    def create(self, request, *args, **kwargs):
        upload = UploadSerializer(data=request.data)
        upload.is_valid(raise_exception=True)
        data = upload.validated_data
        tolerance = services.Tolerance(
            beds=data["beds_tolerance"],
            beds_percent=data["beds_tolerance_percent"],
            ignore_area_granularity=data["ignore_area_granularity"],
        )
        try:
            run = services.dry_run(
                file=data["file"], user=request.user, tolerance=tolerance, file_name=data["file"].name
            )
        except ValidationError as error:
            raise serializers.ValidationError({"file": error.messages}) from error
        return Response(RunSerializer(run).data, status=status.HTTP_201_CREATED)

    @extend_schema(
        summary=_("List a run's rows"),
        description=_("The run's rows in your area (a district sees its own); filter by kind and state."),
        responses=RowSerializer(many=True),
    )
    @action(detail=True, methods=["get"])
    def rows(self, request, pk=None):
        run = self.get_object()
        rows = (
            ReconciliationRow.objects.visible_to(request.user)
            .filter(run=run)
            .select_related("region")
            .order_by("pk")
        )
        for name in ("kind", "state"):
            if request.query_params.get(name):
                rows = rows.filter(**{name: request.query_params[name]})
        page = self.paginate_queryset(rows)
        return self.get_paginated_response(RowSerializer(page, many=True).data)


@extend_schema_view(
    retrieve=extend_schema(summary=_("Read a reconciliation row"), description=_("404 outside your area.")),
)
class RowViewSet(IdempotentPostMixin, mixins.RetrieveModelMixin, viewsets.GenericViewSet):
    serializer_class = RowSerializer
    permission_classes = [permissions.IsAuthenticated, CanReconcile]

    def get_queryset(self):
        return ReconciliationRow.objects.visible_to(self.request.user).select_related("region", "run")

    def _decide(self, request, decide):
        row = self.get_object()
        try:
            decide(row=row, by=request.user)
        except PermissionDenied:
            raise
        row.refresh_from_db()
        return Response(RowSerializer(row).data)

    @extend_schema(
        summary=_("Adopt the national values"),
        description=_(
            "The row's district only: writes the export's values into the registry (its validation, version "
            "check and history). 409 when the record changed since the run; 400 when already decided."
        ),
        request=None,
        responses=RowSerializer,
    )
    @action(detail=True, methods=["post"])
    def adopt(self, request, pk=None):
        return self._decide(request, services.adopt)

    @extend_schema(
        summary=_("Keep ours: national system to be corrected"),
        description=_("The row's district only; once per row."),
        request=None,
        responses=RowSerializer,
    )
    @action(detail=True, methods=["post"], url_path="national-to-fix")
    def national_to_fix(self, request, pk=None):
        return self._decide(request, services.mark_national_to_fix)


def register(router) -> None:
    """Add this app's viewsets to the API's router (prefix, viewset, basename)."""
    router.register("national/runs", RunViewSet, basename="national-run")
    router.register("national/rows", RowViewSet, basename="national-row")
