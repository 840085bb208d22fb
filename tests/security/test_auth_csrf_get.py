"""CSRF is global: every form route that takes a POST refuses one without the session's token,
whatever the view (not only FAB's delete, see test_csrf.py). And GET requests never change data:
opening every page of the Admin's menu leaves every table as it was."""
from __future__ import annotations

import re

import pytest
from sqlalchemy import func, select

from tests.security.conftest import Browser

SAMPLE_ID = 1


def _post_routes(app) -> list[str]:
    urls = []
    for rule in app.url_map.iter_rules():
        if "POST" not in rule.methods or rule.rule.startswith("/api/") or rule.endpoint == "static":
            continue
        values = {arg: SAMPLE_ID if "int" in str(rule._converters.get(arg, "")).lower() or arg.endswith("id") or
                  arg == "pk" else "1" for arg in rule.arguments}
        urls.append(re.sub(r"<(?:[^:>]+:)?([^>]+)>", lambda m: str(values[m.group(1)]), rule.rule))
    return sorted(set(urls))


def _counts(app) -> dict[str, int]:
    from app.extensions import db

    with app.app_context():
        with db.engine.connect() as conn:
            return {t.name: conn.execute(select(func.count()).select_from(t)).scalar()
                    for t in db.metadata.sorted_tables}


@pytest.fixture(scope="module")
def admin(app):
    return Browser(app, "admin")


def test_every_post_form_route_refuses_a_missing_token(app, admin):
    urls = _post_routes(app)
    assert len(urls) > 30, urls  # the FAB forms, our desks, the login form
    before = _counts(app)
    got = {}
    for url in urls:
        resp = admin.client.post(url, data={"name": "csrf-probe", "username": "csrf-probe"})
        got[url] = resp.status_code
    refused = {u: c for u, c in got.items() if c != 400}
    assert not refused, f"POST routes that did not refuse a missing CSRF token: {refused}"
    assert _counts(app) == before


def test_a_wrong_token_is_refused_too(app, admin):
    for url in ("/users/add", "/resetmypassword/form", "/arrears/print", "/login/"):
        assert admin.client.post(url, data={"csrf_token": "forged"}).status_code == 400, url


def _menu_links(html: str) -> list[str]:
    nav = html.split('role="navigation"', 1)[-1]
    links = re.findall(r'<a[^>]+href="(/[^"#]*)"', nav)
    return sorted({link for link in links if not link.startswith(("/logout", "/lang/", "/static"))})


def test_opening_every_menu_page_changes_nothing(app, admin):
    links = _menu_links(admin.html("/"))
    assert len(links) >= 20 and "/securityeventmodelview/list/" in links, links
    before = _counts(app)
    opened = []
    for url in links:
        resp = admin.get(url)
        assert resp.status_code in (200, 302), (url, resp.status_code)
        opened.append(url)
        # and the second page of each list, its add form and its first record's pages
        if url.endswith("/list/"):
            base = url[: -len("list/")]
            admin.get(url + "?page_0=1")
            admin.get(base + "add")
            admin.get(f"{base}show/{SAMPLE_ID}")
            admin.get(f"{base}edit/{SAMPLE_ID}")
    after = _counts(app)
    changed = {t: (before[t], after[t]) for t in before if before[t] != after[t]}
    assert not changed, f"GET requests changed these tables: {changed}"
