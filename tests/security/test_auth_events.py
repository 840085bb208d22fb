"""The security log (app/security/events.py, SecurityEvent): an entry for each kind of event,
append-only like the change log, readable by the Admin only and read-only for the Admin too."""
from __future__ import annotations

import json
import uuid

import pytest
from sqlalchemy import delete, text, update
from sqlalchemy.exc import DBAPIError

from app.exceptions import DomainError
from tests.collection.conftest import NOW, make_units  # noqa: F401  (fixture)
from tests.conftest import PASSWORD, csrf_token
from tests.security.conftest import Browser

pytestmark = pytest.mark.usefixtures("login_limit")


def _context(app):
    """The test's app context if it pushed one (fixtures like make_units do: a second context
    would get a second session, waiting for the first one's write lock), else a new one."""
    from contextlib import nullcontext

    from flask import has_app_context

    return nullcontext() if has_app_context() else app.app_context()


def _last_id(app) -> int:
    from app.extensions import db
    from app.security.event_models import SecurityEvent

    with _context(app):
        return db.session.query(db.func.max(SecurityEvent.id)).scalar() or 0


def _since(app, last_id, kind=None) -> list[dict]:
    from app.extensions import db
    from app.security.event_models import SecurityEvent

    with _context(app):
        q = db.session.query(SecurityEvent).filter(SecurityEvent.id > last_id).order_by(SecurityEvent.id)
        if kind:
            q = q.filter(SecurityEvent.kind == kind)
        return [{"kind": e.kind, "username": e.username, "user_id": e.user_id, "ip": e.ip,
                 "detail": json.loads(e.detail) if e.detail else None} for e in q]


def _one(app, last_id, kind) -> dict:
    rows = _since(app, last_id, kind)
    assert len(rows) == 1, (kind, _since(app, last_id))
    return rows[0]


# --- logins -----------------------------------------------------------------------------------
def test_login_success_and_failure_with_the_name_tried_and_the_address(app):
    start = _last_id(app)
    client = app.test_client()
    token = csrf_token(client)
    client.post("/login/", data={"username": "no-such-person", "password": "wrong-password-1", "csrf_token": token},
                environ_base={"REMOTE_ADDR": "192.0.2.10"})
    client.post("/login/", data={"username": "clerk", "password": "wrong-password-1", "csrf_token": token},
                environ_base={"REMOTE_ADDR": "192.0.2.10"})
    client.post("/login/", data={"username": "clerk", "password": PASSWORD, "csrf_token": token},
                environ_base={"REMOTE_ADDR": "192.0.2.10"})
    failed = _since(app, start, "login_failed")
    assert [(f["username"], f["user_id"], f["ip"]) for f in failed] == [
        ("no-such-person", None, "192.0.2.10"), ("clerk", None, "192.0.2.10")]
    ok = _one(app, start, "login")
    assert ok["username"] == "clerk" and ok["user_id"] and ok["ip"] == "192.0.2.10"
    assert ok["detail"] == {"via": "form"}


def test_api_logins(app):
    start = _last_id(app)
    client = app.test_client()
    client.post("/api/v1/security/login", json={"username": "clerk", "password": "nope-nope-nope", "provider": "db"})
    client.post("/api/v1/security/login", json={"username": "clerk", "password": PASSWORD, "provider": "db"})
    assert _one(app, start, "login_failed")["detail"] == {"via": "api"}
    assert _one(app, start, "login")["detail"] == {"via": "api"}


def test_blocked_logins(app):
    start = _last_id(app)
    client = app.test_client()
    for _ in range(11):
        client.post("/api/v1/security/login", json={"username": "mallory", "password": "x", "provider": "db"})
    blocked = _one(app, start, "login_blocked")
    assert blocked["username"] == "mallory" and blocked["detail"]["via"] == "api"


def test_logout_and_session_expiry(app):
    start = _last_id(app)
    b = Browser(app, "clerk")
    b.post_form("/logout/")
    assert _one(app, start, "logout")["username"] == "clerk"
    b = Browser(app, "clerk")
    with b.client.session_transaction() as sess:
        sess["_last_seen"] -= 3600
    b.get("/ownermodelview/list/")
    expired = _one(app, start, "session_expired")
    assert expired["username"] == "clerk" and expired["detail"]["idle_minutes"] >= 60
    assert len(_since(app, start, "logout")) == 1  # the expiry is not also a logout


# --- users and roles --------------------------------------------------------------------------
@pytest.fixture(scope="module")
def admin(app):
    return Browser(app, "admin")


def _role_id(app, name):
    with app.app_context():
        return app.appbuilder.sm.find_role(name).id


def test_user_added_changed_deactivated_password_reset_and_deleted(app, admin):
    from app.extensions import db

    username = f"ev{uuid.uuid4().hex[:6]}"
    start = _last_id(app)
    good = "lantern-orchid-47-river"
    resp = admin.post_form("/users/add", {
        "first_name": "日志", "last_name": "测试", "username": username, "active": "y",
        "email": f"{username}@test.invalid", "roles": [str(_role_id(app, "Clerk"))],
        "password": good, "conf_password": good})
    assert resp.status_code == 302
    added = _one(app, start, "user_added")
    assert added["username"] == "admin" and added["detail"] == {"user": username, "active": True, "roles": ["Clerk"]}
    with app.app_context():
        pk = app.appbuilder.sm.find_user(username=username).id

    # roles and the active flag changed on FAB's edit form
    resp = admin.post_form(f"/users/edit/{pk}", {
        "first_name": "日志", "last_name": "测试", "username": username,
        "email": f"{username}@test.invalid", "roles": [str(_role_id(app, "Supervisor"))]})
    assert resp.status_code == 302
    changed = _one(app, start, "user_changed")
    assert changed["detail"]["user"] == username
    assert changed["detail"]["changes"]["active"] == [True, False]
    assert changed["detail"]["changes"]["roles"] == {"added": ["Supervisor"], "removed": ["Clerk"]}

    resp = admin.post_form(f"/resetpassword/form?pk={pk}", {"password": good + "x", "conf_password": good + "x"})
    assert resp.status_code == 302
    assert _one(app, start, "password_changed")["detail"] == {"user": username}

    resp = admin.post_form(f"/users/delete/{pk}")
    assert resp.status_code == 302
    assert _one(app, start, "user_deleted")["detail"] == {"user": username}
    with app.app_context():
        assert db.session.get(app.appbuilder.sm.user_model, pk) is None
    # logins do not log user changes (FAB rewrites last_login and login_count on each)
    s2 = _last_id(app)
    Browser(app, "clerk")
    assert [e["kind"] for e in _since(app, s2)] == ["login"]


def test_role_added_changed_and_deleted(app, admin):
    name = f"EvRole{uuid.uuid4().hex[:6]}"
    start = _last_id(app)
    with app.app_context():
        sm = app.appbuilder.sm
        pv = sm.find_permission_view_menu("can_read", "Owner")
        pv_id, pv_name = pv.id, str(pv)
    assert admin.post_form("/roles/add", {"name": name}).status_code == 302
    assert _one(app, start, "role_added")["detail"] == {"role": name}
    role_id = _role_id(app, name)
    assert admin.post_form(f"/roles/edit/{role_id}", {"name": name, "permissions": [str(pv_id)]}).status_code == 302
    changed = _one(app, start, "role_changed")
    assert changed["username"] == "admin"
    assert changed["detail"] == {"role": name, "permissions": {"added": [pv_name], "removed": []}}
    assert admin.post_form(f"/roles/delete/{role_id}").status_code == 302
    assert _one(app, start, "role_deleted")["detail"] == {"role": name}


def test_role_sync_is_one_entry(app):
    from app.extensions import db

    start = _last_id(app)
    with app.app_context():
        sm = app.appbuilder.sm
        role = sm.find_role("Security")
        pv = sm.find_permission_view_menu("can_read", "Owner")
        sm.del_permission_role(role, pv)  # drift, as if someone had edited the role
        sm.sync_roles()
        db.session.commit()
    rows = _since(app, start)
    assert [r["kind"] for r in rows] == ["roles_synced"], rows
    assert rows[0]["detail"] == {"Security": 1} and rows[0]["username"] == "system"


# --- exports and batch prints --------------------------------------------------------------------
def test_owner_and_arrears_exports(app):
    start = _last_id(app)
    b = Browser(app, "supervisor")
    assert b.get("/import/owners.xlsx").status_code == 200
    assert b.get("/arrears/arrears.xlsx?building=1").status_code == 200
    exports = _since(app, start, "export")
    assert [e["detail"]["what"] for e in exports] == ["owner_list", "arrears"]
    assert all(e["username"] == "supervisor" and e["ip"] == "127.0.0.1" for e in exports)
    assert exports[1]["detail"]["query"] == "building=1"


@pytest.fixture()
def at_now(monkeypatch):
    from app.core import clock

    monkeypatch.setattr(clock, "now", lambda: NOW)
    monkeypatch.setattr(clock, "today", lambda: NOW.date())


def test_batch_prints_on_the_web_and_from_the_command(app, make_units, at_now, tmp_path):  # noqa: F811
    _number, units = make_units(["日志一", "日志二"])
    unit_ids = [str(u.id) for u in units]
    start = _last_id(app)
    b = Browser(app, "clerk")
    resp = b.post_form("/arrears/print", {"unit": unit_ids})
    assert resp.status_code == 200 and resp.mimetype == "application/pdf"
    web = _one(app, start, "batch_print")
    assert web["username"] == "clerk" and web["ip"] == "127.0.0.1"
    assert web["detail"]["what"] == "payment_reminders" and web["detail"]["count"] == 2

    number, _units = make_units(["命令日志"])
    start = _last_id(app)
    out = tmp_path / "r.pdf"
    result = app.test_cli_runner().invoke(args=["reminders", "print", "--out", str(out), "--building", number,
                                                "--workers", "1", "--user", "supervisor"])
    assert result.exit_code == 0, result.output
    cli = _one(app, start, "batch_print")
    assert cli["username"] == "supervisor" and cli["ip"] is None and cli["detail"]["count"] == 1


# --- append-only -----------------------------------------------------------------------------------
def _some_event(app) -> int:
    from app.security import events

    with app.app_context():
        events.record(events.EXPORT, username="tester", detail={"what": "test"})
    return _last_id(app)


def _snapshot(app, pk):
    from app.extensions import db
    from app.security.event_models import SecurityEvent

    with app.app_context():
        e = db.session.get(SecurityEvent, pk)
        return (e.at, e.kind, e.username, e.detail), db.session.query(SecurityEvent).count()


@pytest.mark.parametrize("statement", [
    "UPDATE security_event SET username = 'mallory' WHERE id = :id",
    "UPDATE security_event SET detail = NULL",
    "DELETE FROM security_event WHERE id = :id",
    "DELETE FROM security_event",
])
def test_raw_sql_cannot_change_or_delete(app, statement):
    from app.extensions import db

    pk = _some_event(app)
    before = _snapshot(app, pk)
    with app.app_context():
        with pytest.raises(DBAPIError, match="append-only"):
            with db.engine.begin() as conn:
                conn.execute(text(statement), {"id": pk})
    assert _snapshot(app, pk) == before


def test_the_orm_refuses_too(app):
    from app.extensions import db
    from app.security.event_models import SecurityEvent

    pk = _some_event(app)
    before = _snapshot(app, pk)
    with app.app_context():
        row = db.session.get(SecurityEvent, pk)
        row.username = "mallory"
        with pytest.raises(DomainError):
            db.session.flush()
        db.session.rollback()
        db.session.delete(db.session.get(SecurityEvent, pk))
        with pytest.raises(DomainError):
            db.session.flush()
        db.session.rollback()
        for stmt in (update(SecurityEvent).where(SecurityEvent.id == pk).values(username="x"),
                     delete(SecurityEvent).where(SecurityEvent.id == pk)):
            with pytest.raises(DBAPIError, match="append-only"):
                db.session.execute(stmt)
            db.session.rollback()
    assert _snapshot(app, pk) == before


def test_the_triggers_are_in_the_database(app):
    from app.extensions import db

    with app.app_context():
        if db.engine.dialect.name != "sqlite":
            pytest.skip("trigger names checked on SQLite; the statements above cover every database")
        with db.engine.connect() as conn:
            names = {n for (n,) in conn.execute(text(
                "SELECT name FROM sqlite_master WHERE type = 'trigger' AND tbl_name = 'security_event'"))}
    assert {"security_event_no_update", "security_event_no_delete"} <= names


# --- the page ----------------------------------------------------------------------------------------
def test_the_admin_reads_the_log_and_nobody_changes_it(app, admin):
    pk = _some_event(app)
    before = _snapshot(app, pk)
    page = admin.html("/securityeventmodelview/list/?lang=en")
    assert "Security log" in page and "tester" in page
    assert admin.get(f"/securityeventmodelview/show/{pk}").status_code == 200
    for method, url in (("GET", "/securityeventmodelview/add"), ("POST", "/securityeventmodelview/add"),
                        ("GET", f"/securityeventmodelview/edit/{pk}"), ("POST", f"/securityeventmodelview/edit/{pk}"),
                        ("POST", f"/securityeventmodelview/delete/{pk}")):
        resp = admin.get(url) if method == "GET" else admin.post_form(url, {"username": "mallory"})
        assert resp.status_code in (403, 404, 405), (method, url, resp.status_code)
    assert _snapshot(app, pk) == before


@pytest.mark.parametrize("user", ["manager", "supervisor", "clerk", "accountant", "engineer", "security"])
def test_staff_cannot_read_the_log(app, user):
    b = Browser(app, user)
    assert b.get("/securityeventmodelview/list/").status_code == 403
    assert "securityeventmodelview" not in b.html("/")
