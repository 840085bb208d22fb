"""Sell a service, then collect at once (issue 12): the take-payment page the sale leads to
pays exactly that sale's charge, not the unit's oldest charge.

Driven as a clerk clicks it: the sale form is posted, the redirect is followed, and the
take-payment form is sent back exactly as the browser would send it (its hidden fields,
ticked boxes and filled-in amount; the clerk changes nothing).
"""
from decimal import Decimal as D
from html.parser import HTMLParser

from sqlalchemy import select
from werkzeug.datastructures import MultiDict

from app.extensions import db
from app.fees.models import Charge
from tests.cashdesk.test_cashdesk_pages import _hidden
from tests.conftest import do_login


class _Form(HTMLParser):
    """What a browser submits for the page's first POST form (not the navbar's logout), untouched
    by the user."""

    def __init__(self):
        super().__init__()
        self.fields: list[tuple[str, str]] = []
        self._in_form = self._done = False
        self._select = None
        self._options: list[tuple[str, bool]] = []

    def handle_starttag(self, tag, attrs):
        a = dict(attrs)
        if self._done:
            return
        # the page's own form: the navbar's logout is a POST form too
        if tag == "form" and (a.get("method") or "").lower() == "post" and "logout" not in (a.get("action") or ""):
            self._in_form = True
        if not self._in_form or not a.get("name") and tag != "option":
            return
        if tag == "input":
            kind = (a.get("type") or "text").lower()
            if kind in ("checkbox", "radio"):
                if "checked" in a:
                    self.fields.append((a["name"], a.get("value", "on")))
            elif kind not in ("submit", "button"):
                self.fields.append((a["name"], a.get("value") or ""))
        elif tag == "select":
            self._select, self._options = a["name"], []
        elif tag == "option" and self._select:
            self._options.append((a.get("value", ""), "selected" in a))

    def handle_endtag(self, tag):
        if tag == "select" and self._select:
            chosen = [v for v, sel in self._options if sel] or [v for v, _ in self._options[:1]]
            self.fields += [(self._select, v) for v in chosen]
            self._select = None
        if tag == "form" and self._in_form:
            self._in_form, self._done = False, True


def _browser_form(html):
    parser = _Form()
    parser.feed(html)
    return parser.fields


def test_sale_then_collect_pays_that_sale_not_the_oldest_charge(app, client, fresh_unit):
    uid = fresh_unit.id
    do_login(client, "clerk")
    sale_page = client.get(f"/sale/unit/{uid}").get_data(as_text=True)
    fields = dict(_browser_form(sale_page))
    assert fields.get("price"), "the demo estate has a service price list"
    resp = client.post(f"/sale/unit/{uid}", data={**fields, "quantity": "2", "note": "复印身份证"})
    assert resp.status_code == 302
    db.session.expire_all()
    sale = db.session.scalar(select(Charge).where(Charge.unit_id == uid, Charge.source == "sale"))
    old = db.session.scalars(select(Charge).where(Charge.unit_id == uid, Charge.source == "manual")).all()
    assert sale is not None and len(old) == 3

    # the sale leads to the take-payment page with that charge ticked and its amount filled in
    pay_url = resp.headers["Location"]
    page = client.get(pay_url).get_data(as_text=True)
    form = _browser_form(page)
    assert ("charge", str(sale.id)) in form
    assert [v for k, v in form if k == "charge"] == [str(sale.id)]
    assert dict(form)["amount"] == f"{sale.amount:.2f}"
    paid = client.post(pay_url.split("?")[0], data=MultiDict(form))
    assert paid.status_code == 302, paid.get_data(as_text=True)[:2000]

    db.session.expire_all()
    assert db.session.get(Charge, sale.id).paid == sale.amount
    assert [db.session.get(Charge, c.id).paid for c in old] == [D("0.00")] * 3


def test_collect_link_with_hostile_charge_ids_ticks_nothing(app, client, fresh_unit):
    """?charge= in the address comes from a link: an id that is not a plain id, or not an open
    charge of this unit, is ignored (the page still shows, nothing is ticked)."""
    uid = fresh_unit.id
    do_login(client, "clerk")
    resp = client.get(f"/cashdesk/unit/{uid}?charge=²&charge=8.5&charge={10**25}&charge=1")
    assert resp.status_code == 200
    form = _browser_form(resp.get_data(as_text=True))
    assert [v for k, v in form if k == "charge"] == []
    assert _hidden(resp.get_data(as_text=True), "request_key")
