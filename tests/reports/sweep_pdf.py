"""The URL sweep's entries (tests/test_url_sweep.py) for the summary report and the per-unit acceptance report (PDF) (issue 14)."""


def specs(Spec, all_staff) -> dict:
    """{URL name: Spec(...)} of this part's URL patterns."""
    return {}
