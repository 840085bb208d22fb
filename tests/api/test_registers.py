"""Every register has its REST API under the view's permission name; money records have no
DELETE and are written only through their services; the estate scope and the role matrix
hold for JWT clients; OpenAPI is served in development and tests only."""
from __future__ import annotations

from flask_appbuilder import ModelView
from flask_appbuilder.api import BaseApi

from app.core.api import StaffRestApi
from tests.api.conftest import assert_no_leak, count_rows

# ModelViews whose permission name has no API of its own, on purpose
NO_API = {
    # FAB's user/role administration: FAB's own security API (FAB_ADD_SECURITY_API) serves it
    "UserDBModelView", "RoleModelView", "UserGroupModelView", "PermissionModelView", "ViewMenuModelView",
    "PermissionViewModelView", "UserStatsChartView", "ResetPasswordView",
    "SecurityEvent",  # the security log (brief "auth"), read on its page
    # built right now in app/servicedesk and app/visits (brief "api" left them to their authors)
    "WorkOrder", "Complaint", "Callback", "Visit", "ServiceSettings", "VisitQuota",
}
MONEY = ("charge", "receipt", "bank_deposit", "reconciliation", "void_request")


def _apis(app):
    return [v for v in app.appbuilder.baseviews if isinstance(v, BaseApi)]


def test_every_register_view_has_an_api_with_its_permission_name(app):
    api_perms = {a.class_permission_name for a in _apis(app)}
    missing = sorted({
        v.class_permission_name for v in app.appbuilder.baseviews
        if isinstance(v, ModelView) and v.class_permission_name not in api_perms
        and v.class_permission_name not in NO_API and type(v).__name__ not in NO_API
    })
    assert not missing, f"registers without a REST API: {missing}"


def test_every_staff_api_shares_its_permission_with_a_view(app):
    view_perms = {v.class_permission_name for v in app.appbuilder.baseviews if not isinstance(v, BaseApi)}
    lonely = [type(a).__name__ for a in _apis(app) if isinstance(a, StaffRestApi)
              and a.class_permission_name not in view_perms]
    assert not lonely, f"APIs whose permission no view uses (the role matrix would not cover them): {lonely}"


def test_money_records_have_no_delete_and_no_raw_insert(app):
    rules = {(r.rule, m) for r in app.url_map.iter_rules() for m in r.methods}
    for name in MONEY:
        assert (f"/api/v1/{name}/<pk>", "DELETE") not in rules, name
        assert (f"/api/v1/{name}/<pk>", "PUT") not in rules, name
    # receipts and charges are created by the cash desk and the sale service only
    assert ("/api/v1/receipt/", "POST") not in rules
    assert ("/api/v1/charge/", "POST") not in rules
    assert ("/api/v1/receipt/payment", "POST") in rules
    assert ("/api/v1/charge/sale", "POST") in rules
    assert ("/api/v1/audit_log/", "POST") not in rules and ("/api/v1/audit_log/<pk>", "DELETE") not in rules


def test_openapi_is_off_outside_development_and_tests(app, api):
    """The session app runs with the production default (no APP_ENV)."""
    assert not app.config["FAB_API_SWAGGER_UI"]
    assert api("admin").get("/api/v1/_openapi").status_code == 404
    import config

    assert config.APP_ENV == "production" or config.FAB_ADD_OPENAPI_VIEWS


def test_openapi_switch_follows_app_env(monkeypatch):
    import importlib

    import config

    try:
        for env, on in (("development", True), ("testing", True), ("production", False), ("", False)):
            monkeypatch.setenv("APP_ENV", env)
            importlib.reload(config)
            assert config.FAB_ADD_OPENAPI_VIEWS is on and config.FAB_API_SWAGGER_UI is on, env
    finally:
        monkeypatch.undo()  # the environment as it was, then the settings read from it again
        importlib.reload(config)


def test_a_jwt_client_sees_only_its_estates(api):
    from tests.conftest import OTHER_ESTATE

    mine = api("clerk_b").get("/api/v1/estate/").json
    assert [r["name"] for r in mine["result"]] == [OTHER_ESTATE]
    ids = {r["estate_id"] for r in api("clerk").get("/api/v1/unit/?q=(page_size:100)").json["result"]}
    assert len(ids) == 1 and mine["result"][0]["id"] not in ids


def test_a_payment_over_the_api_is_a_sealed_receipt_attributed_to_the_clerk(app, api):
    from app.cashdesk.models import Receipt
    from app.core.audit import AuditLog
    from app.extensions import db

    unit = api("clerk").get("/api/v1/unit/?q=(filters:!((col:code,opr:eq,value:'3-2-501')))").json["ids"][0]
    resp = api("clerk").post("/api/v1/receipt/payment", json={"unit": unit, "amount": "12.30", "method": "mobile",
                                                              "request_key": "api-test-once"})
    assert resp.status_code == 201, resp.get_data(as_text=True)
    again = api("clerk").post("/api/v1/receipt/payment", json={"unit": unit, "amount": "12.30", "method": "mobile",
                                                               "request_key": "api-test-once"})
    assert again.json["id"] == resp.json["id"], "the same one-time key posts once"
    with app.app_context():
        receipt = db.session.get(Receipt, resp.json["id"])
        assert receipt.cashier_name and len(receipt.hash) == 64
        who = {a.username for a in db.session.query(AuditLog).filter_by(table_name="receipt",
                                                                            record_id=str(receipt.id))}
        assert who == {"clerk"}


def test_void_over_the_api_follows_the_matrix(app, api):
    from app.cashdesk.models import Receipt, VoidRequest

    receipt = api("clerk").get("/api/v1/receipt/?q=(filters:!((col:kind,opr:eq,value:payment)),page_size:1,"
                               "order_column:number,order_direction:desc)").json["ids"][0]
    asked = api("clerk").post("/api/v1/void_request/", json={"receipt": receipt, "reason": "金额录错了"})
    assert asked.status_code == 201, asked.get_data(as_text=True)
    pk = asked.json["id"]
    before = count_rows(app, Receipt, VoidRequest)
    assert api("clerk").post(f"/api/v1/void_request/{pk}/approve", json={}).status_code == 403
    assert api("supervisor").post(f"/api/v1/void_request/{pk}/reject", json={}).status_code == 403
    assert count_rows(app, Receipt, VoidRequest) == before
    done = api("accountant").post(f"/api/v1/void_request/{pk}/approve", json={"note": "同意"})
    assert done.status_code == 200 and done.json["result"]["status"] == "approved"
    twice = api("manager").post(f"/api/v1/void_request/{pk}/approve", json={})
    assert twice.status_code == 422 and "request" in twice.json["message"]
    assert api("admin").delete(f"/api/v1/receipt/{receipt}").status_code == 405


def test_only_a_publisher_publishes_a_notice(api, ids_demo):
    draft = api("clerk").post("/api/v1/notice/", json={"estate": ids_demo, "kind": "announcement",
                                                        "title": "API 测试通知", "body": "正文"})
    assert draft.status_code == 201, draft.get_data(as_text=True)
    pk = draft.json["id"]
    assert api("clerk").post(f"/api/v1/notice/{pk}/publish").status_code == 403
    done = api("supervisor").post(f"/api/v1/notice/{pk}/publish")
    assert done.status_code == 200 and done.json["result"]["status"] == "published"
    frozen = api("supervisor").put(f"/api/v1/notice/{pk}", json={"title": "改了"})
    assert frozen.status_code == 422 and "title" in frozen.json["message"]
    assert api("supervisor").delete(f"/api/v1/notice/{pk}").status_code == 403  # the matrix: no delete
    assert api("admin").delete(f"/api/v1/notice/{pk}").status_code == 422  # published: withdraw it instead
    assert api("supervisor").post(f"/api/v1/notice/{pk}/withdraw", json={"reason": "测试完毕"}).status_code == 200


def test_a_conflict_is_409_without_sql(api, ids_demo):
    fee_item = api("supervisor").get("/api/v1/fee_item/?q=(page_size:1)").json["result"][0]
    # the service check says it in words first (422); the database's unique key would be a 409
    dup = api("supervisor").post("/api/v1/fee_item/", json={
        "estate": ids_demo, "code": fee_item["code"], "name": "重复", "kind": "other", "basis": "per_sale",
        "unit_label": "次"})
    assert dup.status_code in (409, 422)
    assert_no_leak(dup)


def test_anonymous_and_foreign_staff_get_nothing(app, api):
    client = app.test_client()
    assert client.get("/api/v1/receipt/").status_code == 401
    assert client.post("/api/v1/receipt/payment", json={}).status_code == 401
    receipt = api("clerk").get("/api/v1/receipt/?q=(page_size:1)").json["ids"][0]
    assert api("clerk_b").get(f"/api/v1/receipt/{receipt}").status_code == 404
    assert api("engineer").get("/api/v1/receipt/").status_code == 403


def test_delete_of_a_referenced_record_is_409_and_keeps_it(app, api):
    from app.fees.models import FeeItem

    used = api("admin").get("/api/v1/charge/?q=(page_size:1)").json["result"][0]["fee_item_id"]
    before = count_rows(app, FeeItem)
    resp = api("admin").delete(f"/api/v1/fee_item/{used}")
    assert resp.status_code in (409, 422), resp.get_data(as_text=True)
    assert_no_leak(resp)
    assert count_rows(app, FeeItem) == before


def test_put_and_delete_on_ids_that_cannot_exist_are_404(api):
    for pk in ("99999999999999999999999", "abc", "-1", "0"):
        assert api("admin").put(f"/api/v1/zone/{pk}", json={"name": "x"}).status_code == 404
        assert api("admin").delete(f"/api/v1/zone/{pk}").status_code == 404
