"""The bad-input table (issue #7): amounts, long and hostile text, unknown foreign keys,
impossible dates, oversized bodies and bad query arguments, over the REST API and the forms.

A refused request gets a 4xx with a message, leaks no SQL or traceback, and writes nothing
(the register's rows and the audit log are counted before and after). Hostile text that is
accepted is shown literally: escaped in HTML lists, as text in PDFs and Excel cells.
"""
from __future__ import annotations

import io
import json
import re
from types import SimpleNamespace

import pytest

from tests.api.conftest import assert_no_leak, count_rows
from tests.conftest import csrf_token

LONG = "名" * 10_000
TEN_MB = 10 * 1024 * 1024
BAD_DATE = "2026-02-30"


@pytest.fixture(scope="module")
def ids(app):
    from app.demo import ESTATE_NAME
    from app.estate.models import Estate, Unit, Zone
    from app.extensions import db
    from app.owners.models import Owner
    from tests.conftest import OTHER_ESTATE

    with app.app_context():
        demo = db.session.query(Estate).filter_by(name=ESTATE_NAME).one()
        other = db.session.query(Estate).filter_by(name=OTHER_ESTATE).one()
        unit = db.session.query(Unit).filter_by(estate_id=demo.id, code="3-2-501").one()
        return SimpleNamespace(
            demo=demo.id, other=other.id, unit=unit.id,
            other_unit=db.session.query(Unit).filter_by(estate_id=other.id).first().id,
            other_zone=db.session.query(Zone).filter_by(estate_id=other.id).first().id,
            other_owner=db.session.query(Owner).filter_by(estate_id=other.id).first().id,
        )


def _models():
    from app.cashdesk.models import BankDeposit, Receipt, Reconciliation
    from app.estate.models import Building, Zone
    from app.fees.models import Charge, FeeItem, FeeRate, ServicePrice
    from app.meters.models import MeterReading
    from app.owners.models import Occupancy, Owner
    from app.publishing.models import Notice, Posting

    return dict(charge=Charge, zone=Zone, building=Building, fee_item=FeeItem, fee_rate=FeeRate, service_price=ServicePrice,
                receipt=Receipt, bank_deposit=BankDeposit, reconciliation=Reconciliation, meter_reading=MeterReading,
                owner=Owner, occupancy=Occupancy, notice=Notice, posting=Posting)


def price(value):
    return lambda i: {"estate": i.demo, "kind": "business", "name": "复印", "unit_label": "页", "price": value}


def pay(value):
    return lambda i: {"unit": i.unit, "amount": value, "method": "cash"}


def sale(**body):
    """A sale of the demo's first price-list entry to 3-2-501, with ``body`` laid over it."""
    return lambda i: {"unit": i.unit, "price": 1, "quantity": "1", **body}


def raw(text):
    """A body sent as written (JSON numbers Python's json would not produce)."""
    return lambda i: text.replace("{estate}", str(i.demo)).replace("{unit}", str(i.unit))


# (case id, user, method, url, body(ids), expected status, field named in the message, register)
API_CASES = [
    # amounts on a price list entry (Money column through the API)
    ("price -0.01", "supervisor", "POST", "/api/v1/service_price/", price("-0.01"), 422, "price", "service_price"),
    ("price 1.005", "supervisor", "POST", "/api/v1/service_price/", price("1.005"), 422, "price", "service_price"),
    ("price NaN", "supervisor", "POST", "/api/v1/service_price/", price("NaN"), 422, "price", "service_price"),
    ("price Infinity", "supervisor", "POST", "/api/v1/service_price/", price("Infinity"), 422, "price", "service_price"),
    ("price full-width", "supervisor", "POST", "/api/v1/service_price/", price("１００"), 422, "price", "service_price"),
    ("price exponent", "supervisor", "POST", "/api/v1/service_price/", price("1e3"), 422, "price", "service_price"),
    ("price letters", "supervisor", "POST", "/api/v1/service_price/", price("十元"), 422, "price", "service_price"),
    ("price too large", "supervisor", "POST", "/api/v1/service_price/", price("99999999999.00"), 422, "price",
     "service_price"),
    ("price true", "supervisor", "POST", "/api/v1/service_price/", price(True), 422, "price", "service_price"),
    ("price JSON 1e400", "supervisor", "POST", "/api/v1/service_price/",
     raw('{"estate": {estate}, "kind": "business", "name": "x", "unit_label": "页", "price": 1e400}'), 422, "price",
     "service_price"),
    ("price JSON NaN", "supervisor", "POST", "/api/v1/service_price/",
     raw('{"estate": {estate}, "kind": "business", "name": "x", "unit_label": "页", "price": NaN}'), 422, "price",
     "service_price"),
    # amounts at the cash desk (post_payment through the API)
    ("payment -0.01", "clerk", "POST", "/api/v1/receipt/payment", pay("-0.01"), 422, "amount", "receipt"),
    ("payment 1.005", "clerk", "POST", "/api/v1/receipt/payment", pay("1.005"), 422, "amount", "receipt"),
    ("payment NaN", "clerk", "POST", "/api/v1/receipt/payment", pay("NaN"), 422, "amount", "receipt"),
    ("payment full-width", "clerk", "POST", "/api/v1/receipt/payment", pay("１００"), 422, "amount", "receipt"),
    ("payment JSON 1e400", "clerk", "POST", "/api/v1/receipt/payment",
     raw('{"unit": {unit}, "amount": 1e400, "method": "cash"}'), 422, "amount", "receipt"),
    ("payment method", "clerk", "POST", "/api/v1/receipt/payment",
     lambda i: {"unit": i.unit, "amount": "10.00", "method": "bitcoin"}, 422, "method", "receipt"),
    # a sale: ids as plain integers (marshmallow's Integer took unit 8.5 as unit 8), a note that fits
    ("sale unit 8.5", "clerk", "POST", "/api/v1/charge/sale", lambda i: sale(unit=i.unit + 0.5)(i), 422, "unit",
     "charge"),
    ("sale unit full-width", "clerk", "POST", "/api/v1/charge/sale", sale(unit="８"), 422, "unit", "charge"),
    ("sale price 1e3", "clerk", "POST", "/api/v1/charge/sale", sale(price="1e3"), 422, "price", "charge"),
    ("sale note NUL", "clerk", "POST", "/api/v1/charge/sale", sale(note="\x00" * 5), 422, "note", "charge"),
    ("sale note too long", "clerk", "POST", "/api/v1/charge/sale", sale(note="名" * 101), 422, "note", "charge"),
    # 10,000-character text
    ("fee item long name", "supervisor", "POST", "/api/v1/fee_item/",
     lambda i: {"estate": i.demo, "code": "x1", "name": LONG, "kind": "other", "basis": "per_sale",
                "unit_label": "次"}, 422, "name", "fee_item"),
    ("owner long name", "clerk", "POST", "/api/v1/owner/", lambda i: {"estate": i.demo, "name": LONG}, 422, "name",
     "owner"),
    ("notice long title", "clerk", "POST", "/api/v1/notice/",
     lambda i: {"estate": i.demo, "kind": "announcement", "title": LONG, "body": "x"}, 422, "title", "notice"),
    ("price long name", "supervisor", "POST", "/api/v1/service_price/",
     lambda i: {**price("1.00")(i), "name": LONG}, 422, "name", "service_price"),
    # foreign keys that do not exist, belong to another estate, or are not ids
    ("zone unknown estate", "supervisor", "POST", "/api/v1/zone/", lambda i: {"estate": 999999, "name": "新组团"}, 422,
     "estate", "zone"),
    ("zone other estate", "supervisor", "POST", "/api/v1/zone/", lambda i: {"estate": i.other, "name": "新组团"}, 422,
     "estate", "zone"),
    ("zone estate as object", "supervisor", "POST", "/api/v1/zone/",
     lambda i: {"estate": {"id": 999999, "name": "伪造小区"}, "name": "新组团"}, 422, "estate", "zone"),
    ("zone estate as text", "supervisor", "POST", "/api/v1/zone/", lambda i: {"estate": "abc", "name": "新组团"}, 422,
     "estate", "zone"),
    ("zone estate beyond BIGINT", "supervisor", "POST", "/api/v1/zone/",
     lambda i: {"estate": 10**30, "name": "新组团"}, 422, "estate", "zone"),
    ("building other zone", "supervisor", "POST", "/api/v1/building/",
     lambda i: {"zone": i.other_zone, "number": "99"}, 422, "zone", "building"),
    ("rate unknown schedule", "supervisor", "POST", "/api/v1/fee_rate/",
     lambda i: {"schedule": 999999, "fee_item": 1, "property_type": "all", "rate": "1.20"}, 422, "schedule",
     "fee_rate"),
    ("reading unknown meter", "clerk", "POST", "/api/v1/meter_reading/",
     lambda i: {"meter": 999999, "period": "2026-10", "value": "12.5"}, 422, "meter", "meter_reading"),
    ("occupancy other owner", "clerk", "POST", "/api/v1/occupancy/",
     lambda i: {"unit": i.unit, "owner": i.other_owner, "relation": "tenant"}, 422, "owner", "occupancy"),
    ("posting unknown notice", "clerk", "POST", "/api/v1/posting/",
     lambda i: {"estate": i.demo, "subject": "notice", "notice": 999999, "board": "1号门岗",
                "posted_at": "2026-11-01T09:00:00"}, 422, "notice", "posting"),
    ("payment unknown unit", "clerk", "POST", "/api/v1/receipt/payment",
     lambda i: {"unit": 999999, "amount": "10.00", "method": "cash"}, 422, "unit", "receipt"),
    ("payment other estate unit", "clerk", "POST", "/api/v1/receipt/payment",
     lambda i: {"unit": i.other_unit, "amount": "10.00", "method": "cash"}, 422, "unit", "receipt"),
    ("deposit other estate", "clerk", "POST", "/api/v1/bank_deposit/",
     lambda i: {"estate": i.other, "receipts": [1], "amount": "10.00", "deposit_date": "2026-11-01"}, 422, "estate",
     "bank_deposit"),
    # impossible dates
    ("reading 2026-02-30", "clerk", "POST", "/api/v1/meter_reading/",
     lambda i: {"meter": 1, "period": "2026-02", "value": "12.5", "read_on": BAD_DATE}, 422, "read_on",
     "meter_reading"),
    ("reconciliation 2026-02-30", "clerk", "POST", "/api/v1/reconciliation/",
     lambda i: {"estate": i.demo, "date_from": BAD_DATE, "date_to": "2026-03-02"}, 422, "date_from",
     "reconciliation"),
    ("deposit 2026-02-30", "clerk", "POST", "/api/v1/bank_deposit/",
     lambda i: {"estate": i.demo, "receipts": [1], "amount": "10.00", "deposit_date": BAD_DATE}, 422,
     "deposit_date", "bank_deposit"),
    ("notice starts 2026-02-30", "clerk", "POST", "/api/v1/notice/",
     lambda i: {"estate": i.demo, "kind": "outage", "title": "停水", "body": "x", "starts_at": f"{BAD_DATE}T08:00:00",
                "ends_at": "2026-03-01T08:00:00"}, 422, "starts_at", "notice"),
    # bodies that are not records
    ("body is a list", "supervisor", "POST", "/api/v1/zone/", lambda i: [1, 2], 422, None, "zone"),
    ("body is not JSON", "supervisor", "POST", "/api/v1/zone/", raw("{estate: 1"), 400, None, "zone"),
    ("unknown field", "supervisor", "POST", "/api/v1/zone/", lambda i: {"estate": i.demo, "name": "z", "id": 5},
     422, "id", "zone"),
    ("body nested 100000 deep", "supervisor", "POST", "/api/v1/zone/", raw("[" * 100_000 + "]" * 100_000), 400,
     None, "zone"),
    ("10 MB body", "supervisor", "POST", "/api/v1/zone/", raw('{"name": "' + "x" * TEN_MB + '"}'), 413, None, "zone"),
    ("10 MB payment", "clerk", "POST", "/api/v1/receipt/payment", raw('{"payer_name": "' + "x" * TEN_MB + '"}'), 413,
     None, "receipt"),
]


@pytest.mark.parametrize("case", API_CASES, ids=[c[0] for c in API_CASES])
def test_api_refuses_bad_input_and_writes_nothing(app, api, ids, case):
    _name, user, method, url, body, status, field, register = case
    model = _models()[register]
    data = body(ids)
    kw = {"data": data, "content_type": "application/json"} if isinstance(data, str) else {"json": data}
    before = count_rows(app, model)
    resp = api(user).open(method, url, **kw)
    assert resp.status_code == status, resp.get_data(as_text=True)[:400]
    assert_no_leak(resp)
    message = resp.json["message"]
    assert message, "a refusal says why"
    if field:
        assert isinstance(message, dict) and field in message, message
        assert all(str(m).strip() for m in message[field])
    assert count_rows(app, model) == before, "a refused request wrote rows"


QUERY_CASES = [
    ("rison garbage", "/api/v1/charge/?q=(((", 400),
    ("q nested 5000 deep", "/api/v1/charge/?q=" + "(a:" * 5000 + ")" * 5000, 400),
    ("page size 0", "/api/v1/charge/?q=(page_size:0)", 400),
    ("negative page size", "/api/v1/receipt/?q=(page_size:-5)", 400),
    ("negative page", "/api/v1/receipt/?q=(page:-1)", 400),
    ("unknown order column", "/api/v1/fee_item/?q=(order_column:password,order_direction:asc)", 400),
    ("bad order direction", "/api/v1/fee_item/?q=(order_column:code,order_direction:sideways)", 400),
    ("unknown filter column", "/api/v1/owner/?q=(filters:!((col:id_number,opr:sw,value:'1')))", 400),
    ("id beyond BIGINT", "/api/v1/receipt/99999999999999999999999", 404),
    ("id not a number", "/api/v1/receipt/abc", 404),
    ("info with bad keys", "/api/v1/notice/_info?q=(keys:!(nope))", 400),
]


@pytest.mark.parametrize("case", QUERY_CASES, ids=[c[0] for c in QUERY_CASES])
def test_bad_query_arguments_are_4xx_without_leaks(api, case):
    _name, url, status = case
    resp = api("accountant").get(url)
    assert resp.status_code == status, resp.get_data(as_text=True)[:300]
    assert_no_leak(resp)
    assert resp.json.get("message")


def test_huge_page_size_is_capped(api):
    resp = api("accountant").get("/api/v1/charge/?q=(page_size:100000)")
    assert resp.status_code == 200
    assert len(resp.json["result"]) <= 100


# --- forms ------------------------------------------------------------------------------
def _token(client, url: str) -> str:
    html = client.get(url).get_data(as_text=True)
    match = re.search(r'name="csrf_token"[^>]*value="([^"]+)"', html)
    assert match, f"no CSRF token on {url}"
    return match.group(1)


def _help_blocks(html: str) -> str:
    """The messages next to the fields (FAB: a help block, or an alert inside the field's cell)."""
    return " ".join(re.findall(r'(?s)<span class="help-block">\s*(.*?)\s*</span>', html)
                    + re.findall(r'(?s)<div class="alert alert-danger">\s*(.*?)\s*</div>', html))


FORM_AMOUNTS = ["-0.01", "1.005", "NaN", "Infinity", "１００", "1e400", ""]


@pytest.mark.parametrize("amount", FORM_AMOUNTS)
def test_cash_desk_form_refuses_bad_amounts(app, login, ids, amount):
    from app.cashdesk.models import Receipt

    client = login("clerk")
    url = f"/cashdesk/unit/{ids.unit}"
    before = count_rows(app, Receipt)
    resp = client.post(url, data={"csrf_token": _token(client, url), "amount": amount, "method": "cash",
                                  "request_key": f"bad-{amount!r}"})
    assert resp.status_code == 200  # the page comes back with the message; no redirect to a receipt
    html = resp.get_data(as_text=True)
    assert "has-error" in html or "alert-danger" in html or _help_blocks(html)
    assert count_rows(app, Receipt) == before


def test_owner_form_refuses_a_10000_character_name(app, login, ids):
    from app.owners.models import Owner

    client = login("clerk")
    before = count_rows(app, Owner)
    resp = client.post("/ownermodelview/add", data={"csrf_token": csrf_token(client, "/ownermodelview/add"),
                                                    "estate": ids.demo, "name": LONG, "language": "zh_CN"})
    assert resp.status_code == 200
    assert _help_blocks(resp.get_data(as_text=True)).strip()
    assert count_rows(app, Owner) == before


def test_occupancy_form_refuses_february_30(app, login, ids):
    from app.owners.models import Occupancy

    client = login("clerk")
    before = count_rows(app, Occupancy)
    resp = client.post("/occupancymodelview/add", data={
        "csrf_token": csrf_token(client, "/occupancymodelview/add"), "unit": ids.unit, "owner": ids.other_owner,
        "relation": "tenant", "move_in_date": BAD_DATE})
    assert resp.status_code == 200
    assert _help_blocks(resp.get_data(as_text=True)).strip()
    assert count_rows(app, Occupancy) == before


def test_a_10_mb_form_is_413_in_our_words(app, login):
    from app.owners.models import Owner

    client = login("clerk")
    before = count_rows(app, Owner)
    resp = client.post("/ownermodelview/add", data={"name": "x" * TEN_MB})
    assert resp.status_code == 413
    assert "Traceback" not in resp.get_data(as_text=True)
    assert count_rows(app, Owner) == before


# --- hostile text that is accepted is shown literally -------------------------------------
SCRIPT = "<script>alert(1)</script>"
FORMULA = "=cmd|' /C calc'!A0"


def _literal(cell) -> bool:
    """Text, never a formula, and marked so that editing it in Excel/WPS keeps it text."""
    return cell.data_type == "s" and (not cell.value.startswith(("=", "+", "-", "@")) or cell.quotePrefix)


@pytest.fixture()
def hostile_owner(app, api, ids):
    """An owner named with markup (deleted afterwards)."""
    made = []

    def _make(name):
        resp = api("supervisor").post("/api/v1/owner/", json={"estate": ids.demo, "name": name})
        assert resp.status_code == 201, resp.get_data(as_text=True)
        made.append(resp.json["id"])
        return resp.json["id"]

    yield _make
    for pk in made:
        assert api("supervisor").delete(f"/api/v1/owner/{pk}").status_code == 200


def test_script_in_a_name_is_escaped_in_the_html_list(login, hostile_owner):
    hostile_owner(SCRIPT)
    html = login("clerk").get("/ownermodelview/list/?_flt_0_name=%3Cscript").get_data(as_text=True)
    assert "&lt;script&gt;alert(1)&lt;/script&gt;" in html
    assert SCRIPT not in html


def test_formula_in_an_owner_name_is_text_in_the_owner_export(app, login, hostile_owner):
    from openpyxl import load_workbook

    hostile_owner(FORMULA)
    resp = login("supervisor").get("/import/owners.xlsx")
    assert resp.status_code == 200
    cells = [c for row in load_workbook(io.BytesIO(resp.data)).active.iter_rows() for c in row
             if isinstance(c.value, str) and "calc" in c.value]
    assert cells, "the owner is in the export"
    for cell in cells:
        assert _literal(cell), (cell.data_type, cell.quotePrefix, cell.value)


def test_formula_in_an_owner_name_is_text_in_the_arrears_export(app, api, login):
    """The first unit in arrears gets its owner renamed to a formula for the export, then back."""
    from openpyxl import load_workbook

    resp = api("supervisor").get("/api/v1/owner/?q=(page_size:1,filters:!((col:name,opr:sw,value:'')))")
    assert resp.status_code == 200
    browser = login("supervisor")
    html = browser.get("/arrears/").get_data(as_text=True)
    match = re.search(r'/collection/unit/(\d+)', html)
    assert match, "the demo has units in arrears"
    unit_id = int(match.group(1))
    occ = api("supervisor").get(f"/api/v1/occupancy/?q=(filters:!((col:unit,opr:rel_o_m,value:{unit_id})))").json
    owner_id = occ["result"][0]["owner_id"]
    old_name = api("supervisor").get(f"/api/v1/owner/{owner_id}").json["result"]["name"]
    assert api("supervisor").put(f"/api/v1/owner/{owner_id}", json={"name": FORMULA}).status_code == 200
    try:
        resp = browser.get("/arrears/arrears.xlsx")
        assert resp.status_code == 200
        cells = [c for row in load_workbook(io.BytesIO(resp.data)).active.iter_rows() for c in row
                 if isinstance(c.value, str) and "calc" in c.value]
        assert cells, "the renamed owner is in the arrears export"
        for cell in cells:
            assert _literal(cell), (cell.data_type, cell.quotePrefix, cell.value)
    finally:
        assert api("supervisor").put(f"/api/v1/owner/{owner_id}", json={"name": old_name}).status_code == 200


def test_markup_in_a_payer_name_prints_literally_on_the_receipt_pdf(app, api, login, ids):
    from pypdf import PdfReader

    payer = "<b>王</b>&amp;<i>"
    resp = api("clerk").post("/api/v1/receipt/payment",
                             json={"unit": ids.unit, "amount": "0.01", "method": "cash", "payer_name": payer})
    assert resp.status_code == 201, resp.get_data(as_text=True)
    pdf = login("clerk").get(f"/cashdesk/receipt/{resp.json['id']}.pdf")
    assert pdf.status_code == 200 and pdf.data.startswith(b"%PDF")
    text = "".join(page.extract_text() for page in PdfReader(io.BytesIO(pdf.data)).pages)
    assert payer in text.replace("\n", ""), text[:500]


def test_raw_json_bodies_are_what_the_table_says():
    """The raw bodies above really are JSON a Python client would never send."""
    assert json.loads('{"a": 1e400}')["a"] == float("inf")
    assert len(API_CASES) + len(QUERY_CASES) + len(FORM_AMOUNTS) + 3 >= 40
