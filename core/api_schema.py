"""The REST API's schema class (drf-spectacular; kept apart from core/api.py, which DRF's settings
import before its generic views exist)."""

from drf_spectacular.openapi import AutoSchema
from rest_framework import serializers


class PortalAutoSchema(AutoSchema):
    """drf-spectacular's AutoSchema, plus: a read-only choice field read from a model's text column
    lists ``""`` among its values — the column may hold it (a value not chosen yet, rows older than a
    rule that now requires one) and DRF drops ``allow_blank`` on read-only fields, so the schema would
    otherwise refuse what the API sends; a nullable column's adds ``null``."""

    def _map_serializer_field(self, field, direction, bypass_extensions=False):
        result = super()._map_serializer_field(field, direction, bypass_extensions=bypass_extensions)
        if isinstance(field, serializers.ChoiceField) and isinstance(result, dict) and "enum" in result:
            model = getattr(getattr(field.parent, "Meta", None), "model", None)
            try:
                model_field = model._meta.get_field(field.source) if model and field.source else None
            except Exception:  # a source that is not a model field (a property, a path)
                model_field = None
            textual = model_field is not None and model_field.get_internal_type() == "CharField"
            if textual and field.read_only and "" not in result["enum"]:
                result["enum"] = [*result["enum"], ""]
            if model_field is not None and model_field.null and None not in result["enum"]:
                result["enum"] = [*result["enum"], None]
                result["nullable"] = True
        return result


class ObjectSchema(PortalAutoSchema):
    """For a viewset whose ``list`` answers one object (a computed report, e.g. the indicators), not
    an array: drf-spectacular would otherwise describe it as a list."""

    def _is_list_view(self, serializer=None) -> bool:
        return False
