"""The change log is append-only: no route, no ORM session and no raw SQL statement changes or
deletes an audit row (migration 0001 adds the database triggers, app.core.audit the ORM guard)."""
from __future__ import annotations

import pytest
from sqlalchemy import delete, text, update
from sqlalchemy.exc import DBAPIError

from app.exceptions import DomainError

REFUSED = (403, 404, 405)


def _row(app):
    """An audit row of the demo estate (one the Manager and Supervisor may read) as a tuple."""
    from app.core.audit import AuditLog
    from app.demo import ESTATE_NAME
    from app.estate.models import Estate
    from app.extensions import db

    with app.app_context():
        demo = db.session.query(Estate).filter_by(name=ESTATE_NAME).one()
        row = (db.session.query(AuditLog).filter(AuditLog.estate_id == demo.id, AuditLog.new_value.isnot(None))
               .order_by(AuditLog.id).first())
        return row.id, _snapshot(row)


def _snapshot(row):
    return (row.at, row.user_id, row.username, row.estate_id, row.table_name, row.record_id,
            row.action, row.field, row.old_value, row.new_value)


def _state(app, pk):
    from app.core.audit import AuditLog
    from app.extensions import db

    with app.app_context():
        row = db.session.get(AuditLog, pk)
        return (_snapshot(row) if row else None), db.session.query(AuditLog).count()


@pytest.mark.parametrize("user", ["admin", "manager", "supervisor", "clerk"])
def test_no_route_adds_changes_or_deletes_audit_rows(app, browser, user):
    pk, before = _row(app)
    _, count = _state(app, pk)
    b = browser(user)
    tamper = {"username": "mallory", "table_name": "owner", "record_id": "1", "action": "update",
              "field": "phone", "old_value": "x", "new_value": "tampered"}
    attempts = [
        ("GET", "/auditlogmodelview/add", None),
        ("POST", "/auditlogmodelview/add", tamper),
        ("GET", f"/auditlogmodelview/edit/{pk}", None),
        ("POST", f"/auditlogmodelview/edit/{pk}", tamper),
        ("GET", f"/auditlogmodelview/delete/{pk}", None),
        ("POST", f"/auditlogmodelview/delete/{pk}", None),
        ("GET", "/auditlogmodelview/edit/1", None),
        ("POST", "/auditlogmodelview/delete/1", None),
    ]
    got = []
    for method, url, data in attempts:
        resp = b.get(url) if method == "GET" else b.post_form(url, data)
        got.append((method, url, resp.status_code))
    assert all(code in REFUSED for _, _, code in got), got
    # no REST API for audit rows at all
    for method in ("GET", "POST", "PUT", "DELETE"):
        assert b.api(method, f"/api/v1/auditlog/{pk}" if method in ("PUT", "DELETE") else "/api/v1/auditlog/",
                     {} if method in ("POST", "PUT") else None).status_code in REFUSED
    assert _state(app, pk) == (before, count)


def test_readers_can_still_read_the_change_log(browser):
    """The refusals above are not a broken register: the readers open it."""
    assert browser("manager").get("/auditlogmodelview/list/").status_code == 200
    assert browser("clerk").get("/auditlogmodelview/list/").status_code == 403


@pytest.mark.parametrize("statement", [
    "UPDATE audit_log SET new_value = 'tampered' WHERE id = :id",
    "UPDATE audit_log SET username = 'mallory'",
    "DELETE FROM audit_log WHERE id = :id",
    "DELETE FROM audit_log",
])
def test_raw_sql_update_and_delete_fail(app, statement):
    from app.extensions import db

    pk, before = _row(app)
    _, count = _state(app, pk)
    with app.app_context():
        with pytest.raises(DBAPIError, match="append-only"):
            with db.engine.begin() as conn:
                conn.execute(text(statement), {"id": pk})
    assert _state(app, pk) == (before, count)


def test_the_triggers_are_in_the_database(app):
    from app.extensions import db

    with app.app_context():
        if db.engine.dialect.name != "sqlite":
            pytest.skip("trigger names checked on SQLite; the statements above cover every database")
        with db.engine.connect() as conn:
            names = {n for (n,) in conn.execute(text(
                "SELECT name FROM sqlite_master WHERE type = 'trigger' AND tbl_name = 'audit_log'"))}
    assert {"audit_log_no_update", "audit_log_no_delete"} <= names


def test_orm_refuses_to_change_or_delete(app):
    from app.core.audit import AuditLog
    from app.extensions import db

    pk, before = _row(app)
    _, count = _state(app, pk)
    with app.app_context():
        row = db.session.get(AuditLog, pk)
        row.new_value = "tampered"
        with pytest.raises(DomainError):
            db.session.flush()
        db.session.rollback()

        db.session.delete(db.session.get(AuditLog, pk))
        with pytest.raises(DomainError):
            db.session.flush()
        db.session.rollback()

        # bulk statements skip the mapper events: the database stops them
        with pytest.raises(DBAPIError, match="append-only"):
            db.session.execute(update(AuditLog).where(AuditLog.id == pk).values(new_value="tampered"))
        db.session.rollback()
        with pytest.raises(DBAPIError, match="append-only"):
            db.session.execute(delete(AuditLog).where(AuditLog.id == pk))
        db.session.rollback()
        with pytest.raises(DBAPIError, match="append-only"):
            db.session.query(AuditLog).filter(AuditLog.id == pk).delete()
        db.session.rollback()
    assert _state(app, pk) == (before, count)
