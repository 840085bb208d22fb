"""Hostile inputs at the cash desk (issue 12): ids, lengths and characters are checked before
the database sees them, so SQLite and PostgreSQL answer alike (.ci/run runs this file on both).

Every case is refused with a 422 (API) or a message on the page (form), names the field, and
writes nothing: no receipt, no audit row. Before the fix ``unit: 8.5`` was posted to unit 8,
``charge=²`` was a 500, and a 10,000-character reference was stored on SQLite and a 500 on
PostgreSQL.
"""
from __future__ import annotations

import uuid

import pytest

from app.cashdesk.models import Receipt
from tests.api.conftest import assert_no_leak
from tests.cashdesk.test_cashdesk_pages import _hidden
from app.extensions import db
from tests.conftest import do_login

LONG = "号" * 10_000


def _receipt_count() -> tuple[int, int]:
    """Receipts and audit rows, counted in the test's session; the transaction is ended at once
    (on SQLite an open one would hold the write lock the request under test needs)."""
    from sqlalchemy import func, select

    from app.core.audit import AuditLog
    from app.extensions import db

    counts = tuple(db.session.scalar(select(func.count()).select_from(m)) for m in (Receipt, AuditLog))
    db.session.rollback()
    return counts


# (case id, what to change in a good body (a function of the unit id), field named in the answer)
API_CASES = [
    ("unit 8.5", lambda u: {"unit": u + 0.5}, "unit"),
    ("unit as float 8.0", lambda u: {"unit": float(u)}, "unit"),
    ("unit -1", lambda u: {"unit": -1}, "unit"),
    ("unit 0", lambda u: {"unit": 0}, "unit"),
    ("unit '1e3'", lambda u: {"unit": "1e3"}, "unit"),
    ("unit 1e3 number", lambda u: {"unit": 1e3}, "unit"),
    ("unit superscript two", lambda u: {"unit": "²"}, "unit"),
    ("unit full-width", lambda u: {"unit": "８"}, "unit"),
    ("unit 10**25", lambda u: {"unit": 10**25}, "unit"),
    ("unit 2**63", lambda u: {"unit": 2**63}, "unit"),
    ("unit true", lambda u: {"unit": True}, "unit"),
    ("unit list", lambda u: {"unit": [u]}, "unit"),
    ("charge 8.5", lambda u: {"charge_ids": [8.5]}, "charge_ids"),
    ("charge superscript", lambda u: {"charge_ids": ["²"]}, "charge_ids"),
    ("charge 10**25", lambda u: {"charge_ids": [10**25]}, "charge_ids"),
    ("charge -1", lambda u: {"charge_ids": [-1]}, "charge_ids"),
    ("reference 10,000 characters", lambda u: {"reference": LONG}, "reference"),
    ("reference NUL", lambda u: {"reference": "CHQ\x00001"}, "reference"),
    ("reference line break", lambda u: {"reference": "CHQ\n001"}, "reference"),
    ("payer NUL", lambda u: {"payer_name": "张\x00三"}, "payer_name"),
    ("payer 10,000 characters", lambda u: {"payer_name": LONG}, "payer_name"),
    ("payer escape character", lambda u: {"payer_name": "张三\x1b[31m"}, "payer_name"),
    ("payer lone surrogate", lambda u: {"payer_name": "张\ud800三"}, "payer_name"),
    ("payer number", lambda u: {"payer_name": 12}, "payer_name"),
    ("key 10,000 characters", lambda u: {"request_key": LONG}, "request_key"),
    ("key NUL", lambda u: {"request_key": "key\x00"}, "request_key"),
]


@pytest.mark.parametrize("change, field", [c[1:] for c in API_CASES], ids=[c[0] for c in API_CASES])
def test_api_payment_refuses_hostile_input(app, api, fresh_unit, change, field):
    uid = fresh_unit.id
    db.session.rollback()  # no open transaction of ours while the request runs
    body = {"unit": uid, "amount": "10.00", "method": "cash", "request_key": f"hostile-{uuid.uuid4().hex}",
            **change(uid)}
    before = _receipt_count()
    resp = api("clerk").post("/api/v1/receipt/payment", json=body)
    assert resp.status_code == 422, resp.get_data(as_text=True)[:300]
    assert field in resp.json["message"], resp.json
    assert_no_leak(resp)
    assert _receipt_count() == before


def test_api_payment_takes_ids_as_digits_with_spaces(app, api, fresh_unit):
    """An id sent as text of ASCII digits (a form-encoded client), spaces around it: accepted."""
    uid = fresh_unit.id
    db.session.rollback()
    resp = api("clerk").post("/api/v1/receipt/payment", json={
        "unit": f" {uid} ", "amount": "10.00", "method": "cash", "payer_name": "  张三  ",
        "request_key": f"ok-{uuid.uuid4().hex}"})
    assert resp.status_code == 201, resp.get_data(as_text=True)
    assert resp.json["result"]["unit_id"] == uid
    assert resp.json["result"]["payer_name"] == "张三"


# (case id, form fields, field whose message is shown)
FORM_CASES = [
    ("charge superscript two", {"charge": "²"}, "charges"),
    ("charge full-width", {"charge": "８"}, "charges"),
    ("charge 8.5", {"charge": "8.5"}, "charges"),
    ("charge 10**25", {"charge": str(10**25)}, "charges"),
    ("reference 10,000 characters", {"reference": LONG}, "reference"),
    ("reference NUL", {"reference": "CHQ\x00001"}, "reference"),
    ("payer NUL", {"payer_name": "张\x00三"}, "payer_name"),
    ("payer 10,000 characters", {"payer_name": LONG}, "payer_name"),
]


@pytest.mark.parametrize("fields, field", [c[1:] for c in FORM_CASES], ids=[c[0] for c in FORM_CASES])
def test_form_refuses_hostile_input(app, client, fresh_unit, fields, field):
    uid = fresh_unit.id
    do_login(client, "clerk")
    html = client.get(f"/cashdesk/unit/{uid}").get_data(as_text=True)
    form = {"csrf_token": _hidden(html, "csrf_token"), "request_key": _hidden(html, "request_key"),
            "method": "cash", "amount": "10.00", **fields}
    before = _receipt_count()
    resp = client.post(f"/cashdesk/unit/{uid}", data=form)
    assert resp.status_code == 200, resp.status_code
    page = resp.get_data(as_text=True)
    assert f'data-error-field="{field}"' in page
    assert _receipt_count() == before


def test_inputs_helpers_table():
    """The shared helpers themselves (app/core/inputs.py), for other registers to rely on."""
    from app.core import inputs
    from app.exceptions import DomainError

    for good, value in [(8, 8), ("8", 8), (" 8 ", 8), (2**63 - 1, 2**63 - 1)]:
        assert inputs.as_id(good, "x") == value
    for bad in (8.5, 8.0, -1, 0, "1e3", "²", "８", 10**25, 2**63, True, None, "", "0x10", [8], "+8", "08 9"):
        with pytest.raises(DomainError) as err:
            inputs.as_id(bad, "x")
        assert err.value.field == "x"
    assert inputs.clean_text("  a\tb \r\n", "t", 10, multiline=True) == "a\tb"
    assert inputs.clean_text("行一\r\n行二", "t", 10, multiline=True) == "行一\r\n行二"
    assert inputs.clean_text("   ", "t", 10) is None
    for bad, multiline in [("a\x00", True), ("a\tb", False), ("a\nb", False), ("a\x7f", True), ("a\u0085b", True),
                           ("x" * 11, True), ("\ud800", True)]:
        with pytest.raises(DomainError):
            inputs.clean_text(bad, "t", 10, multiline=multiline)
