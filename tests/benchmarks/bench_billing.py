"""Monthly billing of 10,000 units × 3 recurring items against a raw executemany of the same rows.

    python tests/benchmarks/bench_billing.py [--units 10000] [--periods 3] [--url postgresql+psycopg://...]

Goal: ``billing.generate`` takes at most 2× the time of inserting its rows with a plain
DB-API ``executemany`` (sqlite3 / psycopg) in one transaction. Each billing run is a new
period on the same estate; each raw run inserts the rows of a billed period again under
another period and key. Medians of ``--periods`` runs; a fresh temp SQLite database unless
``--url`` names a PostgreSQL server (a new database is made there and dropped).
No assertions: it prints the figures for the README.
"""
from __future__ import annotations

import argparse
import datetime as dt
import time

from bench_common import big_estate, fresh_app, machine, median


def _stmt_timer(engine):
    """Seconds spent inside cursor.execute/executemany, by statement kind."""
    from sqlalchemy import event

    spent = {"insert charge": 0.0, "other": 0.0}
    started = {}

    @event.listens_for(engine, "before_cursor_execute")
    def _before(conn, cursor, statement, params, context, executemany):
        started[id(cursor)] = time.perf_counter()

    @event.listens_for(engine, "after_cursor_execute")
    def _after(conn, cursor, statement, params, context, executemany):
        key = "insert charge" if statement.lstrip().upper().startswith("INSERT INTO CHARGE") else "other"
        spent[key] += time.perf_counter() - started.pop(id(cursor), time.perf_counter())

    return spent


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--units", type=int, default=10_000)
    ap.add_argument("--items", type=int, default=3)
    ap.add_argument("--periods", type=int, default=3)
    ap.add_argument("--url", default=None, help="PostgreSQL URL of a server to make a temp database on")
    args = ap.parse_args()

    t0 = time.perf_counter()
    app, fdb = fresh_app(args.url)
    try:
        with app.app_context():
            from sqlalchemy import insert, select

            from app.extensions import db
            from app.fees import billing
            from app.fees.models import Charge

            ids = big_estate(args.units, args.items)
            eid = ids["estate_id"]
            print(f"estate of {args.units:,} units × {args.items} items built in {time.perf_counter() - t0:.1f} s "
                  f"({fdb.url.split(':', 1)[0]}; {machine()})")
            spent = _stmt_timer(db.engine)
            gen_times, gen_cpu, insert_parts, created = [], [], [], 0
            for k in range(args.periods):
                period = f"2030-{k + 1:02d}"
                for key in spent:
                    spent[key] = 0.0
                c0, t0 = time.process_time(), time.perf_counter()
                res = billing.generate(eid, period, dt.datetime(2030, k + 1, 1, 8, 0))
                gen_times.append(time.perf_counter() - t0)
                gen_cpu.append(time.process_time() - c0)
                insert_parts.append(spent["insert charge"])
                created = res.created
                print(f"  generate {period}: {res.created:,} charges in {gen_times[-1]:.2f} s, CPU {gen_cpu[-1]:.2f} s "
                      f"(inside: INSERT executemany {spent['insert charge']:.2f} s, other SQL {spent['other']:.2f} s)")
            t0 = time.perf_counter()
            res2 = billing.generate(eid, "2030-01", dt.datetime(2030, 1, 1, 8, 0))
            print(f"  generate 2030-01 again: {res2.created} created, {res2.skipped:,} skipped "
                  f"in {time.perf_counter() - t0:.2f} s")

            # the same rows, as the database stores them, for the raw inserts
            cols = [c.name for c in Charge.__table__.columns if c.name != "id"]
            is_sqlite = fdb.url.startswith("sqlite")
            mark = "?" if is_sqlite else "%s"
            raw = db.engine.raw_connection()
            try:  # the stored values (fen integers, ISO dates), not the ORM's Decimals
                cur = raw.cursor()
                cur.execute(f"SELECT {', '.join(cols)} FROM charge WHERE estate_id = {mark} AND period = {mark}",
                            (eid, "2030-01"))
                src = cur.fetchall()
                raw.commit()
            finally:
                raw.close()
            ip, ik = cols.index("period"), cols.index("billing_key")
            placeholders = ", ".join([mark] * len(cols))
            sql = f"INSERT INTO charge ({', '.join(cols)}) VALUES ({placeholders})"
            raw_times, raw_cpu = [], []
            for k in range(args.periods):
                period = f"2031-{k + 1:02d}"
                rows = []
                for r in src:
                    r = list(r)
                    r[ip] = period
                    r[ik] = r[ik].rsplit(":", 1)[0] + ":" + period
                    rows.append(tuple(r))
                raw = db.engine.raw_connection()
                try:
                    cur = raw.cursor()
                    if is_sqlite:
                        cur.execute("BEGIN IMMEDIATE")
                    c0, t0 = time.process_time(), time.perf_counter()
                    cur.executemany(sql, rows)
                    raw.commit()
                    raw_times.append(time.perf_counter() - t0)
                    raw_cpu.append(time.process_time() - c0)
                finally:
                    raw.close()
                print(f"  raw DB-API executemany {period}: {len(rows):,} rows in {raw_times[-1]:.2f} s, "
                      f"CPU {raw_cpu[-1]:.2f} s")

            # and the same rows through SQLAlchemy's ORM bulk insert (what generate uses), without the rest
            core_times, core_cpu = [], []
            orm_rows = [dict(r._mapping) for r in db.session.execute(
                select(Charge.__table__).where(Charge.estate_id == eid, Charge.period == "2030-01"))]
            db.session.commit()
            for k in range(args.periods):
                period = f"2032-{k + 1:02d}"
                rows = []
                for r in orm_rows:
                    r = {c: v for c, v in r.items() if c != "id"}
                    r["period"] = period
                    r["billing_key"] = r["billing_key"].rsplit(":", 1)[0] + ":" + period
                    rows.append(r)
                c0, t0 = time.process_time(), time.perf_counter()
                db.session.execute(insert(Charge), rows)
                db.session.commit()
                core_times.append(time.perf_counter() - t0)
                core_cpu.append(time.process_time() - c0)
                print(f"  SQLAlchemy ORM bulk insert {period}: {len(rows):,} rows in {core_times[-1]:.2f} s, "
                      f"CPU {core_cpu[-1]:.2f} s")

        g, r, c = median(gen_times), median(raw_times), median(core_times)
        gc, rc, cc = median(gen_cpu), median(raw_cpu), median(core_cpu)
        print()
        print(f"billing.generate ({created:,} charges): median {g:.2f} s (CPU {gc:.2f} s) = {created / g:,.0f} charges/s")
        print(f"raw DB-API executemany of the same rows: median {r:.2f} s (CPU {rc:.2f} s)")
        print(f"SQLAlchemy ORM bulk insert of the same rows: median {c:.2f} s (CPU {cc:.2f} s)")
        print(f"ratio generate / raw = {g / r:.2f} wall, {gc / rc:.2f} CPU (goal ≤ 2.00); "
              f"generate / ORM bulk insert = {g / c:.2f} wall")
        print(f"inside generate, its INSERT executemany took median {median(insert_parts):.2f} s; "
              f"reading units, owners and rates and computing the rows the rest")
    finally:
        fdb.drop()


if __name__ == "__main__":
    main()
