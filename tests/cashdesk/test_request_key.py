"""The one-time request key of a payment is bound to what was posted (issue 12).

The same key with the same details is a replay: the first receipt comes back, nothing more is
posted. The same key with another unit, amount, method or picked charges is someone else's
money: refused (409 in the API, a message on the page), nothing posted, never the first
receipt handed back as if the 999.00 had been taken.
"""
import datetime as dt
import uuid
from decimal import Decimal as D

import pytest
from sqlalchemy import func, select

from app.cashdesk import services
from app.cashdesk.models import Receipt
from app.exceptions import Conflict
from app.extensions import db
from tests.cashdesk.test_cashdesk_pages import _hidden
from tests.cashdesk.test_hostile_inputs import _receipt_count
from tests.conftest import do_login

NOW = dt.datetime(2030, 4, 2, 10, 30)


def _receipts():
    db.session.expire_all()
    return db.session.scalar(select(func.count()).select_from(Receipt))


def test_service_same_key_same_content_replays_the_receipt(fresh_unit, clerk):
    key = f"k-{uuid.uuid4().hex}"
    a = services.post_payment(fresh_unit.id, "100.00", "cash", clerk, NOW, request_key=key, reference=" 001 ")
    # the same details, typed a little differently (spaces, no trailing zeros): the same payment
    b = services.post_payment(fresh_unit.id, " 100 ", "cash", clerk, NOW, request_key=key, reference="001")
    assert a.id == b.id
    assert services.arrears_total(fresh_unit.id) == D("200.00")


@pytest.mark.parametrize("change", [
    dict(amount="999.00"), dict(method="mobile"), dict(reference="CHQ-2"), dict(payer_name="别人"),
    dict(other_unit=True), dict(pick_last=True),
])
def test_service_same_key_other_content_is_refused_and_posts_nothing(fresh_unit, demo_estate, clerk, change):
    from app.estate.models import Unit

    key = f"k-{uuid.uuid4().hex}"
    first = dict(amount="100.00", method="cash", reference="CHQ-1", payer_name="张三")
    services.post_payment(fresh_unit.id, first["amount"], first["method"], clerk, NOW, request_key=key,
                          reference=first["reference"], payer_name=first["payer_name"])
    before = _receipts()
    second = {**first, **{k: v for k, v in change.items() if k in first}}
    unit_id = fresh_unit.id
    if change.get("other_unit"):
        unit_id = db.session.scalar(select(Unit.id).where(Unit.estate_id == demo_estate.id, Unit.id != fresh_unit.id)
                                    .order_by(Unit.id))
    picked = None
    if change.get("pick_last"):
        picked = [services.open_charges(fresh_unit.id)[-1].id]
    with pytest.raises(Conflict):
        services.post_payment(unit_id, second["amount"], second["method"], clerk, NOW, request_key=key,
                              reference=second["reference"], payer_name=second["payer_name"], charge_ids=picked)
    db.session.rollback()
    assert _receipts() == before
    assert services.arrears_total(fresh_unit.id) == D("200.00")


# --- the API ----------------------------------------------------------------------------------
def _post(app, api, body):
    """One API request in an app context of its own, as a real request has (the test's context
    would carry ``g`` from one request to the next)."""
    with app.app_context():
        return api("clerk").post("/api/v1/receipt/payment", json=body)


def test_api_same_key_replays_and_other_money_is_409(app, api, fresh_unit):
    uid = fresh_unit.id
    db.session.rollback()  # no open transaction of ours while the requests run
    key = f"api-{uuid.uuid4().hex}"
    body = {"unit": uid, "amount": "100.00", "method": "cash", "request_key": key}
    first = _post(app, api, body)
    assert first.status_code == 201, first.get_data(as_text=True)
    replay = _post(app, api, body)
    assert replay.status_code == 201, replay.get_data(as_text=True)
    assert replay.json["id"] == first.json["id"]
    before = _receipt_count()
    other = _post(app, api, {**body, "amount": "999.00"})
    assert other.status_code == 409, other.get_data(as_text=True)
    assert "request_key" in other.json["message"]
    assert other.json["message"]["request_key"][0]  # a sentence, not an empty refusal
    assert _receipt_count() == before
    assert services.arrears_total(uid) == D("200.00")  # the 100.00 only, never the 999.00


# --- the page ---------------------------------------------------------------------------------
def test_page_resent_with_another_amount_shows_a_message_and_posts_nothing(app, client, fresh_unit):
    uid = fresh_unit.id
    do_login(client, "clerk")
    html = client.get(f"/cashdesk/unit/{uid}").get_data(as_text=True)
    form = {"csrf_token": _hidden(html, "csrf_token"), "request_key": _hidden(html, "request_key"),
            "method": "cash", "amount": "100.00"}
    assert client.post(f"/cashdesk/unit/{uid}", data=form).status_code == 302
    before = _receipts()
    # the clerk goes back to the page in the browser, types 999.00 and submits the same form
    resp = client.post(f"/cashdesk/unit/{uid}", data={**form, "amount": "999.00"},
                       headers={"Accept-Language": "zh-CN"})
    assert resp.status_code == 200
    page = resp.get_data(as_text=True)
    assert "未入账" in page  # the Chinese message says nothing was posted
    assert _receipts() == before
    # the page comes back with a new key: a deliberate second submit posts a new payment
    assert _hidden(page, "request_key") != form["request_key"]
    again = client.post(f"/cashdesk/unit/{uid}", data={**form, "amount": "999.00",
                                                       "request_key": _hidden(page, "request_key")})
    assert again.status_code == 302
    assert _receipts() == before + 1
