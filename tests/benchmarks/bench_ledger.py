"""SQL statements and time per page with 1,000,000 charges: the unit fee ledger and the charge list.

    python tests/benchmarks/bench_ledger.py [--units 10000] [--months 34] [--runs 5] [--show-sql]

Goal: each page runs at most 12 SQL statements, and the list runs the same number at page
size 10 and 100 (no statement per row). Statements are counted with an engine event listener
around one request of a logged-in test client (after a warm-up request), for an Admin and for
a Clerk of the estate, and sorted into kinds (permission checks, the user, lazy loads of a
relation, the page's own queries ...). Times are medians of ``--runs`` requests.
No assertions: it prints the figures for the README.
"""
from __future__ import annotations

import argparse
import datetime as dt
import re
import statistics
import time
from collections import Counter

from bench_common import big_estate, fresh_app, machine

PASSWORD = "bench-password-2026"
OPEN_UNITS = 100  # units whose charges stay unpaid (arrears); the rest paid as billed


def build(units: int, months: int) -> dict:
    """Big estate, ``units × 3 × months`` charges, a dozen real receipts on the first unit,
    an Admin and a Clerk of the estate."""
    from sqlalchemy import Date, DateTime, bindparam, text, update

    from app.cashdesk import services
    from app.extensions import db
    from app.fees import billing
    from app.fees.models import Charge
    from app.security.models import StaffEstate

    ids = big_estate(units, 3)
    eid, unit_ids = ids["estate_id"], ids["unit_ids"]
    first = dt.date(2027, 1, 1)
    src = first.strftime("%Y-%m")
    billing.generate(eid, src, dt.datetime(2027, 1, 1, 8, 0))
    open_below = unit_ids[min(OPEN_UNITS, len(unit_ids)) - 1] + 1
    db.session.execute(update(Charge).where(Charge.estate_id == eid, Charge.period == src, Charge.unit_id >= open_below)
                       .values(paid=Charge.amount))
    db.session.commit()
    copy = text(
        "INSERT INTO charge (estate_id, unit_id, fee_item_id, period, period_start, period_end, due_date, quantity, rate,"
        " amount, paid, source, description, billing_key, created_at) "
        "SELECT estate_id, unit_id, fee_item_id, :period, :start, :end, :due, quantity, rate, amount,"
        " CASE WHEN unit_id < :open_below THEN 0 ELSE amount END, source, description,"
        " CAST(unit_id AS VARCHAR(20)) || ':' || CAST(fee_item_id AS VARCHAR(20)) || ':' || :period, :created "
        "FROM charge WHERE estate_id = :eid AND period = :src"
    ).bindparams(bindparam("start", type_=Date()), bindparam("end", type_=Date()), bindparam("due", type_=Date()),
                 bindparam("created", type_=DateTime()))
    day = first
    for _ in range(months - 1):
        day = (day + dt.timedelta(days=32)).replace(day=1)
        end = (day + dt.timedelta(days=32)).replace(day=1) - dt.timedelta(days=1)
        db.session.execute(copy, dict(period=day.strftime("%Y-%m"), start=day, end=end, due=day + dt.timedelta(days=30),
                                      created=dt.datetime.combine(day, dt.time(8)), open_below=open_below,
                                      eid=eid, src=src))
        db.session.commit()
    target = unit_ids[0]  # unpaid: a dozen payments settle its oldest charges
    for k in range(12):
        services.post_payment(target, "900.00", "cash", None, dt.datetime(2027, 2 + k % 11, 5, 10, k))
    from flask import current_app

    secm = current_app.appbuilder.sm
    admin = secm.add_user("bench_admin", "基准", "管理员", "bench_admin@bench.invalid", secm.find_role("Admin"),
                          password=PASSWORD)
    clerk = secm.add_user("bench_clerk", "基准", "客服", "bench_clerk@bench.invalid", secm.find_role("Clerk"),
                          password=PASSWORD)
    assert admin and clerk, "could not create the benchmark users"
    db.session.add(StaffEstate(user_id=clerk.id, estate_id=eid))
    db.session.commit()
    total = db.session.query(Charge).count()
    return {"estate_id": eid, "unit": target, "charges": total}


def login(client, username):
    html = client.get("/login/").get_data(as_text=True)
    m = re.search(r'name="csrf_token" type="hidden" value="([^"]+)"', html)
    assert m, "no CSRF token on /login/"
    resp = client.post("/login/", data={"username": username, "password": PASSWORD, "csrf_token": m.group(1)})
    assert resp.status_code in (200, 302), resp.status_code


KINDS = [
    ("permission check", re.compile(r"\bab_permission_view\b|\bab_permission\b|\bab_view_menu\b|ab_permission_view_role", re.I)),
    ("user and roles", re.compile(r"\bFROM ab_user\b|\bab_user_role\b|\bFROM ab_role\b", re.I)),
    ("estate scope", re.compile(r"\bstaff_estate\b", re.I)),
    ("count(*)", re.compile(r"^SELECT count\(\*\)", re.I)),
    ("BEGIN/COMMIT/ROLLBACK", re.compile(r"^(BEGIN|COMMIT|ROLLBACK)", re.I)),
]


def kind_of(sql: str, main_tables: tuple[str, ...]) -> str:
    s = " ".join(sql.split())
    for name, rx in KINDS:
        if rx.search(s):
            return name
    m = re.match(r"SELECT .*? FROM (\w+)\s*(?:AS \w+\s*)?WHERE \1\.id = \?$", s) or \
        re.match(r"SELECT .*? FROM (\w+)\s*(?:AS \w+\s*)?WHERE \1\.id = %\(pk_1\)s$", s)
    if m:
        return f"load one {m.group(1)} by id"
    m = re.search(r"\bFROM (\w+)", s)
    table = m.group(1) if m else "?"
    return f"query on {table}" if table in main_tables else f"other ({table})"


def measure(app, client, url: str, runs: int, show_sql: bool, main_tables: tuple[str, ...]):
    from sqlalchemy import event

    from app.extensions import db

    with app.app_context():
        engine = db.engine
    seen: list[str] = []
    spent: list[float] = []
    started: list[float] = []

    def _log(conn, cursor, statement, *args):
        seen.append(statement)
        started.append(time.perf_counter())

    def _done(conn, cursor, statement, *args):
        spent.append(time.perf_counter() - started[-1])

    resp = client.get(url)  # warm-up: templates, statement cache, babel catalogs
    assert resp.status_code == 200, f"{url}: HTTP {resp.status_code}"
    times, counts, kinds, sql_time, slowest = [], [], Counter(), [], []
    for r in range(runs):
        seen.clear()
        spent.clear()
        started.clear()
        event.listen(engine, "before_cursor_execute", _log)
        event.listen(engine, "after_cursor_execute", _done)
        t = time.perf_counter()
        resp = client.get(url)
        times.append(time.perf_counter() - t)
        event.remove(engine, "before_cursor_execute", _log)
        event.remove(engine, "after_cursor_execute", _done)
        assert resp.status_code == 200, f"{url}: HTTP {resp.status_code}"
        counts.append(len(seen))
        sql_time.append(sum(spent))
        if r == 0:
            kinds = Counter(kind_of(s, main_tables) for s in seen)
            slowest = sorted(zip(spent, seen), reverse=True)[:2]
            if show_sql:
                for s in seen:
                    print("     ", " ".join(s.split())[:220])
    slow = "; ".join(f"{kind_of(s, main_tables)} {sec * 1000:.0f} ms" for sec, s in slowest)
    return counts[0], statistics.median(times), kinds, len(resp.get_data()), statistics.median(sql_time), slow


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--units", type=int, default=10_000)
    ap.add_argument("--months", type=int, default=34, help="months billed: 10,000 units × 3 items × 34 = 1,020,000 charges")
    ap.add_argument("--runs", type=int, default=5)
    ap.add_argument("--show-sql", action="store_true")
    ap.add_argument("--url", default=None, help="PostgreSQL URL of a server to make a temp database on")
    args = ap.parse_args()

    t0 = time.perf_counter()
    app, fdb = fresh_app(args.url)
    try:
        with app.app_context():
            info = build(args.units, args.months)
        print(f"{info['charges']:,} charges in {fdb.url.split(':', 1)[0]}, built in {time.perf_counter() - t0:.0f} s; "
              f"{machine()}")
        unit = info["unit"]
        pages = [
            ("ledger", f"/cashdesk/ledger/{unit}", ("charge", "receipt", "unit", "fee_item", "prepaid_entry", "occupancy")),
            ("charge list, 10 a page", "/chargemodelview/list/?psize_ChargeModelView=10", ("charge",)),
            ("charge list, 100 a page", "/chargemodelview/list/?psize_ChargeModelView=100", ("charge",)),
            ("charge list, one period, 100 a page",
             "/chargemodelview/list/?psize_ChargeModelView=100&_flt_0_period=2029-10", ("charge",)),
        ]
        rows = []
        for user in ("bench_admin", "bench_clerk"):
            client = app.test_client()
            login(client, user)
            for name, url, tables in pages:
                n, secs, kinds, size, sql_secs, slow = measure(app, client, url, args.runs, args.show_sql, tables)
                rows.append((user, name, n, secs, kinds))
                detail = ", ".join(f"{k} {v}" for k, v in kinds.most_common())
                print(f"{user:12} {name:38} {n:4d} statements  {secs * 1000:7.0f} ms, in SQL {sql_secs * 1000:.0f} ms"
                      f"  ({size // 1024} KiB)\n{'':14}{detail}\n{'':14}slowest: {slow}")
    finally:
        fdb.drop()


if __name__ == "__main__":
    main()
