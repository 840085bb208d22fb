"""`flask ledger verify` on databases of their own (SQLite, or PostgreSQL when DATABASE_URL
names one): OK on an honest ledger; an empty ledger whose counter says otherwise fails; a
database from before the keyed seals keeps verifying after `init`, and nobody can add
old-rule receipts after the recorded point."""
from __future__ import annotations

import datetime as dt
import os
from decimal import Decimal as D

import pytest
from flask_migrate import upgrade
from sqlalchemy import insert, select, text, update

from tests.concurrency.posting import YEAR, build_tiny_estate, fresh_database, make_app

BASE_URL = os.environ.get("DATABASE_URL")
NOW = dt.datetime(YEAR, 6, 1, 10, 0)


@pytest.fixture()
def fresh(tmp_path):
    made = []

    def _make(revision="heads"):
        from app import MIGRATIONS_DIR
        from app.extensions import db

        fdb = fresh_database(BASE_URL, tmp_path / f"db{len(made)}")
        app = make_app(fdb.url, fdb.instance)
        made.append((app, fdb))
        with app.app_context():
            upgrade(directory=MIGRATIONS_DIR, revision=revision)
            estate_id, unit_ids = build_tiny_estate(units=3, months=3)
            db.session.remove()
        return app, estate_id, unit_ids

    yield _make
    for app, fdb in made:
        from app.extensions import db

        with app.app_context():
            db.session.remove()
            db.engine.dispose()
        fdb.drop()


def verify(app):
    return app.test_cli_runner().invoke(args=["ledger", "verify"])


def test_honest_ledger_verifies(fresh):
    from app.cashdesk import services

    app, _estate_id, units = fresh()
    with app.app_context():
        first = services.post_payment(units[0], "200.00", "cash", None, NOW)
        services.post_payment(units[1], "500.00", "cheque", None, NOW, reference="CHQ 1")  # 140.00 kept
        assert first.seal_version == 2
    result = verify(app)
    assert result.exit_code == 0, result.output
    assert "OK: 2 receipts verified" in result.output


def test_empty_ledger_whose_counter_says_otherwise_fails(fresh):
    from app.cashdesk.models import ReceiptCounter
    from app.extensions import db

    app, estate_id, _units = fresh()
    with app.app_context():
        db.session.execute(insert(ReceiptCounter).values(estate_id=estate_id, year=YEAR, last_number=3))
        db.session.commit()
    result = verify(app)
    assert result.exit_code == 1
    assert "3" in result.output and str(YEAR) in result.output
    assert "收据计数器" in result.output  # in words, in the office's language
    assert "OK" not in result.output


def _legacy_receipts(estate_id, unit_ids, n):
    """What a database from before migration 0011 holds: receipts sealed with the old unkeyed
    hash, written with the SQL of that time (no seal_version column yet)."""
    from app.cashdesk.models import Receipt, ReceiptCounter, ReceiptLine
    from app.cashdesk.seals import GENESIS, legacy_hash
    from app.extensions import db
    from app.fees.models import Charge

    R, L, C = Receipt.__table__, ReceiptLine.__table__, Charge.__table__
    cols = [c for c in R.c if c.name != "seal_version"]
    prev = GENESIS
    for seq in range(1, n + 1):
        charge = db.session.execute(select(C.c.id, C.c.amount).where(C.c.unit_id == unit_ids[seq % len(unit_ids)],
                                                                    C.c.paid == 0).order_by(C.c.id).limit(1)).one()
        row = dict(estate_id=estate_id, number=f"{YEAR}-{seq:06d}", year=YEAR, seq=seq, kind="payment",
                   unit_id=unit_ids[seq % len(unit_ids)], payer_name="老业主", method="cash", reference=None,
                   amount=charge.amount, to_prepaid=D("0.00"), from_prepaid=D("0.00"),
                   business_date=NOW.date(), posted_at=NOW + dt.timedelta(minutes=seq), cashier_id=None,
                   cashier_name="system", reverses_id=None, reason=None, approved_by_id=None, request_key=None,
                   prev_hash=prev, created_on=NOW, changed_on=NOW)
        row = {k: v for k, v in row.items() if k in {c.name for c in cols}}
        row["hash"] = legacy_hash(prev, type("Row", (), row), [(charge.id, charge.amount)])
        rid = db.session.execute(insert(R).values(row).returning(R.c.id)).scalar_one()
        db.session.execute(insert(L).values(receipt_id=rid, charge_id=charge.id, amount=charge.amount))
        db.session.execute(update(C).where(C.c.id == charge.id).values(paid=charge.amount))
        prev = row["hash"]
    db.session.execute(insert(ReceiptCounter.__table__).values(estate_id=estate_id, year=YEAR, last_number=n))
    db.session.commit()


def test_receipts_from_before_the_keyed_seals_verify_after_init(fresh):
    from app.cashdesk import seals, services
    from app.cashdesk.models import LedgerAnchor, Receipt
    from app.extensions import db

    app, estate_id, units = fresh(revision="0013_canonical_periods")
    with app.app_context():
        _legacy_receipts(estate_id, units, 4)
        db.session.remove()
    init = app.test_cli_runner().invoke(args=["init", "--no-demo"])  # migration 0011, then the record
    assert init.exit_code == 0, init.output
    result = verify(app)
    assert result.exit_code == 0, result.output
    assert "OK: 4 receipts verified" in result.output
    with app.app_context():
        assert db.session.scalar(select(LedgerAnchor.last_seq)) == 4
        assert {r.seal_version for r in db.session.scalars(select(Receipt))} == {1}
        services.post_payment(units[0], "10.00", "cash", None, NOW + dt.timedelta(hours=1))  # keyed, links on
        assert seals.verify_ledger() == (True, "OK: 5 receipts verified")
        assert seals.anchor_legacy_chains(NOW) == 0  # a second init writes no second record
        # old-rule receipts after the recorded point are refused by verify, whatever their hash
        last = db.session.execute(select(Receipt.__table__).where(Receipt.seq == 5)).one()
        forged = {k: v for k, v in last._mapping.items() if k != "id"}
        forged.update(seq=6, number=f"{YEAR}-000006", prev_hash=last.hash, seal_version=1, request_key=None)
        forged["hash"] = seals.legacy_hash(last.hash, type("Row", (), forged), [])
        db.session.execute(insert(Receipt.__table__).values(forged))
        db.session.execute(text("UPDATE receipt_counter SET last_number = last_number + 1"))
        db.session.commit()
    result = verify(app)
    assert result.exit_code == 1
    assert f"{YEAR}-000006" in result.output


def test_old_receipt_changed_after_the_upgrade_is_detected(fresh):
    """The old part hangs on the sealed record by its hashes: recomputing it with the old rule
    after changing a receipt does not reach the recorded hash."""
    from app.cashdesk import seals
    from app.cashdesk.models import Receipt, ReceiptLine
    from app.extensions import db

    app, estate_id, units = fresh(revision="0013_canonical_periods")
    with app.app_context():
        _legacy_receipts(estate_id, units, 3)
        db.session.remove()
    assert app.test_cli_runner().invoke(args=["init", "--no-demo"]).exit_code == 0
    with app.app_context():
        R = Receipt.__table__
        trig = "DROP TRIGGER receipt_final ON receipt" if db.engine.dialect.name == "postgresql" \
            else "DROP TRIGGER receipt_no_update"
        db.session.execute(text(trig))
        prev = seals.GENESIS
        for seq in (1, 2, 3):
            if seq == 2:
                db.session.execute(update(R).where(R.c.seq == 2).values(payer_name="别人", method="mobile"))
            row = db.session.execute(select(R).where(R.c.seq == seq)).one()
            lines = db.session.execute(select(ReceiptLine.charge_id, ReceiptLine.amount)
                                       .where(ReceiptLine.receipt_id == row.id)).all()
            new = seals.legacy_hash(prev, row, [tuple(x) for x in lines])
            db.session.execute(update(R).where(R.c.seq == seq).values(prev_hash=prev, hash=new))
            prev = new
        db.session.commit()
    result = verify(app)
    assert result.exit_code == 1
    assert f"{YEAR}-000002" in result.output or f"{YEAR}-000003" in result.output, result.output
