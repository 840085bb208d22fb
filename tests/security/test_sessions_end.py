"""Sessions and tokens that end (app/security/tokens.py): a changed password ends the user's
other browser sessions and their API tokens; an API logout revokes the access and refresh
tokens of that login, and only those."""
from __future__ import annotations

from tests.conftest import PASSWORD
from tests.security.conftest import Browser, is_login_redirect
from tests.security.test_auth_sessions import PAGE, temp_clerk  # noqa: F401 - the fixture

NEW = "Xq7!mountain-tea-2026"
LOGIN = "/api/v1/security/login"


def _tokens(app, username, password=PASSWORD):
    resp = app.test_client().post(LOGIN, json={"username": username, "password": password, "provider": "db",
                                               "refresh": True})
    assert resp.status_code == 200, resp.get_json()
    data = resp.get_json()
    return data["access_token"], data["refresh_token"]


def _get(app, token, url="/api/v1/unit/"):
    return app.test_client().get(url, headers={"Authorization": f"Bearer {token}"})


def _refresh(app, token):
    return app.test_client().post("/api/v1/security/refresh", headers={"Authorization": f"Bearer {token}"})


def test_the_admin_changing_a_password_ends_every_session_and_token_of_the_user(app, temp_clerk):  # noqa: F811
    username, pk = temp_clerk
    desk, phone = Browser(app, username), Browser(app, username)
    access, refresh = _tokens(app, username)
    assert desk.get(PAGE).status_code == 200 and phone.get(PAGE).status_code == 200
    assert _get(app, access).status_code == 200 and _refresh(app, refresh).status_code == 200
    admin = Browser(app, "admin")
    admin.post_form(f"/resetpassword/form?pk={pk}", {"password": NEW, "conf_password": NEW})
    for b in (desk, phone):
        resp = b.get(PAGE)
        assert is_login_redirect(resp)
        assert "密码已修改" in b.get(resp.headers["Location"]).get_data(as_text=True)  # says why
        assert is_login_redirect(b.get(PAGE))  # and stays out
    assert _get(app, access).status_code == 401
    assert _refresh(app, refresh).status_code == 401
    # the new password works, in the browser and the API
    again = Browser(app, username, password=NEW)
    assert again.get(PAGE).status_code == 200
    assert _get(app, _tokens(app, username, NEW)[0]).status_code == 200


def test_changing_ones_own_password_keeps_this_session_and_ends_the_others(app, temp_clerk):  # noqa: F811
    username, _pk = temp_clerk
    here, there = Browser(app, username), Browser(app, username)
    access, _refresh_token = _tokens(app, username)
    here.post_form("/resetmypassword/form", {"password": NEW, "conf_password": NEW})
    assert here.get(PAGE).status_code == 200
    assert is_login_redirect(there.get(PAGE))
    assert _get(app, access).status_code == 401


def test_an_api_logout_revokes_that_logins_access_and_refresh_tokens_only(app, temp_clerk):  # noqa: F811
    username, _pk = temp_clerk
    access, refresh = _tokens(app, username)
    other_access, other_refresh = _tokens(app, username)  # a second client of the same user
    resp = app.test_client().post("/api/v1/security/logout", headers={"Authorization": f"Bearer {access}"})
    assert resp.status_code == 200
    assert _get(app, access).status_code == 401
    assert _refresh(app, refresh).status_code == 401
    assert _get(app, other_access).status_code == 200  # the other login goes on
    # a refreshed access token belongs to its refresh token's login: logging out by the
    # refresh token ends both
    renewed = _refresh(app, other_refresh).get_json()["access_token"]
    assert _get(app, renewed).status_code == 200
    assert app.test_client().post("/api/v1/security/logout",
                                  headers={"Authorization": f"Bearer {other_refresh}"}).status_code == 200
    assert _get(app, renewed).status_code == 401 and _get(app, other_access).status_code == 401
    # twice is harmless; without a token it is a 401
    assert app.test_client().post("/api/v1/security/logout").status_code == 401

