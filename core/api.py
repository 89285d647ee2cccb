"""The REST API's shared parts (issue 18): errors, pagination. (The regions endpoint: core/regions_api.py.)

Errors, the same for every endpoint (messages in Chinese, as the pages):

- 400 ``{"field": ["…"], …}`` for bad input; a rule of a service function (Django's
  ``ValidationError``) answers the same way, ``non_field_errors`` for a message without a field;
- 401 no or a bad token; 403 a role that may not take the step; 404 anything outside the reader's
  scope (querysets start from ``visible_to``);
- 409 ``{"detail": "…", "code": "concurrent_edit"}`` when the record changed since the version the
  client sent (the pages' version check, `core.concurrency`);
- 429 over the token's rate, with ``Retry-After``.
"""

import hashlib

from django.core.exceptions import PermissionDenied as DjangoPermissionDenied
from django.core.exceptions import ValidationError as DjangoValidationError
from django.db import IntegrityError, transaction
from django.http import Http404, HttpResponse
from django.utils.translation import gettext_lazy as _
from django.utils.translation import pgettext_lazy
from rest_framework import exceptions, pagination, status
from rest_framework.response import Response
from rest_framework.views import exception_handler as drf_exception_handler

CONFLICT_CODES = frozenset({"concurrent_edit"})


class Conflict(exceptions.APIException):
    status_code = status.HTTP_409_CONFLICT
    default_detail = _("Someone else changed this record; reload it and try again.")
    default_code = "concurrent_edit"


def _codes(error: DjangoValidationError) -> set:
    return (
        {getattr(e, "code", None) for e in error.error_list}
        if hasattr(error, "error_list")
        else {getattr(e, "code", None) for errors in error.error_dict.values() for e in errors}
    )


def _messages(error: DjangoValidationError) -> dict:
    if hasattr(error, "error_dict"):
        return {
            ("non_field_errors" if field == "__all__" else field): [str(m) for m in messages]
            for field, messages in error.message_dict.items()
        }
    return {"non_field_errors": [str(m) for m in error.messages]}


def exception_handler(exc, context):
    """DRF's handler, plus: Django's ValidationError → 400 (or 409 for a version conflict), Django's
    PermissionDenied → 403, and every body a dict (``detail`` for one message)."""
    if isinstance(exc, DjangoValidationError):
        if _codes(exc) & CONFLICT_CODES:
            exc = Conflict(detail=" ".join(str(m) for m in exc.messages))
        else:
            return Response(_messages(exc), status=status.HTTP_400_BAD_REQUEST)
    elif isinstance(exc, DjangoPermissionDenied):
        exc = exceptions.PermissionDenied()
    elif isinstance(exc, Http404):
        exc = exceptions.NotFound()
    response = drf_exception_handler(exc, context)
    if response is not None and isinstance(response.data, dict) and "detail" in response.data:
        codes = exc.get_codes() if isinstance(exc, exceptions.APIException) else None
        if isinstance(codes, str):
            response.data.setdefault("code", codes)
    return response


class PagePagination(pagination.PageNumberPagination):
    """``?page=N&page_size=M`` (50 by default, at most 200): for short lists (regions, items)."""

    page_size = 50
    page_size_query_param = "page_size"
    max_page_size = 200


class CursorPagination(pagination.CursorPagination):
    """``?cursor=…`` from the ``next``/``previous`` links: as fast on the thousandth page as on the
    first (an index seek, no OFFSET), for the big lists. Newest first by primary key unless a view
    sets `ordering`; ``page_size`` up to 200."""

    page_size = 50
    page_size_query_param = "page_size"
    max_page_size = 200
    ordering = "-pk"


# Fields every list or object has, described once for the schema (issue 18: every field in Chinese).
COMMON_FIELDS = {
    "id": _("Identifier of the record (stable; use it in the detail URL)."),
    "count": _("Number of records matching the filters, over all pages."),
    "next": _("Link to the next page; null on the last page."),
    "previous": _("Link to the previous page; null on the first page."),
    "results": _("The records of this page."),
}


# The groups of operations (drf-spectacular's tags: the URL's first segment) as Swagger UI and Redoc
# show them.
TAGS = {
    "answers": pgettext_lazy("api group", "Checklist answers (the 30 items)"),
    "campaigns": pgettext_lazy("api group", "Campaigns"),
    "complaints": pgettext_lazy("api group", "Complaints and reports"),
    "credit": pgettext_lazy("api group", "Credit records"),
    "draws": pgettext_lazy("api group", "Random draws"),
    "evidence": pgettext_lazy("api group", "Evidence files"),
    "hazards": pgettext_lazy("api group", "Hazard ledger"),
    "imports": pgettext_lazy("api group", "Excel imports"),
    "indicators": pgettext_lazy("api group", "Indicators"),
    "inspections": pgettext_lazy("api group", "Inspection records"),
    "institutions": pgettext_lazy("api group", "Institution registry"),
    "milestones": pgettext_lazy("api group", "Milestones"),
    "national": pgettext_lazy("api group", "National system reconciliation"),
    "referrals": pgettext_lazy("api group", "Referrals to departments"),
    "regions": pgettext_lazy("api group", "Regions"),
}


def _drop_enum_ids(node) -> None:
    """Remove drf-spectacular's internal ``x-spec-enum-id`` marks (its enum hook, not used, would)."""
    if isinstance(node, dict):
        node.pop("x-spec-enum-id", None)
        for value in node.values():
            _drop_enum_ids(value)
    elif isinstance(node, list):
        for value in node:
            _drop_enum_ids(value)


def describe_common_fields(result, generator, request, public):
    """drf-spectacular postprocessing hook: a Chinese description for `COMMON_FIELDS` wherever a
    component has one without a description of its own; the error answers (`Error`, `FieldErrors`:
    400, 401, 403, 404, 409, 429) and the ``Idempotency-Key`` header on every operation they apply to."""
    for component in result.get("components", {}).get("schemas", {}).values():
        for name, spec in component.get("properties", {}).items():
            if name in COMMON_FIELDS and not spec.get("description"):
                spec["description"] = str(COMMON_FIELDS[name])
    _drop_enum_ids(result)
    schemas = result.setdefault("components", {}).setdefault("schemas", {})
    schemas["Error"] = {
        "type": "object",
        "description": str(_("An error: its reason in Chinese and a code.")),
        "properties": {
            "detail": {"type": "string", "description": str(_("The reason, in Chinese."))},
            "code": {
                "type": "string",
                "description": str(_("A code for programs, e.g. not_found, concurrent_edit.")),
            },
        },
        "required": ["detail"],
    }
    schemas["FieldErrors"] = {
        "type": "object",
        "description": str(
            _("Bad input: for each field (non_field_errors for the whole request) its messages in Chinese.")
        ),
        # a list's field has its messages per position: {"photos": {"0": ["…"]}}
        "additionalProperties": {
            "oneOf": [{"type": "array", "items": {"type": "string"}}, {"type": "object"}]
        },
    }
    errors = {
        "400": ("FieldErrors", _("Bad input (messages per field).")),
        "401": ("Error", _("No token, or the token is wrong, expired or revoked.")),
        "403": ("Error", _("Your role may not do this.")),
        "404": ("Error", _("Not found, or outside your scope.")),
        "409": ("Error", _("The record changed since the version you sent; read it again.")),
        "429": ("Error", _("Too many requests with this token; wait for the time in Retry-After.")),
    }
    for item in result.get("paths", {}).values():
        for method, operation in item.items():
            if not isinstance(operation, dict) or "responses" not in operation:
                continue
            for status_code, (component, description) in errors.items():
                if status_code == "409" and method == "get":
                    continue
                operation["responses"].setdefault(
                    status_code,
                    {
                        "description": str(description),
                        "content": {
                            "application/json": {"schema": {"$ref": f"#/components/schemas/{component}"}}
                        },
                    },
                )
    for item in result.get("paths", {}).values():
        for operation in item.values():
            if isinstance(operation, dict) and "tags" in operation:
                operation["tags"] = [str(TAGS.get(tag, tag)) for tag in operation["tags"]]
    for item in result.get("paths", {}).values():
        if "post" in item:  # every POST runs once per Idempotency-Key (IdempotentPostMixin, tested)
            item["post"].setdefault("parameters", []).append(
                {
                    "in": "header",
                    "name": IDEMPOTENCY_HEADER,
                    "required": False,
                    "schema": {"type": "string", "maxLength": 200},
                    "description": str(IDEMPOTENCY_DESCRIPTION),
                }
            )
    return result


IDEMPOTENCY_HEADER = "Idempotency-Key"
IDEMPOTENCY_DESCRIPTION = _(
    "Optional. The same key sent again (a retry) gets the first answer and writes nothing twice."
)


class _Replay(Exception):
    def __init__(self, response):
        super().__init__("replay")
        self.response = response


class IdempotentPostMixin:
    """A POST with an ``Idempotency-Key`` header (any client-chosen text, up to 200 characters) runs
    once per key and user: a repeat (a retry after a lost answer) gets the first answer's status and
    body with ``Idempotent-Replayed: true``, and nothing is written twice. The pages' one-time form
    tokens (`core.submissions`) keep the claims, in the same table.

    - The key used before for another path: 422. The first request with the key still running: 409.
    - A first answer that is not 2xx (bad input, refused) is not kept: the key may be sent again.
    - Without the header a POST runs as usual (a program that retries should send one)."""

    def initial(self, request, *args, **kwargs):
        super().initial(request, *args, **kwargs)
        self._idempotency_claim = None
        key = request.headers.get(IDEMPOTENCY_HEADER, "")
        if request.method != "POST" or not key:
            return
        if len(key) > 200:
            raise exceptions.ValidationError({IDEMPOTENCY_HEADER: [_("Use at most 200 characters.")]})
        from core.models import SubmissionToken

        digest = hashlib.sha256(f"api:{request.user.pk}:{key}".encode()).hexdigest()
        try:
            with transaction.atomic():
                self._idempotency_claim = SubmissionToken.objects.create(
                    key=digest, user=request.user, path=request.path[:500]
                )
        except IntegrityError:
            raise _Replay(self._replay(request, SubmissionToken.objects.get(key=digest))) from None

    def _replay(self, request, claim):
        if claim.path != request.path[:500]:
            return Response(
                {
                    "detail": _("This Idempotency-Key was already used for another request."),
                    "code": "key_reused",
                },
                status=status.HTTP_422_UNPROCESSABLE_ENTITY,
            )
        if claim.status_code is None:
            return Response(
                {
                    "detail": _(
                        "The first request with this Idempotency-Key is still running; try again shortly."
                    ),
                    "code": "in_progress",
                },
                status=status.HTTP_409_CONFLICT,
            )
        response = HttpResponse(claim.body, status=claim.status_code, content_type=claim.content_type or None)
        response["Idempotent-Replayed"] = "true"
        return response

    def handle_exception(self, exc):
        if isinstance(exc, _Replay):
            return exc.response
        claim = getattr(self, "_idempotency_claim", None)
        if claim is not None:
            claim.delete()
            self._idempotency_claim = None
        return super().handle_exception(exc)

    def finalize_response(self, request, response, *args, **kwargs):
        response = super().finalize_response(request, response, *args, **kwargs)
        claim = getattr(self, "_idempotency_claim", None)
        if claim is not None:
            self._idempotency_claim = None
            if 200 <= response.status_code < 300 and not response.streaming:
                if hasattr(response, "render") and not response.is_rendered:
                    response.render()
                claim.status_code = response.status_code
                claim.content_type = response.get("Content-Type", "")
                claim.body = response.content.decode(response.charset or "utf-8")
                claim.save(update_fields=["status_code", "content_type", "body"])
            else:
                claim.delete()
        return response
