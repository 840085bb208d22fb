"""Migration 0013: stored periods become canonical (with the billing keys built from them), then
the database refuses a second billing; duplicates it reveals stop it before anything changes."""
import contextlib
import sqlite3

import pytest
from flask_migrate import upgrade

from app import MIGRATIONS_DIR, create_app
from tests.conftest import TEST_SECRET_KEY

BEFORE = "0012_late_fees"


def _charge(conn, cid, period, key, source="billing", unit=1, item=1):
    conn.execute(
        "INSERT INTO charge (id, unit_id, fee_item_id, period, period_start, period_end, due_date, amount, paid,"
        " source, billing_key, created_at, estate_id) VALUES (?, ?, ?, ?, '2027-02-01', '2027-02-28',"
        " '2027-03-03', 13488, 0, ?, ?, '2027-02-01 08:00:00', 1)", (cid, unit, item, period, source, key))


@contextlib.contextmanager
def raw(tmp_path):
    """The database file as a plain sqlite3 connection: foreign keys off, rows as an old desk stored them."""
    conn = sqlite3.connect(tmp_path / "m.db")
    try:
        with conn:
            yield conn
    finally:
        conn.close()


def _app(tmp_path):
    url = f"sqlite:///{tmp_path / 'm.db'}"
    return create_app(SQLALCHEMY_DATABASE_URI=url, INSTANCE_PATH=str(tmp_path), SECRET_KEY=TEST_SECRET_KEY)


def test_stored_periods_and_keys_become_canonical_then_a_duplicate_is_refused(tmp_path):
    app = _app(tmp_path)
    with app.app_context():
        upgrade(directory=MIGRATIONS_DIR, revision=BEFORE)
        with raw(tmp_path) as conn:
            _charge(conn, 1, " 2027-02", "1:1: 2027-02")
            _charge(conn, 2, "２０２７-０２", "2:1:２０２７-０２", unit=2)
            _charge(conn, 3, "2027-02 ", "meter:5:2027-02 ", source="meter")
            _charge(conn, 4, "2027-03", "1:1:2027-03")
            conn.execute("INSERT INTO meter_reading (id, meter_id, period, read_on, value, consumption,"
                         " meter_changed, estate_id) VALUES (1, 5, '２０２７/２', '2027-02-28', 100, 0, 0, 1)")
        upgrade(directory=MIGRATIONS_DIR, revision="heads")
        with raw(tmp_path) as conn:
            rows = conn.execute("SELECT id, period, billing_key, payer_occupancy_id FROM charge ORDER BY id").fetchall()
            assert [tuple(r) for r in rows] == [(1, "2027-02", "1:1:2027-02", 0), (2, "2027-02", "2:1:2027-02", 0),
                                                (3, "2027-02", "meter:5:2027-02", 0), (4, "2027-03", "1:1:2027-03", 0)]
            assert conn.execute("SELECT period FROM meter_reading").fetchone() == ("2027-02",)
            (index_sql,) = conn.execute("SELECT sql FROM sqlite_master WHERE name = 'uq_charge_billed_once'").fetchone()
            assert "UNIQUE" in index_sql.upper() and "source = 'billing'" in index_sql
            with pytest.raises(sqlite3.IntegrityError, match="UNIQUE"):
                _charge(conn, 5, "2027-02", "1:1:2027-02:x")  # same unit, item, month, payer


def test_duplicates_revealed_by_canonical_periods_stop_the_migration_unchanged(tmp_path):
    app = _app(tmp_path)
    with app.app_context():
        upgrade(directory=MIGRATIONS_DIR, revision=BEFORE)
        with raw(tmp_path) as conn:
            _charge(conn, 1, "2027-02", "1:1:2027-02")
            _charge(conn, 2, "２０２７-０２", "1:1:２０２７-０２")  # the double billing
        # (Flask-Migrate's upgrade logs the message and exits 1; unwrapped, the error itself)
        with pytest.raises(RuntimeError, match=r"0013_canonical_periods: charge rows .*\(1, 1, '2027-02'\)"):
            upgrade.__wrapped__(directory=MIGRATIONS_DIR, revision="heads")
        with raw(tmp_path) as conn:
            periods = conn.execute("SELECT period FROM charge ORDER BY id").fetchall()
            assert periods == [("2027-02",), ("２０２７-０２",)]
            assert conn.execute("SELECT version_num FROM alembic_version").fetchone() == (BEFORE,)
            assert "payer_occupancy_id" not in {r[1] for r in conn.execute("PRAGMA table_info(charge)")}
