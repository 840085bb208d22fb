"""Helpers for the concurrent-posting test and benchmark (not collected: no test_ prefix).

- ``fresh_database(url_or_none, folder)``: a new empty database — a SQLite file in ``folder``,
  or a new database on the PostgreSQL server of ``DATABASE_URL`` — and ``make_app`` for it
  (the caller migrates it with ``app.bootstrap.init_database``).
- ``build_tiny_estate``: 1 estate, 1 zone, 1 building, 1 entrance, N units, a fee item and
  12 monthly charges a unit, made with the models directly.
- ``run_posting_workers``: N spawned processes, each with its own app and connection, post
  payments against the same database; every ``rollback_every``-th posting of a worker is
  rolled back after all its rows (receipt, counter update, lines, charge.paid, prepaid) have
  been flushed — the commit is replaced for that call by a flush and an exception.
- ``run_posting_threads``: the same with N threads of one app (a session and connection each):
  what the 16-cashier test uses, since 16 processes each building the app take minutes here.
- ``check_books``: the invariants every run must keep (numbers 1..N, hash chain, what was
  paid on each charge equals the receipt lines, prepaid entries equal the receipts).
"""
from __future__ import annotations

import datetime as dt
import multiprocessing as mp
import os
import queue as queue_mod
import time
import traceback
import uuid
from collections import Counter
from dataclasses import dataclass, field
from decimal import Decimal
from types import SimpleNamespace

from sqlalchemy import create_engine, insert, text
from sqlalchemy.engine import make_url

YEAR = 2031
SECRET = "concurrency-test-secret"


# --- databases ----------------------------------------------------------------------------
def is_postgres(url: str | None) -> bool:
    return bool(url) and make_url(url).get_backend_name() == "postgresql"


@dataclass
class FreshDatabase:
    url: str
    instance: str
    dropper: object = None  # callable that drops a PostgreSQL database made for the run

    def drop(self) -> None:
        if self.dropper:
            self.dropper()
            self.dropper = None


def fresh_database(base_url: str | None, folder) -> FreshDatabase:
    """A new empty database: a SQLite file in ``folder``, or (``base_url`` PostgreSQL) a new
    database on the same server, dropped by ``.drop()``."""
    instance = str(folder)
    os.makedirs(instance, exist_ok=True)
    if not is_postgres(base_url):
        return FreshDatabase(url=f"sqlite:///{os.path.join(instance, 'posting.db')}", instance=instance)
    base = make_url(base_url)
    name = f"estate_conc_{uuid.uuid4().hex[:10]}"
    admin = create_engine(base, isolation_level="AUTOCOMMIT")
    with admin.connect() as conn:
        conn.execute(text(f'CREATE DATABASE "{name}"'))
    admin.dispose()

    def drop():
        eng = create_engine(base, isolation_level="AUTOCOMMIT")
        with eng.connect() as conn:
            conn.execute(text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))
        eng.dispose()

    return FreshDatabase(url=base.set(database=name).render_as_string(hide_password=False),
                         instance=instance, dropper=drop)


def make_app(url: str, instance: str, busy_timeout_ms: int | None = None, connections: int | None = None):
    from app import create_app

    extra = {} if busy_timeout_ms is None else {"SQLITE_BUSY_TIMEOUT_MS": busy_timeout_ms}
    if connections:  # threads of one app: a pooled connection each, none waiting for the pool
        extra["SQLALCHEMY_ENGINE_OPTIONS"] = {"pool_size": connections, "max_overflow": 0}
    return create_app(SQLALCHEMY_DATABASE_URI=url, INSTANCE_PATH=instance, TESTING=True, SECRET_KEY=SECRET,
                      SEED_DEMO=False, **extra)


# --- the tiny estate ----------------------------------------------------------------------
def build_tiny_estate(units: int = 8, months: int = 12, name: str | None = None) -> tuple[int, list[int]]:
    """Returns (estate_id, unit ids). Needs an app context on a migrated database."""
    from app.core.audit import acting_as
    from app.estate.models import Building, Entrance, Estate, Unit, Zone
    from app.extensions import db
    from app.fees.models import Charge, FeeItem

    with acting_as(name="concurrency-test"):
        # estate and charges by plain inserts of the columns named: the ledger tests build this on
        # an older schema (before later migrations' columns), which the ORM would insert or fetch
        estate_id = db.session.execute(insert(Estate.__table__).values(
            name=name or f"并发测试小区-{uuid.uuid4().hex[:6]}", company_name="测试物业")).inserted_primary_key[0]
        estate = SimpleNamespace(id=estate_id)
        zone = Zone(estate_id=estate.id, name="A区")
        building = Building(zone=zone, number="1")
        entrance = Entrance(building=building, number="1")
        item = FeeItem(estate_id=estate.id, code="property", name="物业服务费", kind="property",
                       basis="per_area_month", unit_label="元/m²·月", recurring=True, due_days=30)
        made = []
        for i in range(units):
            unit = Unit(entrance=entrance, room_number=f"{101 + i}", property_type="multi_storey",
                        chargeable_area=Decimal("100.00"), status="occupied")
            unit.derive()
            made.append(unit)
        db.session.add_all([zone, building, entrance, item, *made])
        db.session.flush()
        rows = []
        for unit in made:
            for m in range(1, months + 1):
                start = dt.date(YEAR, m, 1)
                rows.append(dict(
                    unit_id=unit.id, fee_item_id=item.id, estate_id=estate.id, period=f"{YEAR}-{m:02d}",
                    period_start=start, period_end=start + dt.timedelta(days=27), due_date=start + dt.timedelta(days=30),
                    quantity=Decimal("100.00"), rate=Decimal("1.2000"), amount=Decimal("120.00"),
                    paid=Decimal("0.00"), source="billing", billing_key=f"{unit.id}:{item.id}:{YEAR}-{m:02d}",
                    created_at=dt.datetime(YEAR, 1, 1, 8, 0)))
        db.session.execute(insert(Charge.__table__), rows)
        db.session.commit()
        return estate.id, [u.id for u in made]


# --- the workers --------------------------------------------------------------------------
class SimulatedCrash(RuntimeError):
    """Raised instead of the commit of a posting that must be rolled back."""


def amount_for(worker: int, i: int) -> Decimal:
    """Deterministic amounts from 1.00 to 150.00: some settle parts of charges, some more than
    one charge, a few leave money as prepaid once a unit's charges are paid."""
    return Decimal(1 + (worker * 37 + i * 53) % 150).quantize(Decimal("0.01"))


def _post_one(services, db, unit_id, amount, actor, now, crash: bool):
    if not crash:
        receipt = services.post_payment(unit_id, amount, "cash", actor, now)
        from sqlalchemy import inspect

        return inspect(receipt).identity[0]  # the id, without a SELECT on the expired object

    def flush_then_crash():
        db.session.flush()  # every row of the posting is written to the transaction ...
        raise SimulatedCrash("simulated failure before commit")  # ... and never committed

    # shadows this cashier's own Session.commit for this call only (threads share the
    # scoped_session proxy, each has its own Session behind it)
    session = db.session()
    session.commit = flush_then_crash
    try:
        services.post_payment(unit_id, amount, "cash", actor, now)
    except SimulatedCrash:
        db.session.rollback()
        return None
    finally:
        del session.commit
    raise AssertionError("the simulated crash did not happen")


def _cashier(app, worker, n, unit_ids, rollback_every, barrier) -> dict:
    """One cashier: ``n`` postings, round-robin over the units (offset by worker number, so
    workers hit the same units at the same time). Its own app context, hence its own session
    and connection (Flask-SQLAlchemy scopes sessions by app context)."""
    out = dict(worker=worker, committed=[], rolled_back=0, errors=[], locked=0, elapsed=0.0, amounts={},
               retried=0)
    with app.app_context():
        from app.cashdesk import services
        from app.extensions import db

        actor = SimpleNamespace(id=None, username=f"cashier{worker}", first_name=f"收银员{worker}")
        barrier.wait(timeout=300)
        start = time.perf_counter()
        for i in range(n):
            unit_id = unit_ids[(worker + i) % len(unit_ids)]
            amount = amount_for(worker, i)
            crash = rollback_every > 0 and (i + 1) % rollback_every == 0
            now = dt.datetime(YEAR, 12, 1, 9, 0) + dt.timedelta(seconds=worker * 10_000 + i)
            try:
                rid = _post_one(services, db, unit_id, amount, actor, now, crash)
            except Exception as exc:  # noqa: BLE001 - every failure is counted and reported
                db.session.rollback()
                msg = f"{type(exc).__name__}: {exc}"
                if "database is locked" in msg:
                    out["locked"] += 1
                if len(out["errors"]) < 20:
                    out["errors"].append(msg[:500])
                else:
                    out["errors"].append("...")
                continue
            if rid is None:
                out["rolled_back"] += 1
            else:
                out["committed"].append(rid)
                out["amounts"][rid] = str(amount)
        out["elapsed"] = time.perf_counter() - start
        db.session.remove()
    return out


def posting_worker(url, instance, worker, n, unit_ids, rollback_every, barrier, results, busy_timeout_ms=None):
    """A cashier in a process of its own, with its own app and engine."""
    import logging

    logging.getLogger("flask_appbuilder").setLevel(logging.ERROR)  # start-up chatter, once per process
    out = dict(worker=worker, committed=[], rolled_back=0, errors=[], locked=0, elapsed=0.0, amounts={},
               retried=0)
    try:
        app = make_app(url, instance, busy_timeout_ms)
        out = _cashier(app, worker, n, unit_ids, rollback_every, barrier)
        from app.core import retry

        out["retried"] = retry.stats["retried"]
        with app.app_context():
            from app.extensions import db

            db.engine.dispose()
    except Exception:  # noqa: BLE001
        out["errors"].append(traceback.format_exc()[-2000:])
    results.put(out)


@dataclass
class RunResult:
    workers: int
    per_worker: int
    committed: list[int] = field(default_factory=list)
    amounts: dict[int, Decimal] = field(default_factory=dict)
    rolled_back: int = 0
    locked: int = 0
    retried: int = 0  # attempts that met a busy database and were run again (app.core.retry)
    errors: list[str] = field(default_factory=list)
    wall: float = 0.0  # from the start barrier to the last worker's end, seconds
    spawn: float = 0.0  # process start and app creation, seconds


def run_posting_workers(url: str, instance: str, unit_ids: list[int], workers: int = 8, per_worker: int = 200,
                        rollback_every: int = 7, timeout: float = 600.0,
                        busy_timeout_ms: int | None = None) -> RunResult:
    ctx = mp.get_context("spawn")  # each worker builds its own app, engine and connections
    barrier = ctx.Barrier(workers + 1)
    results = ctx.Queue()
    t0 = time.perf_counter()
    procs = [ctx.Process(target=posting_worker, args=(url, instance, w, per_worker, unit_ids, rollback_every,
                                                      barrier, results, busy_timeout_ms), daemon=True)
             for w in range(workers)]
    for p in procs:
        p.start()
    res = RunResult(workers=workers, per_worker=per_worker)
    try:
        barrier.wait(timeout=300)
    except Exception:  # noqa: BLE001 - a worker died before the start line
        res.errors.append("workers did not reach the start line")
    t1 = time.perf_counter()
    res.spawn = t1 - t0
    outs = []
    deadline = time.monotonic() + timeout
    while len(outs) < workers and time.monotonic() < deadline:
        try:
            outs.append(results.get(timeout=5))
        except queue_mod.Empty:
            if not any(p.is_alive() for p in procs) and results.empty():
                break
    res.wall = time.perf_counter() - t1
    reported = {out["worker"] for out in outs}
    for w, p in enumerate(procs):
        p.join(timeout=60)  # a loaded machine can take a while to tear an app down
        if p.is_alive():
            p.terminate()
            p.join(timeout=10)
            if w not in reported:  # a worker that reported its postings may be slow to exit, nothing more
                res.errors.append(f"worker {w} (pid {p.pid}) hung and was stopped")
    if len(outs) < workers:
        res.errors.append(f"only {len(outs)} of {workers} workers reported")
    for out in outs:
        res.committed += out["committed"]
        res.amounts.update({int(k): Decimal(v) for k, v in out["amounts"].items()})
        res.rolled_back += out["rolled_back"]
        res.locked += out["locked"]
        res.retried += out.get("retried", 0)
        res.errors += [f"worker {out['worker']}: {e}" for e in out["errors"]]
    return res


def run_posting_threads(app, unit_ids: list[int], workers: int = 16, per_worker: int = 60,
                        rollback_every: int = 7) -> RunResult:
    """``workers`` cashiers as threads of one app (one engine, a connection each): starts in a
    second where 16 processes each importing the app take minutes on a loaded 2-core machine.
    SQLite's lock waits release the GIL, so the writers really do contend for the lock."""
    import threading

    from app.core import retry

    barrier = threading.Barrier(workers + 1)
    outs: list[dict] = []
    res = RunResult(workers=workers, per_worker=per_worker)

    def run(w):
        try:
            outs.append(_cashier(app, w, per_worker, unit_ids, rollback_every, barrier))
        except Exception:  # noqa: BLE001
            res.errors.append(f"worker {w}: {traceback.format_exc()[-2000:]}")

    retried_before = retry.stats["retried"]
    threads = [threading.Thread(target=run, args=(w,), daemon=True) for w in range(workers)]
    for t in threads:
        t.start()
    barrier.wait(timeout=300)
    t1 = time.perf_counter()
    for t in threads:
        t.join(timeout=600)
        if t.is_alive():
            res.errors.append(f"thread {t.name} hung")
    res.wall = time.perf_counter() - t1
    res.retried = retry.stats["retried"] - retried_before
    if len(outs) < workers:
        res.errors.append(f"only {len(outs)} of {workers} workers reported")
    for out in outs:
        res.committed += out["committed"]
        res.amounts.update({int(k): Decimal(v) for k, v in out["amounts"].items()})
        res.rolled_back += out["rolled_back"]
        res.locked += out["locked"]
        res.errors += [f"worker {out['worker']}: {e}" for e in out["errors"]]
    return res


# --- the books ----------------------------------------------------------------------------
def check_books(estate_id: int, result: RunResult) -> list[str]:
    """Everything that is wrong, as sentences (empty: all good). Needs an app context."""
    from sqlalchemy import func, select, type_coerce

    from app.cashdesk.models import PrepaidEntry, Receipt, ReceiptLine
    from app.cashdesk.services import verify_chain
    from app.core.money import Money
    from app.extensions import db
    from app.fees.models import Charge

    problems = []
    rows = db.session.execute(
        select(Receipt.id, Receipt.year, Receipt.seq, Receipt.number, Receipt.amount, Receipt.to_prepaid,
               Receipt.from_prepaid).where(Receipt.estate_id == estate_id).order_by(Receipt.year, Receipt.seq)
    ).all()
    by_year: dict[int, list[int]] = {}
    for r in rows:
        by_year.setdefault(r.year, []).append(r.seq)
    n = len(result.committed)
    if len(rows) != n:
        problems.append(f"{len(rows)} receipts in the database, {n} postings committed")
    for year, seqs in by_year.items():
        dupes = [s for s, c in Counter(seqs).items() if c > 1]
        if dupes:
            problems.append(f"{year}: duplicate numbers {dupes[:10]}")
        if sorted(seqs) != list(range(1, len(seqs) + 1)):
            missing = sorted(set(range(1, max(seqs) + 1)) - set(seqs))
            problems.append(f"{year}: numbers are not 1..{len(seqs)}; missing {missing[:10]}")
        if [f"{year}-{s:06d}" for s in sorted(seqs)] != sorted(r.number for r in rows if r.year == year):
            problems.append(f"{year}: receipt numbers do not match their sequence")
    if set(by_year) - {YEAR}:
        problems.append(f"receipts in unexpected years {sorted(by_year)}")
    if sorted(r.id for r in rows) != sorted(result.committed):
        problems.append("the receipts in the database are not the postings the workers committed")
    wrong_amounts = [r.id for r in rows if r.id in result.amounts and r.amount != result.amounts[r.id]]
    if wrong_amounts:
        problems.append(f"receipts with another amount than posted: {wrong_amounts[:10]}")
    ok, message = verify_chain(estate_id)
    if not ok:
        problems.append(f"hash chain: {message}")
    # what each charge shows as paid is what the receipt lines paid on it (no lost update)
    line_sums = dict(db.session.execute(
        select(ReceiptLine.charge_id, type_coerce(func.sum(ReceiptLine.amount), Money()))
        .group_by(ReceiptLine.charge_id)
        .join(Receipt, Receipt.id == ReceiptLine.receipt_id).where(Receipt.estate_id == estate_id)
    ).all())
    bad = []
    for cid, amount, paid in db.session.execute(
        select(Charge.id, Charge.amount, Charge.paid).where(Charge.estate_id == estate_id)
    ).all():
        lines = line_sums.get(cid) or Decimal("0.00")
        if paid != lines or paid > amount or paid < 0:
            bad.append(f"charge {cid}: paid {paid}, receipt lines {lines}, amount {amount}")
    if bad:
        problems.append(f"{len(bad)} charges whose paid amount disagrees with the receipts: {bad[:5]}")
    # prepaid: entries equal what the receipts kept and used
    entries = db.session.scalar(
        select(type_coerce(func.sum(PrepaidEntry.amount), Money())).where(PrepaidEntry.estate_id == estate_id)
    ) or Decimal("0.00")
    kept = sum((r.to_prepaid - r.from_prepaid for r in rows), Decimal("0.00"))
    if entries != kept:
        problems.append(f"prepaid entries sum to {entries}, receipts kept {kept}")
    total_received = sum((r.amount for r in rows), Decimal("0.00"))
    expected = sum(result.amounts.values(), Decimal("0.00"))
    if total_received != expected:
        problems.append(f"receipts total {total_received}, the workers posted {expected}")
    return problems

