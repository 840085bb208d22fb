"""Security headers (app/security/headers.py) on every kind of response, and pages that a strict
Content-Security-Policy does not break: every inline script carries the request's nonce, no
inline event handlers, no scripts from other sites."""
from __future__ import annotations

import re

import pytest

from tests.security.conftest import Browser

EXPECTED = {
    "X-Content-Type-Options": "nosniff",
    "X-Frame-Options": "DENY",
    "Referrer-Policy": "same-origin",
}


def _check(resp):
    for name, value in EXPECTED.items():
        assert resp.headers.get(name) == value, (name, resp.headers.get(name))
    csp = resp.headers["Content-Security-Policy"]
    directives = dict(d.strip().split(" ", 1) for d in csp.split(";"))
    assert directives["default-src"] == "'self'"
    assert directives["frame-ancestors"] == "'none'"
    assert directives["object-src"] == "'none'"
    script = directives["script-src"].split()
    assert script[0] == "'self'" and len(script) == 2 and re.fullmatch(r"'nonce-[\w-]{16,}'", script[1])
    assert "unsafe-inline" not in directives["script-src"] and "unsafe-eval" not in csp
    assert "Strict-Transport-Security" not in resp.headers  # plain http
    return script[1][len("'nonce-"):-1]


@pytest.fixture(scope="module")
def admin(app):
    return Browser(app, "admin")


def test_html_page(app):
    _check(app.test_client().get("/login/"))


def test_json_api(app, admin):
    resp = admin.get("/api/v1/unit/")
    assert resp.status_code == 200 and resp.is_json
    _check(resp)
    _check(app.test_client().post("/api/v1/security/login", json={"username": "x", "password": "y", "provider": "db"}))


def test_pdf(app):
    resp = app.test_client().get("/public/fees.pdf")
    assert resp.status_code == 200 and resp.mimetype == "application/pdf"
    _check(resp)


@pytest.mark.parametrize("url", ["/no-such-page", "/api/v1/no-such-api/"])
def test_errors(app, url):
    resp = app.test_client().get(url)
    assert resp.status_code == 404
    _check(resp)


def test_forbidden_and_login_redirect(app):
    _check(Browser(app, "engineer").get("/auditlogmodelview/list/"))
    _check(app.test_client().get("/ownermodelview/list/"))


@pytest.mark.parametrize("url", ["/static/estate.css", "/static/estate.js",
                                 "/static/appbuilder/css/bootstrap.min.css"])
def test_static_files(app, url):
    resp = app.test_client().get(url)
    assert resp.status_code == 200
    _check(resp)


def test_hsts_only_over_https(app):
    resp = app.test_client().get("/login/", base_url="https://desk.example")
    assert resp.headers["Strict-Transport-Security"].startswith("max-age=")
    assert "Strict-Transport-Security" not in app.test_client().get("/login/").headers


def test_each_response_has_its_own_nonce(app):
    client = app.test_client()
    assert _check(client.get("/login/")) != _check(client.get("/login/"))


# --- pages that must still work under the policy ---------------------------------------------------
SCRIPT = re.compile(r"<script\b([^>]*)>(.*?)</script>", re.S | re.I)
HANDLER = re.compile(r"<[^>]+\son[a-z]+\s*=", re.I)


def _pages(app, admin):
    from app.demo import ESTATE_NAME
    from app.estate.models import Estate, Unit
    from app.extensions import db

    with app.app_context():
        estate = db.session.query(Estate).filter_by(name=ESTATE_NAME).one()
        unit = db.session.query(Unit).filter_by(estate_id=estate.id).order_by(Unit.id).first()
        ids = (estate.id, unit.id)
    return [
        "/login/", "/", "/ownermodelview/list/", "/ownermodelview/add", f"/unitmodelview/edit/{ids[1]}",
        f"/unitmodelview/show/{ids[1]}", "/chargemodelview/list/", "/occupancymodelview/add",
        f"/cashdesk/unit/{ids[1]}", "/arrears/", "/users/list/", "/users/add", "/roles/list/",
        "/securityeventmodelview/list/", "/auditlogmodelview/list/",
        f"/public/fees?estate={ids[0]}", f"/public/services?estate={ids[0]}", f"/public/notices?estate={ids[0]}",
    ]


def test_pages_have_no_inline_code_without_the_nonce(app, admin):
    checked = 0
    for url in _pages(app, admin):
        client = app.test_client() if url.startswith(("/login/", "/public/")) else admin.client
        resp = client.get(url)
        if resp.status_code != 200:
            assert resp.status_code in (302, 404), (url, resp.status_code)
            continue
        nonce = _check(resp)
        html = resp.get_data(as_text=True)
        for attrs, body in SCRIPT.findall(html):
            src = re.search(r'\bsrc="([^"]+)"', attrs)
            if src:
                assert src.group(1).startswith("/"), (url, src.group(1))  # our own origin only
            elif body.strip():
                assert f'nonce="{nonce}"' in attrs, (url, body[:80])
        handlers = HANDLER.findall(html)
        assert not handlers, (url, handlers[:3])
        assert "javascript:" not in html, url
        checked += 1
    assert checked >= 12
