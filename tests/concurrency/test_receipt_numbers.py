"""Gapless receipt numbers under concurrent cashiers, and no posting lost to a busy database.

16 cashiers (threads, a session and connection each) × 60 payments against one database (a fresh SQLite file; or, when DATABASE_URL
points at PostgreSQL, a fresh database on that server). Every 7th posting of each process is
rolled back after the receipt, the counter update, the lines and the charges have all been
flushed. Afterwards the receipt numbers of the estate's year are exactly 1..N (N = the
postings committed), the hash chain verifies, every charge's ``paid`` equals its receipt lines,
and no posting failed: not one "database is locked" (issue 12: 7 of 960 did, with 16 cashiers).

On SQLite the writers wait only BUSY_MS (2 s) for the lock (the office's setting is 15 s), so
that under load attempts do meet a busy database and must be retried; the count of retried
attempts is printed. (At 500 ms, one posting in 960 once ran out of its 8 attempts on this
2-core machine shared with other test runs: 2 s keeps a margin; tests/cashdesk/test_posting_retry.py
proves the retry itself deterministically.)
"""
from __future__ import annotations

import os

import pytest

from tests.concurrency.posting import (
    build_tiny_estate, check_books, fresh_database, is_postgres, make_app, run_posting_threads,
)

WORKERS = int(os.environ.get("CONCURRENCY_WORKERS", "16"))
PER_WORKER = int(os.environ.get("CONCURRENCY_POSTINGS", "60"))
ROLLBACK_EVERY = 7
BUSY_MS = int(os.environ.get("CONCURRENCY_BUSY_MS", "2000"))


def _run(url, instance, busy_timeout_ms=None):
    app = make_app(url, instance, busy_timeout_ms, connections=WORKERS + 2)
    with app.app_context():
        from app.bootstrap import init_database
        from app.extensions import db

        init_database()
        estate_id, unit_ids = build_tiny_estate(units=8)
        db.session.remove()  # no transaction of ours is open while the cashiers run
    result = run_posting_threads(app, unit_ids, workers=WORKERS, per_worker=PER_WORKER,
                                 rollback_every=ROLLBACK_EVERY)
    with app.app_context():
        from app.extensions import db

        problems = check_books(estate_id, result)
        db.session.remove()
        db.engine.dispose()
    rate = len(result.committed) / result.wall if result.wall else 0
    print(f"\n{WORKERS}×{PER_WORKER} postings on {url.split(':', 1)[0]}: {len(result.committed)} committed, "
          f"{result.rolled_back} rolled back, {result.retried} attempts retried on a busy database, "
          f"posting {result.wall:.1f} s ({rate:.0f} receipts/s)")
    return result, problems


def _assert_good(result, problems):
    rolled_back_per_worker = PER_WORKER // ROLLBACK_EVERY
    assert result.locked == 0, f"{result.locked} postings failed with 'database is locked': " + "\n".join(result.errors[:3])
    assert result.errors == [], "\n".join(result.errors[:20])
    assert result.rolled_back == WORKERS * rolled_back_per_worker
    assert len(result.committed) == WORKERS * (PER_WORKER - rolled_back_per_worker)
    assert problems == [], "\n".join(problems)


@pytest.mark.skipif(is_postgres(os.environ.get("DATABASE_URL")),
                    reason="the SQLite variant runs in the SQLite pass of .ci/run")
def test_receipt_numbers_sqlite_concurrent_writers(tmp_path):
    db = fresh_database(None, tmp_path)
    result, problems = _run(db.url, db.instance, busy_timeout_ms=BUSY_MS)
    _assert_good(result, problems)


@pytest.mark.skipif(not is_postgres(os.environ.get("DATABASE_URL")),
                    reason="DATABASE_URL does not point at PostgreSQL (.ci/run sets it for its PostgreSQL pass)")
def test_receipt_numbers_postgresql_concurrent_writers(tmp_path):
    db = fresh_database(os.environ["DATABASE_URL"], tmp_path)
    try:
        result, problems = _run(db.url, db.instance)
    finally:
        db.drop()
    _assert_good(result, problems)
