"""Recording visits: the room code, quotas with a fixed clock, bad input changes nothing, the
signature stored and shown, the API."""
import datetime as dt
import io
import re

import pytest

from app.core import clock
from app.exceptions import DomainError
from app.extensions import db
from app.visits import services
from app.visits.models import Visit
from tests.conftest import csrf_token
from tests.visits.helpers import big_png, make_unit, png, released

NOW = dt.datetime(2032, 3, 10, 15, 0)  # a Wednesday: the week is 2032-03-08 .. 2032-03-14


def _visits(unit_ids):
    return db.session.query(Visit).filter(Visit.unit_id.in_(unit_ids)).count()


def _record(estate_ids, actor, unit, day, kind="regular", now=NOW, **kw):
    return services.record_visit(estate_ids=estate_ids, actor=actor, now=now, unit_code=unit.code, kind=kind,
                                 visit_date=day, **kw)


def test_room_code_finds_the_unit(app_ctx, demo_estate, estate_ids, clerk):
    now = dt.datetime(2031, 9, 1, 9, 0)
    v = services.record_visit(estate_ids=estate_ids, actor=clerk, now=now, unit_code="3-2-501", kind="regular",
                              visit_date=now.date(), met_person="业主本人", opinions="楼道灯不亮")
    assert v.unit.code == "3-2-501" and v.unit.estate_id == demo_estate.id and v.staff_id == clerk.id
    assert v.signature_kind == "none" and v.signature is None


def test_quota_counts_this_week_and_this_month(app_ctx, demo_estate, estate_ids, clerk, supervisor):
    units = [make_unit(demo_estate, f"走访{i}")[0] for i in range(12)]
    week = [NOW.date() - dt.timedelta(days=2), NOW.date() - dt.timedelta(days=1), NOW.date()]  # Mon..Wed
    for i, u in enumerate(units[:9]):
        _record(estate_ids, clerk if i % 2 else supervisor, u, week[i % 3])
    _record(estate_ids, clerk, units[0], week[1])  # a household visited twice counts once
    _record(estate_ids, clerk, units[9], dt.date(2032, 3, 7))  # Sunday of last week: not this week
    for u in units[:11]:  # irregular visits earlier this month
        _record(estate_ids, clerk, u, dt.date(2032, 3, 2), kind="irregular")
    _record(estate_ids, clerk, units[11], dt.date(2032, 2, 29), kind="irregular")  # last month
    panel = services.quota_panel(demo_estate.id, NOW.date())
    assert panel.week == (dt.date(2032, 3, 8), dt.date(2032, 3, 14))
    assert panel.month == (dt.date(2032, 3, 1), dt.date(2032, 3, 31))
    lines = {line.kind: line for line in panel.lines}
    assert (lines["regular"].target, lines["regular"].done, lines["regular"].met) == (10, 9, False)
    assert (lines["irregular"].target, lines["irregular"].done, lines["irregular"].met) == (10, 11, True)
    assert lines["important"].target == panel.important_total > 0
    staff = {r.name: r.by_kind for r in panel.staff_rows}
    assert staff["王丽"]["regular"] == 5 and staff["陈静"]["regular"] == 5  # 王丽: 4 + the repeat's household
    buildings = {r.name for r in panel.building_rows}
    assert units[0].building.number in buildings
    # one more household this week meets the weekly quota
    _record(estate_ids, clerk, units[10], NOW.date())
    lines = {line.kind: line for line in services.quota_panel(demo_estate.id, NOW.date()).lines}
    assert lines["regular"].done == 10 and lines["regular"].met


def test_supervisor_quota_overrides_the_default(app_ctx, demo_estate, estate_ids, clerk):
    from app.visits.models import VisitQuota

    row = db.session.query(VisitQuota).filter_by(estate_id=demo_estate.id, kind="regular").one()
    before = row.min_households
    try:
        row.min_households = 3
        db.session.commit()
        u, _ = make_unit(demo_estate, "指标")
        _record(estate_ids, clerk, u, dt.date(2032, 5, 4), now=dt.datetime(2032, 5, 5, 9, 0))
        lines = {q.kind: q for q in services.quota_panel(demo_estate.id, dt.date(2032, 5, 5)).lines}
        assert (lines["regular"].target, lines["regular"].done) == (3, 1)
    finally:
        row.min_households = before
        db.session.commit()


def test_future_date_refused_nothing_written(app_ctx, demo_estate, estate_ids, clerk):
    u, _ = make_unit(demo_estate, "未来")
    with pytest.raises(DomainError) as err:
        _record(estate_ids, clerk, u, NOW.date() + dt.timedelta(days=1))
    assert err.value.field == "visit_date" and "2032-03-10" in str(err.value)  # "... (today is 2032-03-10)"
    assert _visits([u.id]) == 0


def test_unit_of_another_estate_refused(app_ctx, demo_estate, other_estate, clerk):
    u, _ = make_unit(demo_estate, "本小区")
    with pytest.raises(DomainError) as err:  # clerk_b works for the other estate only
        services.record_visit(estate_ids=[other_estate.id], actor=clerk, now=NOW, unit_code=u.code,
                              kind="regular", visit_date=NOW.date())
    assert err.value.field == "unit_code"
    with pytest.raises(DomainError):
        services.record_visit(estate_ids=[other_estate.id], actor=clerk, now=NOW, unit_id=u.id,
                              kind="regular", visit_date=NOW.date())
    assert _visits([u.id]) == 0


# --- over HTTP ---------------------------------------------------------------------------
def _post(client, data, files=None):
    form = {"csrf_token": csrf_token(client, "/visitmodelview/add"), "kind": "regular",
            "visit_date": clock.today().isoformat(), **data}
    for name, (content, filename) in (files or {}).items():
        form[name] = (io.BytesIO(content), filename)
    return client.post("/visitmodelview/add", data=form, content_type="multipart/form-data")


@pytest.fixture()
def own_unit(app, demo_estate):
    unit, _owner = make_unit(demo_estate, "签名业主")
    return released(unit)


def test_drawn_signature_stored_and_shown(login, app, own_unit):
    client = login("clerk")
    data = png()
    resp = _post(client, {"unit_code": own_unit.code, "signature_kind": "drawn", "met_person": "签名业主"},
                 {"signature": (data, "signature.png")})
    assert resp.status_code == 302, resp.get_data(as_text=True)[:500]
    pk = int(re.search(r"/visitmodelview/show/(\d+)", resp.headers["Location"]).group(1))
    db.session.rollback()  # the test and its requests share one session: see what they wrote
    v = db.session.get(Visit, pk)
    assert v.signature == data and v.signature_mime == "image/png" and v.signature_kind == "drawn"
    import hashlib

    assert v.signature_sha256 == hashlib.sha256(data).hexdigest()
    page = client.get(f"/visitmodelview/show/{pk}").get_data(as_text=True)
    assert f"/visits/signature/{pk}" in page
    img = client.get(f"/visits/signature/{pk}")
    assert img.status_code == 200 and img.data == data and img.content_type == "image/png"
    # the canvas' data URL is accepted as well (a browser that cannot fill a file input)
    import base64

    resp = _post(client, {"unit_code": own_unit.code, "signature_kind": "drawn",
                          "signature_data": "data:image/png;base64," + base64.b64encode(data).decode()})
    assert resp.status_code == 302


def test_paper_scan_stored(login, app, own_unit):
    from tests.visits.helpers import jpeg

    resp = _post(login("clerk"), {"unit_code": own_unit.code, "signature_kind": "paper"},
                 {"signature_scan": (jpeg(), "scan.jpg")})
    assert resp.status_code == 302
    db.session.rollback()  # the test and its requests share one session: see what they wrote
    v = db.session.query(Visit).filter_by(unit_id=own_unit.id).order_by(Visit.id.desc()).first()
    assert v.signature_kind == "paper" and v.signature_mime == "image/jpeg"


@pytest.mark.parametrize("kind, field, content, filename", [
    ("drawn", "signature", b"hello, I am a text file\n" * 20, "signature.png"),
    ("paper", "signature_scan", b"hello, I am a text file\n" * 20, "scan.png"),
    ("paper", "signature_scan", None, "scan.png"),  # 1.1 MB image
    ("paper", "signature_scan", b"", ""),  # signed on paper but no scan
])
def test_bad_signature_refused_nothing_written(login, app, own_unit, kind, field, content, filename):
    client = login("clerk")
    content = big_png() if content is None else content
    files = {field: (content, filename)} if filename else {}
    resp = _post(client, {"unit_code": own_unit.code, "signature_kind": kind, "opinions": "不应保存"}, files)
    page = resp.get_data(as_text=True)
    assert resp.status_code == 200 and "field-error" in page
    assert "PNG" in page or "1 MB" in page or "签" in page
    assert "不应保存" in page  # the form keeps what was typed
    db.session.rollback()  # the test and its requests share one session: see what they wrote
    assert _visits([own_unit.id]) == 0


def test_future_date_and_unknown_room_show_translated_messages(login, app, own_unit):
    client = login("clerk")
    db.session.rollback()  # the test and its requests share one session: see what they wrote
    today = clock.today()
    tomorrow = (today + dt.timedelta(days=1)).isoformat()
    page = _post(client, {"unit_code": own_unit.code, "visit_date": tomorrow}).get_data(as_text=True)
    assert "field-error" in page and today.isoformat() in page  # "...in the future (today is ...)"
    page = _post(client, {"unit_code": "99-9-999"}).get_data(as_text=True)
    assert "field-error" in page and "99-9-999" in page
    db.session.rollback()  # the test and its requests share one session: see what they wrote
    assert _visits([own_unit.id]) == 0


def test_another_estates_clerk_cannot_record_here(login, app, own_unit):
    page = _post(login("clerk_b"), {"unit_code": own_unit.code}).get_data(as_text=True)
    assert "field-error" in page
    db.session.rollback()  # the test and its requests share one session: see what they wrote
    assert _visits([own_unit.id]) == 0


def test_api_shows_signature_presence_and_refuses_bad_input(login, app, own_unit, other_estate):
    client = login("clerk")
    resp = client.post("/api/v1/visit/", json={"unit": own_unit.id, "kind": "regular",
                                               "visit_date": clock.today().isoformat(), "met_person": "接口"})
    assert resp.status_code == 201, resp.get_json()
    pk = resp.get_json()["id"]
    shown = client.get(f"/api/v1/visit/{pk}").get_json()["result"]
    assert shown["signature_kind"] == "none" and shown["signature_sha256"] is None and "signature" not in shown
    future = (clock.today() + dt.timedelta(days=3)).isoformat()
    resp = client.post("/api/v1/visit/", json={"unit": own_unit.id, "kind": "regular", "visit_date": future})
    assert resp.status_code == 422 and "visit_date" in resp.get_json()["message"]
    db.session.rollback()  # the test and its requests share one session: see what they wrote
    from app.estate.models import Unit

    b_unit = db.session.query(Unit).filter_by(estate_id=other_estate.id).first()
    before = _visits([b_unit.id])
    resp = client.post("/api/v1/visit/", json={"unit": b_unit.id, "kind": "regular",
                                               "visit_date": clock.today().isoformat()})
    assert resp.status_code == 422
    db.session.rollback()  # the test and its requests share one session: see what they wrote
    assert _visits([b_unit.id]) == before


def test_follow_up_closed_on_the_edit_form_and_audited(login, app, own_unit):
    from app.core import audit

    client = login("supervisor")
    resp = _post(client, {"unit_code": own_unit.code, "follow_up": "更换单元门禁", "follow_up_needed": "1"})
    assert resp.status_code == 302
    pk = int(re.search(r"/visitmodelview/show/(\d+)", resp.headers["Location"]).group(1))
    edit_url = f"/visitmodelview/edit/{pk}"
    form = {"csrf_token": csrf_token(client, edit_url), "kind": "regular", "visit_date": clock.today().isoformat(),
            "met_person": "", "opinions": "", "requests": "", "follow_up": "更换单元门禁",
            "follow_up_needed": "y", "follow_up_done": "y"}
    resp = client.post(edit_url, data=form)
    assert resp.status_code == 302, resp.get_data(as_text=True)[-2000:]
    db.session.rollback()
    v = db.session.get(Visit, pk)
    assert v.follow_up_done and not v.follow_up_open
    fields = {row.field for row in audit.history("visit", pk)}
    assert "follow_up_done" in fields and "signature" not in fields
    # the edit form runs the same checks: a date in the future is refused, nothing changes
    form["visit_date"] = (clock.today() + dt.timedelta(days=5)).isoformat()
    form["csrf_token"] = csrf_token(client, edit_url)
    resp = client.post(edit_url, data=form)
    assert resp.status_code == 200
    db.session.rollback()
    assert db.session.get(Visit, pk).visit_date <= clock.today() + dt.timedelta(days=1)
