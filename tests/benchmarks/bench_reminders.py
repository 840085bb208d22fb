#!/usr/bin/env python
"""Printing payment reminders (run on demand; not collected by pytest).

    python tests/benchmarks/bench_reminders.py            # fresh demo database in a temp dir
    python tests/benchmarks/bench_reminders.py --count 500 --workers 2

The demo estate has about 100 units in arrears; the benchmark gives the first ``--count``
units without arrears one overdue charge each (a manual 物业服务费 charge, due 40 days ago), so
that ``--count`` letters are printed. Measured in one run:

  (a1) the command as users run it, single process:
       flask --app run.py reminders print --out … --workers 1 --new-round
  (a2) the same command laying out letters in --workers processes (parallel chunks joined
       with pypdf): --workers N --new-round
  (b)  WeasyPrint alone: the same letters' HTML as ONE document (page counters then run
       across the batch), no database, no numbering, no joining; with WeasyPrint's and
       Python's defaults, and again with the garbage-collector settings the command lays out
       with (reports/rendering.py LAYOUT_GC_THRESHOLD), so that both comparisons are shown.

and the peak memory (max RSS) of each command. Goals (issue 5): a1 ≤ 1.1 × b,
a2 ≤ 0.6 × a1, peak memory < 1 GB.
"""
from __future__ import annotations

import argparse
import datetime as dt
import os
import re
import resource
import subprocess
import sys
import tempfile
import time
from decimal import Decimal
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
sys.path.insert(0, str(ROOT))

PASSWORD = "bench-password-2026"


def seed(url: str, instance: str, count: int) -> None:
    from app import create_app

    app = create_app(SQLALCHEMY_DATABASE_URI=url, INSTANCE_PATH=instance, SECRET_KEY="bench", DEMO_PASSWORD=PASSWORD)
    with app.app_context():
        from app.bootstrap import first_start
        from app.cashdesk.services import arrears_total
        from app.collection import arrears
        from app.core import clock
        from app.core.audit import acting_as
        from app.estate.models import Estate, Unit
        from app.extensions import db
        from app.fees.models import Charge, FeeItem

        t = time.perf_counter()
        first_start(seed_demo=True, demo_password=PASSWORD)
        print(f"demo database seeded in {time.perf_counter() - t:.1f} s")
        estate = db.session.query(Estate).order_by(Estate.id).first()
        today = clock.today()
        owing = {r.unit_id for r in arrears.arrears_report([estate.id], today).rows}
        need = max(0, count - len(owing))
        item = db.session.query(FeeItem).filter_by(estate_id=estate.id, code="property").one()
        due = today - dt.timedelta(days=40)
        with acting_as(name="bench"):
            for unit in db.session.query(Unit).filter(Unit.estate_id == estate.id).order_by(Unit.sort_key):
                if need == 0:
                    break
                if unit.id in owing or arrears_total(unit.id, today) > 0:
                    continue
                db.session.add(Charge(unit_id=unit.id, estate_id=estate.id, fee_item_id=item.id, period="2019-01",
                                      period_start=dt.date(2019, 1, 1), period_end=dt.date(2019, 1, 31),
                                      due_date=due, amount=Decimal("123.45"), paid=Decimal("0.00"),
                                      source="manual", description="基准测试", created_at=dt.datetime.now()))
                need -= 1
            db.session.commit()
        rows = arrears.arrears_report([estate.id], today).rows
        print(f"units in arrears: {len(rows)}")


def run_command(url: str, instance: str, out: Path, workers: int, limit_days: str | None = None) -> tuple[float, float, str]:
    """(wall seconds, peak RSS MiB, output) of the command in a child process."""
    env = {**os.environ, "SQLALCHEMY_DATABASE_URI": url, "DATABASE_URL": url, "INSTANCE_PATH": instance,
           "SECRET_KEY": "bench", "PYTHONPATH": str(ROOT)}
    cmd = [sys.executable, "-m", "flask", "--app", "run.py", "reminders", "print", "--out", str(out),
           "--workers", str(workers), "--new-round"]
    before = resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss
    t = time.perf_counter()
    proc = subprocess.run(cmd, cwd=ROOT, env=env, capture_output=True, text=True)
    wall = time.perf_counter() - t
    peak = resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss
    if proc.returncode != 0:
        print(proc.stdout, proc.stderr, file=sys.stderr)
        raise SystemExit(f"command failed ({proc.returncode})")
    # ru_maxrss of children is the largest single child: the command or one of its workers
    return wall, max(peak, before) / 1024, proc.stdout.strip().splitlines()[-1]


def weasyprint_alone(url: str, instance: str, count: int) -> tuple[float, float, int]:
    """The letters just printed, as one HTML document rendered by WeasyPrint once."""
    from app import create_app

    app = create_app(SQLALCHEMY_DATABASE_URI=url, INSTANCE_PATH=instance, SECRET_KEY="bench")
    with app.app_context():
        from weasyprint import HTML

        from app.collection.models import PaymentReminder
        from app.extensions import db
        from reports.reminder import TEMPLATE, doc_of
        from reports.rendering import STATIC_URL, _weasy, render_html

        reminders = db.session.query(PaymentReminder).order_by(PaymentReminder.id.desc()).limit(count).all()
        htmls = [render_html(TEMPLATE, {"doc": doc_of(r)}, doc_of(r).lang) for r in reversed(reminders)]
        style = re.search(r"<style>.*?</style>", htmls[0], re.S).group(0)
        bodies = [re.search(r"<body[^>]*>(.*)</body>", h, re.S).group(1) for h in htmls]
        one = ('<!DOCTYPE html><html lang="zh-CN"><head><meta charset="utf-8">' + style
               + "<style>section.letter { break-after: page; }</style></head><body>"
               + "".join(f'<section class="letter">{b}</section>' for b in bodies) + "</body></html>")
        with _weasy() as (font_config, css, fetcher):  # warm: fonts decoded before timing
            HTML(string="<p>热身</p>", base_url=STATIC_URL, url_fetcher=fetcher).render(
                font_config=font_config, stylesheets=[css]).write_pdf()
            t = time.perf_counter()
            pdf = HTML(string=one, base_url=STATIC_URL, url_fetcher=fetcher).render(
                font_config=font_config, stylesheets=[css]).write_pdf()
            wall = time.perf_counter() - t
            # the same with the garbage-collector settings the command lays out with
            from reports.rendering import _layout_gc

            with _layout_gc():
                t = time.perf_counter()
                HTML(string=one, base_url=STATIC_URL, url_fetcher=fetcher).render(
                    font_config=font_config, stylesheets=[css]).write_pdf()
                wall_gc = time.perf_counter() - t
        from pypdf import PdfReader
        import io

        return wall, wall_gc, len(PdfReader(io.BytesIO(pdf)).pages)


def main(argv=None) -> int:
    parser = argparse.ArgumentParser()
    parser.add_argument("--count", type=int, default=500)
    parser.add_argument("--workers", type=int, default=2)
    args = parser.parse_args(argv)
    folder = Path(tempfile.mkdtemp(prefix="bench-reminders-"))
    url = f"sqlite:///{folder / 'bench.db'}"
    print(f"{os.cpu_count()} cores, Python {sys.version.split()[0]}, load {os.getloadavg()[0]:.1f}; {folder}")
    seed(url, str(folder), args.count)
    a1, mem1, out1 = run_command(url, str(folder), folder / "single.pdf", 1)
    print(f"(a1) command, 1 process : {a1:6.1f} s  peak {mem1:5.0f} MiB  — {out1}")
    a2, mem2, out2 = run_command(url, str(folder), folder / "parallel.pdf", args.workers)
    print(f"(a2) command, {args.workers} processes: {a2:6.1f} s  peak {mem2:5.0f} MiB  — {out2}")
    b, b_gc, pages = weasyprint_alone(url, str(folder), args.count)
    print(f"(b)  WeasyPrint alone, one document of {pages} pages: {b:6.1f} s ({1000 * b / pages:.0f} ms a page); "
          f"with the command's GC settings {b_gc:6.1f} s")
    print(f"a1 / b = {a1 / b:.2f} (goal ≤ 1.1; against b with the same GC settings {a1 / b_gc:.2f});  "
          f"a2 / a1 = {a2 / a1:.2f} (goal ≤ 0.6);  peak memory {max(mem1, mem2):.0f} MiB (goal < 1024)")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
