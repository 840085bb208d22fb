"""Posting throughput: concurrent cashier processes posting payments on one database.

    python tests/benchmarks/bench_posting.py [--workers 8] [--postings 200] [--rollback-every 0]
                                             [--url postgresql+psycopg://...]

Goal: ≥ 200 receipts/s with 8 writer processes on SQLite, and 0 gaps. Throughput counts the
receipts committed between the start line (all processes have built their app) and the last
process's end; process start-up is reported apart. Also runs 1 writer for the serial figure
and counts the SQL statements of one posting. The books are checked afterwards (numbers
1..N, hash chain, paid = receipt lines). No assertions: it prints the figures.
"""
from __future__ import annotations

import argparse
import datetime as dt
import tempfile
import time

from bench_common import fresh_app, machine, quiet


def _statements_per_posting(app, unit_ids) -> tuple[float, float]:
    """(statements, ms) of one posting in this process, averaged over 50."""
    from sqlalchemy import event

    from app.cashdesk import services
    from app.extensions import db
    from tests.concurrency.posting import YEAR

    with app.app_context():
        count = [0]

        def _count(*_a):
            count[0] += 1

        for i in range(5):  # warm the statement cache
            services.post_payment(unit_ids[i % len(unit_ids)], "1.00", "cash", None, dt.datetime(YEAR, 11, 1, 9, 0, i))
        event.listen(db.engine, "before_cursor_execute", _count)
        t = time.perf_counter()
        for i in range(50):
            services.post_payment(unit_ids[i % len(unit_ids)], "1.00", "cash", None,
                                  dt.datetime(YEAR, 11, 2, 9, 0) + dt.timedelta(seconds=i))
        ms = (time.perf_counter() - t) / 50 * 1000
        event.remove(db.engine, "before_cursor_execute", _count)
        db.session.remove()
        return count[0] / 50, ms


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--workers", type=int, default=8)
    ap.add_argument("--postings", type=int, default=200, help="postings per worker")
    ap.add_argument("--rollback-every", type=int, default=0, help="roll back every n-th posting of a worker (0: none)")
    ap.add_argument("--units", type=int, default=8)
    ap.add_argument("--url", default=None, help="PostgreSQL URL of a server to make a temp database on")
    args = ap.parse_args()
    quiet()
    from tests.concurrency.posting import build_tiny_estate, check_books, run_posting_workers

    print(f"{machine()}")
    for workers in sorted({1, args.workers}):
        app, fdb = fresh_app(args.url, tempfile.mkdtemp(prefix="estate-bench-post-"))
        try:
            with app.app_context():
                from app.extensions import db

                estate_id, unit_ids = build_tiny_estate(units=args.units)
                _side_estate, side_units = build_tiny_estate(units=args.units)  # for the in-process count
                db.session.remove()
            if workers == 1:
                stmts, ms = _statements_per_posting(app, side_units)
                print(f"one posting in-process: {stmts:.1f} SQL statements, {ms:.1f} ms")
            with app.app_context():
                from app.extensions import db

                db.engine.dispose()
            res = run_posting_workers(fdb.url, fdb.instance, unit_ids, workers=workers, per_worker=args.postings,
                                      rollback_every=args.rollback_every)
            with app.app_context():
                from app.extensions import db

                problems = check_books(estate_id, res)
                db.session.remove()
                db.engine.dispose()
        finally:
            fdb.drop()
        posted = len(res.committed)
        rate = posted / res.wall if res.wall else 0.0
        print(f"{workers} writer(s) × {args.postings} on {fdb.url.split(':', 1)[0]}: {posted:,} receipts in "
              f"{res.wall:.1f} s = {rate:.0f} receipts/s (start-up {res.spawn:.1f} s); rolled back {res.rolled_back}, "
              f"'database is locked' {res.locked}, other errors {len(res.errors) - res.locked}")
        print(f"  books: {'OK (numbers 1..N, no gaps, chain verifies, paid = lines)' if not problems else problems}")
        for e in res.errors[:5]:
            print(f"  error: {e}")


if __name__ == "__main__":
    main()
