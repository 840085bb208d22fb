"""Sessions (app/security/sessions.py, config.py): cookie flags, idle timeout, logout, a user
set inactive is out at the next request."""
from __future__ import annotations

import uuid

import pytest

from app.security.sessions import LAST_SEEN
from tests.conftest import PASSWORD
from tests.security.conftest import Browser, is_login_redirect

PAGE = "/ownermodelview/list/"
IDLE_MESSAGE = "You were logged out after %(minutes)d minutes without activity. Please log in again."


def translated(app, msgid, lang="zh_CN", **kw) -> str:
    """What the user reads in ``lang`` (the msgid itself until the lead merges the catalog)."""
    from flask_babel import gettext

    with app.test_request_context(f"/?lang={lang}"):
        return gettext(msgid, **kw)


def _set_cookie(resp) -> str:
    cookies = [v for k, v in resp.headers.items() if k == "Set-Cookie" and v.startswith("session=")]
    assert cookies, "no session cookie set"
    return cookies[-1]


def test_session_cookie_is_httponly_and_samesite_lax(app):
    client = app.test_client()
    cookie = _set_cookie(client.get("/login/"))
    assert "HttpOnly" in cookie and "SameSite=Lax" in cookie
    assert "Secure" not in cookie  # default: http://localhost works


def test_session_cookie_is_secure_when_configured(app):
    app.config["SESSION_COOKIE_SECURE"] = True
    try:
        cookie = _set_cookie(app.test_client().get("/login/", base_url="https://desk.example"))
        assert "Secure" in cookie and "HttpOnly" in cookie
    finally:
        app.config["SESSION_COOKIE_SECURE"] = False


def test_the_config_reads_the_environment(monkeypatch):
    import importlib

    import config

    monkeypatch.setenv("SESSION_COOKIE_SECURE", "1")
    monkeypatch.setenv("SESSION_IDLE_MINUTES", "45")
    try:
        fresh = importlib.reload(config)
        assert fresh.SESSION_COOKIE_SECURE is True and fresh.SESSION_IDLE_MINUTES == 45
    finally:
        monkeypatch.delenv("SESSION_COOKIE_SECURE")
        monkeypatch.delenv("SESSION_IDLE_MINUTES")
        importlib.reload(config)
    assert config.SESSION_COOKIE_SECURE is False and config.SESSION_IDLE_MINUTES == 30


def _age(client, minutes: int) -> None:
    with client.session_transaction() as sess:
        assert LAST_SEEN in sess
        sess[LAST_SEEN] -= minutes * 60


def test_a_request_within_the_idle_time_keeps_the_session(app):
    b = Browser(app, "clerk")
    _age(b.client, 29)
    assert b.get(PAGE).status_code == 200
    _age(b.client, 29)  # counted from the last request, not from the login
    assert b.get(PAGE).status_code == 200


def test_after_the_idle_time_the_next_request_goes_to_the_login_page(app):
    b = Browser(app, "clerk")
    _age(b.client, 31)
    resp = b.get(PAGE)
    assert is_login_redirect(resp)
    assert "next=" in resp.headers["Location"]
    page = b.get("/login/").get_data(as_text=True)
    assert translated(app, IDLE_MESSAGE, minutes=30) in page, "the message about the timeout"
    assert is_login_redirect(b.get(PAGE)), "logged out, not just redirected once"
    # logging in again works
    resp = b.client.post("/login/", data={"username": "clerk", "password": PASSWORD, "csrf_token": b.token})
    assert resp.status_code == 302 and b.get(PAGE).status_code == 200


def test_the_idle_message_in_english(app):
    b = Browser(app, "clerk")
    _age(b.client, 31)
    b.get(PAGE + "?lang=en")
    assert "30 minutes without activity" in b.get("/login/?lang=en").get_data(as_text=True)


def test_an_idle_browser_api_call_gets_401(app):
    b = Browser(app, "clerk")
    assert b.get("/api/v1/unit/").status_code == 200
    _age(b.client, 31)
    resp = b.get("/api/v1/unit/")
    assert resp.status_code == 401 and resp.is_json


def test_the_idle_time_is_configurable(app):
    app.config["SESSION_IDLE_MINUTES"] = 5
    try:
        b = Browser(app, "clerk")
        _age(b.client, 6)
        assert is_login_redirect(b.get(PAGE))
    finally:
        app.config["SESSION_IDLE_MINUTES"] = 30


def test_logout_ends_the_session_even_for_a_copy_of_the_cookie(app):
    b = Browser(app, "clerk")
    assert b.get(PAGE).status_code == 200
    jar = [(c.key, c.value, c.domain) for c in b.client._cookies.values()]
    b.post_form("/logout/")
    assert is_login_redirect(b.get(PAGE))
    # someone replays the cookie copied before the logout
    thief = app.test_client()
    for key, value, domain in jar:
        thief.set_cookie(key, value, domain=domain)
    assert is_login_redirect(thief.get(PAGE))


@pytest.fixture()
def temp_clerk(app):
    username = f"sess{uuid.uuid4().hex[:6]}"
    with app.app_context():
        sm = app.appbuilder.sm
        user = sm.add_user(username, "临时", "客服", f"{username}@test.invalid", sm.find_role("Clerk"), password=PASSWORD)
        pk = user.id
    yield username, pk
    with app.app_context():
        sm = app.appbuilder.sm
        user = sm.get_user_by_id(pk)
        if user is not None:
            sm.session.delete(user)
            sm.session.commit()


def test_a_deactivated_user_is_out_at_the_next_request(app, temp_clerk):
    username, pk = temp_clerk
    b = Browser(app, username)
    assert b.get(PAGE).status_code == 200
    with app.app_context():
        sm = app.appbuilder.sm
        user = sm.get_user_by_id(pk)
        user.active = False
        sm.update_user(user)
    assert is_login_redirect(b.get(PAGE))
    assert b.get("/api/v1/unit/").status_code == 401
    # and cannot log in again
    resp = b.client.post("/login/", data={"username": username, "password": PASSWORD, "csrf_token": b.token})
    assert is_login_redirect(b.get(PAGE))
    assert resp.status_code == 302


def test_a_deactivated_users_jwt_is_refused(app, temp_clerk):
    username, pk = temp_clerk
    resp = app.test_client().post("/api/v1/security/login",
                                  json={"username": username, "password": PASSWORD, "provider": "db"})
    token = resp.get_json()["access_token"]
    client = app.test_client()
    headers = {"Authorization": f"Bearer {token}"}
    assert client.get("/api/v1/unit/", headers=headers).status_code == 200
    with app.app_context():
        sm = app.appbuilder.sm
        user = sm.get_user_by_id(pk)
        user.active = False
        sm.update_user(user)
    assert client.get("/api/v1/unit/", headers=headers).status_code == 401
