"""The action endpoints (publish, confirm, approve, transition...) in the OpenAPI document.

Every route a register's API adds to FAB's own (a function of app/*/api.py under @expose) is
declared with app.core.api.action_endpoint: the document gives it a summary, the success
status, the errors the base class answers (400/401/403/404/422) and a request body whose
schema exists. The spec is built the way FAB's /api/v1/_openapi builds it, on the session app
(where the OpenAPI view itself is off, as in production).
"""
from __future__ import annotations

import warnings

import pytest

from app.core.api import ACTION_ERRORS, StaffRestApi


@pytest.fixture(scope="module")
def spec(app):
    from flask_appbuilder.api.manager import OpenApi

    with app.test_request_context("/api/v1/_openapi"), warnings.catch_warnings():
        warnings.simplefilter("ignore")  # apispec: FAB's own schemas added twice
        api_spec = OpenApi._create_api_spec("v1")
        for view in app.appbuilder.baseviews:
            if getattr(view, "version", None) == "v1" and hasattr(view, "add_api_spec"):
                view.add_api_spec(api_spec)
        return api_spec.to_dict()


def action_operations(app, spec):
    """(class, method name, operation) of every exposed route written in app/, not by FAB."""
    found = []
    for view in app.appbuilder.baseviews:
        if not isinstance(view, StaffRestApi):
            continue
        for name in sorted(view.include_route_methods or dir(view)):
            fn = getattr(view, name, None)
            if not getattr(fn, "_urls", None) or not fn.__module__.startswith("app."):
                continue
            for url, methods in fn._urls:
                path = view.path_helper(path=url)
                for method in methods:
                    found.append((type(view).__name__, name, spec["paths"][path][method.lower()]))
    return found


def test_every_action_endpoint_is_described(app, spec):
    actions = action_operations(app, spec)
    names = {(cls, name) for cls, name, _ in actions}
    # the registers' service endpoints, one of each kind at least
    for expected in (("FeeScheduleRestApi", "publish"), ("ChargeRestApi", "sale"), ("ReceiptRestApi", "payment"),
                     ("BankDepositRestApi", "confirm"), ("NoticeRestApi", "withdraw"),
                     ("CollectionActionRestApi", "post"), ("WorkOrderRestApi", "transition"),
                     ("ComplaintRestApi", "transition"), ("ApportionmentRestApi", "post_shares")):
        assert expected in names, expected
    for cls, name, op in actions:
        where = f"{cls}.{name}"
        assert op.get("summary", "").strip(), f"{where}: no summary"
        codes = {int(code) for code in op.get("responses", {})}
        assert set(ACTION_ERRORS) <= codes, f"{where}: errors {sorted(codes)}"
        assert codes & {200, 201}, f"{where}: no success response"
        assert op.get("security"), f"{where}: not marked as needing a login"


def test_action_bodies_name_existing_schemas(app, spec):
    schemas = spec["components"]["schemas"]
    for cls, name, op in action_operations(app, spec):
        body = op.get("requestBody")
        if body is None:
            continue
        assert body.get("required") is True, f"{cls}.{name}"
        schema = body["content"]["application/json"]["schema"]
        ref = schema.get("$ref")
        if ref:
            assert ref.rsplit("/", 1)[-1] in schemas, f"{cls}.{name}: {ref}"
        else:
            assert schema.get("type") == "object" and schema.get("properties"), f"{cls}.{name}"


def test_a_path_argument_is_a_whole_number(app, spec):
    op = spec["paths"]["/api/v1/work_order/{pk}/transition"]["post"]
    assert op["parameters"] == [{"in": "path", "name": "pk", "required": True, "schema": {"type": "integer"}}]
    assert "dispatch" in op["requestBody"]["content"]["application/json"]["schema"]["properties"]["action"]["enum"]
