"""对账 every three days: system totals by payment method, exact; ranges never overlap; the
accountant signs off, explaining a difference; the dashboard warns when it is overdue.

Service tests use days of 2037-2039 in the demo estate; the page test uses estate B."""
import datetime as dt
import re
from decimal import Decimal as D

import pytest

from app.cashdesk import reconciliation, services
from app.cashdesk.models import Receipt, Reconciliation
from app.exceptions import DomainError, PermissionDenied
from app.extensions import db
from tests.conftest import OTHER_ESTATE, do_login


# One unit of the shared ``fresh_unit`` pool serves every test of this module: the pool of
# vacant demo units is small (about 30) and other modules draw from it too.
_UNIT: dict[str, int] = {}


@pytest.fixture()
def unit(request, app_ctx):
    from app.estate.models import Unit

    if "id" not in _UNIT:
        _UNIT["id"] = request.getfixturevalue("fresh_unit").id
    return db.session.get(Unit, _UNIT["id"])


@pytest.fixture()
def accountant(app_ctx):
    return app_ctx.appbuilder.sm.find_user(username="accountant")


def at(day: dt.date, hour=10) -> dt.datetime:
    return dt.datetime.combine(day, dt.time(hour))


def test_totals_by_method_match_the_receipts_in_range(unit, clerk, manager):
    d1, d2, d3 = dt.date(2037, 3, 1), dt.date(2037, 3, 2), dt.date(2037, 3, 3)
    pay = lambda amount, method, day: services.post_payment(unit.id, amount, method, clerk, at(day))  # noqa: E731
    pay("10.10", "cash", d1)
    cheque = pay("20.20", "cheque", d2)
    pay("30.30", "bank_transfer", d2)
    pay("40.40", "mobile", d3)
    pay("0.07", "cash", d3)
    pay("5.55", "cash", d3 + dt.timedelta(days=1))  # after the range
    pay("6.66", "mobile", d1 - dt.timedelta(days=1))  # before it
    req = services.request_void(cheque.id, "支票退票，重新收取", clerk, at(d2))
    services.approve_void(req.id, manager, at(d3, 15))  # the reversal counts on d3: -20.20

    rec = reconciliation.prepare_reconciliation(unit.estate_id, d1, d3, clerk, at(d3 + dt.timedelta(days=2)))
    assert (rec.cash_total, rec.cheque_total, rec.transfer_total, rec.mobile_total) == (
        D("10.17"), D("0.00"), D("30.30"), D("40.40"))
    assert rec.system_total == D("80.87")
    # the same figures, added up in Python Decimal from the receipts themselves
    receipts = db.session.query(Receipt).filter(Receipt.estate_id == unit.estate_id,
                                                Receipt.business_date.between(d1, d3)).all()
    assert sum((r.amount for r in receipts), D("0")) == rec.system_total
    for method, total in (("cash", rec.cash_total), ("cheque", rec.cheque_total),
                          ("bank_transfer", rec.transfer_total), ("mobile", rec.mobile_total)):
        assert sum((r.amount for r in receipts if r.method == method), D("0")) == total
    assert rec.book_total is None and rec.signed_off_at is None


def test_ranges_are_checked(clerk, demo_estate):
    e, now = demo_estate.id, at(dt.date(2037, 6, 20))
    first = reconciliation.prepare_reconciliation(e, dt.date(2037, 6, 1), dt.date(2037, 6, 3), clerk, now)
    overlap = re.escape("2037-06-01")  # the message names the reconciliation in the way
    refusals = [
        (dt.date(2037, 6, 10), dt.date(2037, 6, 8), "date_to", None),  # inverted
        (dt.date(2037, 6, 3), dt.date(2037, 6, 5), "date_from", overlap),
        (dt.date(2037, 5, 30), dt.date(2037, 6, 1), "date_from", overlap),
        (dt.date(2037, 5, 1), dt.date(2037, 6, 15), "date_from", overlap),  # around it
        (dt.date(2037, 6, 18), dt.date(2037, 6, 20), "date_to", None),  # today is not finished
        ("2037-13-01", "2037-06-05", "date_from", None),
    ]
    before = db.session.query(Reconciliation).count()
    for date_from, date_to, field, message in refusals:
        with pytest.raises(DomainError, match=message) as err:
            reconciliation.prepare_reconciliation(e, date_from, date_to, clerk, now)
        assert err.value.field == field, (date_from, date_to)
        db.session.rollback()
    assert db.session.query(Reconciliation).count() == before
    again = reconciliation.prepare_reconciliation(e, dt.date(2037, 6, 1), dt.date(2037, 6, 3), clerk, now)
    assert again.id == first.id  # the same range, not signed off: refreshed, not doubled
    nxt = reconciliation.prepare_reconciliation(e, "2037-06-04", "2037-06-06", clerk, now)
    assert nxt.id != first.id


def test_sign_off_needs_the_accountant_and_explains_a_difference(unit, clerk, manager, accountant):
    day = dt.date(2038, 2, 10)
    services.post_payment(unit.id, "120.00", "cash", clerk, at(day))
    rec = reconciliation.prepare_reconciliation(unit.estate_id, day, day, clerk, at(day + dt.timedelta(days=1)))
    assert rec.system_total == D("120.00")
    later = at(day + dt.timedelta(days=2))
    for who in (clerk, manager):
        with pytest.raises(PermissionDenied):
            reconciliation.sign_off(rec.id, "120.00", None, who, later)
        db.session.rollback()
    for book, note in (("119.90", None), ("119.90", "差"), ("1.005", "x"), ("-1", "负数"), ("１２０", "全角")):
        with pytest.raises(DomainError):
            reconciliation.sign_off(rec.id, book, note, accountant, later)
        db.session.rollback()
    rec = db.session.get(Reconciliation, rec.id)
    assert rec.signed_off_at is None and rec.book_total is None
    reconciliation.sign_off(rec.id, "119.90", "一笔现金 0.10 元记入次日", accountant, later)
    rec = db.session.get(Reconciliation, rec.id)
    assert (rec.book_total, rec.difference, rec.signed_off_by_id) == (D("119.90"), D("-0.10"), accountant.id)
    with pytest.raises(DomainError):  # signed off: it cannot change
        reconciliation.sign_off(rec.id, "120.00", None, accountant, later)
    db.session.rollback()
    with pytest.raises(DomainError) as err:  # signed off: not even refreshed
        reconciliation.prepare_reconciliation(unit.estate_id, day, day, clerk, later)
    assert err.value.field == "date_from"


def test_equal_figures_need_no_explanation(clerk, accountant, demo_estate):
    day = dt.date(2038, 8, 1)
    rec = reconciliation.prepare_reconciliation(demo_estate.id, day, day, clerk, at(day + dt.timedelta(days=1)))
    reconciliation.sign_off(rec.id, str(rec.system_total), "", accountant, at(day + dt.timedelta(days=1)))
    assert db.session.get(Reconciliation, rec.id).difference == D("0.00")


def test_overdue_until_a_signed_reconciliation_covers_yesterday(clerk, accountant, demo_estate):
    """Fixed dates after every other reconciliation of the test run (2039)."""
    e, today = demo_estate.id, dt.date(2039, 11, 24)
    overdue, last = reconciliation.reconciliation_overdue(e, today)
    assert overdue and (last is None or last < dt.date(2039, 11, 20))
    old = reconciliation.prepare_reconciliation(e, dt.date(2039, 11, 18), dt.date(2039, 11, 20), clerk, at(dt.date(2039, 11, 21)))
    reconciliation.sign_off(old.id, str(old.system_total), None, accountant, at(dt.date(2039, 11, 21)))
    assert reconciliation.reconciliation_overdue(e, today) == (True, dt.date(2039, 11, 20))  # 4 days ago
    assert reconciliation.reconciliation_overdue(e, dt.date(2039, 11, 23)) == (False, dt.date(2039, 11, 20))  # 3
    pending = reconciliation.prepare_reconciliation(e, dt.date(2039, 11, 21), dt.date(2039, 11, 23), clerk, at(today))
    assert reconciliation.reconciliation_overdue(e, today)[0]  # prepared is not enough: signed off
    reconciliation.sign_off(pending.id, str(pending.system_total), None, accountant, at(today))
    assert reconciliation.reconciliation_overdue(e, today) == (False, dt.date(2039, 11, 23))


# --- the pages (estate B, real clock) -------------------------------------------------------------
def _hidden(html, name="csrf_token"):
    m = re.search(rf'name="{name}" value="([^"]+)"', html)
    assert m, f"no hidden {name}"
    return m.group(1)


def _login(app, username):
    client = app.test_client()
    do_login(client, username)
    return client


def test_dashboard_warns_until_signed_off(app):
    from app.core import clock

    with app.app_context():
        from app.estate.models import Estate

        b_id = db.session.query(Estate.id).filter_by(name=OTHER_ESTATE).scalar()
        today = clock.today()
    clerk_b = _login(app, "clerk_b")
    home = clerk_b.get("/").get_data(as_text=True)
    assert "reconciliation-overdue" in home and OTHER_ESTATE in home
    assert "/reconciliations/new" in home  # the clerk may prepare one

    engineer = _login(app, "engineer")  # may not read reconciliations: no warning
    assert "reconciliation-overdue" not in engineer.get("/").get_data(as_text=True)

    page = clerk_b.get("/reconciliations/new").get_data(as_text=True)
    date_from, date_to = today - dt.timedelta(days=3), today - dt.timedelta(days=1)
    resp = clerk_b.post("/reconciliations/new", data={
        "csrf_token": _hidden(page), "estate": str(b_id),
        "date_from": date_from.isoformat(), "date_to": date_to.isoformat()})
    assert resp.status_code == 302, resp.get_data(as_text=True)
    rec_id = int(resp.headers["Location"].rstrip("/").rsplit("/", 1)[1])
    show = clerk_b.get(f"/reconciliationmodelview/show/{rec_id}").get_data(as_text=True)
    assert f"/reconciliations/{rec_id}/sign-off" not in show  # not for the clerk
    assert clerk_b.get(f"/reconciliations/{rec_id}/sign-off").status_code == 403
    assert "reconciliation-overdue" in clerk_b.get("/").get_data(as_text=True)  # prepared only

    admin = _login(app, "admin")  # estate B has no accountant of its own
    show = admin.get(f"/reconciliationmodelview/show/{rec_id}").get_data(as_text=True)
    assert f"/reconciliations/{rec_id}/sign-off" in show
    form = admin.get(f"/reconciliations/{rec_id}/sign-off").get_data(as_text=True)
    bad = admin.post(f"/reconciliations/{rec_id}/sign-off", data={"csrf_token": _hidden(form), "book_total": "5.00"})
    assert bad.status_code == 200 and "has-error" in bad.get_data(as_text=True)  # a difference needs words
    resp = admin.post(f"/reconciliations/{rec_id}/sign-off", data={"csrf_token": _hidden(form), "book_total": "0.00"})
    assert resp.status_code == 302
    home = clerk_b.get("/").get_data(as_text=True)
    assert "reconciliation-overdue" not in home
    with app.app_context():
        rec = db.session.get(Reconciliation, rec_id)
        assert rec.signed_off_at is not None and rec.book_total == D("0.00") and rec.date_to == date_to
