"""/logout/ changes state only by POST (app/security/views.py AuthDBView): a GET shows a
one-button page in the office's layout, the navbar's logout is a small form with the CSRF
token, and a POST without the token logs nobody out."""
from __future__ import annotations

import re

from tests.security.conftest import Browser, is_login_redirect

PAGE = "/ownermodelview/list/"


def test_a_get_of_logout_only_asks(app):
    b = Browser(app, "clerk")
    resp = b.get("/logout/")
    assert resp.status_code == 200
    html = resp.get_data(as_text=True)
    assert "退出登录" in html and 'method="post"' in html and 'name="csrf_token"' in html
    assert "navbar" in html, "the page has the desk's layout"
    assert b.get(PAGE).status_code == 200, "still logged in after the GET"


def test_the_same_get_twice_and_an_image_link_log_nobody_out(app):
    b = Browser(app, "clerk")
    for _ in range(2):
        b.client.get("/logout/", headers={"Accept": "image/avif,image/webp,*/*"})
    assert b.get(PAGE).status_code == 200


def test_a_post_with_the_token_logs_out(app):
    b = Browser(app, "clerk")
    resp = b.post_form("/logout/")
    assert resp.status_code == 302
    assert is_login_redirect(b.get(PAGE))


def test_a_post_without_the_token_logs_nobody_out(app):
    b = Browser(app, "clerk")
    resp = b.client.post("/logout/", data={})
    assert resp.status_code == 400
    assert b.get(PAGE).status_code == 200


def test_the_navbar_logs_out_by_a_post_form_with_the_token(app):
    b = Browser(app, "clerk")
    html = b.html(PAGE)
    form = re.search(r'<form class="navbar-logout" method="post" action="/logout/">(.*?)</form>', html, re.S)
    assert form, "the navbar's logout is a POST form"
    assert f'value="{b.token}"' in form.group(1) or 'name="csrf_token"' in form.group(1)
    assert not re.search(r'<a [^>]*href="[^"]*/logout/"', html), "no logout link left"


def test_anonymous_get_of_logout_goes_to_the_home_page(app):
    resp = app.test_client().get("/logout/")
    assert resp.status_code == 302
