"""The pages and the API, through the Flask test client with CSRF on.

No app context stays pushed while requests run (it would share ``flask.g``, and with it the
logged-in user, between requests): data is prepared and checked in short app contexts.
"""
from __future__ import annotations

import datetime as dt
import re
from decimal import Decimal as D

import pytest

from app.core.audit import acting_as
from app.extensions import db
from tests.conftest import csrf_token, do_login
from tests.meters.conftest import NOW, fee_item, occupied_units, uniq


@pytest.fixture(autouse=True)
def office_clock(monkeypatch):
    """The pages ask the office clock; it is mid-2031 here, like the periods of these tests."""
    from app.core import clock

    monkeypatch.setattr(clock, "now", lambda: NOW)


def _client(app, username):
    client = app.test_client()
    resp = do_login(client, username)
    assert resp.status_code in (200, 302)
    return client


def _estate(app):
    from app.demo import ESTATE_NAME
    from app.estate.models import Estate

    return db.session.query(Estate).filter_by(name=ESTATE_NAME).one()


def _make_meter(app, scope: str, n_units: int = 1, first_reading: str | None = None) -> dict:
    from app.meters import services
    from app.meters.models import Meter

    with app.app_context():
        estate = _estate(app)
        with acting_as(name="test"):
            if scope == "household":
                unit = occupied_units(estate, "10", 1)[0]
                m = Meter(estate_id=estate.id, code=uniq("W"), kind="water", scope="household", unit=unit,
                          fee_item=fee_item(estate, "water"), active=True)
            else:
                m = Meter(estate_id=estate.id, code=uniq("GD"), kind="electricity", scope="public",
                          fee_item=fee_item(estate, "public_energy"), active=True,
                          units=occupied_units(estate, "8", n_units))
            db.session.add(m)
            db.session.commit()
        if first_reading:
            services.record_reading(m.id, "2031-01", first_reading, dt.date(2031, 1, 31), None, now=NOW)
        return {"id": m.id, "code": m.code, "estate_id": estate.id, "units": [u.code for u in m.units]}


def _readings(app, meter_id):
    from app.meters.models import MeterReading

    with app.app_context():
        return [(r.period, r.value, r.consumption, r.charge.amount if r.charge else None)
                for r in db.session.query(MeterReading).filter_by(meter_id=meter_id).order_by(MeterReading.period)]


# --- readings -------------------------------------------------------------------------------
def test_engineer_enters_a_reading_and_it_is_billed(app):
    meter = _make_meter(app, "household", first_reading="100.00")
    client = _client(app, "engineer")
    token = csrf_token(client, "/meterreadingmodelview/add")
    form = {"meter": meter["id"], "period": "2031-02", "value": "112.50", "read_on": "2031-02-28",
            "notes": "", "csrf_token": token}
    resp = client.post("/meterreadingmodelview/add", data=form)
    assert resp.status_code == 302
    rows = _readings(app, meter["id"])
    assert [r[:3] for r in rows] == [("2031-01", D("100.00"), D("0.00")), ("2031-02", D("112.50"), D("12.50"))]
    assert rows[1][3] is not None and rows[1][3] > 0

    # the list shows previous, current and consumption
    html = client.get(f"/meterreadingmodelview/list/?_flt_0_meter={meter['id']}").get_data(as_text=True)
    assert meter["code"] in html and "100.00" in html and "112.50" in html and "12.50" in html

    # below the previous reading: the form says so, nothing is saved
    form.update(period="2031-03", value="99.00", read_on="2031-03-28", csrf_token=csrf_token(client, "/meterreadingmodelview/add"))
    resp = client.post("/meterreadingmodelview/add?_l_=en", data=form)
    assert resp.status_code == 200
    assert "below the previous reading" in resp.get_data(as_text=True)
    # the same period twice: refused
    form.update(period="2031-02", value="130.00")
    resp = client.post("/meterreadingmodelview/add?_l_=en", data=form)
    assert resp.status_code == 200 and "already has a reading for 2031-02" in resp.get_data(as_text=True)
    assert len(_readings(app, meter["id"])) == 2


def test_reading_form_needs_the_csrf_token(app):
    meter = _make_meter(app, "household", first_reading="100.00")
    client = _client(app, "engineer")
    client.post("/meterreadingmodelview/add", data={"meter": meter["id"], "period": "2031-02", "value": "120",
                                                    "read_on": "2031-02-28"})
    assert len(_readings(app, meter["id"])) == 1


def test_correcting_a_reading_in_the_edit_form(app):
    meter = _make_meter(app, "household", first_reading="100.00")
    client = _client(app, "supervisor")
    client.post("/meterreadingmodelview/add", data={
        "meter": meter["id"], "period": "2031-02", "value": "150", "read_on": "2031-02-28",
        "csrf_token": csrf_token(client, "/meterreadingmodelview/add")})
    with app.app_context():
        from app.meters.models import MeterReading

        pk = db.session.query(MeterReading.id).filter_by(meter_id=meter["id"], period="2031-02").scalar()
    url = f"/meterreadingmodelview/edit/{pk}"
    resp = client.post(url, data={"value": "110", "read_on": "2031-02-28", "csrf_token": csrf_token(client, url)})
    assert resp.status_code == 302
    feb = _readings(app, meter["id"])[1]
    assert feb[1:3] == (D("110.00"), D("10.00"))


def test_reading_api_refuses_a_reading_below_the_previous_with_422(app):
    meter = _make_meter(app, "household", first_reading="100.00")
    client = _client(app, "engineer")
    body = {"meter": meter["id"], "period": "2031-02", "value": "99.5", "read_on": "2031-02-27"}
    resp = client.post("/api/v1/meter_reading/", json=body)
    assert resp.status_code == 422, resp.get_data(as_text=True)
    assert "value" in resp.get_json()["message"]
    assert len(_readings(app, meter["id"])) == 1
    body["value"] = "104.25"
    resp = client.post("/api/v1/meter_reading/", json=body)
    assert resp.status_code == 201, resp.get_data(as_text=True)
    rows = _readings(app, meter["id"])
    assert rows[1][2] == D("4.25") and rows[1][3] is not None
    resp = client.post("/api/v1/meter_reading/", json=body)  # the same period again
    assert resp.status_code == 422
    listed = client.get("/api/v1/meter_reading/")
    assert listed.status_code == 200 and listed.get_json()["count"] >= 2


def test_meter_api_lists_meters(app):
    meter = _make_meter(app, "public", n_units=2)
    client = _client(app, "engineer")
    resp = client.get(f"/api/v1/meter/{meter['id']}")
    assert resp.status_code == 200
    assert resp.get_json()["result"]["code"] == meter["code"]


# --- meters ---------------------------------------------------------------------------------
def test_supervisor_registers_a_public_meter_for_a_whole_building(app):
    from app.estate.models import Building, Unit
    from app.meters.models import Meter

    with app.app_context():
        estate = _estate(app)
        building = db.session.query(Building).filter_by(estate_id=estate.id, number="6").one()
        building_id, n_units = building.id, db.session.query(Unit).filter_by(building_id=building.id).count()
        item_id = fee_item(estate, "public_energy").id
        water_id = fee_item(estate, "water").id
        estate_id = estate.id
    client = _client(app, "supervisor")
    code = uniq("GD")
    form = {"estate": estate_id, "code": code, "kind": "electricity", "scope": "public", "fee_item": item_id,
            "serve_building": building_id, "description": "6栋楼道照明", "active": "y",
            "csrf_token": csrf_token(client, "/metermodelview/add")}
    resp = client.post("/metermodelview/add", data=form)
    assert resp.status_code == 302, resp.get_data(as_text=True)[:2000]
    with app.app_context():
        m = db.session.query(Meter).filter_by(code=code).one()
        assert len(m.units) == n_units and {u.building_id for u in m.units} == {building_id}
    # a household meter on the apportioned item is refused
    form.update(code=uniq("W"), kind="water", scope="household", serve_building="", fee_item=item_id)
    resp = client.post("/metermodelview/add?_l_=en", data=form)
    assert resp.status_code == 200
    with app.app_context():
        assert not db.session.query(Meter).filter_by(code=form["code"]).count()
    form.update(fee_item=water_id)  # right item, but no unit
    resp = client.post("/metermodelview/add?_l_=en", data=form)
    assert resp.status_code == 200 and "Choose the unit" in resp.get_data(as_text=True)


# --- apportionment --------------------------------------------------------------------------
def _appt(app, pk):
    from app.fees.models import Charge
    from app.meters.models import Apportionment

    with app.app_context():
        a = db.session.get(Apportionment, pk)
        n = db.session.query(Charge).filter(Charge.billing_key.like(f"appt:{pk}:%")).count()
        return a.status, n, sum((s.amount for s in a.shares), D("0"))


def test_draft_show_and_post_an_apportionment(app):
    meter = _make_meter(app, "public", n_units=4)
    sup = _client(app, "supervisor")
    resp = sup.post("/apportionmentmodelview/add", data={
        "meter": meter["id"], "period": "2031-03", "total": "100.01", "method": "area", "notes": "",
        "csrf_token": csrf_token(sup, "/apportionmentmodelview/add")})
    assert resp.status_code == 302
    show = re.search(r"/apportionmentmodelview/show/(\d+)$", resp.headers["Location"])
    assert show, resp.headers["Location"]
    pk = int(show.group(1))
    assert _appt(app, pk) == ("draft", 0, D("100.01"))

    html = sup.get(f"/apportionmentmodelview/show/{pk}").get_data(as_text=True)
    for code in meter["units"]:
        assert code in html
    assert html.count("100.01") >= 2  # the total and the sum of the shares
    assert f"/apportionmentmodelview/approve/{pk}" in html

    # a clerk sees the draft but not the button, and cannot post it
    clerk = _client(app, "clerk")
    html = clerk.get(f"/apportionmentmodelview/show/{pk}").get_data(as_text=True)
    assert f"/apportionmentmodelview/approve/{pk}" not in html
    token = csrf_token(clerk, "/meterreadingmodelview/add")
    assert clerk.post(f"/apportionmentmodelview/approve/{pk}", data={"csrf_token": token}).status_code == 403
    assert _appt(app, pk)[:2] == ("draft", 0)

    # without the token nothing happens
    assert sup.post(f"/apportionmentmodelview/approve/{pk}").status_code == 400
    assert _appt(app, pk)[:2] == ("draft", 0)

    token = csrf_token(sup, f"/apportionmentmodelview/show/{pk}")
    resp = sup.post(f"/apportionmentmodelview/approve/{pk}", data={"csrf_token": token})
    assert resp.status_code == 302 and resp.headers["Location"].endswith(f"/apportionmentmodelview/show/{pk}")
    assert _appt(app, pk) == ("posted", 4, D("100.01"))
    # a second click changes nothing
    resp = sup.post(f"/apportionmentmodelview/approve/{pk}", data={"csrf_token": token})
    assert resp.status_code == 302
    assert _appt(app, pk) == ("posted", 4, D("100.01"))
    html = sup.get(f"/apportionmentmodelview/show/{pk}").get_data(as_text=True)
    assert f"/apportionmentmodelview/approve/{pk}" not in html


def test_draft_form_refuses_a_bad_total(app):
    meter = _make_meter(app, "public", n_units=2)
    sup = _client(app, "supervisor")
    resp = sup.post("/apportionmentmodelview/add?_l_=en", data={
        "meter": meter["id"], "period": "2031-04", "total": "-3", "method": "area",
        "csrf_token": csrf_token(sup, "/apportionmentmodelview/add")})
    assert resp.status_code == 200 and "negative" in resp.get_data(as_text=True)


@pytest.mark.parametrize("page", ["/meterreadingmodelview/list/", "/metermodelview/list/",
                                  "/apportionmentmodelview/list/", "/meterreadingmodelview/add",
                                  "/apportionmentmodelview/add", "/metermodelview/add"])
def test_pages_open_for_the_supervisor(app, page):
    assert _client(app, "supervisor").get(page).status_code == 200


def test_staff_of_another_estate_neither_see_nor_read_our_meters(app):
    meter = _make_meter(app, "household", first_reading="100.00")
    clerk_b = _client(app, "clerk_b")
    info = clerk_b.get("/api/v1/meter_reading/_info").get_json()
    choices = next(c for c in info["add_columns"] if c["name"] == "meter").get("values") or []
    assert meter["id"] not in {c["id"] for c in choices}
    resp = clerk_b.post("/api/v1/meter_reading/", json={"meter": meter["id"], "period": "2031-02",
                                                         "value": "120", "read_on": "2031-02-27"})
    # the field named: the meter (a foreign id is refused on its own field) or the estate
    assert resp.status_code == 422 and {"meter", "estate"} & set(resp.get_json()["message"])
    assert clerk_b.get(f"/meterreadingmodelview/list/?_flt_0_meter={meter['id']}").status_code == 200
    assert meter["code"] not in clerk_b.get("/metermodelview/list/").get_data(as_text=True)
    assert len(_readings(app, meter["id"])) == 1
