#!/usr/bin/env python
"""Timing of the PDF documents (run on demand; not collected by pytest).

    python tests/benchmarks/bench_pdf.py                 # fresh demo database in a temp dir
    python tests/benchmarks/bench_pdf.py --keep          # ... and keep it for the next run
    python tests/benchmarks/bench_pdf.py --db sqlite:////path/to/estate.db --runs 30

Prints: the environment check, the first (cold) render, a one-page receipt and a unit's fee
statement (build = database → dataclass, render = HTML → PDF; median and best of --runs), and
render_many over --batch receipts (per-document page numbering) against rendering them one by
one and joining with pypdf.
"""
from __future__ import annotations

import argparse
import atexit
import io
import logging
import os
import platform
import shutil
import statistics
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
sys.path.insert(0, str(ROOT))


def timed(fn, *args, **kwargs):
    start = time.perf_counter()
    result = fn(*args, **kwargs)
    return result, time.perf_counter() - start


def series(fn, runs: int) -> tuple[float, float, float]:
    """(median wall time, best wall time, median CPU time of this process): on a busy machine
    the CPU time is the steadier figure."""
    walls, cpus = [], []
    for _ in range(runs):
        cpu = time.process_time()
        walls.append(timed(fn)[1])
        cpus.append(time.process_time() - cpu)
    return statistics.median(walls), min(walls), statistics.median(cpus)


def make_app(db_url: str | None, keep: bool):
    from app import create_app

    for name in ("flask_appbuilder", "alembic", "werkzeug"):
        logging.getLogger(name).setLevel(logging.ERROR)
    instance = Path(tempfile.mkdtemp(prefix="bench-pdf-"))
    if keep and db_url is None:
        print(f"database kept: rerun with --db sqlite:///{instance / 'bench.db'}")
    else:
        atexit.register(shutil.rmtree, instance, ignore_errors=True)
    url = db_url or f"sqlite:///{instance / 'bench.db'}"
    app = create_app(SQLALCHEMY_DATABASE_URI=url, INSTANCE_PATH=str(instance), SECRET_KEY="bench",
                     DEMO_PASSWORD="bench-password-2026")
    if db_url is None:
        with app.app_context():
            from app.bootstrap import first_start

            _, seconds = timed(first_start, seed_demo=True, demo_password="bench-password-2026")
            print(f"demo database seeded in {seconds:.1f} s ({url})")
    return app


def main(argv=None) -> int:
    parser = argparse.ArgumentParser()
    parser.add_argument("--db", help="an existing database URL with the demo estate (default: seed a fresh one)")
    parser.add_argument("--runs", type=int, default=20)
    parser.add_argument("--batch", type=int, default=100)
    parser.add_argument("--keep", action="store_true", help="keep the seeded database for another run")
    args = parser.parse_args(argv)
    print(f"{os.cpu_count()} cores, Python {platform.python_version()}, load average "
          f"{os.getloadavg()[0]:.1f} (wall times grow with the load; CPU times less so)")

    from pypdf import PdfReader, PdfWriter
    from sqlalchemy import func, select

    app = make_app(args.db, args.keep)
    with app.app_context():
        from app.cashdesk.ledger import unit_ledger
        from app.cashdesk.models import Receipt
        from app.extensions import db
        from app.fees.models import Charge
        from reports import rendering
        from reports.receipt import build_receipt, receipt_pdf, render_receipt
        from reports.statement import build_statement, render_statement, statement_pdf

        print("check_environment():", rendering.check_environment() or "OK")
        receipt_ids = list(db.session.scalars(select(Receipt.id).order_by(Receipt.id).limit(args.batch)))
        unit_id = db.session.execute(
            select(Charge.unit_id).group_by(Charge.unit_id).order_by(func.count().desc()).limit(1)
        ).scalar_one()

        pdf, cold = timed(receipt_pdf, receipt_ids[0])
        print(f"first receipt (cold: font subset loaded, print.css parsed): {cold * 1000:.0f} ms")

        rows = []
        doc = build_receipt(receipt_ids[0])
        pages = len(PdfReader(io.BytesIO(render_receipt(doc))).pages)
        rows.append(("receipt: build_receipt", *series(lambda: build_receipt(receipt_ids[0]), args.runs), ""))
        rows.append(("receipt: render (HTML → PDF)", *series(lambda: render_receipt(doc), args.runs),
                     f"{pages} page, {len(render_receipt(doc)) // 1024} KB"))
        rows.append(("receipt_pdf (both)", *series(lambda: receipt_pdf(receipt_ids[0]), args.runs), ""))

        sdoc = build_statement(unit_id)
        spdf = render_statement(sdoc)
        spages = len(PdfReader(io.BytesIO(spdf)).pages)
        n_lines = len(unit_ledger(unit_id).lines)
        rows.append(("statement: build_statement", *series(lambda: build_statement(unit_id), args.runs), ""))
        rows.append(("statement: render", *series(lambda: render_statement(sdoc), args.runs),
                     f"{n_lines} lines, {spages} pages, {len(spdf) // 1024} KB"))
        rows.append(("statement_pdf (both)", *series(lambda: statement_pdf(unit_id), args.runs), ""))

        # the fee-schedule poster for the notice board, as /public/fees.pdf builds it
        import datetime as dt

        from app.estate.models import Estate
        from app.fees.models import FeeSchedule
        from app.publishing.posters import fee_schedule_poster
        from reports.poster import poster_pdf

        schedule = db.session.scalars(select(FeeSchedule).where(FeeSchedule.status == "published")).first()
        estate = db.session.get(Estate, schedule.estate_id)

        def fee_poster():
            content = fee_schedule_poster(schedule, "zh_CN")
            return poster_pdf(estate, content.title, content.subtitle, content.sections,
                              "http://127.0.0.1:5000/public/fees", dt.date(2026, 12, 1), "zh_CN")

        ppdf = fee_poster()
        rows.append(("fee-schedule poster", *series(fee_poster, args.runs),
                     f"{len(PdfReader(io.BytesIO(ppdf)).pages)} page, QR code, {len(ppdf) // 1024} KB"))

        print(f"\n{'what':30} {'median':>8} {'best':>8} {'CPU':>8}")
        for name, median, best, cpu, note in rows:
            print(f"{name:30} {median * 1000:6.0f}ms {best * 1000:6.0f}ms {cpu * 1000:6.0f}ms  {note}")

        contexts = [{"doc": build_receipt(i)} for i in receipt_ids]
        n = len(contexts)
        print(f"\nbatch of {n} receipts (1 page each):")
        for chunk in (10, 50):
            cpu = time.process_time()
            pdf, seconds = timed(rendering.render_many, "receipt.html", contexts, chunk_size=chunk)
            cpu = time.process_time() - cpu
            pages = len(PdfReader(io.BytesIO(pdf)).pages)
            print(f"  render_many chunk_size={chunk:<3}  {seconds:6.1f} s  {seconds / n * 1000:5.0f} ms/doc "
                  f"(CPU {cpu / n * 1000:3.0f})  {len(pdf) / 1e6:5.2f} MB  {pages} pages")

        def one_by_one():
            writer = PdfWriter()
            for c in contexts:
                writer.append(io.BytesIO(rendering.render_pdf("receipt.html", c)))
            out = io.BytesIO()
            writer.write(out)
            return out.getvalue()

        cpu = time.process_time()
        pdf, seconds = timed(one_by_one)
        cpu = time.process_time() - cpu
        print(f"  one by one + pypdf join   {seconds:6.1f} s  {seconds / n * 1000:5.0f} ms/doc "
              f"(CPU {cpu / n * 1000:3.0f})  {len(pdf) / 1e6:5.2f} MB")
    return 0


if __name__ == "__main__":
    sys.exit(main())
