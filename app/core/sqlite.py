"""SQLite tuned for several staff writing at once.

WAL lets readers run beside a writer; ``busy_timeout`` makes a writer wait for the lock instead
of failing; and a write transaction must take the write lock at BEGIN (``BEGIN IMMEDIATE``):
a deferred transaction that reads first and writes later cannot wait for the lock and fails
with "database is locked" whenever another writer committed meanwhile.

Read-only web requests (GET/HEAD/OPTIONS) begin DEFERRED so they never queue behind writers;
everything else (POST/PUT/DELETE requests, CLI commands, services, tests) begins IMMEDIATE.
"""
from contextlib import contextmanager
from contextvars import ContextVar

from flask import has_request_context, request
from sqlalchemy import event
from sqlalchemy.engine import Engine

_force_mode: ContextVar[str | None] = ContextVar("sqlite_begin_mode", default=None)
_READ_METHODS = {"GET", "HEAD", "OPTIONS"}


def begin_mode() -> str:
    forced = _force_mode.get()
    if forced:
        return forced
    if has_request_context() and request.method in _READ_METHODS:
        return "DEFERRED"
    return "IMMEDIATE"


@contextmanager
def write_transaction_mode():
    """Force BEGIN IMMEDIATE for the transactions opened inside (e.g. a GET that must write)."""
    token = _force_mode.set("IMMEDIATE")
    try:
        yield
    finally:
        _force_mode.reset(token)


@contextmanager
def read_transaction_mode():
    """Force a plain (DEFERRED) BEGIN for the transactions opened inside: a read that must not
    queue behind the writers, e.g. looking for the receipt of a posting whose commit may have
    gone through (app.core.retry). End that transaction before writing."""
    token = _force_mode.set("DEFERRED")
    try:
        yield
    finally:
        _force_mode.reset(token)


def configure_sqlite(engine: Engine, busy_timeout_ms: int) -> None:
    if engine.dialect.name != "sqlite":
        return

    @event.listens_for(engine, "connect")
    def _on_connect(dbapi_conn, _record):
        # Let SQLAlchemy's "begin" event below emit BEGIN itself (pysqlite's own
        # implicit BEGIN would be a plain deferred one).
        dbapi_conn.isolation_level = None
        cur = dbapi_conn.cursor()
        cur.execute(f"PRAGMA busy_timeout = {int(busy_timeout_ms)}")
        if engine.url.database not in (None, "", ":memory:"):
            cur.execute("PRAGMA journal_mode = WAL")
            cur.execute("PRAGMA synchronous = NORMAL")
        cur.execute("PRAGMA foreign_keys = ON")
        cur.close()

    @event.listens_for(engine, "begin")
    def _on_begin(conn):
        conn.exec_driver_sql(f"BEGIN {begin_mode()}")
