"""Load on the production start: gunicorn workers, 10 staff browsing the list pages at once.

    python tests/benchmarks/bench_load.py [--seconds 30] [--users 10] [--workers 3] [--threads 1]

Builds the demo estate in a temp folder (`flask --app run.py init`, as a deploy does), starts
gunicorn on 127.0.0.1 with app/ops/gunicorn_conf.py, logs in ``--users`` demo staff (clerk,
supervisor, manager, accountant, admin, then the same again: each a session of its own) and
lets each fetch the list pages round-robin (owners, units, charges, receipts, arrears, change
log) for ``--seconds``; a page the user's role may not see is dropped for that user. Prints,
per page, the requests, p50 and p95 in ms, and the SQL statements one request runs at page
size 10 and 100 (counted in-process with an engine event, as tests/core/test_sql_counts.py does,
for the Manager, who may read every one of these pages). No assertions: figures for the README.
Traffic goes to loopback only, bounded by ``--seconds``; gunicorn is stopped at the end.
"""
from __future__ import annotations

import argparse
import os
import re
import shutil
import signal
import socket
import statistics
import subprocess
import sys
import tempfile
import threading
import time
from collections import defaultdict
from pathlib import Path

from bench_common import ROOT, machine, quiet

PASSWORD = "bench-password-2026"
USERS = ["clerk", "supervisor", "manager", "accountant", "admin"]
PAGES = [  # label, URL, FAB list view (for the page-size argument) or None
    ("owners", "/ownermodelview/list/", "OwnerModelView"),
    ("units", "/unitmodelview/list/", "UnitModelView"),
    ("charges", "/chargemodelview/list/", "ChargeModelView"),
    ("receipts", "/receiptmodelview/list/", "ReceiptModelView"),
    ("arrears", "/arrears/", None),
    ("change log", "/auditlogmodelview/list/", "AuditLogModelView"),
]


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def env_for(folder: Path, **extra) -> dict:
    env = {k: v for k, v in os.environ.items() if k not in ("DATABASE_URL", "SECRET_KEY")}
    env.update(DATABASE_URL=f"sqlite:///{folder / 'estate.db'}", INSTANCE_PATH=str(folder), DEMO_PASSWORD=PASSWORD,
               PYTHONPATH=str(ROOT), **extra)
    return env


def login(base: str, username: str):
    import requests

    s = requests.Session()
    html = s.get(base + "/login/", timeout=60).text
    token = re.search(r'name="csrf_token" type="hidden" value="([^"]+)"', html).group(1)
    resp = s.post(base + "/login/", data={"username": username, "password": PASSWORD, "csrf_token": token},
                  timeout=60, allow_redirects=False)
    if resp.status_code != 302:
        raise SystemExit(f"login of {username} failed: {resp.status_code}")
    return s


def browse(base, username, k, until, times, refused, errors):
    try:
        s = login(base, username)
    except Exception as exc:  # noqa: BLE001 - reported
        errors.append(f"{username}: {exc}")
        return
    pages = list(PAGES)
    i = k
    while time.monotonic() < until and pages:
        label, url, _view = pages[i % len(pages)]
        i += 1
        t = time.perf_counter()
        try:
            resp = s.get(base + url, timeout=120, allow_redirects=False)
        except Exception as exc:  # noqa: BLE001
            errors.append(f"{username} {url}: {exc}")
            continue
        ms = (time.perf_counter() - t) * 1000
        if resp.status_code == 200:
            times[label].append(ms)
        elif resp.status_code in (302, 403):  # not this role's page
            refused[label].add(username)
            pages = [p for p in pages if p[0] != label]
        else:
            errors.append(f"{username} {url}: HTTP {resp.status_code}")


def pct(values, q) -> float:
    if len(values) == 1:
        return values[0]
    return statistics.quantiles(values, n=100, method="inclusive")[q - 1]


def sql_counts(folder: Path) -> dict:
    """{label: (statements at page size 10, at 100)} for the Manager, in-process."""
    quiet()
    sys.path.insert(0, str(ROOT))
    from sqlalchemy import event

    from app.extensions import db
    from tests.concurrency.posting import make_app

    app = make_app(f"sqlite:///{folder / 'estate.db'}", str(folder))
    client = app.test_client()
    html = client.get("/login/").get_data(as_text=True)
    token = re.search(r'name="csrf_token" type="hidden" value="([^"]+)"', html).group(1)
    client.post("/login/", data={"username": "manager", "password": PASSWORD, "csrf_token": token})
    with app.app_context():
        engine = db.engine
    seen = []

    def count(conn, cursor, statement, *args):
        if not statement.startswith(("BEGIN", "COMMIT", "ROLLBACK")):
            seen.append(statement)

    out = {}
    event.listen(engine, "before_cursor_execute", count)
    try:
        for label, url, view in PAGES:
            got = []
            for size in (10, 100):
                page = f"{url}?psize_{view}={size}" if view else url
                client.get(page)  # warm-up
                seen.clear()
                status = client.get(page).status_code
                got.append(len(seen) if status == 200 else f"HTTP {status}")
            out[label] = tuple(got)
    finally:
        event.remove(engine, "before_cursor_execute", count)
    return out


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--seconds", type=float, default=30.0)
    ap.add_argument("--users", type=int, default=10)
    ap.add_argument("--workers", type=int, default=3)
    ap.add_argument("--threads", type=int, default=1, help="gunicorn threads per worker (gthread when > 1)")
    ap.add_argument("--keep", action="store_true", help="keep the temp folder (database, gunicorn logs)")
    args = ap.parse_args()
    import requests

    folder = Path(tempfile.mkdtemp(prefix="estate-bench-load-"))
    proc = None
    try:
        t = time.perf_counter()
        init = subprocess.run([sys.executable, "-m", "flask", "--app", "run.py", "init"], cwd=ROOT,
                              env=env_for(folder), capture_output=True, text=True, check=False)
        if init.returncode != 0:
            raise SystemExit(f"init failed:\n{init.stdout[-2000:]}\n{init.stderr[-3000:]}")
        print(f"demo estate ready in {time.perf_counter() - t:.1f} s ({folder})")
        port = free_port()
        base = f"http://127.0.0.1:{port}"
        proc = subprocess.Popen(
            [sys.executable, "-m", "gunicorn", "-c", "app/ops/gunicorn_conf.py", "run:app"], cwd=ROOT,
            env=env_for(folder, BIND=f"127.0.0.1:{port}", WEB_CONCURRENCY=str(args.workers),
                        GUNICORN_THREADS=str(args.threads), ACCESS_LOG=str(folder / "access.log"),
                        ERROR_LOG=str(folder / "error.log")),
            stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
        deadline = time.monotonic() + 180
        while True:
            if proc.poll() is not None:
                raise SystemExit("gunicorn exited:\n" + (folder / "error.log").read_text()[-3000:])
            try:
                if requests.get(base + "/login/", timeout=30).status_code == 200:
                    break
            except (requests.ConnectionError, requests.Timeout):
                pass
            if time.monotonic() > deadline:
                raise SystemExit("gunicorn did not answer within 180 s")
            time.sleep(0.5)
        # every worker answers once before the clock starts (first requests of a process are slow)
        for _ in range(args.workers * 3):
            requests.get(base + "/login/", timeout=60)
        times, refused, errors = defaultdict(list), defaultdict(set), []
        users = [USERS[i % len(USERS)] for i in range(args.users)]
        until = time.monotonic() + args.seconds
        threads = [threading.Thread(target=browse, args=(base, u, k, until, times, refused, errors))
                   for k, u in enumerate(users)]
        started = time.perf_counter()
        for th in threads:
            th.start()
        for th in threads:
            th.join(timeout=args.seconds + 300)
        wall = time.perf_counter() - started
        proc.send_signal(signal.SIGTERM)
        proc.wait(timeout=60)
        proc = None
        counts = sql_counts(folder)

        total = sum(len(v) for v in times.values())
        print(f"\n{args.users} users, gunicorn {args.workers} workers x {args.threads} thread(s), "
              f"{args.seconds:.0f} s on the demo estate; {machine()}, load {os.getloadavg()[0]:.1f}")
        print(f"{'page':<12} {'requests':>8} {'p50 ms':>8} {'p95 ms':>8} {'SQL @10':>8} {'SQL @100':>9}  not for")
        for label, _url, _view in PAGES:
            v = sorted(times.get(label, []))
            c10, c100 = counts.get(label, ("-", "-"))
            p50 = f"{pct(v, 50):.0f}" if v else "-"
            p95 = f"{pct(v, 95):.0f}" if v else "-"
            print(f"{label:<12} {len(v):>8} {p50:>8} {p95:>8} {c10!s:>8} {c100!s:>9}  "
                  f"{', '.join(sorted(refused.get(label, ()))) or ''}")
        print(f"{'all':<12} {total:>8}   {total / wall:.1f} requests/s")
        if errors:
            print(f"{len(errors)} errors, e.g. {errors[:3]}")
    finally:
        if proc is not None:
            proc.send_signal(signal.SIGTERM)
            try:
                proc.wait(timeout=60)
            except subprocess.TimeoutExpired:
                proc.kill()
        if args.keep:
            print(f"kept {folder}")
        else:
            shutil.rmtree(folder, ignore_errors=True)


if __name__ == "__main__":
    main()
