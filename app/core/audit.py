"""Audit trail for every register: who, when, which record, which field, old -> new.

One mechanism for all registers: a model that inherits ``Audited`` is recorded by a single
``after_flush`` listener, so later registers get it by inheriting the mixin. Rows of
``audit_log`` are append-only: the ORM refuses to change them and database triggers (see the
migration) refuse raw UPDATE/DELETE as well.
"""
from __future__ import annotations

import datetime as dt
import enum
from contextlib import contextmanager
from contextvars import ContextVar
from decimal import Decimal

from flask import has_request_context
from flask_appbuilder import Model
from sqlalchemy import DateTime, Integer, String, Text, event, inspect, insert
from sqlalchemy.orm import Mapped, Mapper, Session, joinedload, mapped_column, relationship

from app.core import clock
from app.exceptions import DomainError


class AuditLog(Model):
    __tablename__ = "audit_log"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    at: Mapped[dt.datetime] = mapped_column(DateTime, nullable=False, index=True)
    user_id: Mapped[int | None] = mapped_column(Integer)
    username: Mapped[str] = mapped_column(String(100), nullable=False)
    estate_id: Mapped[int | None] = mapped_column(Integer, index=True)
    table_name: Mapped[str] = mapped_column(String(64), nullable=False)
    record_id: Mapped[str] = mapped_column(String(64), nullable=False)
    action: Mapped[str] = mapped_column(String(10), nullable=False)  # insert/update/delete
    field: Mapped[str | None] = mapped_column(String(64))
    old_value: Mapped[str | None] = mapped_column(Text)
    new_value: Mapped[str | None] = mapped_column(Text)

    # who made the change, by name (no foreign key: an audit row outlives a deleted user)
    user = relationship("User", primaryjoin="foreign(AuditLog.user_id) == User.id", viewonly=True)

    # --- as staff read it (the Change log list); app.core.history does the wording ---------
    def _text(self) -> dict:
        text = self.__dict__.get("_log_text")
        if text is None:
            from app.core.history import log_row_text

            text = self.__dict__["_log_text"] = log_row_text(self)
        return text

    @property
    def local_at(self) -> str:
        from app.core.history import local_time

        return local_time(self.at).strftime("%Y-%m-%d %H:%M:%S")

    @property
    def who(self) -> str:
        from app.core.history import actor_label

        return actor_label(self.username, self.user)

    @property
    def register(self) -> str:
        return self._text()["register"]

    @property
    def record(self):
        from flask import url_for
        from markupsafe import Markup, escape

        from app.core.history import register_of

        endpoint = register_of(self.table_name).show_endpoint
        if not endpoint or self.action == "delete" or not self.record_id.isdigit():
            return self.record_id
        return Markup('<a href="%s">%s</a>') % (url_for(endpoint, pk=int(self.record_id)), escape(self.record_id))

    @property
    def field_text(self) -> str:
        return self._text()["field"]

    @property
    def old_text(self) -> str:
        return self._text()["old"]

    @property
    def new_text(self) -> str:
        return self._text()["new"]

    __table_args__ = (
        # the owner page asks "history of this record", newest first
        {"sqlite_autoincrement": True},
    )


@event.listens_for(AuditLog, "before_update")
@event.listens_for(AuditLog, "before_delete")
def _audit_rows_are_append_only(_mapper, _conn, _target):
    from flask_babel import lazy_gettext as _l

    raise DomainError(_l("Audit records cannot be changed or deleted."))


class Audited:
    """Mixin: every insert, update and delete of this model is written to audit_log.

    ``__audit_exclude__`` names columns not worth recording (e.g. derived ones).
    ``__history__`` says how the rows of a table with no page of its own read in the change
    log: {"label": register name, "labels": {field: label}, "choices": {field: {value: label}}}
    (a register with a page takes all that from its view, app.core.history)."""

    __audit_exclude__: tuple[str, ...] = ()
    __history__: dict | None = None


@event.listens_for(Mapper, "mapper_configured")
def _keep_old_values(mapper, cls):
    """Load a column's old value before it is overwritten, even when it was expired after a
    commit: without it the audit row of a change would have no "old" side."""
    if not issubclass(cls, Audited):
        return
    for attr in mapper.column_attrs:
        mapper.class_manager[attr.key].impl.active_history = True


# --- who is acting ----------------------------------------------------------------------
_actor: ContextVar[tuple[int | None, str] | None] = ContextVar("audit_actor", default=None)


@contextmanager
def acting_as(user=None, name: str | None = None):
    """Attribute changes made inside to ``user`` (a FAB user) or to a named process."""
    value = (getattr(user, "id", None), name or getattr(user, "username", None) or "system")
    token = _actor.set(value)
    try:
        yield
    finally:
        _actor.reset(token)


def current_actor() -> tuple[int | None, str]:
    forced = _actor.get()
    if forced is not None:
        return forced
    if has_request_context():
        from flask_login import current_user

        if getattr(current_user, "is_authenticated", False):
            return current_user.id, current_user.username
        return None, "anonymous"
    return None, "system"


# --- recording --------------------------------------------------------------------------
def _fmt(value) -> str | None:
    if value is None:
        return None
    if isinstance(value, enum.Enum):
        return str(value.value)
    if isinstance(value, (dt.date, dt.datetime)):
        return value.isoformat()
    if isinstance(value, Decimal):
        return format(value, "f")
    if isinstance(value, bool):
        return "1" if value else "0"
    return str(value)


def _pk(obj) -> str:
    # after_flush runs before new rows get their identity key: read the mapped columns
    ident = inspect(obj).mapper.primary_key_from_instance(obj)
    return ",".join(str(i) for i in ident)


def _column_attrs(obj):
    mapper = inspect(obj).mapper
    exclude = set(getattr(obj, "__audit_exclude__", ()))
    for attr in mapper.column_attrs:
        if attr.key not in exclude:
            yield attr.key


def _rows_for(obj, action: str, at, user_id, username) -> list[dict]:
    state = inspect(obj)
    base = dict(
        at=at,
        user_id=user_id,
        username=username,
        estate_id=getattr(obj, "estate_id", None),
        table_name=obj.__tablename__,
        record_id=_pk(obj),
        action=action,
    )
    rows = []
    for key in _column_attrs(obj):
        hist = state.attrs[key].history
        if action == "insert":
            value = getattr(obj, key)
            if value is None or key == "id":
                continue
            rows.append({**base, "field": key, "old_value": None, "new_value": _fmt(value)})
        elif action == "update":
            if not hist.has_changes():
                continue
            old = hist.deleted[0] if hist.deleted else None
            new = hist.added[0] if hist.added else None
            if _fmt(old) == _fmt(new):
                continue
            rows.append({**base, "field": key, "old_value": _fmt(old), "new_value": _fmt(new)})
        else:  # delete: keep the last values so nothing is lost
            value = getattr(obj, key)
            if value is None or key == "id":
                continue
            rows.append({**base, "field": key, "old_value": _fmt(value), "new_value": None})
    if not rows and action != "update":
        rows.append({**base, "field": None, "old_value": None, "new_value": None})
    return rows


@event.listens_for(Session, "after_flush")
def _record_changes(session: Session, _flush_context):
    at = clock.utcnow()
    user_id, username = current_actor()
    rows: list[dict] = []
    for obj in session.new:
        if isinstance(obj, Audited):
            rows += _rows_for(obj, "insert", at, user_id, username)
    for obj in session.dirty:
        if isinstance(obj, Audited) and session.is_modified(obj, include_collections=False):
            rows += _rows_for(obj, "update", at, user_id, username)
    for obj in session.deleted:
        if isinstance(obj, Audited):
            rows += _rows_for(obj, "delete", at, user_id, username)
    if rows:
        session.connection().execute(insert(AuditLog.__table__), rows)


def history(table_name: str, record_id, limit: int = 200) -> list[AuditLog]:
    """The audit rows of one record, newest first."""
    from app.extensions import db

    return (
        db.session.query(AuditLog)
        # the staff by a join: a selectin query is skipped when no row has a user, so a page's
        # statement count would depend on who changed the record
        .options(joinedload(AuditLog.user))
        .filter(AuditLog.table_name == table_name, AuditLog.record_id == str(record_id))
        .order_by(AuditLog.at.desc(), AuditLog.id.desc())
        .limit(limit)
        .all()
    )
