"""Writing the security log (SecurityEvent): who, when, from which address, what.

- ``record(kind, ...)`` writes one entry in a transaction of its own: call it when the caller's
  own work is committed (login, logout, an export, a batch print).
- User and role changes are found by one ``after_flush`` listener, whatever path made them
  (FAB's user and role pages, the security API, the command line), and written in the same
  transaction as the change, as the change log does.
- Role permissions rewritten outside a request (``init``, ``sync-roles``: a deploy) are
  one ``roles_synced`` entry instead of one per permission (``system_role_sync``).
"""
from __future__ import annotations

import datetime as dt
import json
from contextlib import contextmanager
from contextvars import ContextVar

from flask import has_request_context, request
from flask_babel import lazy_gettext as _l
from sqlalchemy import event, inspect, insert
from sqlalchemy.orm import Session

from app.core import clock
from app.security.event_models import SecurityEvent

LOGIN = "login"
LOGIN_FAILED = "login_failed"
LOGIN_BLOCKED = "login_blocked"
LOGOUT = "logout"
SESSION_EXPIRED = "session_expired"
USER_ADDED = "user_added"
USER_CHANGED = "user_changed"
USER_DELETED = "user_deleted"
PASSWORD_CHANGED = "password_changed"
ROLE_ADDED = "role_added"
ROLE_CHANGED = "role_changed"
ROLE_DELETED = "role_deleted"
ROLES_SYNCED = "roles_synced"
EXPORT = "export"
BATCH_PRINT = "batch_print"
BACKUP = "backup"
RESTORE = "restore"

KINDS = {
    LOGIN: _l("Login"),
    LOGIN_FAILED: _l("Failed login"),
    LOGIN_BLOCKED: _l("Login blocked (too many failures)"),
    LOGOUT: _l("Logout"),
    SESSION_EXPIRED: _l("Session expired"),
    USER_ADDED: _l("User added"),
    USER_CHANGED: _l("User changed"),
    USER_DELETED: _l("User deleted"),
    PASSWORD_CHANGED: _l("Password changed"),
    ROLE_ADDED: _l("Role added"),
    ROLE_CHANGED: _l("Role changed"),
    ROLE_DELETED: _l("Role deleted"),
    ROLES_SYNCED: _l("Roles synchronised"),
    EXPORT: _l("Export"),
    BATCH_PRINT: _l("Batch print"),
    BACKUP: _l("Database backup"),
    RESTORE: _l("Database restored from a backup"),
}

# columns FAB itself rewrites at every login, or that say nothing about the account
_USER_NOISE = {"last_login", "login_count", "fail_login_count", "changed_on", "changed_by_fk", "created_on",
               "created_by_fk"}
_system_sync: ContextVar[bool] = ContextVar("security_events_system_sync", default=False)


def _now() -> dt.datetime:
    return clock.utcnow()


def client_ip() -> str | None:
    return request.remote_addr if has_request_context() else None


def _actor() -> tuple[int | None, str]:
    from app.core.audit import current_actor

    return current_actor()


def _json(detail) -> str | None:
    if detail is None:
        return None
    return json.dumps(detail, ensure_ascii=False, sort_keys=True, default=str)


def _row(kind: str, user=None, username: str | None = None, user_id: int | None = None, detail=None) -> dict:
    if user is not None:
        user_id, username = user.id, user.username
    elif username is None and user_id is None:
        user_id, username = _actor()
    return {"at": _now(), "kind": kind, "username": (username or "")[:128] or None, "user_id": user_id,
            "ip": client_ip(), "detail": _json(detail)}


def record(kind: str, *, user=None, username: str | None = None, user_id: int | None = None, detail=None) -> None:
    """Write one entry and commit. ``user`` (a FAB user) or ``username`` name who; without
    either, the logged-in user or the process (``acting_as``)."""
    from app.core.sqlite import write_transaction_mode
    from app.extensions import db

    row = _row(kind, user, username, user_id, detail)
    db.session.commit()  # end the caller's (read) transaction: the entry gets one of its own
    with write_transaction_mode():
        db.session.execute(insert(SecurityEvent.__table__), [row])
        db.session.commit()


@contextmanager
def system_role_sync():
    """Role permissions rewritten inside are not logged one by one (a deploy's role sync)."""
    token = _system_sync.set(True)
    try:
        yield
    finally:
        _system_sync.reset(token)


# --- user and role changes ----------------------------------------------------------------
# FAB's edit form flushes a user's columns and roles separately: the changes of one transaction
# are gathered after each flush (session.info) and written as one entry per user or role just
# before the commit; a rollback drops them.
_PENDING = "security_events_pending"


def _names(items) -> list[str]:
    return sorted(str(getattr(i, "name", None) or i) for i in items)


def _merge_lists(entry: dict, key: str, added, removed) -> None:
    """Add to ``entry[key]`` what was added and removed; removing what was added cancels out."""
    both = entry.setdefault(key, {"added": set(), "removed": set()})
    for name, this, other in [(n, "added", "removed") for n in added] + [(n, "removed", "added") for n in removed]:
        if name in both[other]:
            both[other].discard(name)
        else:
            both[this].add(name)


def _collect_user(entry: dict, user) -> None:
    state = inspect(user)
    for attr in state.mapper.column_attrs:
        key = attr.key
        if key in _USER_NOISE:
            continue
        hist = state.attrs[key].history
        if not hist.has_changes():
            continue
        if key == "password":
            entry["password"] = True
            continue
        old = hist.deleted[0] if hist.deleted else None
        new = hist.added[0] if hist.added else None
        first = entry.setdefault("fields", {}).get(key, [old, None])[0]
        entry["fields"][key] = [first, new]
    roles = state.attrs.roles.history
    if roles.added or roles.deleted:
        _merge_lists(entry, "roles", _names(roles.added), _names(roles.deleted))


def _collect_role(entry: dict, role) -> None:
    state = inspect(role)
    name = state.attrs.name.history
    if name.has_changes() and name.deleted:
        entry.setdefault("renamed_from", name.deleted[0])
    perms = state.attrs.permissions.history
    # by a person (Roles page, security API); a deploy's permission writes are summed up by sync_roles
    if (perms.added or perms.deleted) and has_request_context() and not _system_sync.get():
        _merge_lists(entry, "permissions", sorted(map(str, perms.added)), sorted(map(str, perms.deleted)))


def _is(obj, model_name: str) -> bool:
    return type(obj).__name__ == model_name and type(obj).__module__.startswith("flask_appbuilder.")


@event.listens_for(Session, "after_flush")
def _collect_account_changes(session: Session, _ctx) -> None:
    pending: dict = session.info.setdefault(_PENDING, {})
    with session.no_autoflush:
        for obj in session.new:
            if _is(obj, "User") or _is(obj, "Role"):
                pending.setdefault(("added", id(obj)), {"obj": obj, "row": _row("", detail=None)})
        for obj in session.dirty:
            if _is(obj, "User"):
                entry = pending.setdefault(("user", id(obj)), {"obj": obj, "row": _row("")})
                _collect_user(entry, obj)
            elif _is(obj, "Role"):
                entry = pending.setdefault(("role", id(obj)), {"obj": obj, "row": _row("")})
                _collect_role(entry, obj)
        for obj in session.deleted:
            if _is(obj, "User"):
                pending[("deleted", id(obj))] = {"row": _row(USER_DELETED, detail={"user": obj.username})}
            elif _is(obj, "Role"):
                pending[("deleted", id(obj))] = {"row": _row(ROLE_DELETED, detail={"role": obj.name})}


def _pending_rows(pending: dict) -> list[dict]:
    rows = []
    for (what, _key), entry in pending.items():
        row, obj = entry["row"], entry.get("obj")
        if what == "added":
            if _is(obj, "User"):
                row.update(kind=USER_ADDED, detail=_json({"user": obj.username, "active": obj.active,
                                                         "roles": _names(obj.roles or [])}))
            else:
                row.update(kind=ROLE_ADDED, detail=_json({"role": obj.name}))
        elif what == "user":
            if ("added", _key) in pending:
                continue
            fields = {k: v for k, v in entry.get("fields", {}).items() if v[0] != v[1]}
            roles = {k: sorted(v) for k, v in entry.get("roles", {}).items()}
            if roles.get("added") or roles.get("removed"):
                fields["roles"] = roles
            if fields:
                row.update(kind=USER_CHANGED, detail=_json({"user": obj.username, "changes": fields,
                                                           "password_changed": bool(entry.get("password"))}))
            elif entry.get("password"):
                row.update(kind=PASSWORD_CHANGED, detail=_json({"user": obj.username}))
            else:
                continue
        elif what == "role":
            if ("added", _key) in pending:
                continue
            detail: dict = {"role": obj.name}
            if entry.get("renamed_from") not in (None, obj.name):
                detail["renamed_from"] = entry["renamed_from"]
            perms = {k: sorted(v) for k, v in entry.get("permissions", {}).items()}
            if perms.get("added") or perms.get("removed"):
                detail["permissions"] = perms
            if len(detail) == 1:
                continue
            row.update(kind=ROLE_CHANGED, detail=_json(detail))
        rows.append(row)
    return rows


@event.listens_for(Session, "before_commit")
def _write_account_changes(session: Session) -> None:
    if not session.info.get(_PENDING) and not (session.new or session.dirty or session.deleted):
        return
    session.flush()  # what commit would flush next: gather its changes too
    pending = session.info.pop(_PENDING, None)
    rows = _pending_rows(pending) if pending else []
    if rows:
        session.connection().execute(insert(SecurityEvent.__table__), rows)


@event.listens_for(Session, "after_rollback")
def _drop_account_changes(session: Session) -> None:
    session.info.pop(_PENDING, None)


# --- logins and logouts (called by the security manager and the session guard) --------------
def login_attempt(username: str | None, user) -> None:
    via = "api" if has_request_context() and request.path.startswith("/api/") else "form"
    if user is not None:
        record(LOGIN, user=user, detail={"via": via})
    else:
        record(LOGIN_FAILED, username=(username or "")[:128], detail={"via": via})


def init_app(app) -> None:
    from flask_login import user_logged_out

    @user_logged_out.connect_via(app)
    def _logged_out(_sender, user=None, **_kw):
        from flask import g

        # an idle timeout or a replayed logged-out cookie is logged by the session guard instead
        if user is not None and getattr(user, "is_authenticated", False) and not g.get("session_expired"):
            record(LOGOUT, user=user)
