"""Issue 18: schemathesis over the whole OpenAPI schema, as a district and as the city, through the
portal's WSGI application on the test database: no answer is a 5xx, and every answer (status code,
content type, body) is one the schema describes. Hypothesis generates the requests from the schema
(valid and invalid values, path ids that exist and that do not)."""

import hypothesis
import pytest
import schemathesis
from django.core.signals import request_finished, request_started
from django.core.wsgi import get_wsgi_application
from django.db import close_old_connections
from hypothesis import HealthCheck, given
from schemathesis.checks import (
    content_type_conformance,
    not_a_server_error,
    response_schema_conformance,
    status_code_conformance,
)

from accounts.tokens import issue_token
from tests.hazards.factories import record

pytestmark = pytest.mark.django_db

CHECKS = [not_a_server_error, status_code_conformance, content_type_conformance, response_schema_conformance]
# Examples per operation: enough to reach each parameter's edge values and invalid input (Hypothesis
# tries the boundaries first), while the run (two roles, every operation) stays well under a minute.
EXAMPLES = 6


@pytest.fixture
def wsgi_app():
    """The portal's WSGI application on the test's transaction: as Django's test client does, the
    connection is not closed at the end of each request (it holds the test's rows)."""
    request_started.disconnect(close_old_connections)
    request_finished.disconnect(close_old_connections)
    try:
        yield get_wsgi_application()
    finally:
        request_started.connect(close_old_connections)
        request_finished.connect(close_old_connections)


@pytest.mark.long
@pytest.mark.parametrize("role", ["district", "city"])
def test_no_server_error_and_no_answer_outside_the_schema(world, settings, wsgi_app, role):
    settings.API_THROTTLE_RATE = "100000/min"  # the throttle has its own test; 429 is documented anyway
    record(world.own_institution, world.users["district"], description="消防通道堆放杂物")
    _token, raw = issue_token(user=world.users[role], name="schemathesis", days=30)
    headers = {"Authorization": f"Bearer {raw}"}
    schema = schemathesis.openapi.from_wsgi("/api/v1/schema/", wsgi_app, headers=headers)
    operations = [result.ok() for result in schema.get_all_operations()]
    assert len(operations) >= 10
    failures = []
    for operation in operations:

        @given(case=operation.as_strategy())
        @hypothesis.settings(
            max_examples=EXAMPLES,
            deadline=None,
            derandomize=True,
            database=None,
            suppress_health_check=list(HealthCheck),
        )
        def run(case):
            case.call_and_validate(headers=headers, checks=CHECKS)

        try:
            run()
        except Exception as error:  # collect every operation's failure, then report them all
            failures.append(f"{operation.method.upper()} {operation.path}: {error}"[:2000])
    assert not failures, "\n\n".join(failures)
