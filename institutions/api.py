"""The institutions endpoints of the REST API (issue 18), registered by config/api_urls.py.

- ``GET /api/v1/institutions/``: the registry list with the registry page's filters
  (`institutions.filters.InstitutionFilter`) plus ``region_code``, ``?ordering=``, cursor pagination;
- ``GET /api/v1/institutions/<id>/``: one record with its ``version``;
- ``POST /api/v1/institutions/`` and ``PATCH /api/v1/institutions/<id>/``: through the registry
  page's form (`institutions.forms.InstitutionForm`: the same field rules and choices in scope) and
  the same services (`institutions.services.institution_create` / `institution_update`: the same
  permission, region check and version check, so a stale ``version`` answers 409);
- ``GET /api/v1/institutions/<id>/history/``: who changed what and when (django-simple-history),
  newest first, cursor-paginated, in the words of the page's history (`institutions.history`).

Reading follows the pages: city and district staff (and the administrator) list and read the
institutions of their area; an institution's own staff read their own record and its history;
everything else is 404 (outside the scope) or 403 (a role without the page)."""

from django.db import models
from django.forms.models import model_to_dict
from django.utils.translation import gettext_lazy as _
from django_filters import CharFilter
from drf_spectacular.utils import extend_schema, extend_schema_view
from rest_framework import filters, mixins, permissions, serializers, status, viewsets
from rest_framework.decorators import action
from rest_framework.response import Response

from core.api import CursorPagination, IdempotentPostMixin
from core.display import display_value
from core.models import Region
from core.roles import Role
from institutions import services
from institutions.filters import InstitutionFilter
from institutions.forms import FORM_FIELDS, InstitutionForm
from institutions.history import HIDDEN
from institutions.models import Institution

#: The record's fields a client writes (the page's form: `FORM_FIELDS` and the code's confirmation).
WRITABLE = [*FORM_FIELDS, "credit_code_confirmed"]
READERS = (Role.CITY, Role.DISTRICT)


class RegistryPermission(permissions.BasePermission):
    """As the pages: the list, create and edit are city and district staff's (and the
    administrator's); the detail and the history also the institution's own staff (their own
    record only: `visible_to`). Others: 403."""

    def has_permission(self, request, view):
        user = request.user
        if user.is_superuser or user.role in READERS:
            return True
        return user.role == Role.INSTITUTION and view.action in ("retrieve", "history")


class InstitutionListFilter(InstitutionFilter):
    """The registry page's filters, without its sort (the API sorts with ``?ordering=``, which
    cursor pagination reads), plus the region by its code."""

    ordering = None
    region_code = CharFilter(
        label=_("Region code (its whole area)"),
        method="filter_region_code",
        help_text=_("e.g. 210302: the institutions of that region and the regions under it."),
    )

    def filter_region_code(self, queryset, name, value):
        region = Region.objects.visible_to(self.request.user).filter(code=value.strip()).first()
        if region is None:
            return queryset.none()
        return queryset.filter(region__path__startswith=region.path)


class TieBreakOrdering(filters.OrderingFilter):
    """``?ordering=`` on the view's `ordering_fields`, always ending on the id, so that rows with the
    same value keep one order from page to page (cursor pagination)."""

    def get_ordering(self, request, queryset, view):
        ordering = super().get_ordering(request, queryset, view)
        if not ordering:
            return ordering
        ordering = list(ordering)
        if not any(term.lstrip("-") in ("id", "pk") for term in ordering):
            ordering.append("-id" if ordering[0].startswith("-") else "id")
        return tuple(ordering)


class InstitutionSerializer(serializers.ModelSerializer):
    region_code = serializers.CharField(source="region.code", read_only=True, label=_("region code"))
    region_name = serializers.CharField(source="region.name", read_only=True, label=_("region name"))
    is_operating = serializers.BooleanField(
        read_only=True,
        label=_("counted in the indicators"),
        help_text=_(
            "True for an operating institution that is not a converted facility: the population every "
            "indicator counts."
        ),
    )

    class Meta:
        model = Institution
        fields = [
            "id",
            "version",
            "region_code",
            "region_name",
            *WRITABLE,
            "credit_code_confirmed_at",
            "is_operating",
            "created_at",
            "updated_at",
        ]
        read_only_fields = fields


class InstitutionWriteSerializer(serializers.ModelSerializer):
    """What a client sends (the schema): the page's form fields. The form checks them."""

    version = serializers.IntegerField(
        required=False,
        min_value=1,
        label=_("version read"),
        help_text=_(
            "Required to change a record: the version you read. Someone else saved since: 409, read it again."
        ),
    )

    class Meta:
        model = Institution
        fields = [*WRITABLE, "version"]
        validators = []  # the form and the services check; this serializer only describes


class ChangeSerializer(serializers.Serializer):
    label = serializers.CharField(label=_("field"))
    old = serializers.CharField(label=_("before"))
    new = serializers.CharField(label=_("after"))


class HistoryEntrySerializer(serializers.Serializer):
    id = serializers.IntegerField(label=_("history entry"))
    date = serializers.DateTimeField(label=_("when"))
    user = serializers.CharField(allow_null=True, label=_("who"), help_text=_("The user's name."))
    kind = serializers.CharField(label=_("kind of change"), help_text=_("+ created, ~ changed, - deleted."))
    type = serializers.CharField(label=_("kind of change (text)"))
    reason = serializers.CharField(label=_("reason"))
    changes = ChangeSerializer(many=True, label=_("changed fields"))


class HistoryPagination(CursorPagination):
    """Newest change first, whatever the list's ``?ordering=``."""

    ordering = ("-history_date", "-history_id")

    def get_ordering(self, request, queryset, view):
        return self.ordering


def history_entries(institution: Institution, records: list) -> list[dict]:
    """The page's history rows (`institutions.history.history_rows`: labels, values as the page
    shows them) for one page of `records` (newest first): each against the record just before it,
    the older neighbour of the page's last row read in one query; names of regions and head
    institutions in one query each."""
    model = Institution
    previous = None
    if records:
        last = records[-1]
        previous = (
            institution.history.filter(
                models.Q(history_date__lt=last.history_date)
                | models.Q(history_date=last.history_date, history_id__lt=last.history_id)
            )
            .order_by("-history_date", "-history_id")
            .first()
        )
    chain = [*records, previous]
    fields = [f for f in model._meta.concrete_fields if f.name not in HIDDEN]
    names = {}
    for related in (Region, Institution):
        ids = {
            getattr(record, f.attname)
            for record in chain
            if record is not None
            for f in fields
            if isinstance(f, models.ForeignKey) and f.related_model is related
        } - {None}
        if ids:
            names.update(
                {
                    (related, pk): name
                    for pk, name in related.objects.filter(pk__in=ids).values_list("pk", "name")
                }
            )
    rows = []
    for record, before in zip(records, chain[1:], strict=False):
        changes = []
        if before is not None:
            for field in fields:
                old, new = getattr(before, field.attname), getattr(record, field.attname)
                if old != new:
                    changes.append(
                        {
                            "label": str(field.verbose_name),
                            "old": str(display_value(field, old, names)),
                            "new": str(display_value(field, new, names)),
                        }
                    )
        user = record.history_user
        rows.append(
            {
                "id": record.history_id,
                "date": record.history_date,
                "user": (user.full_name or user.username) if user else None,
                "kind": record.history_type,
                "type": str(record.get_history_type_display()),
                "reason": record.history_change_reason or "",
                "changes": changes,
            }
        )
    return rows


def _form_errors(form) -> serializers.ValidationError:
    errors = {}
    for name, messages in form.errors.items():
        key = {"__all__": "non_field_errors", "expected_version": "version"}.get(name, name)
        errors.setdefault(key, []).extend(str(m) for m in messages)
    return serializers.ValidationError(errors)


@extend_schema_view(
    list=extend_schema(
        summary=_("List institutions"),
        description=_(
            "The registry's institutions in your area, with the registry page's filters; newest first "
            "unless ?ordering= is given; cursor pagination (follow next)."
        ),
    ),
    retrieve=extend_schema(
        summary=_("Read an institution"),
        description=_(
            "One record with its version (send it back to change the record); 404 outside your area."
        ),
    ),
    create=extend_schema(
        summary=_("Add an institution"),
        description=_(
            "City and district staff, in their own area: the registry form's rules (credit code, beds, "
            "filing, special-hardship fields…); 400 names each field refused."
        ),
        request=InstitutionWriteSerializer,
        responses={201: InstitutionSerializer},
    ),
    partial_update=extend_schema(
        summary=_("Change an institution"),
        description=_(
            "Send version (the one you read) and the fields to change; the others keep their values. "
            "409 when someone saved the record since; the change is kept in its history under your name."
        ),
        request=InstitutionWriteSerializer,
        responses={200: InstitutionSerializer},
    ),
)
class InstitutionViewSet(
    IdempotentPostMixin,
    mixins.ListModelMixin,
    mixins.RetrieveModelMixin,
    mixins.CreateModelMixin,
    viewsets.GenericViewSet,
):
    serializer_class = InstitutionSerializer
    permission_classes = [permissions.IsAuthenticated, RegistryPermission]
    filterset_class = InstitutionListFilter
    filter_backends = [
        *[b for b in viewsets.GenericViewSet.filter_backends if not issubclass(b, filters.OrderingFilter)],
        TieBreakOrdering,
    ]
    ordering_fields = ["id", "name", "beds", "nursing_beds", "residents", "star_rating", "updated_at"]
    ordering = ("-id",)
    pagination_class = CursorPagination

    def get_queryset(self):
        return Institution.objects.visible_to(self.request.user).select_related("region")

    def _save(self, request, instance: Institution | None):
        data = model_to_dict(instance or Institution(), fields=WRITABLE)
        data.update({name: request.data[name] for name in WRITABLE if name in request.data})
        version = request.data.get("version")
        if instance is not None:
            if version in (None, ""):
                raise serializers.ValidationError(
                    {"version": [_("Send the version you read (the record's version field).")]}
                )
            data["expected_version"] = version
        form = InstitutionForm(data, instance=instance, user=request.user)
        if not form.is_valid():
            raise _form_errors(form)
        if instance is None:
            saved = services.institution_create(institution=form.instance, by=request.user)
        else:
            saved = services.institution_update(
                institution=form.instance,
                expected_version=form.cleaned_data["expected_version"],
                by=request.user,
            )
        saved = self.get_queryset().get(pk=saved.pk)
        return InstitutionSerializer(saved).data

    def create(self, request, *args, **kwargs):
        return Response(self._save(request, None), status=status.HTTP_201_CREATED)

    def partial_update(self, request, *args, **kwargs):
        return Response(self._save(request, self.get_object()))

    @extend_schema(
        summary=_("History of an institution"),
        description=_(
            "Every change of the record, newest first: when, who, why, and each field from what to what "
            "(as on the institution's page). Cursor pagination."
        ),
        responses=HistoryEntrySerializer(many=True),
        filters=False,
    )
    @action(detail=True, methods=["get"], filter_backends=[], pagination_class=HistoryPagination)
    def history(self, request, pk=None):
        institution = self.get_object()
        paginator = HistoryPagination()
        records = institution.history.select_related("history_user")
        page = paginator.paginate_queryset(records, request, view=self)
        data = HistoryEntrySerializer(history_entries(institution, list(page)), many=True).data
        return paginator.get_paginated_response(data)


def register(router) -> None:
    """Add this app's viewsets to the API's router (prefix, viewset, basename)."""
    router.register("institutions", InstitutionViewSet, basename="institution")
