"""The URLs issue 16 named, one by one (app/core/url_guard.py): each answers 404/400 with the
office's message, and the same URL with good values still works. The walk over every rule is
tests/security/test_hostile_urls.py."""
from __future__ import annotations

import pytest

from tests.security.conftest import Browser

HUGE = 10**25


@pytest.fixture(scope="module")
def admin(app):
    return Browser(app, "admin")


@pytest.fixture(scope="module")
def demo_ids(app):
    from app.demo import ESTATE_NAME
    from app.estate.models import Estate
    from app.extensions import db
    from app.publishing.models import Notice

    with app.app_context():
        estate = db.session.query(Estate).filter_by(name=ESTATE_NAME).one()
        notice = db.session.query(Notice).filter_by(estate_id=estate.id, status="published").first()
        return estate.id, (notice.id if notice else None)


@pytest.mark.parametrize("url", [
    f"/public/notices/{HUGE}", f"/public/notices/{HUGE}.pdf", f"/public/notices/{2**63}",
    f"/public/notices/{3_000_000_000}", f"/public/fees?estate={HUGE}", f"/public/fees?estate={3_000_000_000}",
    "/public/fees?estate=-1", "/public/fees?estate=%00", "/public/fees?estate=%EF%BC%98", f"/public/notices?estate={HUGE}",
])
def test_public_pages_answer_a_hostile_id_with_404(app, url):
    resp = app.test_client().get(url)
    assert resp.status_code == 404
    assert "该页面或记录不存在" in resp.get_data(as_text=True) or resp.is_json


def test_public_pages_still_open_with_good_ids(app, demo_ids):
    estate_id, notice_id = demo_ids
    client = app.test_client()
    assert client.get(f"/public/fees?estate={estate_id}").status_code == 200
    assert client.get(f"/public/fees?estate=%20{estate_id}%20").status_code == 200, "spaces around are fine"
    if notice_id:
        assert client.get(f"/public/notices/{notice_id}").status_code == 200


@pytest.mark.parametrize("url", [f"/unitmodelview/show/{HUGE}", "/unitmodelview/show/-1", "/unitmodelview/show/%00",
                                 "/unitmodelview/show/nosuch", "/unitmodelview/show/%EF%BC%98",
                                 f"/cashdesk/ledger/{HUGE}", f"/api/v1/unit/{HUGE}"])
def test_staff_pages_answer_a_hostile_id_with_404(admin, url):
    assert admin.get(url).status_code == 404


def test_an_unknown_action_is_404_and_a_known_one_still_works(app, admin):
    with app.app_context():
        clerk_id = app.appbuilder.sm.find_user("clerk").id
    assert admin.post_form(f"/feeitemmodelview/action/nosuch/{1}").status_code == 404
    assert admin.post_form(f"/users/action/nosuch/{clerk_id}").status_code == 404
    resp = admin.post_form(f"/users/action/resetpasswords/{clerk_id}")
    assert resp.status_code == 302 and "resetpassword" in resp.headers["Location"].lower()


def test_action_post_with_an_unknown_action_or_ids_is_4xx(admin):
    assert admin.post_form("/feeitemmodelview/action_post", {"action": "nosuch", "rowid": "1"}).status_code == 400
    assert admin.post_form("/users/action_post", {"action": "nosuch"}).status_code == 400
    assert admin.post_form("/feeitemmodelview/action_post").status_code == 400
    resp = admin.post_form("/users/action_post", {"action": "resetpasswords", "rowid": str(HUGE)})
    assert resp.status_code in (400, 404)


@pytest.mark.parametrize("view, url", [("FeeItemModelView", "/feeitemmodelview/list/"),
                                       ("StaffUserDBModelView", "/users/list/")])
def test_sorting_by_an_unknown_column_is_400_and_by_a_known_one_works(admin, view, url):
    for column in ("nosuchcol", "estate.nosuch", "%00"):
        assert admin.get(f"{url}?_oc_{view}={column}&_od_{view}=asc").status_code == 400
    for arg in (f"page_{view}=nosuch", f"psize_{view}={HUGE}", f"page_{view}=-1"):
        assert admin.get(f"{url}?{arg}").status_code == 400
    known = "name" if view == "FeeItemModelView" else "username"
    assert admin.get(f"{url}?_oc_{view}={known}&_od_{view}=desc").status_code == 200
    assert admin.get(f"{url}?page_{view}=0&psize_{view}=25").status_code == 200


def test_download_routes_are_404(admin):
    for url in ("/feeitemmodelview/download/nosuch", "/users/download/x.txt", "/roles/download/..%2Fsecret_key"):
        assert admin.get(url).status_code == 404


def test_the_user_statistics_chart_refuses_an_unknown_group(admin):
    for group in ("x", "active", str(HUGE), "99", "-1"):
        assert admin.get(f"/userstatschartview/chart/{group}").status_code == 404
    assert admin.get("/userstatschartview/chart/0").status_code == 200
    assert admin.get("/userstatschartview/chart/").status_code == 200
