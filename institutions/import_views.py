"""Excel template, import (upload → preview → apply) and export of the institution list.

Placeholder views: being written now (they answer 404 until then)."""

from django.http import Http404


def _missing(request, *args, **kwargs):
    raise Http404


export = upload = template = preview = apply = _missing
