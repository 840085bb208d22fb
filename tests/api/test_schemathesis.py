"""Schemathesis over every operation of the OpenAPI spec: no request gets a 5xx.

Runs against its own app on its own temporary SQLite database (the demo seed, OpenAPI on as
in development), logged in as Admin with a JWT, so the rows it writes never reach the other
tests. Bounded: a few derandomized examples per operation (the whole run stays within a few
minutes on two cores).
"""
from __future__ import annotations

import pytest

schemathesis = pytest.importorskip("schemathesis")

from hypothesis import HealthCheck, settings  # noqa: E402
from schemathesis.checks import not_a_server_error  # noqa: E402

from tests.api.conftest import jwt_token  # noqa: E402
from tests.conftest import PASSWORD  # noqa: E402

EXAMPLES = 5
# every operation, FAB's own login and user/role administration included (app/security/fab_apis.py
# closes the 500s fuzzing found there); only the spec itself is left out
# the spec itself, and logout: it ends the suite's own token (tests/security/test_sessions_end.py)
SKIP_PATHS = r"^/api/v1/(_openapi\b|security/logout$)"


@pytest.fixture(scope="module")
def api_app(tmp_path_factory):
    from app import create_app

    instance = tmp_path_factory.mktemp("schemathesis")
    app = create_app(
        SQLALCHEMY_DATABASE_URI=f"sqlite:///{instance / 'fuzz.db'}", INSTANCE_PATH=str(instance), TESTING=True,
        SECRET_KEY="fuzz-secret-key-of-the-estate-desk-suite-2026", DEMO_PASSWORD=PASSWORD, DEMO_FEE_MONTHS=2,
        FAB_ADD_OPENAPI_VIEWS=True, FAB_API_SWAGGER_UI=True, JWT_ACCESS_TOKEN_EXPIRES=3600,
    )
    with app.app_context():
        from app.bootstrap import first_start

        first_start(seed_demo=True, demo_password=PASSWORD)
    return app


@pytest.fixture(scope="module")
def auth(api_app):
    return {"Authorization": f"Bearer {jwt_token(api_app.test_client(), 'admin')}"}


@pytest.fixture(scope="module")
def api_schema(api_app, auth):
    schema = schemathesis.openapi.from_wsgi("/api/v1/_openapi", api_app, headers=auth)
    # random examples only: the coverage phase adds dozens of boundary cases per operation
    # whatever max_examples says, too many for this machine
    schema.config.phases.coverage.enabled = False
    return schema


schema = schemathesis.pytest.from_fixture("api_schema").exclude(path_regex=SKIP_PATHS)


@schema.parametrize()
@settings(max_examples=EXAMPLES, derandomize=True, deadline=None, database=None,
          suppress_health_check=list(HealthCheck))
def test_no_operation_answers_with_a_server_error(case, auth):
    case.call_and_validate(headers=auth, checks=[not_a_server_error])


def test_the_spec_lists_every_register(api_app, auth):
    spec = api_app.test_client().get("/api/v1/_openapi", headers=auth).json
    resources = {path.split("/")[3] for path in spec["paths"] if path.count("/") >= 3}
    for name in ("fee_item", "fee_schedule", "fee_rate", "service_content", "service_price", "charge", "receipt",
                 "void_request", "bank_deposit", "reconciliation", "apportionment", "notice", "posting",
                 "collection_action", "payment_reminder", "audit_log", "staff_estate", "unit", "owner",
                 "work_order", "complaint", "callback", "visit"):
        assert name in resources, name
    assert "delete" not in spec["paths"]["/api/v1/receipt/{pk}"]
    assert "/api/v1/receipt/payment" in spec["paths"]
