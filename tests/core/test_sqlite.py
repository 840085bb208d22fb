"""SQLite holds up with several writers: WAL, busy_timeout, BEGIN IMMEDIATE for writes."""
import os
import threading

import pytest

from sqlalchemy import create_engine, event, text

from app.core.sqlite import configure_sqlite, write_transaction_mode
from app.extensions import db


def _capture(engine):
    seen = []

    @event.listens_for(engine, "before_cursor_execute")
    def _log(conn, cursor, statement, *args):
        seen.append(statement)

    return seen


on_sqlite = pytest.mark.skipif(
    (os.environ.get("DATABASE_URL") or "sqlite").split(":")[0].split("+")[0] != "sqlite",
    reason="the session database is not SQLite",
)


@on_sqlite
def test_write_transactions_begin_immediate(app_ctx):
    seen = _capture(db.engine)
    with db.engine.connect() as conn:
        conn.execute(text("SELECT 1"))
        conn.commit()
    assert "BEGIN IMMEDIATE" in seen


@on_sqlite
def test_read_only_web_request_begins_deferred(app_ctx, client):
    seen = _capture(db.engine)
    client.get("/login/")
    begins = [s for s in seen if s.startswith("BEGIN")]
    assert begins and all(s == "BEGIN DEFERRED" for s in begins)


@on_sqlite
def test_wal_and_busy_timeout(app_ctx):
    with db.engine.connect() as conn:
        assert conn.exec_driver_sql("PRAGMA journal_mode").scalar().lower() == "wal"
        assert conn.exec_driver_sql("PRAGMA busy_timeout").scalar() >= 5000


def test_concurrent_writers_do_not_fail(tmp_path):
    """8 threads × 25 read-then-write transactions: none fails with 'database is locked'."""
    engine = create_engine(f"sqlite:///{tmp_path / 'c.db'}")
    configure_sqlite(engine, 15000)
    with engine.begin() as conn:
        conn.exec_driver_sql("CREATE TABLE counter (id INTEGER PRIMARY KEY, n INTEGER)")
        conn.exec_driver_sql("INSERT INTO counter VALUES (1, 0)")
    errors = []

    def work():
        for _ in range(25):
            try:
                with write_transaction_mode(), engine.begin() as conn:
                    n = conn.exec_driver_sql("SELECT n FROM counter WHERE id = 1").scalar()
                    conn.exec_driver_sql(f"UPDATE counter SET n = {n + 1} WHERE id = 1")
            except Exception as exc:  # noqa: BLE001 - the test counts every failure
                errors.append(exc)

    threads = [threading.Thread(target=work) for _ in range(8)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert errors == []
    with engine.connect() as conn:
        assert conn.exec_driver_sql("SELECT n FROM counter").scalar() == 200  # no lost update
