"""`flask --app run.py backup` while cashiers keep posting, then `restore` into a new database:
every receipt committed before the backup began is there, the copy is sound (SQLite:
PRAGMA integrity_check) and the receipt hash chain verifies (`ledger verify`).

Runs on SQLite, and on PostgreSQL (pg_dump / pg_restore) when DATABASE_URL names one.
"""
from __future__ import annotations

import datetime as dt
import os
import shutil
import sqlite3
import threading
import time
from decimal import Decimal
from types import SimpleNamespace

import pytest

from tests.concurrency.posting import YEAR, build_tiny_estate, fresh_database, is_postgres, make_app

BASE_URL = os.environ.get("DATABASE_URL")
PG = is_postgres(BASE_URL)

if PG and not (shutil.which("pg_dump") or os.environ.get("PG_BINDIR")):
    pytest.skip("pg_dump is not installed", allow_module_level=True)


def _dispose(app):
    from app.extensions import db

    with app.app_context():
        db.session.remove()
        db.engine.dispose()


@pytest.fixture(scope="module")
def source(tmp_path_factory):
    """A migrated database with a small estate: 30 units with 12 monthly charges each."""
    from app.bootstrap import init_database

    folder = tmp_path_factory.mktemp("backup-source")
    fdb = fresh_database(BASE_URL, folder)
    app = make_app(fdb.url, fdb.instance)
    with app.app_context():
        init_database()
        estate_id, unit_ids = build_tiny_estate(units=30, months=12)
    yield SimpleNamespace(app=app, fdb=fdb, estate_id=estate_id, unit_ids=unit_ids, folder=folder)
    _dispose(app)
    fdb.drop()


@pytest.fixture()
def target(tmp_path):
    """A new, empty database (no tables) and an app on it."""
    made = []

    def _make(name="restored"):
        fdb = fresh_database(BASE_URL, tmp_path / name)
        app = make_app(fdb.url, fdb.instance)
        made.append((app, fdb))
        return app, fdb

    yield _make
    for app, fdb in made:
        _dispose(app)
        fdb.drop()


def _cashier(app, k, unit_ids, stop, committed, errors):
    """Post payments until told to stop; note when each commit returned."""
    from sqlalchemy import inspect

    from app.cashdesk import services
    from app.extensions import db

    with app.app_context():
        actor = SimpleNamespace(id=None, username=f"cashier{k}", first_name=f"收银员{k}")
        for i in range(2000):
            if stop.is_set():
                break
            unit_id = unit_ids[(k * 7 + i) % len(unit_ids)]
            now = dt.datetime(YEAR, 12, 1, 9) + dt.timedelta(seconds=k * 10_000 + i)
            try:
                receipt = services.post_payment(unit_id, Decimal("23.45"), "cash", actor, now)
                committed.append((time.monotonic(), inspect(receipt).identity[0]))  # no refresh SELECT
            except Exception as exc:  # noqa: BLE001 - reported by the test
                db.session.rollback()
                errors.append(f"{type(exc).__name__}: {exc}"[:300])
        db.session.remove()


def _receipt_ids(app) -> set[int]:
    from sqlalchemy import select

    from app.cashdesk.models import Receipt
    from app.extensions import db

    with app.app_context():
        ids = set(db.session.scalars(select(Receipt.id)))
        db.session.remove()
        return ids


def test_backup_during_posting_restores_every_committed_receipt(source, target, tmp_path):
    out = tmp_path / ("estate.dump" if PG else "estate.db")
    stop, committed, errors = threading.Event(), [], []
    cashiers = [threading.Thread(target=_cashier, args=(source.app, k, source.unit_ids, stop, committed, errors))
                for k in range(3)]
    for t in cashiers:
        t.start()
    try:
        deadline = time.monotonic() + 60
        while len(committed) < 30 and time.monotonic() < deadline and not errors:
            time.sleep(0.05)
        began = time.monotonic()
        result = source.app.test_cli_runner().invoke(args=["backup", "--out", str(out)])
        ended = time.monotonic()
        time.sleep(0.3)  # the cashiers go on after the backup too
    finally:
        stop.set()
        for t in cashiers:
            t.join(timeout=120)
    assert result.exit_code == 0, result.output
    assert not errors, errors[:5]
    before = {rid for at, rid in committed if at < began}
    assert len(before) >= 30
    assert any(at > ended for at, _ in committed), "the cashiers kept posting after the backup"
    assert out.exists() and not out.with_name(out.name + ".part").exists()
    assert out.stat().st_mode & 0o777 == 0o600, "a backup holds personal data: owner only"
    assert str(out) in result.output

    app2, fdb2 = target()
    restored = app2.test_cli_runner().invoke(args=["restore", str(out)])
    assert restored.exit_code == 0, restored.output
    ids = _receipt_ids(app2)
    assert before <= ids, f"receipts committed before the backup are missing: {sorted(before - ids)[:10]}"
    # (a receipt committed while the copy ran may or may not be in it: the snapshot decides)
    assert ids <= {rid for _, rid in committed}
    if not PG:
        with sqlite3.connect(fdb2.url.replace("sqlite:///", "", 1)) as conn:
            assert conn.execute("PRAGMA integrity_check").fetchone()[0] == "ok"
    verify = app2.test_cli_runner().invoke(args=["ledger", "verify"])
    assert verify.exit_code == 0, verify.output
    assert f"OK: {len(ids)} receipts verified" in verify.output


def test_restore_refuses_missing_foreign_and_over_data_without_yes(source, target, tmp_path):
    out = tmp_path / "good.backup"
    runner = source.app.test_cli_runner()
    assert runner.invoke(args=["backup", "--out", str(out)]).exit_code == 0
    # into a database that has data: refused without --yes, nothing changed
    before = _receipt_ids(source.app)
    refused = runner.invoke(args=["restore", str(out)])
    assert refused.exit_code == 1 and "--yes" in refused.output
    assert _receipt_ids(source.app) == before

    app2, _fdb2 = target()
    runner2 = app2.test_cli_runner()
    missing = runner2.invoke(args=["restore", str(tmp_path / "nope.db")])
    assert missing.exit_code == 1 and "nope.db" in missing.output
    junk = tmp_path / "notes.txt"
    junk.write_text("not a backup\n" * 10)
    not_backup = runner2.invoke(args=["restore", str(junk)])
    assert not_backup.exit_code == 1 and "notes.txt" in not_backup.output
    empty_sqlite = tmp_path / "other.db"
    sqlite3.connect(empty_sqlite).execute("CREATE TABLE t (x)").connection.commit()
    foreign = runner2.invoke(args=["restore", str(empty_sqlite)])
    assert foreign.exit_code == 1
    from app.ops.backup import is_empty

    assert is_empty(_fdb2.url), "a refused restore wrote nothing"

    # an empty database is filled; a second restore needs --yes and then replaces
    assert runner2.invoke(args=["restore", str(out)]).exit_code == 0
    assert runner2.invoke(args=["restore", str(out)]).exit_code == 1
    again = runner2.invoke(args=["restore", str(out), "--yes"])
    assert again.exit_code == 0, again.output
    assert _receipt_ids(app2) == before


def test_backup_to_a_missing_folder_or_onto_the_database_fails_cleanly(source, tmp_path):
    runner = source.app.test_cli_runner()
    result = runner.invoke(args=["backup", "--out", str(tmp_path / "no" / "such" / "x.db")])
    assert result.exit_code == 1
    assert not (tmp_path / "no").exists()
    if not PG:
        live = source.fdb.url.replace("sqlite:///", "", 1)
        before = _receipt_ids(source.app)
        assert runner.invoke(args=["backup", "--out", live]).exit_code == 1
        assert _receipt_ids(source.app) == before
