"""Taking payments: oldest first, picked charges, prepaid, receipts numbered without gaps,
double submits posted once, voids only with approval and reversing exactly."""
import datetime as dt
from decimal import Decimal as D

import pytest
from sqlalchemy import text

from app.cashdesk import services
from app.cashdesk.models import Receipt
from app.exceptions import DomainError, PermissionDenied
from app.extensions import db
from app.fees.models import Charge

NOW = dt.datetime(2030, 4, 2, 10, 30)


def _charges(unit):
    return db.session.query(Charge).filter_by(unit_id=unit.id, source="manual").order_by(Charge.period).all()


def test_payment_settles_oldest_first_and_keeps_overpayment(fresh_unit, clerk):
    receipt = services.post_payment(fresh_unit.id, "250.00", "cash", clerk, NOW)
    paid = [c.paid for c in _charges(fresh_unit)]
    assert paid == [D("100.00"), D("100.00"), D("50.00")]
    assert receipt.amount == D("250.00") and receipt.to_prepaid == D("0.00")
    assert services.arrears_total(fresh_unit.id) == D("50.00")
    over = services.post_payment(fresh_unit.id, "80.00", "mobile", clerk, NOW)
    assert over.to_prepaid == D("30.00")
    assert services.prepaid_balance(fresh_unit.id) == D("30.00")
    assert services.arrears_total(fresh_unit.id) == D("0.00")


def test_prepaid_is_used_by_later_charges(fresh_unit, clerk):
    services.post_payment(fresh_unit.id, "350.00", "cash", clerk, NOW)  # 50.00 ahead
    assert services.prepaid_balance(fresh_unit.id) == D("50.00")
    c = _charges(fresh_unit)[0]
    db.session.add(Charge(unit_id=fresh_unit.id, fee_item_id=c.fee_item_id, period="2030-04",
                          period_start=dt.date(2030, 4, 1), period_end=dt.date(2030, 4, 30),
                          due_date=dt.date(2030, 5, 1), amount=D("80.00"), paid=D("0"), source="manual",
                          created_at=NOW))
    db.session.commit()
    receipt = services.post_payment(fresh_unit.id, "30.00", "cash", clerk, NOW)
    assert receipt.from_prepaid == D("50.00")
    assert services.prepaid_balance(fresh_unit.id) == D("0.00")
    assert services.arrears_total(fresh_unit.id) == D("0.00")


def test_picked_charges(fresh_unit, clerk):
    march = _charges(fresh_unit)[2]
    services.post_payment(fresh_unit.id, "100.00", "cash", clerk, NOW, charge_ids=[march.id])
    assert [c.paid for c in _charges(fresh_unit)] == [D("0.00"), D("0.00"), D("100.00")]


def test_double_submit_posts_once(fresh_unit, clerk):
    a = services.post_payment(fresh_unit.id, "100.00", "cash", clerk, NOW, request_key=f"form-{fresh_unit.id}")
    b = services.post_payment(fresh_unit.id, "100.00", "cash", clerk, NOW, request_key=f"form-{fresh_unit.id}")
    assert a.id == b.id
    assert services.arrears_total(fresh_unit.id) == D("200.00")


@pytest.mark.parametrize("amount", ["-0.01", "1.005", "1e400", "NaN", "abc", "０.５"])
def test_bad_amount_writes_nothing(fresh_unit, clerk, amount):
    before = db.session.query(Receipt).count()
    with pytest.raises(DomainError):
        services.post_payment(fresh_unit.id, amount, "cash", clerk, NOW)
    db.session.rollback()
    assert db.session.query(Receipt).count() == before


def test_receipt_numbers_follow_without_gaps(fresh_unit, clerk):
    a = services.post_payment(fresh_unit.id, "10.00", "cash", clerk, NOW)
    b = services.post_payment(fresh_unit.id, "10.00", "cash", clerk, NOW)
    assert (a.year, b.seq) == (2030, a.seq + 1)
    assert b.number == f"2030-{b.seq:06d}"


def test_void_needs_approval_and_reopens_charges(fresh_unit, clerk, manager):
    receipt = services.post_payment(fresh_unit.id, "150.00", "cash", clerk, NOW)
    req = services.request_void(receipt.id, "金额收错，重新开票", clerk, NOW)
    with pytest.raises(PermissionDenied):
        services.approve_void(req.id, clerk, NOW)  # a clerk cannot approve
    reversal = services.approve_void(req.id, manager, NOW + dt.timedelta(days=1))
    assert reversal.amount == D("-150.00") and reversal.reverses_id == receipt.id
    assert reversal.business_date == dt.date(2030, 4, 3)
    assert services.arrears_total(fresh_unit.id) == D("300.00")
    assert db.session.get(Receipt, receipt.id).amount == D("150.00")  # the original stays
    with pytest.raises(DomainError):
        services.request_void(receipt.id, "再作废一次", clerk, NOW)


def test_void_without_reason_refused(fresh_unit, clerk):
    receipt = services.post_payment(fresh_unit.id, "10.00", "cash", clerk, NOW)
    with pytest.raises(DomainError):
        services.request_void(receipt.id, "  ", clerk, NOW)


def test_posted_receipt_cannot_be_changed_even_with_raw_sql(fresh_unit, clerk):
    receipt = services.post_payment(fresh_unit.id, "10.00", "cash", clerk, NOW)
    rid = receipt.id
    with pytest.raises(DomainError):
        receipt.amount = D("1.00")
        db.session.commit()
    db.session.rollback()
    db.session.remove()  # raw SQL below runs on a connection of its own
    for sql in (f"UPDATE receipt SET amount = 1 WHERE id = {rid}",
                f"DELETE FROM receipt WHERE id = {rid}",
                f"DELETE FROM receipt_line WHERE receipt_id = {rid}",
                "DELETE FROM charge WHERE id = (SELECT MIN(id) FROM charge)"):
        with pytest.raises(Exception, match="final|never deleted"):
            with db.engine.begin() as conn:
                conn.execute(text(sql))


def test_chain_verifies_and_finds_tampering(app, tmp_path):
    """Drop the trigger, change a posted amount with raw SQL: `ledger verify` finds it."""
    if not app.config["SQLALCHEMY_DATABASE_URI"].startswith("sqlite"):
        pytest.skip("works on a copy of the SQLite session database")
    import sqlite3

    from app import create_app

    src = app.config["SQLALCHEMY_DATABASE_URI"].replace("sqlite:///", "")
    copy = tmp_path / "copy.db"
    with sqlite3.connect(src) as s, sqlite3.connect(copy) as d:
        s.backup(d)  # a consistent copy of a WAL database
    # the copy is checked with the same secret: the seals' key is never in the database
    other = create_app(SQLALCHEMY_DATABASE_URI=f"sqlite:///{copy}", INSTANCE_PATH=str(tmp_path),
                       SECRET_KEY=app.config["SECRET_KEY"])
    with other.app_context():
        assert services.verify_chain()[0] is True
        victim = db.session.query(Receipt).order_by(Receipt.id).offset(5).first()
        number, victim_id = victim.number, victim.id
        db.session.remove()
        with db.engine.begin() as conn:
            conn.exec_driver_sql("DROP TRIGGER receipt_no_update")
            conn.exec_driver_sql(f"UPDATE receipt SET amount = amount + 100 WHERE id = {victim_id}")
        ok, message = services.verify_chain()
        assert not ok and number in message


def test_late_fee_follows_partial_payments(app_ctx, demo_estate, fresh_unit, clerk):
    """The property fee has 0.03% a day after 15 grace days; a half payment halves it from then on."""
    from app.fees.models import FeeItem

    prop = db.session.query(FeeItem).filter_by(estate_id=demo_estate.id, code="property").one()
    charge = Charge(unit_id=fresh_unit.id, fee_item_id=prop.id, period="2031-01", period_start=dt.date(2031, 1, 1),
                    period_end=dt.date(2031, 1, 31), due_date=dt.date(2031, 1, 31), amount=D("1000.00"),
                    paid=D("0.00"), source="manual", created_at=NOW)
    db.session.add(charge)
    db.session.commit()
    cid = charge.id
    # grace ends 2031-02-15; fee days from 02-16: by 02-25 that is 10 days × 1000 × 0.0003 = 3.00
    assert services.late_fees(fresh_unit.id, dt.date(2031, 2, 25))[cid] == D("3.00")
    services.post_payment(fresh_unit.id, "500.00", "cash", clerk, dt.datetime(2031, 2, 21, 9), charge_ids=[cid])
    # the payment booked 02-16..02-21 on 1000 (1.80) as a 滞纳金 charge, settled after its principal
    booked = db.session.query(Charge).filter_by(unit_id=fresh_unit.id, source="late_fee").one()
    assert (booked.amount, booked.paid, booked.fee_item.name) == (D("1.80"), D("0.00"), "滞纳金")
    # accrued by 02-25: 02-16..02-20 on 1000 (1.50) + 02-21..02-25 on 500 (0.75), less the 1.80 booked
    assert services.late_fees(fresh_unit.id, dt.date(2031, 2, 25))[cid] == D("2.25") - D("1.80")
    assert cid not in services.late_fees(fresh_unit.id, dt.date(2031, 2, 10))  # within grace: none


@pytest.mark.parametrize("reason", ["\x00\x00\x00\x00\x00", "作废\x00原因", "\x1b[31m收错了"])
def test_void_reason_of_control_characters_refused(fresh_unit, clerk, reason):
    """Five NULs are not a reason of five characters (they passed "at least 4" before)."""
    from app.cashdesk.models import VoidRequest

    receipt = services.post_payment(fresh_unit.id, "10.00", "cash", clerk, NOW)
    with pytest.raises(DomainError) as err:
        services.request_void(receipt.id, reason, clerk, NOW)
    assert err.value.field == "reason"
    db.session.rollback()
    assert not db.session.query(VoidRequest).filter_by(receipt_id=receipt.id).count()
