"""The production start: `flask --app run.py init` once, then gunicorn with 3 workers
(app/ops/gunicorn_conf.py, `run:app`) on a fresh SQLite database. A user logged in through one
worker is served by every worker (the session is a signed cookie, the key shared through the
instance folder), and the web workers never write permissions.
"""
from __future__ import annotations

import os
import re
import signal
import socket
import subprocess
import sys
import threading
import time
from pathlib import Path

import pytest

from tests.concurrency.posting import is_postgres

pytest.importorskip("gunicorn")
requests = pytest.importorskip("requests")

ROOT = Path(__file__).resolve().parents[2]
PASSWORD = "demo-password-2026"
WORKERS = 3
PAGE = "/ownermodelview/list/"
USER = "ops_clerk"

if is_postgres(os.environ.get("DATABASE_URL")):
    pytest.skip("runs on its own SQLite file; the SQLite pass covers it", allow_module_level=True)


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def _env(instance: Path, **extra) -> dict:
    env = {k: v for k, v in os.environ.items() if k not in ("DATABASE_URL", "SECRET_KEY", "FAB_UPDATE_PERMS")}
    env.update(DATABASE_URL=f"sqlite:///{instance / 'estate.db'}", INSTANCE_PATH=str(instance),
               DEMO_PASSWORD=PASSWORD, PYTHONPATH=str(ROOT), **extra)
    return env


def _flask(env, *args, timeout=600):
    return subprocess.run([sys.executable, "-m", "flask", "--app", "run.py", *args], cwd=ROOT, env=env,
                          capture_output=True, text=True, timeout=timeout, check=False)


def _permission_rows(db_file: Path) -> tuple[int, int]:
    import sqlite3

    with sqlite3.connect(db_file) as conn:
        return (conn.execute("SELECT count(*) FROM ab_permission_view").fetchone()[0],
                conn.execute("SELECT count(*) FROM ab_permission_view_role").fetchone()[0])


def _add_user(instance: Path) -> None:
    """One Clerk, as an administrator would add on the Users page."""
    from tests.concurrency.posting import make_app

    app = make_app(f"sqlite:///{instance / 'estate.db'}", str(instance))
    with app.app_context():
        from app.extensions import db

        sm = app.appbuilder.sm
        assert sm.add_user(USER, "运维", "测试", "ops@demo.invalid", sm.find_role("Clerk"), password=PASSWORD)
        db.session.remove()
        db.engine.dispose()


@pytest.fixture(scope="module")
def deployed(tmp_path_factory):
    """`init` twice (the second changes nothing), then gunicorn; yields (base_url, access log)."""
    instance = tmp_path_factory.mktemp("gunicorn")
    env = _env(instance)
    first = _flask(env, "init", "--no-demo")
    assert first.returncode == 0, first.stdout + first.stderr
    _add_user(instance)
    perms = _permission_rows(instance / "estate.db")
    second = _flask(env, "init")
    assert second.returncode == 0, second.stdout + second.stderr
    assert "Demo users" not in second.stdout, "init seeds nothing on a database that has users"
    assert _permission_rows(instance / "estate.db") == perms, "a second init writes no new permissions"

    port = _free_port()
    access_log, error_log = instance / "access.log", instance / "error.log"
    proc = subprocess.Popen(
        [sys.executable, "-m", "gunicorn", "-c", "app/ops/gunicorn_conf.py", "run:app"], cwd=ROOT,
        env=_env(instance, BIND=f"127.0.0.1:{port}", WEB_CONCURRENCY=str(WORKERS), ACCESS_LOG=str(access_log),
                 ERROR_LOG=str(error_log)),
        stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    base = f"http://127.0.0.1:{port}"
    try:
        deadline = time.monotonic() + 180
        while True:
            assert proc.poll() is None, error_log.read_text() if error_log.exists() else "gunicorn exited"
            try:
                if requests.get(base + "/login/", timeout=30).status_code == 200:
                    break
            except (requests.ConnectionError, requests.Timeout):
                pass
            assert time.monotonic() < deadline, "gunicorn did not answer within 180 s"
            time.sleep(0.5)
        yield base, access_log, error_log, instance, perms
    finally:
        proc.send_signal(signal.SIGTERM)
        try:
            proc.wait(timeout=60)
        except subprocess.TimeoutExpired:
            proc.kill()
            proc.wait(timeout=30)


def _login(base: str, username: str) -> requests.Session:
    s = requests.Session()
    html = s.get(base + "/login/", timeout=30).text
    token = re.search(r'name="csrf_token" type="hidden" value="([^"]+)"', html).group(1)
    resp = s.post(base + "/login/", data={"username": username, "password": PASSWORD, "csrf_token": token},
                  timeout=30, allow_redirects=False)
    assert resp.status_code == 302 and "/login" not in resp.headers.get("Location", ""), resp.text[:500]
    return s


def _pids_serving(access_log: Path, path: str) -> set[str]:
    pids = set()
    for line in access_log.read_text(encoding="utf-8", errors="replace").splitlines():
        parts = line.split()
        if len(parts) > 4 and f"GET {path}" in line and parts[parts.index('HTTP/1.1"') + 1] == "200":
            pids.add(parts[1].strip("<>"))
    return pids


def test_one_login_is_served_by_every_worker(deployed):
    base, access_log, error_log, _instance, _perms = deployed
    session = _login(base, USER)
    failures, stop = [], threading.Event()

    def browse():
        s = requests.Session()
        s.cookies.update(session.cookies)  # the same signed session cookie, whichever worker answers
        while not stop.is_set():
            resp = s.get(base + PAGE, timeout=60, allow_redirects=False)
            if resp.status_code != 200 or "运维" not in resp.text:  # the user's name in the top bar
                failures.append((resp.status_code, resp.headers.get("Location")))
                return

    threads = [threading.Thread(target=browse) for _ in range(2 * WORKERS)]
    for t in threads:
        t.start()
    deadline = time.monotonic() + 120
    try:
        while len(_pids_serving(access_log, PAGE)) < WORKERS and time.monotonic() < deadline and not failures:
            time.sleep(0.5)
    finally:
        stop.set()
        for t in threads:
            t.join(timeout=120)
    assert not failures, failures[:3]
    booted = set(re.findall(r"Booting worker with pid: (\d+)", error_log.read_text()))
    assert len(booted) == WORKERS, booted
    assert _pids_serving(access_log, PAGE) == booted, "every worker served the logged-in page"


def test_web_workers_wrote_no_permissions(deployed):
    _base, _log, _err, instance, perms = deployed
    assert _permission_rows(instance / "estate.db") == perms


def test_create_app_never_writes_permissions(tmp_path):
    """A web worker's create_app on a migrated database without `init`: no permission, no role."""
    import sqlite3

    from flask_migrate import upgrade

    from app import MIGRATIONS_DIR
    from tests.concurrency.posting import make_app

    url = f"sqlite:///{tmp_path / 'bare.db'}"
    first = make_app(url, str(tmp_path))  # on a database without tables: must not touch it
    with first.app_context():
        upgrade(directory=MIGRATIONS_DIR, revision="heads")
    second = make_app(url, str(tmp_path))
    assert second.config["FAB_UPDATE_PERMS"] is False
    with sqlite3.connect(tmp_path / "bare.db") as conn:
        assert conn.execute("SELECT count(*) FROM ab_permission_view").fetchone()[0] == 0
        assert conn.execute("SELECT count(*) FROM ab_role").fetchone()[0] == 0


def test_behind_a_load_balancer_the_client_address_is_the_forwarded_one(tmp_path):
    """PROXY_HOPS=1: the rate limit and the security log see the office PC, not the balancer."""
    from flask import request

    from app import create_app

    seen = {}
    for hops in (0, 1):
        app = create_app(SQLALCHEMY_DATABASE_URI=f"sqlite:///{tmp_path / 'proxy.db'}", INSTANCE_PATH=str(tmp_path),
                         TESTING=True, SECRET_KEY="proxy-test", SEED_DEMO=False, PROXY_HOPS=hops)

        @app.route("/_whoami")
        def whoami():
            return f"{request.remote_addr} {request.scheme}"

        resp = app.test_client().get("/_whoami", environ_base={"REMOTE_ADDR": "10.0.0.2"},
                                     headers={"X-Forwarded-For": "192.0.2.7", "X-Forwarded-Proto": "https"})
        seen[hops] = resp.get_data(as_text=True)
    assert seen == {0: "10.0.0.2 http", 1: "192.0.2.7 https"}
