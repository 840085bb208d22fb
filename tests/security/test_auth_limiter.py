"""Login rate limit (app/security/limiter.py): the 11th failed login from one address within a
minute gets 429, on the form and on the JSON login alike; successes do not count; the window
passes; an unknown user and a wrong password look (and cost) the same."""
from __future__ import annotations

import re
import time

import pytest

from tests.conftest import PASSWORD, TEST_SECRET_KEY, csrf_token, logout

pytestmark = pytest.mark.usefixtures("login_limit")

API = "/api/v1/security/login"


def _form_login(client, username, password):
    return client.post("/login/", data={"username": username, "password": password,
                                        "csrf_token": csrf_token(client, "/login/")})


def _api_login(client, username, password):
    return client.post(API, json={"username": username, "password": password, "provider": "db"})


def _flashed(client) -> str:
    html = client.get("/login/?lang=en").get_data(as_text=True)
    m = re.search(r'class="alert[^"]*"[^>]*>(.*?)</div>', html, re.S)
    return re.sub(r"<[^>]+>|&times;|\s+", " ", m.group(1)).strip() if m else ""


def test_the_eleventh_failed_form_login_gets_429(app):
    client = app.test_client()
    for i in range(10):
        resp = _form_login(client, "clerk", "wrong-password-123")
        assert resp.status_code == 302 and "/login/" in resp.headers["Location"], i
    resp = _form_login(client, "clerk", "wrong-password-123")
    assert resp.status_code == 429
    assert resp.headers["Retry-After"] == "60"
    assert resp.mimetype == "text/html"
    # even the right password waits now: the address is blocked, not the attempt
    assert _form_login(client, "clerk", PASSWORD).status_code == 429
    # the JSON login shares the counter
    assert _api_login(app.test_client(), "clerk", PASSWORD).status_code == 429
    # the login page itself still opens
    assert client.get("/login/").status_code == 200


def test_the_eleventh_failed_api_login_gets_429_with_a_json_message(app):
    client = app.test_client()
    for i in range(10):
        assert _api_login(client, "nobody-here", "wrong-password-123").status_code == 401, i
    resp = _api_login(client, "nobody-here", "wrong-password-123")
    assert resp.status_code == 429 and resp.is_json and resp.get_json()["message"]
    en = client.post(API + "?lang=en", json={"username": "x", "password": "y", "provider": "db"})
    assert en.status_code == 429 and "wait a minute" in en.get_json()["message"]
    # the form is blocked as well
    assert _form_login(app.test_client(), "clerk", PASSWORD).status_code == 429


def test_the_429_page_is_in_chinese_by_default_and_english_on_request(app):
    from tests.security.test_auth_sessions import translated

    client = app.test_client()
    for _ in range(10):
        _api_login(client, "clerk", "wrong-password-123")
    zh = _form_login(client, "clerk", "wrong-password-123").get_data(as_text=True)
    assert translated(app, "Too many failed logins") in zh  # from the zh catalog once merged
    en = client.post("/login/?lang=en", data={"username": "clerk", "password": "x"})
    assert en.status_code == 429 and "Please wait a minute" in en.get_data(as_text=True)


def test_successful_logins_do_not_count(app):
    client = app.test_client()
    for _ in range(9):
        _form_login(client, "clerk", "wrong-password-123")
    for _ in range(12):  # many good logins in the same minute
        c = app.test_client()
        resp = _form_login(c, "clerk", PASSWORD)
        assert resp.status_code == 302 and "/login/" not in resp.headers["Location"]
        assert _api_login(c, "clerk", PASSWORD).status_code == 200
    # the tenth failure is still allowed, the eleventh attempt is not
    assert _form_login(client, "clerk", "wrong-password-123").status_code == 302
    assert _form_login(client, "clerk", "wrong-password-123").status_code == 429


def test_forms_refused_for_a_missing_csrf_token_do_not_count(app):
    client = app.test_client()
    for _ in range(15):
        client.post("/login/", data={"username": "clerk", "password": "wrong-password-123"})
    assert _form_login(client, "clerk", PASSWORD).status_code == 302


def test_the_window_passes(app):
    app.config["LOGIN_RATE_LIMIT"] = "2 per 2 seconds"
    try:
        client = app.test_client()
        _api_login(client, "clerk", "wrong-password-123")
        _api_login(client, "clerk", "wrong-password-123")
        assert _api_login(client, "clerk", PASSWORD).status_code == 429
        time.sleep(2.2)
        assert _api_login(client, "clerk", PASSWORD).status_code == 200
    finally:
        app.config["LOGIN_RATE_LIMIT"] = "10 per minute"


def test_the_limiter_reset_lets_the_address_in_again(app, login_limit):
    client = app.test_client()
    for _ in range(11):
        _api_login(client, "clerk", "wrong-password-123")
    assert _api_login(client, "clerk", PASSWORD).status_code == 429
    login_limit.reset()
    assert _api_login(client, "clerk", PASSWORD).status_code == 200


def test_other_addresses_are_not_blocked(app):
    client = app.test_client()
    for _ in range(11):
        client.post(API, json={"username": "clerk", "password": "x", "provider": "db"},
                    environ_base={"REMOTE_ADDR": "10.0.0.7"})
    blocked = client.post(API, json={"username": "clerk", "password": PASSWORD, "provider": "db"},
                          environ_base={"REMOTE_ADDR": "10.0.0.7"})
    assert blocked.status_code == 429
    assert _api_login(app.test_client(), "clerk", PASSWORD).status_code == 200


# --- unknown user and wrong password look the same ----------------------------------------------
def test_unknown_user_and_wrong_password_get_the_same_message(app):
    a, b = app.test_client(), app.test_client()
    _form_login(a, "no-such-user-xyz", "wrong-password-123")
    _form_login(b, "clerk", "wrong-password-123")
    first, second = _flashed(a), _flashed(b)
    assert first and first == second
    api_a = _api_login(app.test_client(), "no-such-user-xyz", "wrong-password-123")
    api_b = _api_login(app.test_client(), "clerk", "wrong-password-123")
    assert api_a.status_code == api_b.status_code == 401
    assert api_a.get_json() == api_b.get_json()


def test_unknown_user_and_wrong_password_cost_one_password_hash_each(app, monkeypatch):
    """The time of a failed login is the password hash (scrypt, tens of ms): FAB checks a dummy
    hash for an unknown user, so both failures hash exactly once, as a success does."""
    import flask_appbuilder.security.manager as fab_manager

    calls = []
    real = fab_manager.check_password_hash

    def counting(pwhash, password):
        calls.append(pwhash.split("$")[0])
        return real(pwhash, password)

    monkeypatch.setattr(fab_manager, "check_password_hash", counting)
    with app.test_request_context("/login/", method="POST"):
        sm = app.appbuilder.sm
        for username, password in (("no-such-user-xyz", "wrong-password-123"), ("clerk", "wrong-password-123"),
                                   ("clerk", PASSWORD)):
            calls.clear()
            sm.auth_user_db(username, password)
            assert len(calls) == 1, (username, calls)
            assert calls[0].startswith("scrypt"), calls  # the same (slow) method both ways


# --- where the counters live ------------------------------------------------------------------
def test_counters_go_to_redis_when_redis_url_is_set(monkeypatch):
    import importlib

    import config

    monkeypatch.setenv("REDIS_URL", "redis://127.0.0.1:6399/3")
    try:
        assert importlib.reload(config).RATELIMIT_STORAGE_URI == "redis://127.0.0.1:6399/3"
    finally:
        monkeypatch.delenv("REDIS_URL")
        importlib.reload(config)
    assert config.RATELIMIT_STORAGE_URI == "memory://"


def test_redis_down_falls_back_to_memory_and_still_limits(app, tmp_path):
    """A second app on the same database whose Redis does not answer: logins still work and the
    limit still holds (in memory) instead of every login failing with a 500."""
    from limits.storage import RedisStorage

    from app import create_app

    other = create_app(SQLALCHEMY_DATABASE_URI=app.config["SQLALCHEMY_DATABASE_URI"], INSTANCE_PATH=str(tmp_path),
                       SECRET_KEY=TEST_SECRET_KEY, RATELIMIT_STORAGE_URI="redis://127.0.0.1:1/0")
    limiter = other.extensions["login_limiter"]
    assert isinstance(limiter.storage, RedisStorage)
    client = other.test_client()
    assert _api_login(client, "clerk", PASSWORD).status_code == 200
    browser = other.test_client()  # a form login and a logout work too
    assert _form_login(browser, "clerk", PASSWORD).status_code == 302
    assert browser.get("/ownermodelview/list/").status_code == 200
    assert logout(browser).status_code == 302
    assert browser.get("/ownermodelview/list/").status_code == 302
    for _ in range(10):
        assert _api_login(client, "clerk", "wrong-password-123").status_code == 401
    assert _api_login(client, "clerk", PASSWORD).status_code == 429


@pytest.fixture()
def redis_url(tmp_path):
    """A throwaway redis-server on a free loopback port (Debian's redis-server, installed by
    .ci/install.sh --tests); skipped without it outside CI."""
    import os
    import shutil
    import socket
    import subprocess
    import time

    server = shutil.which("redis-server")
    if server is None:
        if os.environ.get("CI", "").lower() in ("1", "true", "yes"):
            pytest.fail("redis-server must be installed in CI (.ci/install.sh --tests)")
        pytest.skip("redis-server is not installed")
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        port = s.getsockname()[1]
    proc = subprocess.Popen([server, "--port", str(port), "--bind", "127.0.0.1", "--save", "", "--appendonly", "no",
                             "--dir", str(tmp_path)], stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    try:
        deadline = time.monotonic() + 20
        while time.monotonic() < deadline:
            try:
                socket.create_connection(("127.0.0.1", port), timeout=0.5).close()
                break
            except OSError:
                time.sleep(0.1)
        yield f"redis://127.0.0.1:{port}/0"
    finally:
        proc.terminate()
        proc.wait(timeout=10)


def test_two_workers_share_the_count_in_redis(app, tmp_path, redis_url):
    """Two app processes' worth (two apps, as two gunicorn workers) on one real Redis: six
    failures on one and four on the other make ten, and the eleventh is refused on either."""
    from limits.storage import RedisStorage

    from app import create_app

    workers = [create_app(SQLALCHEMY_DATABASE_URI=app.config["SQLALCHEMY_DATABASE_URI"],
                          INSTANCE_PATH=str(tmp_path / f"w{i}"), SECRET_KEY=TEST_SECRET_KEY,
                          RATELIMIT_STORAGE_URI=redis_url)
               for i in range(2)]
    assert all(isinstance(w.extensions["login_limiter"].storage, RedisStorage) for w in workers)
    first, second = (w.test_client() for w in workers)
    for _ in range(6):
        assert _api_login(first, "clerk", "wrong-password-123").status_code == 401
    for _ in range(4):
        assert _api_login(second, "clerk", "wrong-password-123").status_code == 401
    assert _api_login(first, "clerk", PASSWORD).status_code == 429
    assert _form_login(second, "clerk", "wrong-password-123").status_code == 429
