"""The complaints endpoints of the REST API (issue 18), registered by config/api_urls.py: the list and
a complaint (city, district and department staff, each in scope), intake (city and district staff),
and the steps route, result, reply and close.

The same rules as the pages, by the same code: the pages' forms (`complaints.forms`) check the input
and the pages' services (`complaints.services`) decide; `visible_to` scopes every read (404 outside).
The complainant is shown as the pages show it (`complaints.privacy`): masked in the list, in full on
one complaint for city and district staff, withheld from departments (institutions see no complaint).
"""

import django_filters
from django.core.exceptions import PermissionDenied, ValidationError
from django.utils.translation import gettext_lazy as _
from django.utils.translation import pgettext_lazy
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import extend_schema, extend_schema_field, extend_schema_view
from rest_framework import mixins, permissions, serializers, status, viewsets
from rest_framework.decorators import action
from rest_framework.response import Response

from complaints import privacy, services
from complaints.forms import CloseForm, ComplaintForm, ReplyForm, ResultForm, RouteForm
from complaints.models import Category, Complaint, Status
from core.api import CursorPagination, IdempotentPostMixin
from core.models import Region
from core.roles import Department, Role
from hazards.models import Hazard
from inspections.api import role_permission


def _validated(form_class, request, **kwargs) -> dict:
    """The page's form bound to the request's data (``version`` as the form's ``expected_version``):
    its cleaned data, or ValidationError with the form's Chinese messages by field (400)."""
    data = {key: request.data.get(key) for key in request.data}
    if "version" in data:
        data["expected_version"] = data.pop("version")
    form = form_class(data=data, **kwargs)
    if not form.is_valid():
        errors = form.errors.as_data()
        if "expected_version" in errors:
            errors["version"] = errors.pop("expected_version")
        raise ValidationError(errors)
    return form.cleaned_data


class ComplainantSerializer(serializers.Serializer):
    name = serializers.CharField(
        label=_("complainant's name"),
        help_text=_(
            "Masked in lists (张*); in full on one complaint for city and district staff; withheld from departments."
        ),
    )
    contact = serializers.CharField(
        label=_("complainant's contact"), help_text=_("Masked in lists (138****5678).")
    )
    shown = serializers.BooleanField(
        label=_("complainant shown"), help_text=_("False when the complainant is withheld from you.")
    )


class ComplaintSerializer(serializers.ModelSerializer):
    number = serializers.CharField(read_only=True, label=_("complaint number"))
    institution_name = serializers.CharField(
        source="institution.name", read_only=True, label=_("institution name")
    )
    region = serializers.CharField(source="region.code", read_only=True, label=_("region code"))
    complainant = serializers.SerializerMethodField(label=_("complainant"))
    is_overdue = serializers.BooleanField(
        read_only=True, label=_("overdue"), help_text=_("Past the handling deadline and not closed.")
    )
    is_repeat = serializers.BooleanField(
        read_only=True,
        label=_("repeat complaint"),
        help_text=_("An earlier complaint about the same institution and category within 90 days."),
    )

    class Meta:
        model = Complaint
        fields = [
            "id",
            "number",
            "channel",
            "received_on",
            "institution",
            "institution_name",
            "region",
            "category",
            "complainant",
            "department",
            "routed_on",
            "deadline",
            "status",
            "is_overdue",
            "is_repeat",
            "closed_on",
            "version",
        ]
        read_only_fields = fields

    full = False  # the complainant in full (one complaint) or masked (the list)

    @extend_schema_field(ComplainantSerializer)
    def get_complainant(self, complaint):
        return privacy.complainant_for(self.context["request"].user, complaint, full=self.full)


class ComplaintDetailSerializer(ComplaintSerializer):
    hazard = serializers.SerializerMethodField(
        label=_("hazard raised"),
        help_text=_("The hazard raised from the complaint, when you may open it (else null)."),
    )
    full = True

    class Meta(ComplaintSerializer.Meta):
        fields = [
            *ComplaintSerializer.Meta.fields,
            "content",
            "result",
            "result_on",
            "reply",
            "replied_on",
            "hazard",
        ]
        read_only_fields = fields

    @extend_schema_field(OpenApiTypes.INT)
    def get_hazard(self, complaint):
        if complaint.hazard_id is None:
            return None
        user = self.context["request"].user
        visible = Hazard.objects.visible_to(user).live().filter(pk=complaint.hazard_id).exists()
        return complaint.hazard_id if visible else None


# What the forms take, for the schema (the forms themselves check the input).


class ComplaintCreateSerializer(serializers.Serializer):
    channel = serializers.ChoiceField(choices=Complaint.Channel.choices, label=_("channel"))
    received_on = serializers.DateField(label=_("received on"))
    institution = serializers.IntegerField(
        label=_("institution"), help_text=_("An institution of your area (its id).")
    )
    category = serializers.ChoiceField(choices=Category.choices, label=pgettext_lazy("complaint", "category"))
    content = serializers.CharField(label=_("content of the complaint"))
    complainant_name = serializers.CharField(
        required=False,
        allow_blank=True,
        label=_("complainant's name"),
        help_text=_("Leave empty for an anonymous report."),
    )
    complainant_contact = serializers.CharField(
        required=False, allow_blank=True, label=_("complainant's contact")
    )
    deadline = serializers.DateField(
        required=False,
        allow_null=True,
        label=_("handling deadline"),
        help_text=_("Leave empty: 15 working days after the day of receipt."),
    )


class ComplaintVersionSerializer(serializers.Serializer):
    version = serializers.IntegerField(
        min_value=1,
        label=_("version"),
        help_text=_("The version you read; 409 when the complaint changed since."),
    )


class ComplaintRouteSerializer(ComplaintVersionSerializer):
    department = serializers.ChoiceField(
        choices=[("", _("Civil affairs itself")), *Department.choices],
        required=False,
        allow_blank=True,
        label=_("competent department"),
    )


class ComplaintResultSerializer(ComplaintVersionSerializer):
    result = serializers.CharField(label=_("handling result"))


class ComplaintReplySerializer(ComplaintVersionSerializer):
    reply = serializers.CharField(label=_("reply to the complainant"))
    replied_on = serializers.DateField(label=_("replied on"))


class ComplaintFilter(django_filters.FilterSet):
    """The list page's filters (`complaints.forms.FilterForm`): status, category, region, overdue."""

    status = django_filters.ChoiceFilter(choices=Status.choices, label=_("status"))
    category = django_filters.ChoiceFilter(
        choices=Category.choices, label=pgettext_lazy("complaint", "category")
    )
    region = django_filters.CharFilter(method="in_region", label=_("Region code (the region and below it)"))
    overdue = django_filters.BooleanFilter(method="only_overdue", label=_("Overdue only"))

    class Meta:
        model = Complaint
        fields = ["status", "category", "region", "overdue"]

    def in_region(self, queryset, name, value):
        region = Region.objects.visible_to(self.request.user).filter(code=value).first()
        return queryset.filter(region__path__startswith=region.path) if region else queryset.none()

    def only_overdue(self, queryset, name, value):
        return queryset.overdue() if value else queryset


class ComplaintCursorPagination(CursorPagination):
    ordering = ("-received_on", "-pk")


STEP = {
    "route": (
        RouteForm,
        services.can_route,
        lambda c, d, by: services.complaint_route(complaint=c, by=by, **d),
    ),
    "result": (
        ResultForm,
        services.can_record_result,
        lambda c, d, by: services.complaint_record_result(complaint=c, by=by, **d),
    ),
    "reply": (
        ReplyForm,
        services.can_reply,
        lambda c, d, by: services.complaint_reply(complaint=c, by=by, **d),
    ),
    "close": (
        CloseForm,
        services.can_close,
        lambda c, d, by: services.complaint_close(complaint=c, by=by, **d),
    ),
}


def _step_schema(summary, description, request):
    return extend_schema(
        summary=summary, description=description, request=request, responses=ComplaintDetailSerializer
    )


@extend_schema_view(
    list=extend_schema(
        summary=_("List complaints"),
        description=_(
            "The complaints you can see, newest first: city and district staff their area's, a department's "
            "users those routed to it. The complainant is masked (or withheld from departments). 403 for "
            "institutions."
        ),
    ),
    retrieve=extend_schema(
        summary=_("Read a complaint"),
        description=_(
            "One complaint with its handling; the complainant in full for city and district staff, withheld "
            "from departments. 404 outside your scope."
        ),
    ),
    create=extend_schema(
        summary=_("Take a complaint in"),
        description=_(
            "City and district staff (403 for others), as the intake page: an institution of your area, not in "
            "the future; the deadline defaults to 15 working days after receipt (statutory holidays off). 400 "
            "with the field's Chinese message."
        ),
        request=ComplaintCreateSerializer,
        responses={201: ComplaintDetailSerializer},
    ),
)
class ComplaintViewSet(IdempotentPostMixin, mixins.CreateModelMixin, viewsets.ReadOnlyModelViewSet):
    permission_classes = [
        permissions.IsAuthenticated,
        role_permission(Role.CITY, Role.DISTRICT, Role.DEPARTMENT),
    ]
    filterset_class = ComplaintFilter
    pagination_class = ComplaintCursorPagination
    ordering_fields = ["received_on", "deadline"]

    def get_queryset(self):
        return (
            Complaint.objects.visible_to(self.request.user)
            .select_related("institution", "region")
            .with_flags()
        )

    def get_serializer_class(self):
        return ComplaintSerializer if self.action == "list" else ComplaintDetailSerializer

    def create(self, request, *args, **kwargs):
        if not services.can_record(request.user):
            raise PermissionDenied
        form = ComplaintForm(data={key: request.data.get(key) for key in request.data}, user=request.user)
        if not form.is_valid():
            raise ValidationError(form.errors.as_data())
        complaint = services.complaint_create(complaint=form.save(commit=False), by=request.user)
        return Response(self._read(complaint), status=status.HTTP_201_CREATED)

    def _read(self, complaint):
        fresh = self.get_queryset().get(pk=complaint.pk)
        return ComplaintDetailSerializer(fresh, context=self.get_serializer_context()).data

    def _step(self, request, step):
        if request.user.is_superuser:
            raise PermissionDenied
        complaint = self.get_object()
        form_class, allowed, run = STEP[step]
        if not allowed(request.user, complaint):
            raise PermissionDenied
        data = _validated(form_class, request)
        run(complaint, data, request.user)
        return Response(self._read(complaint))

    @_step_schema(
        _("Route a complaint"),
        _(
            "To the competent department (empty: civil affairs handles it itself); status 办理中. City and "
            "district staff, on an open complaint (403). 409 when the complaint changed since your version."
        ),
        ComplaintRouteSerializer,
    )
    @action(detail=True, methods=["post"])
    def route(self, request, pk=None):
        return self._step(request, "route")

    @_step_schema(
        _("Record the handling result"),
        _("Civil affairs, or the department the complaint was routed to, while it is being handled (403)."),
        ComplaintResultSerializer,
    )
    @action(detail=True, methods=["post"])
    def result(self, request, pk=None):
        return self._step(request, "result")

    @_step_schema(
        _("Record the reply to the complainant"),
        _("Civil affairs only (it alone holds the contact), while the complaint is being handled (403)."),
        ComplaintReplySerializer,
    )
    @action(detail=True, methods=["post"])
    def reply(self, request, pk=None):
        return self._step(request, "reply")

    @_step_schema(
        _("Close a complaint"),
        _(
            "办结: needs the handling result and the reply (400 naming what is missing). City and district staff."
        ),
        ComplaintVersionSerializer,
    )
    @action(detail=True, methods=["post"])
    def close(self, request, pk=None):
        return self._step(request, "close")


def register(router) -> None:
    """Add this app's viewsets to the API's router (prefix, viewset, basename)."""
    router.register("complaints", ComplaintViewSet, basename="complaint")
