"""The security log: logins, logouts, user and role changes, exports and batch prints.

Append-only like the change log (app/core/audit.py): the ORM refuses to change or delete a row,
and database triggers (migration 0010_security_events) refuse raw UPDATE/DELETE.
"""
from __future__ import annotations

import datetime as dt

from flask_appbuilder import Model
from sqlalchemy import DateTime, Integer, String, Text, event
from sqlalchemy.orm import Mapped, mapped_column

from app.exceptions import DomainError


class SecurityEvent(Model):
    __tablename__ = "security_event"
    __table_args__ = {"sqlite_autoincrement": True}

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    at: Mapped[dt.datetime] = mapped_column(DateTime, nullable=False, index=True)  # UTC
    kind: Mapped[str] = mapped_column(String(32), nullable=False, index=True)
    # who acted, or the user name tried at a failed login (whether or not such a user exists)
    username: Mapped[str | None] = mapped_column(String(128), index=True)
    user_id: Mapped[int | None] = mapped_column(Integer)
    ip: Mapped[str | None] = mapped_column(String(64))
    detail: Mapped[str | None] = mapped_column(Text)  # JSON

    def __str__(self) -> str:
        return f"{self.at:%Y-%m-%d %H:%M:%S} {self.kind} {self.username or ''}"


@event.listens_for(SecurityEvent, "before_update")
@event.listens_for(SecurityEvent, "before_delete")
def _security_events_are_append_only(_mapper, _conn, _target):
    from flask_babel import lazy_gettext as _l

    raise DomainError(_l("Security log entries cannot be changed or deleted."))
