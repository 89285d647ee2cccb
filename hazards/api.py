"""The hazard ledger's endpoints of the REST API (issue 18), registered by config/api_urls.py.

- ``/api/v1/hazards/``: the ledger (the page's filters, `hazards.filters.HazardFilter`), a hazard
  with its timeline, files, written notices and the steps the reader may take; record, edit,
  take a step (``transition``), change the deadline (``extend``), add a file (``evidence``), refer
  to a department (``refer``), delete (soft, with a reason).
- ``/api/v1/evidence/``: one evidence file's facts and its download (``download``), with the
  checks and headers of the page's download view (`core.evidence`).
- ``/api/v1/referrals/``: the written notices (书面告知) the reader can see; a department replies
  (``reply``).

Every write calls the service function the page calls (`hazards.services`): one set of rules. The
role gate of each action is the page view's (`role_required` in hazards/views.py), so a role the
page refuses gets 403 here too; the rest (status, role of a step, notes, fresh evidence, version)
is the service's, whose ValidationError becomes 400 (409 for a stale version) in
`core.api.exception_handler`.
"""

from django.contrib.contenttypes.models import ContentType
from django.db.models import Prefetch, Q
from django.utils.translation import gettext_lazy as _
from django_filters import rest_framework as drf_filters
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import OpenApiResponse, extend_schema, extend_schema_view
from rest_framework import filters, mixins, permissions, serializers, status, viewsets
from rest_framework.decorators import action
from rest_framework.response import Response

from core.api import CursorPagination, IdempotentPostMixin
from core.evidence import evidence_response, visible_evidence, visible_evidence_or_404
from core.filters import ChoiceFilter
from core.models import Evidence
from core.roles import Department, Role
from hazards import services
from hazards.filters import HazardFilter
from hazards.models import Hazard, Referral
from hazards.serializers import (
    EvidenceFileSerializer,
    HazardDeleteSerializer,
    HazardDetailSerializer,
    HazardEvidenceUploadSerializer,
    HazardExtendSerializer,
    HazardSerializer,
    HazardTransitionSerializer,
    HazardWriteSerializer,
    ReferralCreateSerializer,
    ReferralReplySerializer,
    ReferralSerializer,
)
from hazards.views import READERS
from institutions.filters import YesNoFilter

# Permissions: the page views' role gates ---------------------------------------------------------


class PageRoles(permissions.BasePermission):
    """The roles the page's view lets in for this action (`role_required` in hazards/views.py):
    the viewset's ``roles`` maps an action (``"evidence:post"`` for one method of it) to
    ``(roles, superuser)``; others get 403 before any object is looked up, as on the page."""

    def has_permission(self, request, view):
        key = f"{view.action}:{request.method.lower()}"
        roles, superuser = view.roles.get(key) or view.roles.get(view.action) or view.roles["*"]
        user = request.user
        return bool((superuser and user.is_superuser) or user.role in roles)


READ = (READERS, True)
DISTRICT = ((Role.DISTRICT,), False)
STEP_TAKERS = ((Role.DISTRICT, Role.INSTITUTION), False)
DEPARTMENT = ((Role.DEPARTMENT,), False)


class HazardApiFilter(HazardFilter):
    """The ledger page's filter set, the same filters with the same meaning (the request is passed
    as the page passes it: `DjangoFilterBackend` gives ``request=``); the page's sort choice is
    the API's ``ordering`` parameter instead (cursor pagination needs to know the order)."""


del HazardApiFilter.base_filters["ordering"]


class StableOrderingFilter(filters.OrderingFilter):
    """``?ordering=deadline`` (or ``-deadline``, …) with the primary key as the tie-break, so a
    cursor page never repeats or skips a hazard with the same deadline."""

    def get_ordering(self, request, queryset, view):
        ordering = list(super().get_ordering(request, queryset, view) or [])
        if not any(field.lstrip("-") in ("pk", "id") for field in ordering):
            ordering.append("-pk" if ordering and ordering[0].startswith("-") else "pk")
        return ordering


class HazardCursorPagination(CursorPagination):
    ordering = "-pk"


class ReferralFilter(drf_filters.FilterSet):
    department = ChoiceFilter(label=_("Department"), choices=Department.choices)
    replied = YesNoFilter(label=_("Replied"), method="filter_replied")
    hazard = drf_filters.NumberFilter(label=_("Hazard (id)"), field_name="hazard_id")

    class Meta:
        model = Referral
        fields: list[str] = []

    def filter_replied(self, queryset, name, value):
        if value in ("yes", "no"):
            return queryset.filter(replied_on__isnull=(value == "no"))
        return queryset


# Viewsets ----------------------------------------------------------------------------------------

NOT_FOUND = OpenApiResponse(description=_("Not found, or outside your scope."))
REFUSED = OpenApiResponse(description=_("Your role cannot do this (the page refuses it too)."))
CONFLICT = OpenApiResponse(description=_("Someone else changed the hazard since the version you sent."))


@extend_schema_view(
    list=extend_schema(
        summary=_("List hazards"),
        description=_(
            "The ledger as you see it on the page, with the page's filters (overdue=yes for the overdue hazards, "
            "status, region, institution, …). Newest recorded first unless ordering is given; the next page "
            "from the next link (cursor)."
        ),
    ),
    retrieve=extend_schema(
        summary=_("Read a hazard"),
        description=_(
            "The hazard with its timeline, files, written notices and the steps you may take; 404 outside your "
            "scope."
        ),
        responses={200: HazardDetailSerializer, 404: NOT_FOUND},
    ),
    create=extend_schema(
        summary=_("Record a hazard"),
        description=_(
            "District staff: a new hazard of one of your institutions (status 待整改, the next ledger number). "
            "JSON, or multipart with photos before rectification."
        ),
        request={"application/json": HazardWriteSerializer, "multipart/form-data": HazardWriteSerializer},
        responses={201: HazardDetailSerializer, 403: REFUSED},
    ),
    partial_update=extend_schema(
        summary=_("Edit a hazard"),
        description=_(
            "District staff, an open hazard: the fields sent, with the version you read (409 if someone saved "
            "since). Not the status (transition) nor the deadline (extend)."
        ),
        request=HazardWriteSerializer,
        responses={200: HazardDetailSerializer, 403: REFUSED, 409: CONFLICT},
    ),
    destroy=extend_schema(
        summary=_("Delete a hazard"),
        description=_(
            "District staff: takes a wrongly recorded hazard off the ledger, with a reason (its rows and files "
            "are kept until purged)."
        ),
        request=HazardDeleteSerializer,
        responses={204: None, 403: REFUSED},
    ),
)
class HazardViewSet(
    IdempotentPostMixin,
    mixins.ListModelMixin,
    mixins.RetrieveModelMixin,
    mixins.CreateModelMixin,
    mixins.DestroyModelMixin,
    viewsets.GenericViewSet,
):
    http_method_names = ["get", "post", "patch", "delete", "head", "options"]
    permission_classes = [permissions.IsAuthenticated, PageRoles]
    roles = {
        "*": READ,
        "create": DISTRICT,
        "partial_update": DISTRICT,
        "destroy": DISTRICT,
        "transition": STEP_TAKERS,
        "extend": DISTRICT,
        "evidence:post": STEP_TAKERS,
        "refer": DISTRICT,
    }
    filter_backends = [drf_filters.DjangoFilterBackend, StableOrderingFilter]
    filterset_class = HazardApiFilter
    ordering_fields = ["deadline", "found_on", "code", "severity", "status", "updated_at", "created_at", "id"]
    pagination_class = HazardCursorPagination

    def get_queryset(self):
        return (
            Hazard.objects.visible_to(self.request.user)
            .live()
            .select_related("institution", "region", "created_by", "verified_by")
            .with_overdue()
        )

    def get_serializer_class(self):
        return HazardSerializer if self.action == "list" else HazardDetailSerializer

    def _detail(self, pk, status_code=status.HTTP_200_OK):
        hazard = self.get_queryset().get(pk=pk)
        return Response(
            HazardDetailSerializer(hazard, context=self.get_serializer_context()).data, status=status_code
        )

    def create(self, request, *args, **kwargs):
        serializer = HazardWriteSerializer(data=request.data, context=self.get_serializer_context())
        serializer.is_valid(raise_exception=True)
        values = dict(serializer.validated_data)
        values.pop("version", None)
        photos = values.pop("photos", [])
        hazard = services.hazard_create(hazard=Hazard(**values), by=request.user, photos=photos)
        return self._detail(hazard.pk, status.HTTP_201_CREATED)

    def partial_update(self, request, *args, **kwargs):
        hazard = self.get_object()
        serializer = HazardWriteSerializer(
            hazard, data=request.data, partial=True, context=self.get_serializer_context()
        )
        serializer.is_valid(raise_exception=True)
        values = dict(serializer.validated_data)
        if "version" not in values:
            raise serializers.ValidationError(
                {"version": [_("Send the version you read (the hazard's version).")]}
            )
        version = values.pop("version")
        if values.pop("photos", None):
            raise serializers.ValidationError(
                {"photos": [_("Add files to a recorded hazard with its evidence action.")]}
            )
        for name, value in values.items():
            setattr(hazard, name, value)
        services.hazard_update(hazard=hazard, expected_version=version, by=request.user)
        return self._detail(hazard.pk)

    def destroy(self, request, *args, **kwargs):
        hazard = self.get_object()
        serializer = HazardDeleteSerializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        services.hazard_delete(hazard=hazard, reason=serializer.validated_data["reason"], by=request.user)
        return Response(status=status.HTTP_204_NO_CONTENT)

    @extend_schema(
        summary=_("Take a workflow step"),
        description=_(
            "start, submit, close or return, with the page's rules: the step must fit the current status and "
            "your role (only district staff close or return, with a note), submit needs an “after” file "
            "uploaded since the last return, and the version you read must still be current (409)."
        ),
        request=HazardTransitionSerializer,
        responses={200: HazardDetailSerializer, 403: REFUSED, 404: NOT_FOUND, 409: CONFLICT},
    )
    @action(detail=True, methods=["post"])
    def transition(self, request, pk=None):
        hazard = self.get_object()
        serializer = HazardTransitionSerializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        data = serializer.validated_data
        services.hazard_transition(
            hazard=hazard,
            action=data["action"],
            by=request.user,
            note=data["note"],
            expected_version=data["version"],
        )
        return self._detail(hazard.pk)

    @extend_schema(
        summary=_("Change the deadline"),
        description=_(
            "District staff, an open hazard: a new deadline with a reason; the original deadline and every "
            "change are kept. 409 if the hazard changed since the version you sent."
        ),
        request=HazardExtendSerializer,
        responses={200: HazardDetailSerializer, 403: REFUSED, 404: NOT_FOUND, 409: CONFLICT},
    )
    @action(detail=True, methods=["post"])
    def extend(self, request, pk=None):
        hazard = self.get_object()
        serializer = HazardExtendSerializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        data = serializer.validated_data
        services.hazard_extend(
            hazard=hazard,
            new_deadline=data["new_deadline"],
            reason=data["reason"],
            expected_version=data["version"],
            by=request.user,
        )
        return self._detail(hazard.pk)

    @extend_schema(
        methods=["GET"],
        summary=_("List a hazard's files"),
        description=_(
            "Its photos and documents before and after rectification, oldest first, with download links."
        ),
        responses={200: EvidenceFileSerializer(many=True), 404: NOT_FOUND},
    )
    @extend_schema(
        methods=["POST"],
        summary=_("Add a file to a hazard"),
        description=_(
            "District or institution staff, an open hazard (multipart): a photo or document before or after "
            "rectification, checked as on the page (type by content, size)."
        ),
        request={"multipart/form-data": HazardEvidenceUploadSerializer},
        responses={201: EvidenceFileSerializer, 403: REFUSED, 404: NOT_FOUND},
    )
    @action(detail=True, methods=["get", "post"])
    def evidence(self, request, pk=None):
        hazard = self.get_object()
        if request.method == "GET":
            files = (
                visible_evidence(request.user)
                .filter(owner_type=ContentType.objects.get_for_model(Hazard), owner_id=hazard.pk)
                .select_related("uploaded_by")
                .order_by("created_at", "pk")
            )
            return Response(
                EvidenceFileSerializer(files, many=True, context=self.get_serializer_context()).data
            )
        serializer = HazardEvidenceUploadSerializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        data = serializer.validated_data
        evidence = services.evidence_add(
            hazard=hazard, file=data["file"], purpose=data["purpose"], by=request.user
        )
        return Response(
            EvidenceFileSerializer(evidence, context=self.get_serializer_context()).data,
            status=status.HTTP_201_CREATED,
        )

    @extend_schema(
        summary=_("Refer a hazard to a department"),
        description=_(
            "District staff (multipart): the written notice (书面告知) to a competent department, with the notice "
            "attached; once per department."
        ),
        request={"multipart/form-data": ReferralCreateSerializer},
        responses={201: ReferralSerializer, 403: REFUSED, 404: NOT_FOUND},
    )
    @action(detail=True, methods=["post"])
    def refer(self, request, pk=None):
        hazard = self.get_object()
        serializer = ReferralCreateSerializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        data = serializer.validated_data
        referral = services.referral_create(
            hazard=hazard,
            department=data["department"],
            referred_on=data["referred_on"],
            note=data["note"],
            notice=data["notice"],
            by=request.user,
        )
        return Response(
            ReferralSerializer(referral, context=self.get_serializer_context()).data,
            status=status.HTTP_201_CREATED,
        )


@extend_schema_view(
    retrieve=extend_schema(
        summary=_("Read an evidence file's facts"),
        description=_(
            "A file of a hazard or of a written notice: name, type, size, uploader and download link; 404 unless "
            "you can see the hazard or the notice."
        ),
        responses={200: EvidenceFileSerializer, 404: NOT_FOUND},
    ),
)
class EvidenceViewSet(mixins.RetrieveModelMixin, viewsets.GenericViewSet):
    """The ledger's evidence files: those of the hazards and the written notices the reader can
    see (the page's hazard detail shows the same). The download is the page's download view's
    (`core.evidence_views.evidence_download`: `visible_evidence_or_404`, then `evidence_response`)."""

    serializer_class = EvidenceFileSerializer
    permission_classes = [permissions.IsAuthenticated]

    def get_queryset(self):
        if getattr(self, "swagger_fake_view", False):  # the schema generator: no user, no query
            return Evidence.objects.none()
        user = self.request.user
        hazards = Hazard.objects.visible_to(user).live().values("pk")
        referrals = Referral.objects.visible_to(user).filter(hazard__deleted_at__isnull=True).values("pk")
        owner_type = ContentType.objects.get_for_model
        return (
            Evidence.objects.live()
            .filter(
                Q(owner_type=owner_type(Hazard), owner_id__in=hazards)
                | Q(owner_type=owner_type(Referral), owner_id__in=referrals)
            )
            .select_related("uploaded_by")
        )

    @extend_schema(
        summary=_("Download an evidence file"),
        description=_(
            "The file exactly as uploaded, as an attachment under its original name, with the page's checks and "
            "headers (type as detected on upload, nosniff, a sandboxing Content-Security-Policy); 404 outside "
            "your scope."
        ),
        responses={(200, "*/*"): OpenApiTypes.BINARY, 404: NOT_FOUND},
    )
    @action(detail=True, methods=["get"])
    def download(self, request, pk=None):
        evidence = self.get_object()  # a file of the ledger, in the reader's scope
        # then exactly the page's download view (core.evidence_views.evidence_download)
        return evidence_response(visible_evidence_or_404(request.user, evidence.pk), inline=False)


@extend_schema_view(
    list=extend_schema(
        summary=_("List written notices"),
        description=_(
            "The written notices (书面告知) you can see: a department its own department's, district and city staff "
            "those of their area. Filter by department, replied and hazard."
        ),
    ),
    retrieve=extend_schema(
        summary=_("Read a written notice"),
        description=_("The notice with its reply and files; 404 outside your scope."),
        responses={200: ReferralSerializer, 404: NOT_FOUND},
    ),
)
class ReferralViewSet(IdempotentPostMixin, viewsets.ReadOnlyModelViewSet):
    serializer_class = ReferralSerializer
    permission_classes = [permissions.IsAuthenticated, PageRoles]
    roles = {"*": READ, "reply": DEPARTMENT}
    filterset_class = ReferralFilter
    ordering_fields = ["referred_on", "replied_on", "id"]
    ordering = ["-referred_on", "-pk"]

    def get_queryset(self):
        return (
            Referral.objects.visible_to(self.request.user)
            .filter(hazard__deleted_at__isnull=True)
            .select_related("hazard", "referred_by", "replied_by")
            .prefetch_related(
                Prefetch(
                    "evidence",
                    queryset=Evidence.objects.live()
                    .select_related("uploaded_by")
                    .order_by("created_at", "pk"),
                    to_attr="live_files",
                )
            )
            .order_by("-referred_on", "-pk")
        )

    @extend_schema(
        summary=_("Reply to a written notice"),
        description=_(
            "Staff of the notified department: the department's reply and its date, optionally the written reply "
            "(multipart), as on the hazard's page."
        ),
        request={"multipart/form-data": ReferralReplySerializer, "application/json": ReferralReplySerializer},
        responses={200: ReferralSerializer, 403: REFUSED, 404: NOT_FOUND},
    )
    @action(detail=True, methods=["post"])
    def reply(self, request, pk=None):
        referral = self.get_object()
        serializer = ReferralReplySerializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        data = serializer.validated_data
        services.referral_reply(
            referral=referral,
            reply=data["reply"],
            replied_on=data["replied_on"],
            attachment=data.get("attachment"),
            by=request.user,
        )
        return Response(
            ReferralSerializer(
                self.get_queryset().get(pk=referral.pk), context=self.get_serializer_context()
            ).data
        )


def register(router) -> None:
    """Add this app's viewsets to the API's router (prefix, viewset, basename)."""
    router.register("hazards", HazardViewSet, basename="hazard")
    router.register("evidence", EvidenceViewSet, basename="evidence")
    router.register("referrals", ReferralViewSet, basename="referral")
