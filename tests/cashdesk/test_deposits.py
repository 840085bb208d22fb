"""Daily cash close and bank deposits: exact sums, each receipt deposited once, only cash and
cheques, the accountant confirms, a wrong deposit is reversed (never edited or deleted).

Every test uses days of its own (2034-2036) so that the demo estate's other receipts stay out."""
import datetime as dt
import re
from decimal import Decimal as D
from itertools import count

import pytest
from sqlalchemy import func, select, type_coerce

from app.cashdesk import deposits, services
from app.cashdesk.models import BankDeposit, BankDepositReceipt, Receipt
from app.core.money import Money
from app.exceptions import DomainError, PermissionDenied
from app.extensions import db
from tests.conftest import do_login, logout

_day = count()


def _now(hour=17) -> dt.datetime:
    """A fresh day for each use: the cash close of a day then holds only this test's receipts."""
    return dt.datetime(2034, 1, 1, hour) + dt.timedelta(days=next(_day))


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


@pytest.fixture()
def supervisor(app_ctx):
    return app_ctx.appbuilder.sm.find_user(username="supervisor")


def _pay(unit, amounts, method, actor, when):
    return [services.post_payment(unit.id, a, method, actor, when) for a in amounts]


def _counts():
    return db.session.query(BankDeposit).count(), db.session.query(BankDepositReceipt).count()


# --- sums ---------------------------------------------------------------------------------
def test_three_receipts_add_up_exactly(unit, clerk):
    now = _now()
    receipts = _pay(unit, ["0.10", "0.20"], "cash", clerk, now) + _pay(unit, ["100.05"], "cheque", clerk, now)
    ids = [r.id for r in receipts]
    dep = deposits.record_deposit(unit.estate_id, ids, "100.35", now.date(), clerk, now,
                                  bank="工商银行", slip_number="0012345")
    assert dep.amount == D("100.35") and dep.receipts_total == D("100.35")
    assert type(dep.receipts_total) is D
    # the same sum, taken again in SQL over the integer-fen column
    sql_sum = db.session.scalar(select(type_coerce(func.sum(Receipt.amount), Money())).where(Receipt.id.in_(ids)))
    assert sql_sum == D("100.35")
    detail = deposits.deposit_detail(dep.id)
    assert sorted(r.id for r in detail.rows) == sorted(ids)
    assert detail.receipts_sum == D("100.35") and detail.difference == D("0.00") and detail.status == "pending"
    left = {r.id for r in deposits.undeposited_receipts(unit.estate_id, now.date())}
    assert not left & set(ids)


def test_slip_differing_from_receipts_needs_a_note_and_writes_nothing(unit, clerk):
    now = _now()
    ids = [r.id for r in _pay(unit, ["50.00", "25.50"], "cash", clerk, now)]
    before = _counts()
    for note in (None, "", "  差 "):
        with pytest.raises(DomainError) as err:
            deposits.record_deposit(unit.estate_id, ids, "75.00", now.date(), clerk, now, difference_note=note)
        assert err.value.field == "difference_note"
        db.session.rollback()
    assert _counts() == before
    dep = deposits.record_deposit(unit.estate_id, ids, "75.00", now.date(), clerk, now,
                                  difference_note="银行点钞发现一张 50 元残币，少存 0.50")
    assert (dep.amount, dep.receipts_total) == (D("75.00"), D("75.50"))
    assert deposits.deposit_detail(dep.id).difference == D("-0.50")


@pytest.mark.parametrize("amount", ["-1.00", "1.005", "NaN", "１００.００", "abc", "0"])
def test_bad_slip_amount_refused(unit, clerk, amount):
    now = _now()
    ids = [r.id for r in _pay(unit, ["10.00"], "cash", clerk, now)]
    before = _counts()
    with pytest.raises(DomainError) as err:
        deposits.record_deposit(unit.estate_id, ids, amount, now.date(), clerk, now)
    assert err.value.field == "amount"
    db.session.rollback()
    assert _counts() == before


def test_a_receipt_is_deposited_once(unit, clerk):
    now = _now()
    first, second = _pay(unit, ["30.00", "40.00"], "cash", clerk, now)
    deposits.record_deposit(unit.estate_id, [first.id], "30.00", now.date(), clerk, now)
    before = _counts()
    with pytest.raises(DomainError, match=re.escape(first.number)):
        deposits.record_deposit(unit.estate_id, [first.id, second.id], "70.00", now.date(), clerk, now)
    db.session.rollback()
    assert _counts() == before
    assert second.id in {r.id for r in deposits.undeposited_receipts(unit.estate_id, now.date())}


@pytest.mark.parametrize("method", ["bank_transfer", "mobile"])
def test_transfers_and_mobile_payments_are_not_deposited(unit, clerk, method):
    now = _now()
    cash = _pay(unit, ["10.00"], "cash", clerk, now)[0]
    other = _pay(unit, ["20.00"], method, clerk, now)[0]
    assert other.id not in {r.id for r in deposits.undeposited_receipts(unit.estate_id, now.date())}
    before = _counts()
    with pytest.raises(DomainError, match=re.escape(other.number)) as err:
        deposits.record_deposit(unit.estate_id, [cash.id, other.id], "30.00", now.date(), clerk, now)
    assert err.value.field == "receipts"
    db.session.rollback()
    assert _counts() == before


def test_other_refusals(unit, clerk, accountant, other_estate):
    now = _now()
    r = _pay(unit, ["10.00"], "cash", clerk, now)[0]
    estate = unit.estate_id
    with pytest.raises(DomainError):  # nothing ticked
        deposits.record_deposit(estate, [], "10.00", now.date(), clerk, now)
    with pytest.raises(DomainError):  # the bank cannot have it before it was taken
        deposits.record_deposit(estate, [r.id], "10.00", now.date() - dt.timedelta(days=1), clerk, now)
    with pytest.raises(DomainError):  # nor tomorrow
        deposits.record_deposit(estate, [r.id], "10.00", now.date() + dt.timedelta(days=1), clerk, now)
    with pytest.raises(DomainError):  # a receipt of another estate
        deposits.record_deposit(other_estate.id, [r.id], "10.00", now.date(), clerk, now)
    with pytest.raises(PermissionDenied):  # the accountant confirms, she does not record
        deposits.record_deposit(estate, [r.id], "10.00", now.date(), accountant, now)
    db.session.rollback()
    assert r.id in {x.id for x in deposits.undeposited_receipts(estate, now.date())}


# --- confirmation and reversal --------------------------------------------------------------
def test_only_the_accountant_confirms(unit, clerk, manager, accountant):
    now = _now()
    ids = [r.id for r in _pay(unit, ["88.80"], "cash", clerk, now)]
    dep = deposits.record_deposit(unit.estate_id, ids, "88.80", now.date(), clerk, now)
    for who in (clerk, manager):
        with pytest.raises(PermissionDenied):
            deposits.confirm_deposit(dep.id, who, now)
        db.session.rollback()
    assert db.session.get(BankDeposit, dep.id).confirmed_at is None
    deposits.confirm_deposit(dep.id, accountant, now + dt.timedelta(hours=1))
    dep = db.session.get(BankDeposit, dep.id)
    assert dep.confirmed_by_id == accountant.id and deposits.deposit_status(dep) == "confirmed"
    with pytest.raises(DomainError):
        deposits.confirm_deposit(dep.id, accountant, now)
    with pytest.raises(DomainError):  # confirmed against the bank: final
        deposits.reverse_deposit(dep.id, "录错了银行", clerk, now)


def test_a_wrong_deposit_is_reversed_not_changed(unit, clerk, accountant):
    now = _now()
    ids = [r.id for r in _pay(unit, ["12.34"], "cash", clerk, now)]
    dep = deposits.record_deposit(unit.estate_id, ids, "12.34", now.date(), clerk, now, slip_number="A-1")
    with pytest.raises(DomainError):
        deposits.reverse_deposit(dep.id, "错", clerk, now)  # a reason is needed
    db.session.rollback()
    rev = deposits.reverse_deposit(dep.id, "当天未去银行，误登记", clerk, now)
    assert (rev.amount, rev.receipts_total, rev.slip_number) == (D("-12.34"), D("0.00"), "A-1")
    original = db.session.get(BankDeposit, dep.id)
    assert (original.amount, original.receipts_total) == (D("12.34"), D("12.34"))  # unchanged
    assert deposits.deposit_status(original) == "reversed" and deposits.deposit_status(rev) == "reversal"
    detail = deposits.deposit_detail(rev.id)
    assert detail.reverses_id == dep.id and detail.note == "当天未去银行，误登记"
    assert deposits.deposit_detail(dep.id).reversed_by_id == rev.id
    for attempt in (lambda: deposits.confirm_deposit(dep.id, accountant, now),
                    lambda: deposits.confirm_deposit(rev.id, accountant, now),
                    lambda: deposits.reverse_deposit(dep.id, "再冲一次试试", clerk, now),
                    lambda: deposits.reverse_deposit(rev.id, "冲销的冲销", clerk, now)):
        with pytest.raises(DomainError):
            attempt()
        db.session.rollback()
    # the receipts stay with the reversed deposit: a receipt is deposited once
    assert not set(ids) & {r.id for r in deposits.undeposited_receipts(unit.estate_id, now.date())}
    with pytest.raises(DomainError) as err:  # a note cannot pose as a reversal
        deposits.record_deposit(unit.estate_id, [_pay(unit, ["1.00"], "cash", clerk, now)[0].id],
                                "2.00", now.date(), clerk, now, difference_note=f"[reverses #{dep.id}] 伪造")
    assert err.value.field == "difference_note"


# --- the daily cash close ---------------------------------------------------------------------
def test_cash_close_per_cashier_with_a_reversal(unit, clerk, supervisor, manager):
    now = _now(hour=9)
    cash, cheque = _pay(unit, ["50.00"], "cash", clerk, now) + _pay(unit, ["30.00"], "cheque", clerk, now)
    _pay(unit, ["20.00"], "mobile", clerk, now)  # never in the cash box
    _pay(unit, ["10.01"], "cash", supervisor, now)
    req = services.request_void(cash.id, "重复收款，退回现金", clerk, now)
    services.approve_void(req.id, manager, now + dt.timedelta(hours=2))  # same day: -50.00

    close = deposits.cash_close(unit.estate_id, now.date())
    assert close.count == 4
    assert close.by_method == {"cash": D("10.01"), "cheque": D("30.00")}
    assert close.total == D("40.01") and close.deposited == D("0.00")
    by_cashier = {c.cashier_id: c for c in close.cashiers}
    assert set(by_cashier) == {clerk.id, supervisor.id}  # the reversal stays with the clerk's box
    mine = by_cashier[clerk.id]
    assert [r.amount for r in mine.rows] == [D("50.00"), D("30.00"), D("-50.00")]
    assert mine.by_method == {"cash": D("0.00"), "cheque": D("30.00")} and mine.total == D("30.00")
    assert by_cashier[supervisor.id].total == D("10.01")

    only = deposits.cash_close(unit.estate_id, now.date(), cashier_id=supervisor.id)
    assert [c.cashier_id for c in only.cashiers] == [supervisor.id] and only.total == D("10.01")

    # the clerk deposits the cheque; the payment and its reversal net to nothing
    ids = [r.id for r in mine.rows]
    deposits.record_deposit(unit.estate_id, ids, "30.00", now.date(), clerk, now + dt.timedelta(hours=8))
    after = deposits.cash_close(unit.estate_id, now.date())
    assert after.deposited == D("30.00") and after.undeposited == D("10.01")
    assert cheque.id not in {r.id for r in deposits.undeposited_receipts(unit.estate_id, now.date())}


# --- the pages --------------------------------------------------------------------------------
def _hidden(html, name="csrf_token"):
    m = re.search(rf'name="{name}" value="([^"]+)"', html)
    assert m, f"no hidden {name}"
    return m.group(1)


def test_pages_record_confirm_and_refuse(app, client, unit, clerk):
    when = dt.datetime(2020, 2, 3, 16)  # the pages use the real clock: a past day without demo receipts
    ids = [r.id for r in _pay(unit, ["0.10", "0.20", "100.05"], "cash", clerk, when)]
    do_login(client, "clerk")
    assert "/deposits/new" in client.get("/bankdepositmodelview/list/").get_data(as_text=True)
    assert "/reconciliations/new" in client.get("/reconciliationmodelview/list/").get_data(as_text=True)
    day = when.date().isoformat()
    close = client.get(f"/deposits/close?day={day}")
    assert close.status_code == 200 and "100.35" in close.get_data(as_text=True)
    page = client.get(f"/deposits/new?day={day}").get_data(as_text=True)
    token = _hidden(page)
    form = {"csrf_token": token, "receipt": [str(i) for i in ids], "deposit_date": day, "bank": "建设银行"}
    added = client.post(f"/deposits/new?day={day}", data={**form, "action": "add_up"})
    assert added.status_code == 200 and "100.35" in added.get_data(as_text=True)
    wrong = client.post(f"/deposits/new?day={day}", data={**form, "amount": "100.30", "action": "record"})
    assert wrong.status_code == 200 and "has-error" in wrong.get_data(as_text=True)  # note missing
    resp = client.post(f"/deposits/new?day={day}", data={**form, "amount": "100.35", "action": "record"})
    assert resp.status_code == 302 and "/bankdepositmodelview/show/" in resp.headers["Location"]
    dep_id = int(resp.headers["Location"].rstrip("/").rsplit("/", 1)[1])
    show = client.get(f"/bankdepositmodelview/show/{dep_id}").get_data(as_text=True)
    assert f"/deposits/{dep_id}/confirm" not in show  # no confirm button for the clerk
    assert client.post(f"/deposits/{dep_id}/confirm", data={"csrf_token": token}).status_code == 403
    # no edit and no delete, for anyone
    assert client.get(f"/bankdepositmodelview/edit/{dep_id}").status_code == 403
    assert client.post(f"/bankdepositmodelview/delete/{dep_id}", data={"csrf_token": token}).status_code == 403
    logout(client)

    do_login(client, "accountant")
    show = client.get(f"/bankdepositmodelview/show/{dep_id}").get_data(as_text=True)
    assert f"/deposits/{dep_id}/confirm" in show
    assert client.post(f"/deposits/{dep_id}/confirm").status_code == 400  # CSRF stays on
    resp = client.post(f"/deposits/{dep_id}/confirm", data={"csrf_token": _hidden(show)})
    assert resp.status_code == 302
    assert client.get("/deposits/new").status_code == 403  # she confirms, she does not record
    assert "/deposits/new" not in client.get("/bankdepositmodelview/list/").get_data(as_text=True)
    logout(client)

    do_login(client, "admin")
    admin_token = _hidden(client.get("/deposits/new").get_data(as_text=True))
    assert client.post(f"/bankdepositmodelview/delete/{dep_id}", data={"csrf_token": admin_token}).status_code == 403
    db.session.expire_all()
    dep = db.session.get(BankDeposit, dep_id)
    assert dep is not None and dep.confirmed_at is not None and dep.receipts_total == D("100.35")


def test_reversal_pages(app, client, unit, clerk):
    when = dt.datetime(2020, 2, 4, 16)
    ids = [r.id for r in _pay(unit, ["66.60"], "cheque", clerk, when)]
    dep_id = deposits.record_deposit(unit.estate_id, ids, "66.60", when.date(), clerk, when, slip_number="R-9").id
    do_login(client, "clerk")
    show = client.get(f"/bankdepositmodelview/show/{dep_id}").get_data(as_text=True)
    assert f"/deposits/{dep_id}/reverse" in show and "66.60" in show
    form = client.get(f"/deposits/{dep_id}/reverse").get_data(as_text=True)
    short = client.post(f"/deposits/{dep_id}/reverse", data={"csrf_token": _hidden(form), "reason": "错"})
    assert short.status_code == 200 and "has-error" in short.get_data(as_text=True)
    resp = client.post(f"/deposits/{dep_id}/reverse", data={"csrf_token": _hidden(form), "reason": "支票未送达银行"})
    assert resp.status_code == 302
    rev_page = client.get(resp.headers["Location"]).get_data(as_text=True)
    assert f"/bankdepositmodelview/show/{dep_id}" in rev_page and "支票未送达银行" in rev_page
    listing = client.get("/bankdepositmodelview/list/").get_data(as_text=True)
    assert "-66.60" in listing and "[reverses" not in listing  # the marker reads as words
    show = client.get(f"/bankdepositmodelview/show/{dep_id}").get_data(as_text=True)
    assert f"/deposits/{dep_id}/reverse" not in show  # once
