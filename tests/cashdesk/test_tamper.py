"""The tamper table (issue 12): for each sealed field and each kind of change, on SQLite and
PostgreSQL alike, the outcome is "refused" (the database raises) or "detected" (`ledger
verify` fails and names the receipt).

Every change runs inside one transaction of the test's session and is rolled back, so the
shared test database stays sound. "owner" rows first drop the guarding triggers, as someone with
the table owner's rights could: the point of those rows is that verify still catches the change.
"""
from __future__ import annotations

import datetime as dt
from decimal import Decimal as D

import pytest
from sqlalchemy import delete, exc, insert, select, text, update

from app.cashdesk import seals, services
from app.cashdesk.models import LedgerAnchor, PrepaidEntry, Receipt, ReceiptCounter, ReceiptLine, VoidRequest
from app.extensions import db
from app.fees.models import Charge, FeeItem

YEAR = 2041  # a chain of its own: no other test posts in this year
T0 = dt.datetime(YEAR, 3, 5, 9, 15)
R, L, C, P = Receipt.__table__, ReceiptLine.__table__, Charge.__table__, PrepaidEntry.__table__


def _pg() -> bool:
    return db.session.get_bind().dialect.name == "postgresql"


def drop_guards() -> None:
    """What the table owner could do: drop every trigger that guards the money tables."""
    if _pg():
        for table, trigger in (("receipt", "receipt_final"), ("receipt_line", "receipt_line_final"),
                               ("prepaid_entry", "prepaid_entry_final"), ("charge", "charge_paid_by_receipts"),
                               ("receipt_counter", "receipt_counter_forward"),
                               ("ledger_anchor", "ledger_anchor_final")):
            db.session.execute(text(f"DROP TRIGGER {trigger} ON {table}"))
        for table in ("receipt", "receipt_line", "prepaid_entry"):
            db.session.execute(text(f"DROP TRIGGER {table}_no_truncate ON {table}"))
    else:
        for trigger in ("receipt_no_update", "receipt_no_delete", "receipt_line_no_update", "receipt_line_no_delete",
                        "prepaid_entry_no_update", "prepaid_entry_no_delete", "charge_paid_by_receipts",
                        "receipt_counter_forward", "receipt_counter_no_delete", "ledger_anchor_no_update"):
            db.session.execute(text(f"DROP TRIGGER {trigger}"))


@pytest.fixture()
def chain(app_ctx, fresh_unit, clerk, manager):
    """Three receipts at the end of the 2041 chain: r1 a cheque payment, r2 a cash payment that
    keeps 50.00 as prepaid, r3 the reversal of r1 (the last receipt)."""
    r1 = services.post_payment(fresh_unit.id, "150.00", "cheque", clerk, T0, reference="CHQ-88001",
                               payer_name="张伟")
    r2 = services.post_payment(fresh_unit.id, "200.00", "cash", clerk, T0 + dt.timedelta(minutes=5))
    req = services.request_void(r1.id, "支票退票，作废重开", clerk, T0 + dt.timedelta(hours=1))
    r3 = services.approve_void(req.id, manager, T0 + dt.timedelta(hours=2))
    ok, message = seals.verify_ledger()
    assert ok, message  # the untouched ledger verifies
    ids = {"r1": r1.id, "r2": r2.id, "r3": r3.id}
    numbers = {k: db.session.get(Receipt, v).number for k, v in ids.items()}
    r1_charges = {line.charge_id for line in db.session.get(Receipt, r1.id).lines}
    only_r2 = [line for line in db.session.get(Receipt, r2.id).lines if line.charge_id not in r1_charges]
    ctx = dict(ids=ids, numbers=numbers, line_id=only_r2[0].id, charge_id=only_r2[0].charge_id, unit=fresh_unit,
               clerk=clerk, manager=manager)
    db.session.rollback()
    yield ctx
    db.session.rollback()  # every change below is undone, triggers included


def _other(model_col, not_value):
    return db.session.scalar(select(model_col).where(model_col != not_value).limit(1))


def _receipt_change(field: str):
    """(target receipt, new value from the current row) for each sealed receipt field."""
    def other_estate(row):
        from app.estate.models import Estate
        return _other(Estate.id, row.estate_id)

    def other_unit(row):
        from app.estate.models import Unit
        return _other(Unit.id, row.unit_id)

    def other_user(row, col):
        from flask_appbuilder.security.sqla.models import User
        return _other(User.id, getattr(row, col) or 0)

    return {
        "estate_id": ("r2", other_estate),
        "number": ("r2", lambda row: f"{YEAR}-999999"),
        "year": ("r2", lambda row: row.year + 1),
        "seq": ("r2", lambda row: row.seq + 1000),
        "kind": ("r2", lambda row: "reversal"),
        "business_date": ("r2", lambda row: row.business_date + dt.timedelta(days=1)),
        "posted_at": ("r2", lambda row: row.posted_at + dt.timedelta(minutes=1)),
        "unit_id": ("r2", other_unit),
        "payer_name": ("r2", lambda row: row.payer_name + "x"),
        "method": ("r2", lambda row: "mobile"),
        "reference": ("r1", lambda row: "CHQ-88002"),
        "amount": ("r2", lambda row: row.amount + D("100.00")),
        "to_prepaid": ("r2", lambda row: row.to_prepaid - D("10.00")),
        "from_prepaid": ("r2", lambda row: row.from_prepaid + D("10.00")),
        "cashier_id": ("r2", lambda row: other_user(row, "cashier_id")),
        "cashier_name": ("r2", lambda row: "周建国"),
        "reverses_id": ("r3", lambda row: None),
        "reason": ("r3", lambda row: "改过的理由"),
        "approved_by_id": ("r3", lambda row: other_user(row, "approved_by_id")),
        "prev_hash": ("r2", lambda row: "0" * 64),
        "hash": ("r2", lambda row: "f" * 64),
        "seal_version": ("r2", lambda row: seals.LEGACY),
    }[field]


RECEIPT_FIELDS = [*seals.SEALED_FIELDS, "prev_hash", "hash", "seal_version"]


def _update_receipt(ctx, field):
    target, value = _receipt_change(field)
    rid = ctx["ids"][target]
    row = db.session.execute(select(R).where(R.c.id == rid)).one()
    db.session.execute(update(R).where(R.c.id == rid).values({field: value(row)}))
    return ctx["numbers"][target], rid


def _update_other(ctx, what):
    """A sealed line field, a charge field that the receipt prints, or a prepaid entry."""
    if what == "line.amount":
        db.session.execute(update(L).where(L.c.id == ctx["line_id"]).values(amount=L.c.amount + 100))
    elif what == "line.charge_id":
        other = _other(Charge.id, ctx["charge_id"])
        db.session.execute(update(L).where(L.c.id == ctx["line_id"]).values(charge_id=other))
    elif what == "charge.period":
        db.session.execute(update(C).where(C.c.id == ctx["charge_id"]).values(period="2029-12"))
    elif what == "charge.fee_item_id":
        item = db.session.scalar(select(Charge.fee_item_id).where(Charge.id == ctx["charge_id"]))
        db.session.execute(update(C).where(C.c.id == ctx["charge_id"]).values(fee_item_id=_other(FeeItem.id, item)))
    elif what == "prepaid_entry.amount":
        db.session.execute(update(P).where(P.c.receipt_id == ctx["ids"]["r2"]).values(amount=P.c.amount + 100))
    return ctx["numbers"]["r2"], ctx["ids"]["r2"]


OTHER_FIELDS = ["line.amount", "line.charge_id", "charge.period", "charge.fee_item_id", "prepaid_entry.amount"]
# changes the database itself lets through (the charge's own columns are not final): verify finds them
NOT_GUARDED = {"charge.period", "charge.fee_item_id"}


def names(number, rid):
    """The receipt by its number, or (its number itself changed) by its record id."""
    return number, f"record {rid})", f"记录 {rid}）"


def assert_detected(*names):
    ok, message = seals.verify_ledger()
    assert not ok, "verify passed a tampered ledger"
    assert any(str(n) in message for n in names), message
    return message


def assert_refused(change):
    with pytest.raises(exc.DBAPIError):
        change()
        db.session.flush()


# --- update each sealed field -------------------------------------------------------------
@pytest.mark.parametrize("field", RECEIPT_FIELDS)
def test_update_receipt_field_is_refused(chain, field):
    assert_refused(lambda: _update_receipt(chain, field))


@pytest.mark.parametrize("field", RECEIPT_FIELDS)
def test_update_receipt_field_by_the_owner_is_detected(chain, field):
    drop_guards()
    number, rid = _update_receipt(chain, field)
    assert_detected(*names(number, rid))


@pytest.mark.parametrize("what", OTHER_FIELDS)
def test_update_line_charge_or_prepaid_is_refused_or_detected(chain, what):
    if what in NOT_GUARDED:
        number, rid = _update_other(chain, what)
        assert_detected(*names(number, rid))
    else:
        assert_refused(lambda: _update_other(chain, what))


@pytest.mark.parametrize("what", OTHER_FIELDS)
def test_update_line_charge_or_prepaid_by_the_owner_is_detected(chain, what):
    drop_guards()
    number, rid = _update_other(chain, what)
    assert_detected(*names(number, rid))


# --- charge.paid only through receipts ----------------------------------------------------
def test_direct_update_of_paid_is_refused(chain):
    assert_refused(lambda: db.session.execute(
        update(C).where(C.c.id == chain["charge_id"]).values(paid=C.c.paid + 1)))


def test_direct_update_of_paid_by_the_owner_is_detected(chain):
    drop_guards()
    db.session.execute(update(C).where(C.c.id == chain["charge_id"]).values(paid=C.c.paid - 100))
    message = assert_detected(chain["charge_id"])
    assert str(chain["charge_id"]) in message


def test_paid_that_matches_the_lines_is_accepted(chain):
    """The trigger compares with the lines, so re-stating the true paid passes (posting relies
    on it: the lines are written first, then paid)."""
    db.session.execute(update(C).where(C.c.id == chain["charge_id"]).values(paid=C.c.paid))
    db.session.flush()
    assert seals.verify_ledger()[0]


# --- delete a middle receipt, the last receipt --------------------------------------------
def _delete_receipt(rid):
    db.session.execute(update(VoidRequest.__table__).where(VoidRequest.__table__.c.reversal_id == rid)
                       .values(reversal_id=None))
    db.session.execute(delete(P).where(P.c.receipt_id == rid))
    db.session.execute(delete(L).where(L.c.receipt_id == rid))
    db.session.execute(delete(R).where(R.c.id == rid))


@pytest.mark.parametrize("which", ["r2", "r3"], ids=["middle", "last"])
def test_delete_receipt_is_refused(chain, which):
    assert_refused(lambda: _delete_receipt(chain["ids"][which]))


@pytest.mark.parametrize("which", ["r2", "r3"], ids=["middle", "last"])
def test_delete_receipt_by_the_owner_is_detected(chain, which):
    """The middle one leaves a gap; the last one leaves the chain shorter than its counter."""
    drop_guards()
    _delete_receipt(chain["ids"][which])
    assert_detected(chain["numbers"][which])


def test_counter_cannot_be_turned_back(chain):
    assert_refused(lambda: db.session.execute(
        update(ReceiptCounter.__table__).where(ReceiptCounter.__table__.c.year == YEAR)
        .values(last_number=ReceiptCounter.__table__.c.last_number - 1)))


# --- insert a forged receipt ----------------------------------------------------------------
@pytest.mark.parametrize("how", ["guessed-key", "old-rule", "counter-not-bumped"])
def test_inserted_forged_receipt_is_detected(chain, how):
    """A receipt added after r3 (inserts are allowed), sealed with the app's own functions but
    a guessed key, or with the old unkeyed rule; its counter bumped as posting would."""
    last = db.session.execute(select(R).where(R.c.id == chain["ids"]["r3"])).one()
    forged = dict(last._mapping)
    forged.update(id=None, seq=last.seq + 1, number=f"{YEAR}-{last.seq + 1:06d}", kind="payment",
                  reverses_id=None, reason=None, approved_by_id=None, amount=D("500.00"), request_key=None,
                  prev_hash=last.hash)
    forged.pop("id")
    row = type("Row", (), forged)
    if how == "old-rule":
        forged.update(seal_version=seals.LEGACY, hash=seals.legacy_hash(last.hash, row, []))
    else:
        forged.update(seal_version=seals.KEYED, hash=seals.keyed_hash(b"guessed", last.hash, row, []))
    db.session.execute(insert(R).values(forged))
    if how != "counter-not-bumped":
        db.session.execute(update(ReceiptCounter.__table__).where(ReceiptCounter.__table__.c.year == YEAR,
                                                                  ReceiptCounter.__table__.c.estate_id == last.estate_id)
                           .values(last_number=ReceiptCounter.__table__.c.last_number + 1))
    assert_detected(forged["number"])


def test_forged_upgrade_record_is_detected(chain):
    """An attacker declares the 2041 chain "old rule up to r2" with a record of his own
    (inserts are allowed: the record's seal is what counts)."""
    r2 = db.session.execute(select(R).where(R.c.id == chain["ids"]["r2"])).one()
    db.session.add(LedgerAnchor(estate_id=r2.estate_id, year=YEAR, last_seq=r2.seq, last_hash=r2.hash,
                                created_at=T0, mac=seals.anchor_mac(b"guessed", r2.estate_id, YEAR, r2.seq, r2.hash)))
    db.session.flush()
    assert_detected(str(YEAR))


# --- recompute the chain with the app's own code, without the key ----------------------------
@pytest.mark.parametrize("rule", ["guessed-key", "old-rule"])
def test_recomputed_chain_without_the_key_is_detected(chain, rule):
    """Raise r2's amount, then re-seal r2 and r3 with the app's own hash functions (no key:
    a guessed one, or the old unkeyed rule) so that the links agree again."""
    drop_guards()
    rid2, rid3 = chain["ids"]["r2"], chain["ids"]["r3"]
    db.session.execute(update(R).where(R.c.id == rid2).values(amount=R.c.amount + 100))
    prev = db.session.scalar(select(R.c.prev_hash).where(R.c.id == rid2))
    for rid in (rid2, rid3):
        row = db.session.execute(select(R).where(R.c.id == rid)).one()
        lines = db.session.execute(
            select(L.c.charge_id, C.c.fee_item_id, C.c.period, L.c.amount).join(C, L.c.charge_id == C.c.id)
            .where(L.c.receipt_id == rid)).all()
        if rule == "old-rule":
            new = seals.legacy_hash(prev, row, [(cid, amt) for cid, _i, _p, amt in lines])
            values = {"seal_version": seals.LEGACY}
        else:
            new = seals.keyed_hash(b"", prev, row, lines)
            values = {}
        db.session.execute(update(R).where(R.c.id == rid).values(prev_hash=prev, hash=new, **values))
        prev = new
    assert_detected(chain["numbers"]["r2"])


# --- truncate -------------------------------------------------------------------------------
TRUNCATED = ["receipt", "receipt_line", "prepaid_entry", "audit_log", "charge", "receipt_counter"]


@pytest.mark.parametrize("table", TRUNCATED)
def test_truncate_is_refused(chain, table):
    """PostgreSQL: TRUNCATE skips row triggers, so each table has a statement trigger.
    SQLite has no TRUNCATE: its "DELETE FROM t" meets the row triggers."""
    sql = f"TRUNCATE {table} CASCADE" if _pg() else f"DELETE FROM {table}"
    with pytest.raises(exc.DBAPIError, match="append-only|final|never deleted|counts up"):
        db.session.execute(text(sql))


def test_truncate_by_the_owner_is_detected(chain):
    """Every receipt gone, the counters left: the ledger is empty but its counter says otherwise."""
    years = db.session.scalars(select(ReceiptCounter.year).distinct()).all()
    drop_guards()
    if _pg():
        db.session.execute(text("TRUNCATE receipt, receipt_line, prepaid_entry CASCADE"))
    else:
        db.session.execute(text("DELETE FROM bank_deposit_receipt"))
        db.session.execute(text("DELETE FROM void_request"))
        db.session.execute(text("DELETE FROM prepaid_entry"))
        db.session.execute(text("DELETE FROM receipt_line"))
        db.session.execute(text("DELETE FROM receipt"))
    assert_detected(*[str(y) for y in years])
