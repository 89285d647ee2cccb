"""The hazard ledger API's serializers (issue 18; the viewsets are in hazards/api.py): what a hazard,
its timeline, files and written notices look like to a program, and the bodies of its writes."""

from django.contrib.contenttypes.models import ContentType
from django.core.exceptions import ValidationError as DjangoValidationError
from django.urls import reverse
from django.utils.translation import gettext_lazy as _
from drf_spectacular.utils import extend_schema_field
from rest_framework import serializers

from core.evidence import validate_upload, visible_evidence
from core.models import Evidence
from core.roles import Department
from hazards import services
from hazards.forms import FORM_FIELDS
from hazards.models import Hazard, HazardEvent, Referral
from hazards.views import visible_events
from institutions.models import Institution


class EvidenceFileField(serializers.FileField):
    """A file checked as the pages' upload field checks it (`core.evidence.validate_upload`: type
    by content, size, names): a refused file is an error of this field naming the file."""

    def to_internal_value(self, data):
        upload = super().to_internal_value(data)
        try:
            validate_upload(upload)
        except DjangoValidationError as error:
            raise serializers.ValidationError(error.messages) from error
        return upload


class EvidenceFileSerializer(serializers.ModelSerializer):
    purpose_label = serializers.SerializerMethodField(label=_("purpose (as shown)"))
    uploaded_by = serializers.CharField(
        source="uploaded_by.display_name", read_only=True, label=_("uploaded by")
    )
    download_url = serializers.SerializerMethodField(
        label=_("download URL"),
        help_text=_("The file itself, as uploaded (the same checks as the page's download link)."),
    )

    class Meta:
        model = Evidence
        fields = [
            "id",
            "purpose",
            "purpose_label",
            "original_name",
            "mime_type",
            "size",
            "uploaded_by",
            "created_at",
            "download_url",
        ]
        read_only_fields = fields

    @extend_schema_field(serializers.CharField())
    def get_purpose_label(self, evidence) -> str:
        return str(services.EvidencePurpose.LABELS.get(evidence.purpose, evidence.purpose))

    @extend_schema_field(serializers.URLField())
    def get_download_url(self, evidence) -> str:
        url = reverse("api:evidence-download", args=[evidence.pk])
        request = self.context.get("request")
        return request.build_absolute_uri(url) if request is not None else url


class HazardEventSerializer(serializers.ModelSerializer):
    action_label = serializers.CharField(
        source="get_action_display", read_only=True, label=_("what was done")
    )
    by = serializers.CharField(source="by.display_name", read_only=True, label=_("by"))

    class Meta:
        model = HazardEvent
        fields = ["at", "action", "action_label", "from_status", "to_status", "note", "by"]
        read_only_fields = fields


class ReferralSerializer(serializers.ModelSerializer):
    hazard = serializers.PrimaryKeyRelatedField(read_only=True, label=_("hazard"))
    hazard_code = serializers.CharField(source="hazard.code", read_only=True, label=_("ledger number"))
    department_label = serializers.CharField(
        source="get_department_display", read_only=True, label=_("department (as shown)")
    )
    referred_by = serializers.CharField(
        source="referred_by.display_name", read_only=True, label=_("notified by")
    )
    replied_by = serializers.CharField(
        source="replied_by.display_name", read_only=True, default=None, allow_null=True, label=_("replied by")
    )
    files = serializers.SerializerMethodField(
        label=_("files"), help_text=_("The written notice and, once replied, the written reply.")
    )

    class Meta:
        model = Referral
        fields = [
            "id",
            "hazard",
            "hazard_code",
            "department",
            "department_label",
            "referred_on",
            "note",
            "referred_by",
            "reply",
            "replied_on",
            "replied_by",
            "files",
        ]
        read_only_fields = fields

    @extend_schema_field(EvidenceFileSerializer(many=True))
    def get_files(self, referral):
        files = getattr(referral, "live_files", None)
        if files is None:
            files = referral.evidence.filter(removed_at__isnull=True).select_related("uploaded_by")
        return EvidenceFileSerializer(files, many=True, context=self.context).data


class HazardSerializer(serializers.ModelSerializer):
    """A ledger row: the record, its status and whether it is overdue (counted from today)."""

    institution_name = serializers.CharField(
        source="institution.name", read_only=True, label=_("institution name")
    )
    region = serializers.CharField(source="region.code", read_only=True, label=_("region code"))
    region_name = serializers.CharField(source="region.name", read_only=True, label=_("region name"))
    status_label = serializers.CharField(
        source="get_status_display", read_only=True, label=_("status (as shown)")
    )
    category_label = serializers.CharField(
        source="get_category_display", read_only=True, label=_("category (as shown)")
    )
    is_overdue = serializers.BooleanField(
        read_only=True,
        label=_("overdue"),
        help_text=_("Past the deadline (Asia/Shanghai) and not closed."),
    )
    is_extended = serializers.BooleanField(
        read_only=True, label=_("deadline changed"), help_text=_("The deadline was changed at least once.")
    )
    created_by = serializers.CharField(
        source="created_by.display_name", read_only=True, label=_("recorded by")
    )
    verified_by = serializers.CharField(
        source="verified_by.display_name",
        read_only=True,
        default=None,
        allow_null=True,
        label=_("verified by"),
    )
    version = serializers.IntegerField(
        read_only=True,
        label=_("version"),
        help_text=_("Send it back with a change: a change made since then is refused with 409."),
    )

    class Meta:
        model = Hazard
        fields = [
            "id",
            "code",
            "institution",
            "institution_name",
            "region",
            "region_name",
            "category",
            "category_label",
            "severity",
            "source",
            "description",
            "found_on",
            "measures",
            "responsible_unit",
            "responsible_person",
            "responsible_phone",
            "deadline",
            "original_deadline",
            "status",
            "status_label",
            "is_overdue",
            "is_extended",
            "verified_by",
            "verified_at",
            "verification_opinion",
            "closed_on",
            "is_major_fire",
            "major_determined_by",
            "major_determined_on",
            "is_listed",
            "listed_by",
            "listed_on",
            "created_by",
            "created_at",
            "updated_at",
            "version",
        ]
        read_only_fields = fields


class HazardStepSerializer(serializers.Serializer):
    action = serializers.CharField(label=_("step"), help_text=_("start, submit, close or return."))
    label = serializers.CharField(label=_("step (as shown)"))
    needs_note = serializers.BooleanField(label=_("needs a note"))
    note_label = serializers.CharField(label=_("what the note is"))


class HazardDetailSerializer(HazardSerializer):
    """A hazard as its page shows it: the record, the timeline, the files and notices the reader
    can see, and what the reader may do next."""

    events = serializers.SerializerMethodField(label=_("timeline"))
    evidence = serializers.SerializerMethodField(
        label=_("evidence files"), help_text=_("Photos and documents before and after rectification.")
    )
    referrals = serializers.SerializerMethodField(label=_("written notices to departments"))
    steps = serializers.SerializerMethodField(
        label=_("steps you may take"), help_text=_("Send one of them to the transition action.")
    )
    allowed = serializers.SerializerMethodField(
        label=_("what you may do"), help_text=_("edit, extend, add_evidence, refer, delete: true or false.")
    )

    class Meta(HazardSerializer.Meta):
        fields = [*HazardSerializer.Meta.fields, "events", "evidence", "referrals", "steps", "allowed"]
        read_only_fields = fields

    def _user(self):
        return self.context["request"].user

    def _referrals(self, hazard):
        if not hasattr(self, "_referral_cache"):
            self._referral_cache = list(
                Referral.objects.visible_to(self._user())
                .filter(hazard=hazard)
                .select_related("hazard", "referred_by", "replied_by")
            )
        return self._referral_cache

    @extend_schema_field(HazardEventSerializer(many=True))
    def get_events(self, hazard):
        return HazardEventSerializer(
            visible_events(self._user(), hazard, self._referrals(hazard)), many=True
        ).data

    @extend_schema_field(EvidenceFileSerializer(many=True))
    def get_evidence(self, hazard):
        files = (
            visible_evidence(self._user())
            .filter(owner_type=ContentType.objects.get_for_model(Hazard), owner_id=hazard.pk)
            .select_related("uploaded_by")
            .order_by("created_at", "pk")
        )
        return EvidenceFileSerializer(files, many=True, context=self.context).data

    @extend_schema_field(ReferralSerializer(many=True))
    def get_referrals(self, hazard):
        return ReferralSerializer(self._referrals(hazard), many=True, context=self.context).data

    @extend_schema_field(HazardStepSerializer(many=True))
    def get_steps(self, hazard):
        return [
            {
                "action": step.action,
                "label": str(step.label),
                "needs_note": step.needs_note,
                "note_label": str(step.note_label),
            }
            for step in services.transitions_for(self._user(), hazard)
        ]

    @extend_schema_field(serializers.DictField(child=serializers.BooleanField()))
    def get_allowed(self, hazard):
        user = self._user()
        return {
            "edit": services.can_edit(user, hazard),
            "extend": services.can_edit(user, hazard),
            "add_evidence": services.can_add_evidence(user, hazard),
            "refer": services.can_refer(user, hazard),
            "delete": services.is_district_staff(user),
        }


class VisibleInstitutionField(serializers.PrimaryKeyRelatedField):
    """An institution the writer can see (an unknown or foreign id is the same 400)."""

    def get_queryset(self):
        return Institution.objects.visible_to(self.context["request"].user)


class HazardWriteSerializer(serializers.ModelSerializer):
    """The fields of the page's record form (`hazards.forms.FORM_FIELDS`). The deadline changes
    through ``extend`` once recorded; the status through ``transition``."""

    institution = VisibleInstitutionField(label=_("institution"))
    version = serializers.IntegerField(
        write_only=True,
        required=False,
        min_value=0,
        label=_("version"),
        help_text=_("For a change: the version you read. Someone else's change since then answers 409."),
    )
    photos = serializers.ListField(
        child=EvidenceFileField(),
        required=False,
        write_only=True,
        label=_("photos before rectification"),
        help_text=_("On recording only (multipart): checked as on the page; one refused file refuses all."),
    )

    class Meta:
        model = Hazard
        fields = [*FORM_FIELDS, "version", "photos"]


class HazardTransitionSerializer(serializers.Serializer):
    action = serializers.ChoiceField(
        choices=[(name, str(step.label)) for name, step in services.TRANSITIONS.items()],
        label=_("step"),
        help_text=_(
            "start: 待整改 → 整改中; submit: 整改中 → 已整改待核查 (needs an “after” file uploaded since the last "
            "return); close: 已整改待核查 → 已销号 (district, needs a note); return: back to 整改中 (district, "
            "needs a note)."
        ),
    )
    note = serializers.CharField(
        required=False,
        allow_blank=True,
        default="",
        label=_("note"),
        help_text=_("The verification opinion (close) or the reason for returning (return)."),
    )
    version = serializers.IntegerField(min_value=0, label=_("version"), help_text=_("The version you read."))


class HazardExtendSerializer(serializers.Serializer):
    new_deadline = serializers.DateField(label=_("new deadline"))
    reason = serializers.CharField(max_length=255, label=_("reason for the change"))
    version = serializers.IntegerField(min_value=0, label=_("version"), help_text=_("The version you read."))


class HazardDeleteSerializer(serializers.Serializer):
    reason = serializers.CharField(max_length=255, label=_("reason for deletion"))


class HazardEvidenceUploadSerializer(serializers.Serializer):
    purpose = serializers.ChoiceField(
        choices=[(p, str(services.EvidencePurpose.LABELS[p])) for p in services.EvidencePurpose.HAZARD],
        label=_("the file shows"),
        help_text=_("before or after rectification."),
    )
    file = EvidenceFileField(label=_("file"))


class ReferralCreateSerializer(serializers.Serializer):
    department = serializers.ChoiceField(choices=Department.choices, label=_("department"))
    referred_on = serializers.DateField(label=_("notified on"))
    note = serializers.CharField(
        required=False, allow_blank=True, default="", label=_("what is asked of the department")
    )
    notice = EvidenceFileField(label=_("written notice (scan or document)"))


class ReferralReplySerializer(serializers.Serializer):
    reply = serializers.CharField(label=_("reply"))
    replied_on = serializers.DateField(label=_("replied on"))
    attachment = EvidenceFileField(required=False, label=_("written reply (optional)"))


# Filters and ordering ---------------------------------------------------------------------------
