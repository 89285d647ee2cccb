import pytest

from core import workdays


@pytest.fixture(autouse=True)
def holiday_table_copy(db):
    """Each test starts from the committed holiday table (empty in tests) and leaves the process's
    copy as it found it: the test's rows are rolled back, the copy must not keep them."""
    before = workdays.refresh()
    yield
    workdays.keep(before)
