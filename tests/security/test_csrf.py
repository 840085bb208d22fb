"""CSRF: a page of another site must not make a logged-in browser change anything.

FAB refuses a delete by GET, and checks the token of a POST, only when Flask-WTF's
CSRFProtect is installed on the app (``app.extensions["csrf"]``); WTF_CSRF_ENABLED alone
protects the WTForms forms (add/edit/login), not FAB's delete route.
"""
from __future__ import annotations

from tests.security.conftest import is_login_redirect, uniq


def test_csrf_protection_is_installed(app):
    assert app.config["WTF_CSRF_ENABLED"] is True
    assert app.extensions.get("csrf") is not None, "CSRFProtect is not initialised on the app"


def test_a_get_on_the_delete_url_deletes_nothing(browser, throwaway):
    """<img src="https://desk/zonemodelview/delete/7"> on any page would delete otherwise."""
    model, pk = throwaway.make("Zone")
    supervisor = browser("supervisor")  # may delete zones
    resp = supervisor.get(f"/zonemodelview/delete/{pk}")
    assert throwaway.exists(model, pk), "a GET deleted the record"
    assert resp.status_code == 302 and not is_login_redirect(resp)


def test_a_delete_post_without_the_token_deletes_nothing(browser, throwaway):
    model, pk = throwaway.make("Zone")
    resp = browser("supervisor").client.post(f"/zonemodelview/delete/{pk}")
    assert throwaway.exists(model, pk), "a POST without CSRF token deleted the record"
    assert resp.status_code == 400


def test_a_delete_post_with_a_wrong_token_deletes_nothing(browser, throwaway):
    model, pk = throwaway.make("Zone")
    resp = browser("supervisor").client.post(f"/zonemodelview/delete/{pk}", data={"csrf_token": "forged"})
    assert throwaway.exists(model, pk)
    assert resp.status_code == 400


def test_the_delete_post_with_the_token_deletes(browser, throwaway):
    """Control: the same request with the session's token works."""
    model, pk = throwaway.make("Zone")
    resp = browser("supervisor").post_form(f"/zonemodelview/delete/{pk}")
    assert resp.status_code == 302
    assert not throwaway.exists(model, pk)


def test_add_and_edit_forms_need_the_token(app, browser, sec_ids, throwaway):
    from app.estate.models import Zone
    from app.extensions import db

    supervisor = browser("supervisor")
    name = uniq("无令牌组团-")
    supervisor.client.post("/zonemodelview/add", data={"estate": str(sec_ids.demo), "name": name})
    model, pk = throwaway.make("Zone")
    supervisor.client.post(f"/zonemodelview/edit/{pk}", data={"estate": str(sec_ids.demo), "name": name})
    with app.app_context():
        assert db.session.query(Zone).filter_by(name=name).count() == 0


def test_login_needs_the_token(app):
    client = app.test_client()
    resp = client.post("/login/", data={"username": "clerk", "password": "demo-password-2026"})
    assert resp.status_code != 302 or resp.headers["Location"].endswith("/login/")
    assert is_login_redirect(client.get("/ownermodelview/list/"))
