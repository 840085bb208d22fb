"""Logged-out sessions live in the limiter's storage (Redis): its health is asked through the
storage's public ``check()``, at most every StorageHealth.RECHECK_SECONDS, so that a dead Redis
costs no request a connection attempt, and a Redis that answers again is used again at once."""
from __future__ import annotations

import shutil
import socket
import subprocess
import time

import pytest

from app.security.sessions import StorageHealth
from tests.conftest import TEST_SECRET_KEY
from tests.security.conftest import Browser, is_login_redirect

PAGE = "/ownermodelview/list/"


class FakeStorage:
    def __init__(self, answers=True):
        self.answers = answers
        self.checks = 0

    def check(self):
        self.checks += 1
        if self.answers is None:
            raise ConnectionError("no route to host")
        return self.answers


def test_health_is_asked_once_per_interval_and_a_failure_counts_as_down():
    now = [1000.0]
    health = StorageHealth(clock=lambda: now[0])
    storage = FakeStorage(answers=False)
    assert not health.usable(storage) and not health.usable(storage)
    assert storage.checks == 1  # the second request did not ask again
    now[0] += StorageHealth.RECHECK_SECONDS
    storage.answers = True
    assert health.usable(storage) and storage.checks == 2  # back after the interval
    health.failed()  # a read or write failed in between
    assert not health.usable(storage) and storage.checks == 2
    now[0] += StorageHealth.RECHECK_SECONDS
    storage.answers = None  # cannot even be asked
    assert not health.usable(storage) and storage.checks == 3


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def _start_redis(port: int, folder):
    server = shutil.which("redis-server")
    if server is None:
        pytest.skip("redis-server is not installed")
    proc = subprocess.Popen([server, "--port", str(port), "--bind", "127.0.0.1", "--save", "", "--appendonly", "no",
                             "--dir", str(folder)], stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    deadline = time.monotonic() + 20
    while time.monotonic() < deadline:
        try:
            socket.create_connection(("127.0.0.1", port), timeout=0.5).close()
            return proc
        except OSError:
            time.sleep(0.1)
    proc.terminate()
    pytest.fail("redis-server did not start")


def _other_app(app, tmp_path, storage_uri):
    from app import create_app

    return create_app(SQLALCHEMY_DATABASE_URI=app.config["SQLALCHEMY_DATABASE_URI"], INSTANCE_PATH=str(tmp_path),
                      SECRET_KEY=TEST_SECRET_KEY, RATELIMIT_STORAGE_URI=storage_uri)


def _cookies(browser):
    return [(c.key, c.value, c.domain) for c in browser.client._cookies.values()]


def _replay(app, jar):
    thief = app.test_client()
    for key, value, domain in jar:
        thief.set_cookie(key, value, domain=domain)
    return thief.get(PAGE)


def test_a_dead_redis_is_asked_once_not_on_every_request(app, tmp_path, monkeypatch):
    import sys

    other = _other_app(app, tmp_path, "redis://127.0.0.1:1/0")
    storage = other.extensions["login_limiter"].storage
    b = Browser(other, "clerk")
    asked = []

    def check():  # count the session code's questions (Flask-Limiter asks too, with its own backoff)
        if sys._getframe(1).f_globals.get("__name__") == "app.security.sessions":
            asked.append(1)
        return False

    monkeypatch.setattr(storage, "check", check)
    for _ in range(5):
        assert b.get(PAGE).status_code == 200  # pages work without Redis
    assert len(asked) == 1


def test_once_redis_answers_again_a_logout_is_shared_again(app, tmp_path, monkeypatch):
    """The worker started while Redis was down (logins counted in memory meanwhile). Redis comes
    back: the next logout goes on the shared list again, without waiting for a login attempt, and
    a copy of the old cookie is logged out."""
    port = _free_port()
    other = _other_app(app, tmp_path, f"redis://127.0.0.1:{port}/0")
    b = Browser(other, "clerk")  # Redis down: the login works (in memory)
    assert b.get(PAGE).status_code == 200
    proc = _start_redis(port, tmp_path)
    try:
        monkeypatch.setattr(StorageHealth, "RECHECK_SECONDS", 0)  # as if the interval had passed
        assert b.get(PAGE).status_code == 200
        jar = _cookies(b)
        b.post_form("/logout/")
        assert is_login_redirect(b.get(PAGE))
        assert is_login_redirect(_replay(other, jar))
    finally:
        proc.terminate()
        proc.wait(timeout=10)
