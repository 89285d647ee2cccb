"""Excel imports through the REST API (issue 18: "import institutions" with a token): the same
upload → check → apply as the pages (`core.excel_import.ImportPages`), with the same functions, so
the same rules, the same all-or-nothing writes and the same Celery tasks for large files.

- ``POST /api/v1/imports/<kind>/`` (multipart ``file``): checks the workbook — inside the request, or
  for more than ``sync_rows()`` rows in a task (``state`` ``queued``/``checking``, poll the batch) —
  and answers 201 with the batch: ``counts`` (create / update / unchanged), ``problems`` (row and
  column, in Chinese), the first rows of the ``plan``, ``can_apply``. Nothing is written yet: this is
  the dry run. A file that cannot be read at all: 400 naming ``file``.
- ``GET /api/v1/imports/<kind>/<id>/``: the batch as it stands (``progress`` of ``total`` while a task
  runs).
- ``POST /api/v1/imports/<kind>/<id>/apply/``: applies it — 200 with the counts, or 202 when a task
  applies a large file (poll the batch until ``state`` is ``applied`` or ``failed``). A file whose
  check found problems, or that no longer passes, is refused with 400 and nothing is written.

Only the uploader sees a batch (as on the pages); the importer functions check the role and scope.
"""

from django.core.exceptions import PermissionDenied, ValidationError
from django.utils.translation import gettext_lazy as _
from drf_spectacular.utils import extend_schema, extend_schema_view
from rest_framework import mixins, parsers, serializers, status, viewsets
from rest_framework.decorators import action
from rest_framework.response import Response

from core.api import IdempotentPostMixin
from core.excel_import.importer import _problem_text, sync_rows
from core.models import ImportBatch


class ImportBatchSerializer(serializers.ModelSerializer):
    counts = serializers.SerializerMethodField(
        label=_("counts"), help_text=_("Rows that would be (or were) created, updated, left unchanged.")
    )
    problems = serializers.SerializerMethodField(
        label=_("problems found"), help_text=_("Each problem with its row and column, in Chinese.")
    )
    plan = serializers.SerializerMethodField(
        label=_("plan"), help_text=_("The first rows of what the import would do.")
    )
    can_apply = serializers.SerializerMethodField(
        label=_("can be applied"), help_text=_("Checked, without problems, not yet applied.")
    )

    class Meta:
        model = ImportBatch
        fields = [
            "id",
            "kind",
            "original_name",
            "state",
            "status",
            "row_count",
            "progress",
            "total",
            "counts",
            "problems",
            "plan",
            "can_apply",
            "applied_at",
            "failure",
        ]
        read_only_fields = fields

    def get_counts(self, batch) -> dict[str, int]:
        return batch.summary.get("counts", {})

    def get_problems(self, batch) -> list[str]:
        return [_problem_text(problem) for problem in batch.errors]

    def get_plan(self, batch) -> list[dict]:
        return batch.summary.get("plan", [])

    def get_can_apply(self, batch) -> bool:
        return (
            batch.status == ImportBatch.Status.PREVIEW
            and batch.state == ImportBatch.State.CHECKED
            and not batch.errors
        )


class ImportUploadSerializer(serializers.Serializer):
    file = serializers.FileField(label=_("Excel file (.xlsx)"))


def import_viewset(pages, *, noun):
    """A viewset for one kind of import, from the pages' `ImportPages` (its `kind`, `create_batch`,
    `apply_batch`, `queue_apply`); `noun` names what is imported in the schema (lazy text)."""

    @extend_schema_view(
        list=extend_schema(
            summary=_("List your imports of %(noun)s") % {"noun": noun},
            description=_("The workbooks you uploaded, newest first, with their state."),
        ),
        retrieve=extend_schema(
            summary=_("Read an import of %(noun)s") % {"noun": noun},
            description=_("The batch as it stands: counts, problems, progress while a task runs."),
        ),
        create=extend_schema(
            summary=_("Upload %(noun)s for a dry run") % {"noun": noun},
            description=_(
                "Checks the workbook as the import page does and writes nothing to the data: counts, "
                "problems per row and column, the plan. Large files are checked in the background."
            ),
            request=ImportUploadSerializer,
            responses={201: ImportBatchSerializer},
        ),
    )
    class ImportViewSet(IdempotentPostMixin, mixins.CreateModelMixin, viewsets.ReadOnlyModelViewSet):
        serializer_class = ImportBatchSerializer
        parser_classes = [parsers.MultiPartParser, parsers.FormParser]
        filterset_fields = []
        ordering_fields = ["created_at"]

        def get_queryset(self):
            if getattr(self, "swagger_fake_view", False):  # the schema generator has no user
                return ImportBatch.objects.none()
            return (
                ImportBatch.objects.visible_to(self.request.user)
                .filter(kind=pages.kind, created_by=self.request.user)
                .defer("checked_rows")
                .order_by("-created_at", "-pk")
            )

        def create(self, request, *args, **kwargs):
            upload = ImportUploadSerializer(data=request.data)
            upload.is_valid(raise_exception=True)
            file = upload.validated_data["file"]
            try:
                batch = pages.create_batch(file=file, user=request.user, original_name=file.name)
            except ValidationError as error:
                return Response(
                    {"file": [str(m) for m in error.messages]}, status=status.HTTP_400_BAD_REQUEST
                )
            return Response(ImportBatchSerializer(batch).data, status=status.HTTP_201_CREATED)

        @extend_schema(
            summary=_("Apply an import of %(noun)s") % {"noun": noun},
            description=_(
                "Writes the checked batch all at once, or nothing (the same function as the page's "
                "“Import” button). 202 when a background task applies a large file."
            ),
            request=None,
            responses={200: ImportBatchSerializer, 202: ImportBatchSerializer},
        )
        @action(detail=True, methods=["post"])
        def apply(self, request, pk=None):
            batch = self.get_object()
            queued = batch.row_count > sync_rows()
            try:
                if queued:
                    pages.queue_apply(batch, request.user)
                else:
                    pages.apply_batch(batch, request.user)
            except PermissionDenied:
                raise
            batch.refresh_from_db()
            code = status.HTTP_202_ACCEPTED if queued else status.HTTP_200_OK
            return Response(ImportBatchSerializer(batch).data, status=code)

    ImportViewSet.__name__ = f"{pages.kind.title()}ImportViewSet"
    ImportViewSet.__qualname__ = ImportViewSet.__name__
    return ImportViewSet
