"""schemathesis against the project's own OpenAPI schema (/api/schema/), in-process through the
WSGI application (no live server): a bounded, deterministic number of examples per operation
(schema-conforming and schema-violating ones), signed in with a token as a district admin and as a
grid member. Checks: no 5xx, the status code is one the schema lists, and the response body matches
the schema. One test per user runs every operation on one small district (building it per
operation would cost more than the requests)."""
import pytest
import schemathesis
from django.core.handlers.wsgi import WSGIHandler
from django.core.signals import request_finished, request_started
from django.db import close_old_connections
from hypothesis import HealthCheck, Phase, given, settings
from hypothesis import strategies as st
from rest_framework.authtoken.models import Token
from schemathesis import GenerationMode
from schemathesis.specs.openapi.checks import response_schema_conformance, status_code_conformance

from tests.support import rate_limits
from tests.support.world import report, world

pytestmark = pytest.mark.django_db

# Examples per operation and user (64 operations × 2 users): the time budget of the suite.
EXAMPLES = 6
CHECKS = [schemathesis.checks.not_a_server_error, status_code_conformance, response_schema_conformance]
# No shrinking: a failure is reported as found (its curl line reproduces it), within the time budget.
FUZZ = settings(max_examples=EXAMPLES, derandomize=True, database=None, deadline=None, phases=[Phase.explicit, Phase.generate],
                suppress_health_check=list(HealthCheck))

# The schema as the application serves it (no database needed to build it).
schema = schemathesis.openapi.from_wsgi("/api/schema/", WSGIHandler())


@pytest.fixture(autouse=True)
def in_test_transaction(settings, tmp_path):
    """Each request runs in this test's transaction: the connection is not closed between
    requests (as Django's test client does). Uploads go to a temporary directory."""
    settings.MEDIA_ROOT = tmp_path
    rate_limits(settings)  # hundreds of requests a minute by one user: 429s would leave the operations untested
    request_started.disconnect(close_old_connections)
    request_finished.disconnect(close_old_connections)
    try:
        yield
    finally:
        request_started.connect(close_old_connections)
        request_finished.connect(close_old_connections)


@pytest.fixture
def w():
    w = world()
    report(w)  # a case to read and act on
    return w


def token_header(user):
    # identity: GZipMiddleware would compress, and the WSGI transport does not inflate.
    return {"Authorization": f"Token {Token.objects.get_or_create(user=user)[0].key}", "Accept-Encoding": "identity"}


def operations():
    ops = [result.ok() for result in schema.get_all_operations()]
    assert len(ops) > 50, "the schema lost its operations"
    return ops


def strategy(operation):
    modes = [operation.as_strategy(GenerationMode.POSITIVE)]
    try:
        modes.append(operation.as_strategy(GenerationMode.NEGATIVE))
    except Exception:  # an operation with nothing to get wrong (no parameters, no body)
        pass
    return st.one_of(modes)


def fuzz(headers):
    """Every operation; the failures of all of them in one message (each with a curl line)."""
    failures, calls = [], []
    for operation in operations():
        @FUZZ
        @given(case=strategy(operation))
        def run(case):
            calls.append(case.call_and_validate(headers=headers, checks=CHECKS).status_code)

        try:
            run()
        except Exception as exc:  # schemathesis' FailureGroup, or a hypothesis error
            failures.append(f"{operation.label}: {exc}")
    assert not failures, f"{len(failures)} operation(s) failed:\n\n" + "\n\n".join(failures)
    # It did send requests, and not only refused ones.
    assert len(calls) >= 2 * len(operations()) and sum(200 <= c < 300 for c in calls) > len(operations()) / 2, calls


def test_api_as_district_admin(w):
    fuzz(token_header(w["da"]))


def test_api_as_grid_member(w):
    fuzz(token_header(w["m_a"]))
