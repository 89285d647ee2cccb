"""The credit endpoints of the REST API (issue 18), registered by config/api_urls.py: credit records
(信用记录) and the standing of a Unified Social Credit Code on a date, read only.

Scoped as the pages (`CreditRecord.objects.visible_to`: city and district staff their area's records,
an institution's users their own, a department's users their area's; 404 outside). The standing is
`credit.services.standing`, as the record page shows it; a person's identity number never leaves
the portal (its last four characters only, masked as on the pages)."""

import datetime

import django_filters
from django.core.exceptions import ValidationError
from django.db.models import Q
from django.http import Http404
from django.utils.translation import gettext_lazy as _
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import OpenApiParameter, extend_schema, extend_schema_field, extend_schema_view
from rest_framework import permissions, serializers, viewsets
from rest_framework.decorators import action
from rest_framework.response import Response

from core import dates
from core.api import CursorPagination
from core.roles import Role
from credit import services
from credit.models import CreditRecord, Kind, Source, Subject, in_force_q
from inspections.api import role_permission
from institutions import uscc

ON = OpenApiParameter(
    "on",
    OpenApiTypes.DATE,
    description=_("The day the records' force and the standing are read on (YYYY-MM-DD; default today)."),
)
STANDING_HELP = _("dishonest (a dishonesty record in force), good (a good-faith record in force) or none.")


def day_asked(request) -> datetime.date:
    """``?on=YYYY-MM-DD`` (default today, Asia/Shanghai); a bad date raises ValidationError({"on":
    Chinese message naming the field}), which the API answers with 400."""
    value = (request.query_params.get("on") or "").strip()
    if not value:
        return dates.today()
    try:
        return datetime.date.fromisoformat(value)
    except ValueError:
        raise ValidationError(
            {"on": _("The day “on” (查询日期) must be a date written as YYYY-MM-DD, e.g. 2026-01-31.")}
        ) from None


class CreditRecordSerializer(serializers.ModelSerializer):
    institution_name = serializers.CharField(
        source="institution.name", read_only=True, default=None, label=_("institution name")
    )
    region = serializers.CharField(source="region.code", read_only=True, label=_("region code"))
    person_id = serializers.CharField(
        source="masked_id",
        read_only=True,
        label=_("ID number (masked)"),
        help_text=_("Only its last four characters, as the pages show them."),
    )
    in_force = serializers.SerializerMethodField(
        label=_("in force"), help_text=_("In force on the day asked (?on=, default today).")
    )

    class Meta:
        model = CreditRecord
        fields = [
            "id",
            "credit_code",
            "institution",
            "institution_name",
            "region",
            "kind",
            "subject",
            "person_name",
            "person_id",
            "source",
            "reason",
            "decided_on",
            "document_number",
            "expires_on",
            "in_force",
            "version",
        ]
        read_only_fields = fields

    @extend_schema_field(OpenApiTypes.BOOL)
    def get_in_force(self, record):
        return record.in_force_on(self.context["on"])


class CreditRecordDetailSerializer(CreditRecordSerializer):
    standing = serializers.SerializerMethodField(
        label=_("standing of the credit code"), help_text=STANDING_HELP
    )

    class Meta(CreditRecordSerializer.Meta):
        fields = [*CreditRecordSerializer.Meta.fields, "standing"]
        read_only_fields = fields

    @extend_schema_field(serializers.ChoiceField(choices=["dishonest", "good", "none"]))
    def get_standing(self, record):
        return services.standing(record.credit_code, self.context["on"])


class CreditStandingSerializer(serializers.Serializer):
    credit_code = serializers.CharField(label=_("unified social credit code"))
    on = serializers.DateField(label=_("on the day"))
    standing = serializers.ChoiceField(
        choices=["dishonest", "good", "none"], label=_("standing"), help_text=STANDING_HELP
    )
    records = CreditRecordSerializer(
        many=True, label=_("credit records"), help_text=_("The code's records you can see.")
    )


class CreditRecordFilter(django_filters.FilterSet):
    """The list page's filters (`credit.forms.FilterForm`), with the status read on ``?on=``."""

    q = django_filters.CharFilter(method="search", label=_("Name, credit code or person"))
    code = django_filters.CharFilter(method="by_code", label=_("Unified social credit code (exact)"))
    kind = django_filters.ChoiceFilter(choices=Kind.choices, label=_("Kind of record"))
    subject = django_filters.ChoiceFilter(choices=Subject.choices, label=_("Whose record"))
    source = django_filters.ChoiceFilter(choices=Source.choices, label=_("Decided by"))
    status = django_filters.ChoiceFilter(
        choices=(("in_force", _("In force")), ("expired", _("Expired"))),
        method="by_status",
        label=_("Status on the day asked (?on=)"),
    )
    region = django_filters.CharFilter(field_name="region__code", label=_("Region code"))

    class Meta:
        model = CreditRecord
        fields = ["q", "code", "kind", "subject", "source", "status", "region"]

    def search(self, queryset, name, value):
        value = value.strip()
        code = uscc.normalize(value)
        return queryset.filter(
            Q(institution__name__icontains=value)
            | Q(person_name__icontains=value)
            | Q(credit_code__startswith=code)
        )

    def by_code(self, queryset, name, value):
        return queryset.filter(credit_code=uscc.normalize(value))

    def by_status(self, queryset, name, value):
        on = day_asked(self.request)
        if value == "in_force":
            return queryset.filter(in_force_q(on))
        return queryset.filter(expires_on__lt=on)


class CreditCursorPagination(CursorPagination):
    ordering = ("-decided_on", "-pk")


@extend_schema_view(
    list=extend_schema(
        summary=_("List credit records"),
        description=_(
            "The credit records you can see, newest decision first, each marked in force or not on the day "
            "asked. 400 when ?on= is not a date."
        ),
        parameters=[ON],
    ),
    retrieve=extend_schema(
        summary=_("Read a credit record"),
        description=_(
            "One record, and the standing of its credit code on the day asked; 404 outside your scope."
        ),
        parameters=[ON],
    ),
)
class CreditRecordViewSet(viewsets.ReadOnlyModelViewSet):
    permission_classes = [
        permissions.IsAuthenticated,
        role_permission(Role.CITY, Role.DISTRICT, Role.INSTITUTION, Role.DEPARTMENT),
    ]
    filterset_class = CreditRecordFilter
    pagination_class = CreditCursorPagination
    ordering_fields = ["decided_on", "expires_on"]

    def get_queryset(self):
        return CreditRecord.objects.visible_to(self.request.user).select_related("institution", "region")

    def get_serializer_class(self):
        return CreditRecordSerializer if self.action == "list" else CreditRecordDetailSerializer

    def get_serializer_context(self):
        context = super().get_serializer_context()
        if getattr(self, "swagger_fake_view", False):
            return context
        context["on"] = day_asked(self.request)
        return context

    def list(self, request, *args, **kwargs):
        day_asked(request)  # a bad ?on= answers 400 before anything is read
        return super().list(request, *args, **kwargs)

    @extend_schema(
        summary=_("Records and standing of a credit code"),
        description=_(
            "The standing (失信 / 守信 / 无) of the Unified Social Credit Code on the day asked, as the record "
            "page shows it, with the code's records you can see. 404 when you see no record of the code."
        ),
        parameters=[
            ON,
            OpenApiParameter(
                "code",
                OpenApiTypes.STR,
                OpenApiParameter.PATH,
                description=_("The Unified Social Credit Code (18 characters)."),
            ),
        ],
        responses=CreditStandingSerializer,
    )
    @action(detail=False, methods=["get"], url_path=r"by-code/(?P<code>[0-9A-Za-z]{18})")
    def by_code(self, request, code=None):
        on = day_asked(request)
        code = uscc.normalize(code)
        rows = list(self.get_queryset().filter(credit_code=code).order_by("-decided_on", "-pk"))
        if not rows:
            raise Http404
        context = {**self.get_serializer_context(), "on": on}
        return Response(
            {
                "credit_code": code,
                "on": on.isoformat(),
                "standing": services.standing(code, on),
                "records": CreditRecordSerializer(rows, many=True, context=context).data,
            }
        )


def register(router) -> None:
    """Add this app's viewsets to the API's router (prefix, viewset, basename)."""
    router.register("credit/records", CreditRecordViewSet, basename="credit-record")
