from django.apps import AppConfig


class BenchConfig(AppConfig):
    """The province-scale bench (issue 11): the `bench_data` generator and, only when
    settings.PORTAL_BENCH is on, the anchor page. Nothing else in the portal depends on it."""

    name = "bench"
    verbose_name = "Bench"
