"""The URL sweep's entries (tests/test_url_sweep.py) for the acceptance workbook (issue 14)."""


def specs(Spec, all_staff) -> dict:
    """{URL name: Spec(...)} of this part's URL patterns."""
    return {}
