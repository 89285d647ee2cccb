"""The campaign endpoints of the REST API (issue 18): campaigns and milestones (registered by
config/api_urls.py), the checklist answers with the pages' transitions (submit, accept, return,
reopen: `campaign.answers`, the same functions as the checklist pages) and the computed indicators as
of a date (`campaign.indicators.compute_many`, as the dashboards and the checklist read them),
registered by `register`."""

import django_filters
from django.core.exceptions import PermissionDenied
from django.db import transaction
from django.db.models import Prefetch
from django.shortcuts import get_object_or_404
from django.utils.translation import gettext
from django.utils.translation import gettext_lazy as _
from django_filters.rest_framework import DjangoFilterBackend
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import OpenApiParameter, extend_schema, extend_schema_field, extend_schema_view
from rest_framework import permissions, serializers, viewsets
from rest_framework.decorators import action
from rest_framework.exceptions import NotFound
from rest_framework.response import Response

from campaign import answers, indicators
from campaign.answer_filters import AnswerFilter
from campaign.answer_views import AnswerForm, figure_initial
from campaign.indicators.figures import AMOUNT, BOOL, DATE, RATIO
from campaign.models import Campaign, InspectionItem, ItemAnswer, Milestone
from campaign.selectors import dashboard_campaign
from core.api import CursorPagination, IdempotentPostMixin
from core.api_schema import ObjectSchema
from core.concurrency import ConcurrentEditError
from core.forms import AsOfForm
from core.models import Evidence, Region
from core.roles import Role
from institutions.api import TieBreakOrdering


class InspectionItemSerializer(serializers.ModelSerializer):
    key_task = serializers.SlugRelatedField(slug_field="number", read_only=True, allow_null=True)

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


# Checklist answers and indicators (issue 18 item 1) ---------------------------------------------


def _name(user) -> str | None:
    return (user.full_name or user.username) if user else None


class AnswerReaders(permissions.BasePermission):
    """As the checklist pages: city and district staff (and the administrator, who reads only) see
    the answers of their area; other roles get 403."""

    def has_permission(self, request, view):
        user = request.user
        return user.is_superuser or user.role in (Role.CITY, Role.DISTRICT)


class AnswerListFilter(AnswerFilter):
    """The checklist's filter (`campaign.answer_filters.AnswerFilter`: ``status``, and ``as_of``,
    the status each answer had at the end of that day), plus the item, the region and the campaign."""

    item = django_filters.NumberFilter(field_name="item__number", label=_("Item number (1–30)"))
    region_code = django_filters.CharFilter(field_name="region__code", label=_("Region code"))
    campaign = django_filters.CharFilter(
        field_name="item__campaign__key", label=_("Key of the campaign, e.g. anshan-2020")
    )

    EXTRA = ("item", "region_code", "campaign")

    def filter_queryset(self, queryset):
        queryset = super().filter_queryset(queryset)
        for name in self.EXTRA:
            value = self.form.cleaned_data.get(name)
            if value not in (None, ""):
                queryset = self.filters[name].filter(queryset, value)
        return queryset


class AnswerSerializer(serializers.ModelSerializer):
    campaign = serializers.CharField(source="item.campaign.key", read_only=True, label=_("campaign"))
    item = serializers.IntegerField(source="item.number", read_only=True, label=_("item number"))
    region_code = serializers.CharField(source="region.code", read_only=True, label=_("region code"))
    region_name = serializers.CharField(source="region.name", read_only=True, label=_("region name"))
    status_as_of = serializers.SerializerMethodField(
        label=_("status on the measuring date"),
        help_text=_("With ?as_of=: the status the answer had at the end of that day; null otherwise."),
    )
    values = serializers.DictField(
        child=serializers.CharField(),
        read_only=True,
        label=_("declared figures"),
        help_text=_("The unit's figures, keyed like the computed indicator's figures (see /indicators/)."),
    )
    submitted_by = serializers.SerializerMethodField(label=_("submitted by"))
    reviewed_by = serializers.SerializerMethodField(label=_("reviewed by"))
    evidence = serializers.SerializerMethodField(
        label=_("evidence files"),
        help_text=_("Ids of the answer's files (the evidence endpoints read them)."),
    )

    class Meta:
        model = ItemAnswer
        fields = [
            "id",
            "version",
            "campaign",
            "item",
            "region_code",
            "region_name",
            "status",
            "status_as_of",
            "narrative",
            "values",
            "submitted_by",
            "submitted_at",
            "reviewed_by",
            "reviewed_at",
            "return_reason",
            "evidence",
            "updated_at",
        ]
        read_only_fields = fields

    @extend_schema_field(serializers.ChoiceField(choices=ItemAnswer.Status.choices, allow_null=True))
    def get_status_as_of(self, answer) -> str | None:
        return getattr(answer, "status_then", None)

    @extend_schema_field(serializers.CharField(allow_null=True))
    def get_submitted_by(self, answer) -> str | None:
        return _name(answer.submitted_by)

    @extend_schema_field(serializers.CharField(allow_null=True))
    def get_reviewed_by(self, answer) -> str | None:
        return _name(answer.reviewed_by)

    @extend_schema_field(serializers.ListField(child=serializers.IntegerField()))
    def get_evidence(self, answer) -> list[int]:
        return [evidence.pk for evidence in answer.evidence.all()]


class SubmitSerializer(serializers.Serializer):
    version = serializers.IntegerField(
        min_value=1, label=_("version read"), help_text=_("The answer's version you read; stale: 409.")
    )
    narrative = serializers.CharField(
        required=False,
        allow_blank=True,
        label=_("implementation"),
        help_text=_("Left out: the stored text. Required (not empty) to submit."),
    )
    values = serializers.DictField(
        child=serializers.CharField(allow_blank=True),
        required=False,
        label=_("declared figures"),
        help_text=_(
            "Figure key → value as typed on the page (12, 62.5, 5/8, 2020-10-15, 是); left out: the stored "
            "figures."
        ),
    )


class AcceptSerializer(serializers.Serializer):
    version = serializers.IntegerField(
        min_value=1,
        required=False,
        label=_("version read"),
        help_text=_("Optional: the answer's version you read; when it changed since (resubmitted): 409."),
    )


class ReasonSerializer(AcceptSerializer):
    reason = serializers.CharField(
        allow_blank=True, required=False, label=_("reason"), help_text=_("Required: shown to the unit.")
    )


def _checked_version(answer: ItemAnswer, version: int | None) -> None:
    """The answer still at `version` (when one is sent), its row locked until the end of the
    caller's transaction: the message and code of the pages' version check (core.concurrency)."""
    current = ItemAnswer.objects.select_for_update().only("version").get(pk=answer.pk)
    if version is not None and current.version != version:
        raise ConcurrentEditError(
            gettext(
                "Someone else saved this record after you opened it. Your input is kept below: "
                "check the current values and save again."
            ),
            code="concurrent_edit",
        )


@extend_schema_view(
    list=extend_schema(
        summary=_("List checklist answers"),
        description=_(
            "The answers to the 30 items in your area (a district its own, the city its own and its "
            "districts'): filter by status, item, region, campaign; ?as_of=YYYY-MM-DD gives each answer's "
            "status at the end of that day. Cursor pagination."
        ),
    ),
    retrieve=extend_schema(
        summary=_("Read a checklist answer"),
        description=_("Narrative, declared figures, status, review and evidence ids; 404 outside your area."),
    ),
)
class AnswerViewSet(IdempotentPostMixin, viewsets.ReadOnlyModelViewSet):
    serializer_class = AnswerSerializer
    permission_classes = [permissions.IsAuthenticated, AnswerReaders]
    filterset_class = AnswerListFilter
    filter_backends = [DjangoFilterBackend, TieBreakOrdering]
    ordering_fields = ["id", "updated_at"]
    ordering = ("-id",)
    pagination_class = CursorPagination

    def get_queryset(self):
        return (
            ItemAnswer.objects.visible_to(self.request.user)
            .select_related("item__campaign", "region", "submitted_by", "reviewed_by")
            .prefetch_related(
                Prefetch("evidence", queryset=Evidence.objects.live().only("pk", "owner_type_id", "owner_id"))
            )
        )

    def _answer(self) -> ItemAnswer:
        # the detail's object without the list's filters (a POST has no ?status= to apply)
        return get_object_or_404(self.get_queryset(), pk=self.kwargs["pk"])

    def _done(self, answer: ItemAnswer) -> Response:
        return Response(AnswerSerializer(self.get_queryset().get(pk=answer.pk)).data)

    @extend_schema(
        summary=_("Submit an answer to the city"),
        description=_(
            "The answering unit (a district its items, the city its city-level items), for a draft or a "
            "returned answer: the narrative and figures (the page's rules for each figure) go to the city "
            "for acceptance. 400: empty narrative, a figure refused, a locked answer; 409: stale version."
        ),
        request=SubmitSerializer,
        responses=AnswerSerializer,
    )
    @action(detail=True, methods=["post"])
    def submit(self, request, pk=None):
        answer = self._answer()
        if not answers.is_answerer(request.user, answer):  # the service's rule, before reading the body
            raise PermissionDenied
        body = SubmitSerializer(data=request.data)
        body.is_valid(raise_exception=True)
        data = body.validated_data
        indicator = indicators.compute(answer.item.campaign, answer.region, answer.item.number)
        figures = indicator.figures if indicator else ()
        keys = {figure.key for figure in figures}
        values = data.get("values")
        if values is None:
            values = {
                figure.key: figure_initial(figure, answer.values[figure.key])
                for figure in figures
                if (answer.values or {}).get(figure.key)
            }
        unknown = sorted(set(values) - keys)
        if unknown:
            raise serializers.ValidationError(
                {
                    "values": [
                        gettext("Item %(number)s has no figure %(keys)s; its figures: %(known)s.")
                        % {
                            "number": answer.item.number,
                            "keys": "、".join(unknown),
                            "known": "、".join(sorted(keys)) or "—",
                        }
                    ]
                }
            )
        form = AnswerForm(
            {
                "narrative": data.get("narrative", answer.narrative),
                "expected_version": data["version"],
                **{f"value_{key}": value for key, value in values.items()},
            },
            figures=figures,
        )
        if not form.is_valid():
            errors = {}
            for name, messages in form.errors.items():
                key = "values" if name.startswith("value_") else name
                errors.setdefault(key, []).extend(str(m) for m in messages)
            raise serializers.ValidationError(errors)
        answers.answer_save(
            answer=answer,
            narrative=form.cleaned_data["narrative"],
            values=form.values(),
            by=request.user,
            expected_version=data["version"],
            submit=True,
        )
        return self._done(answer)

    def _review(self, request, step, serializer_class):
        if request.user.role != Role.CITY:  # as the pages: the city's review only
            raise PermissionDenied
        answer = self._answer()
        body = serializer_class(data=request.data)
        body.is_valid(raise_exception=True)
        with transaction.atomic():
            _checked_version(answer, body.validated_data.get("version"))
            if step == "accept":
                answers.answer_accept(answer=answer, by=request.user)
            elif step == "return":
                answers.answer_return(
                    answer=answer, by=request.user, reason=body.validated_data.get("reason", "")
                )
            else:
                answers.answer_reopen(
                    answer=answer, by=request.user, reason=body.validated_data.get("reason", "")
                )
        return self._done(answer)

    @extend_schema(
        summary=_("Accept an answer"),
        description=_(
            "City staff, for a submitted answer they did not submit themselves; it is locked after. 400 "
            "when it is not submitted; 403 for other roles; 409 when the version sent is stale."
        ),
        request=AcceptSerializer,
        responses=AnswerSerializer,
    )
    @action(detail=True, methods=["post"])
    def accept(self, request, pk=None):
        return self._review(request, "accept", AcceptSerializer)

    @extend_schema(
        summary=_("Return an answer with the reason"),
        description=_(
            "City staff, for a submitted answer: it goes back to its unit with the reason (required: 400 "
            "without). 403 for other roles; 409 when the version sent is stale."
        ),
        request=ReasonSerializer,
        responses=AnswerSerializer,
    )
    @action(detail=True, methods=["post"], url_path="return", url_name="return")
    def return_answer(self, request, pk=None):
        return self._review(request, "return", ReasonSerializer)

    @extend_schema(
        summary=_("Reopen an accepted answer"),
        description=_(
            "City staff: an accepted answer goes back to its unit as returned, with the reason (required)."
        ),
        request=ReasonSerializer,
        responses=AnswerSerializer,
    )
    @action(detail=True, methods=["post"])
    def reopen(self, request, pk=None):
        return self._review(request, "reopen", ReasonSerializer)


# Indicators --------------------------------------------------------------------------------------


class IndicatorQuerySerializer(serializers.Serializer):
    region = serializers.CharField(
        required=False, max_length=32, label=_("Region code"), help_text=_("Only this region (in your area).")
    )
    item = serializers.IntegerField(
        required=False, min_value=1, max_value=30, label=_("Item number"), help_text=_("Only this item.")
    )
    campaign = serializers.CharField(
        required=False,
        max_length=64,
        label=_("Key of the campaign, e.g. anshan-2020"),
        help_text=_("Key of the campaign, e.g. anshan-2020"),
    )


class FigureSerializer(serializers.Serializer):
    key = serializers.CharField(label=_("figure key"))
    label = serializers.CharField(label=_("figure"))
    kind = serializers.CharField(
        label=_("kind of figure"), help_text=_("count, ratio, amount (10,000 yuan), date or bool.")
    )
    value = serializers.CharField(
        allow_null=True,
        label=_("value"),
        help_text=_(
            "Exact, as text: a count 12, a ratio 5/8, an amount 3.50, a date 2020-10-15, a bool true or "
            "false; null when not applicable (an empty denominator)."
        ),
    )
    numerator = serializers.IntegerField(allow_null=True, label=_("numerator"))
    denominator = serializers.IntegerField(allow_null=True, label=_("denominator"))
    percent = serializers.DecimalField(
        max_digits=5, decimal_places=1, allow_null=True, label=_("percentage (one decimal)")
    )
    unit = serializers.CharField(label=_("unit"))
    display = serializers.CharField(label=_("as the pages show it"))


class IndicatorSerializer(serializers.Serializer):
    region_code = serializers.CharField(label=_("region code"))
    region_name = serializers.CharField(label=_("region name"))
    item = serializers.IntegerField(label=_("item number"))
    met = serializers.BooleanField(
        allow_null=True,
        label=_("target met"),
        help_text=_("null: the item sets no target, or nothing to count."),
    )
    measured_on = serializers.DateField(
        allow_null=True, label=_("measured on"), help_text=_("null: measured on the records as they stand.")
    )
    due_on = serializers.DateField(allow_null=True, label=_("deadline"))
    milestone = serializers.CharField(label=_("milestone"))
    note = serializers.CharField(label=_("note"))
    figures = FigureSerializer(many=True, label=_("figures"))


class IndicatorsSerializer(serializers.Serializer):
    campaign = serializers.CharField(label=_("campaign"))
    as_of = serializers.DateField(
        allow_null=True, label=_("measuring date"), help_text=_("null: as the records stand now.")
    )
    computable = serializers.ListField(child=serializers.IntegerField(), label=_("items computed in full"))
    partly = serializers.ListField(
        child=serializers.IntegerField(),
        label=_("items computed in part"),
        help_text=_("The rest is narrative."),
    )
    results = IndicatorSerializer(many=True, label=_("indicators"))


def _figure_value(figure) -> str | None:
    value = figure.value
    if value is None:
        return None
    if figure.kind == RATIO:
        return f"{figure.numerator}/{figure.denominator}"
    if figure.kind == AMOUNT:
        return f"{value:.2f}"
    if figure.kind == DATE:
        return value.isoformat()
    if figure.kind == BOOL:
        return "true" if value else "false"
    return str(value)


def indicator_rows(computed: dict, regions: list[Region]) -> list[dict]:
    """`campaign.indicators.compute_many`'s result as the API's rows, region by region (in
    `regions`' order) and item by item."""
    rows = []
    for region in regions:
        for number, indicator in sorted(computed.get(region.pk, {}).items()):
            rows.append(
                {
                    "region_code": region.code,
                    "region_name": region.name,
                    "item": number,
                    "met": indicator.met,
                    "measured_on": indicator.measured_on,
                    "due_on": indicator.due_on,
                    "milestone": str(indicator.milestone or ""),
                    "note": str(indicator.note or ""),
                    "figures": [
                        {
                            "key": figure.key,
                            "label": str(figure.label),
                            "kind": figure.kind,
                            "value": _figure_value(figure),
                            "numerator": figure.numerator,
                            "denominator": figure.denominator,
                            "percent": figure.percent,
                            "unit": figure.unit,
                            "display": figure.display(),
                        }
                        for figure in indicator.figures
                    ],
                }
            )
    return rows


class IndicatorViewSet(viewsets.ViewSet):
    """The computed indicators, as the dashboards and the checklist show them."""

    permission_classes = [permissions.IsAuthenticated, AnswerReaders]
    schema = ObjectSchema()  # its list answers one object (the campaign's figures), not an array

    @extend_schema(
        summary=_("Read the indicators as of a date"),
        description=_(
            "The portal's computed figures for the 30 items (those it can compute: see computable and "
            "partly), for the regions of your area under the campaign (a city and its county-level units; a "
            "district its own), as the dashboards and the checklist show them; ?as_of=YYYY-MM-DD measures "
            "the records as they stood at the end of that day (empty: now). 400 for a date that cannot be "
            "read, in the future or before 2000, or an item the portal does not compute; 404 for a region or "
            "campaign outside your area."
        ),
        parameters=[
            OpenApiParameter(
                "as_of",
                OpenApiTypes.DATE,
                description=_("Measuring date, YYYY-MM-DD (empty: today)."),
            ),
            IndicatorQuerySerializer,
        ],
        responses=IndicatorsSerializer,
    )
    def list(self, request):
        form = AsOfForm(request.query_params)
        if not form.is_valid():
            raise serializers.ValidationError({k: [str(m) for m in v] for k, v in form.errors.items()})
        query = IndicatorQuerySerializer(data=request.query_params)
        query.is_valid(raise_exception=True)
        params = query.validated_data
        number = params.get("item")
        if number is not None and number not in indicators.INDICATORS:
            raise serializers.ValidationError(
                {
                    "item": [
                        gettext(
                            "The portal does not compute item %(number)s (its answer is a narrative); it "
                            "computes items %(items)s."
                        )
                        % {
                            "number": number,
                            "items": "、".join(str(n) for n in sorted(indicators.INDICATORS)),
                        }
                    ]
                }
            )
        if params.get("campaign"):
            campaign = Campaign.objects.visible_to(request.user).filter(key=params["campaign"]).first()
        else:
            campaign = dashboard_campaign(request.user)
        if campaign is None:
            raise NotFound
        region_kinds = [Region.Kind.PROVINCE, Region.Kind.CITY, *Region.COUNTY_LEVEL_KINDS]
        regions = Region.objects.visible_to(request.user).filter(
            path__startswith=campaign.region.path, kind__in=region_kinds
        )
        if params.get("region"):
            regions = regions.filter(code=params["region"])
        regions = list(regions.order_by("path"))
        if params.get("region") and not regions:
            raise NotFound
        as_of = form.cleaned_data["as_of"]
        computed = indicators.compute_many(
            campaign, regions, [number] if number is not None else None, as_of=as_of
        )
        return Response(
            IndicatorsSerializer(
                {
                    "campaign": campaign.key,
                    "as_of": as_of,
                    "computable": sorted(indicators.COMPUTABLE),
                    "partly": sorted(indicators.PARTLY),
                    "results": indicator_rows(computed, regions),
                }
            ).data
        )


def register(router) -> None:
    """Add the checklist answers' and the indicators' viewsets to the API's router (the campaigns'
    and milestones' are registered by config/api_urls.py itself)."""
    router.register("answers", AnswerViewSet, basename="answer")
    router.register("indicators", IndicatorViewSet, basename="indicator")
