"""Issue 18: "every get_queryset() starts from visible_to" — checked on every registered viewset, so a
new endpoint that forgets it fails here (the URL sweep then checks the 404s per role)."""

import inspect

from config.api_urls import router


def test_every_viewset_reads_through_visible_to():
    missing = []
    for prefix, viewset, _basename in router.registry:
        # a viewset without a queryset (it computes, e.g. the indicators) reads in its own methods
        generic = hasattr(viewset, "get_queryset")
        if not generic:
            source = inspect.getsource(viewset)
        elif "get_queryset" in vars(viewset):
            source = inspect.getsource(viewset.get_queryset)
        else:
            source = ""
        for klass in viewset.__mro__[1:]:
            if "get_queryset" in vars(klass) and klass.__module__.split(".")[0] not in ("rest_framework",):
                source += inspect.getsource(klass.get_queryset)
        if "visible_to(" not in source:
            missing.append(f"{prefix}: {viewset.__module__}.{viewset.__name__}")
    assert not missing, missing
