"""Taking payments, voiding receipts, verifying the receipt chain.

Every function owns its transaction and takes an explicit actor and time. Posting updates the
receipt counter inside the posting transaction: a rolled-back posting leaves no gap.
"""
from __future__ import annotations

import datetime as dt
from decimal import Decimal

from flask import current_app
from flask_babel import lazy_gettext as _l
from sqlalchemy import func, select, type_coerce

from app.cashdesk import rules, seals
from app.cashdesk.models import PrepaidEntry, Receipt, ReceiptCounter, ReceiptLine, VoidRequest
from app.core.audit import acting_as
from app.core.money import Money, parse_money
from app.estate.models import Unit
from app.exceptions import DomainError, PermissionDenied
from app.core.counters import next_in_series
from app.extensions import db
from app.fees.models import Charge
from app.security import permissions as P

ZERO = Decimal("0.00")


# --- reading ----------------------------------------------------------------------------
def open_charges(unit_id: int) -> list[Charge]:
    """Charges of a unit with something left to pay, oldest first."""
    return list(
        db.session.scalars(
            select(Charge)
            .where(Charge.unit_id == unit_id, Charge.voided_at.is_(None), Charge.paid < Charge.amount)
            .order_by(Charge.period_start, Charge.due_date, Charge.id)
        )
    )


def prepaid_balance(unit_id: int) -> Decimal:
    value = db.session.scalar(
        select(type_coerce(func.sum(PrepaidEntry.amount), Money())).where(PrepaidEntry.unit_id == unit_id)
    )
    return value if value is not None else ZERO


def arrears_total(unit_id: int, as_of: dt.date | None = None) -> Decimal:
    """What the unit owes: the outstanding of its open charges (due by ``as_of`` if given)."""
    q = select(type_coerce(func.sum(Charge.amount - Charge.paid), Money())).where(
        Charge.unit_id == unit_id, Charge.voided_at.is_(None)
    )
    if as_of is not None:
        q = q.where(Charge.due_date <= as_of)
    value = db.session.scalar(q)
    return value if value is not None else ZERO


def takings_on(estate_ids: list[int], day: dt.date) -> tuple[int, Decimal]:
    """(receipts, total) issued on ``day`` in the estates, reversals counted negative: what the
    home page says the desk took today (one query)."""
    count, total = db.session.execute(
        select(func.count(), type_coerce(func.sum(Receipt.amount), Money()))
        .where(Receipt.estate_id.in_(estate_ids), Receipt.business_date == day)).one()
    return int(count), total if total is not None else ZERO


# --- numbering and the chain ------------------------------------------------------------
def _next_number(estate_id: int, year: int) -> int:
    return next_in_series(ReceiptCounter, estate_id, year)


def _prev_hash(estate_id: int, year: int, seq: int) -> str:
    if seq == 1:
        return rules.GENESIS
    prev = db.session.scalar(
        select(Receipt.hash).where(Receipt.estate_id == estate_id, Receipt.year == year, Receipt.seq == seq - 1)
    )
    return prev or rules.GENESIS


def _new_receipt(unit: Unit, now: dt.datetime, **fields) -> Receipt:
    year = now.year
    seq = _next_number(unit.estate_id, year)
    return Receipt(
        estate_id=unit.estate_id, unit_id=unit.id, year=year, seq=seq, number=f"{year}-{seq:06d}",
        business_date=now.date(), posted_at=now, prev_hash=_prev_hash(unit.estate_id, year, seq), **fields,
    )


def _seal(receipt: Receipt, lines: list[tuple[int, Decimal]]) -> None:
    seals.seal(receipt, lines)  # keyed: app.cashdesk.seals


# --- posting ----------------------------------------------------------------------------
def post_payment(
    unit_id: int,
    amount,
    method: str,
    actor,
    now: dt.datetime,
    *,
    payer_name: str | None = None,
    charge_ids: list[int] | None = None,
    use_prepaid: bool = True,
    reference: str | None = None,
    request_key: str | None = None,
) -> Receipt:
    """Take a payment for a unit and issue a receipt.

    The money (plus the unit's prepaid balance when ``use_prepaid``) settles the picked
    charges, or the oldest first; what is left is kept as prepaid. The same ``request_key``
    posts once: a double submit returns the first receipt.
    """
    # lock the unit first: two cashiers taking money for one unit at once must not settle the
    # same charge twice, and a double submit waits for the first (PostgreSQL: a row lock;
    # SQLite: the write lock of BEGIN IMMEDIATE)
    unit = db.session.scalar(select(Unit).where(Unit.id == unit_id).with_for_update())
    if request_key:
        existing = db.session.scalar(select(Receipt).where(Receipt.request_key == request_key))
        if existing is not None:
            return existing
    amount = parse_money(amount, field="amount", allow_zero=use_prepaid)
    if method not in rules.METHODS and not (method == rules.PREPAID and amount == 0):
        raise DomainError(_l("Pick one of the listed values."), field="method")
    if unit is None:
        raise DomainError(_l("This unit does not exist."), field="unit")
    if payer_name is not None and len(payer_name.strip()) > 100:
        raise DomainError(_l("The name is too long (at most %(n)d characters).", n=100), field="payer_name")

    prepaid = prepaid_balance(unit.id) if use_prepaid else ZERO
    candidates = [
        rules.OpenCharge(c.id, c.period_start, c.due_date, c.outstanding) for c in open_charges(unit.id)
    ]
    parts, left = rules.allocate(candidates, amount + max(prepaid, ZERO), charge_ids)
    settled = sum((p for _, p in parts), ZERO)
    # the money received is used first, the prepaid balance only for the rest
    from_prepaid = max(ZERO, settled - amount)
    to_prepaid = max(ZERO, amount - settled)
    if amount == 0 and not parts:
        raise DomainError(_l("Nothing to settle: enter the amount received."), field="amount")

    with acting_as(actor):
        receipt = _new_receipt(
            unit, now, kind="payment", payer_name=(payer_name or _occupant_name(unit)).strip(),
            method=method, reference=(reference or None), amount=amount, to_prepaid=to_prepaid,
            from_prepaid=from_prepaid, cashier_id=getattr(actor, "id", None),
            cashier_name=_display_name(actor), request_key=request_key or None,
        )
        _seal(receipt, parts)
        db.session.add(receipt)
        db.session.flush()
        charges = {c.id: c for c in db.session.scalars(select(Charge).where(Charge.id.in_([c for c, _ in parts])))}
        for charge_id, part in parts:
            db.session.add(ReceiptLine(receipt_id=receipt.id, charge_id=charge_id, amount=part))
            db.session.flush()  # the line before paid: the database checks paid against the lines
            charges[charge_id].paid = charges[charge_id].paid + part
        if from_prepaid:
            db.session.add(PrepaidEntry(estate_id=unit.estate_id, unit_id=unit.id, receipt_id=receipt.id,
                                        amount=-from_prepaid, at=now, note="used by receipt"))
        if to_prepaid:
            db.session.add(PrepaidEntry(estate_id=unit.estate_id, unit_id=unit.id, receipt_id=receipt.id,
                                        amount=to_prepaid, at=now, note="overpayment kept"))
        db.session.commit()
    return receipt


def _occupant_name(unit: Unit) -> str:
    owners = [o.owner.name for o in unit.current_occupants if o.relation == "owner"]
    return owners[0] if owners else unit.code


def _display_name(actor) -> str:
    if actor is None:
        return "system"
    full = f"{getattr(actor, 'first_name', '') or ''}".strip()
    return full or getattr(actor, "username", "system")


def apply_prepaid(estate_id: int, actor, now: dt.datetime) -> int:
    """Settle open charges from the units' prepaid balances (after billing): an owner who paid
    ahead is never in arrears. Each unit gets a receipt of 0.00 "from prepaid balance".
    Returns how many units were settled."""
    units = db.session.execute(
        select(PrepaidEntry.unit_id).where(PrepaidEntry.estate_id == estate_id)
        .group_by(PrepaidEntry.unit_id).having(func.sum(PrepaidEntry.amount) > 0)
    ).scalars().all()
    settled = 0
    for unit_id in units:
        if not open_charges(unit_id):
            continue
        post_payment(unit_id, "0", rules.PREPAID, actor, now, use_prepaid=True)
        settled += 1
    return settled


# --- voids ------------------------------------------------------------------------------
def is_voided(receipt_id: int) -> bool:
    return db.session.scalar(select(Receipt.id).where(Receipt.reverses_id == receipt_id)) is not None


def request_void(receipt_id: int, reason: str, actor, now: dt.datetime) -> VoidRequest:
    reason = (reason or "").strip()
    if len(reason) < 4:
        raise DomainError(_l("Give the reason for the void (at least 4 characters)."), field="reason")
    receipt = db.session.get(Receipt, receipt_id)
    if receipt is None:
        raise DomainError(_l("This receipt does not exist."), field="receipt")
    if receipt.kind != "payment":
        raise DomainError(_l("A reversal cannot be voided."), field="receipt")
    if is_voided(receipt.id):
        raise DomainError(_l("This receipt has already been voided."), field="receipt")
    pending = db.session.scalar(
        select(VoidRequest.id).where(VoidRequest.receipt_id == receipt.id, VoidRequest.status == "pending")
    )
    if pending:
        raise DomainError(_l("A void of this receipt is already waiting for approval."), field="receipt")
    with acting_as(actor):
        req = VoidRequest(receipt_id=receipt.id, estate_id=receipt.estate_id, reason=reason,
                          requested_by_id=getattr(actor, "id", None), requested_at=now, status="pending")
        db.session.add(req)
        db.session.commit()
    return req


def approve_void(request_id: int, approver, now: dt.datetime, note: str | None = None) -> Receipt:
    """A Manager or Accountant approves: a reversal receipt, dated today, undoes the original;
    the charges it paid are open again. The original stays as it was."""
    req = db.session.get(VoidRequest, request_id)
    if req is None or req.status != "pending":
        raise DomainError(_l("This void request is not waiting for a decision."), field="request")
    if not current_app.appbuilder.sm.user_can(approver, P.APPROVE, P.VOID_REQUEST):
        raise PermissionDenied(_l("Only a manager or the accountant can approve a void."))
    original = req.receipt
    db.session.scalar(select(Unit).where(Unit.id == original.unit_id).with_for_update())  # as in post_payment
    if is_voided(original.id):
        raise DomainError(_l("This receipt has already been voided."), field="request")
    unit = original.unit
    if original.to_prepaid and prepaid_balance(unit.id) < original.to_prepaid:
        raise DomainError(
            _l("The prepaid money of this receipt has been used by later charges; it cannot be voided now."),
            field="request",
        )
    lines = [(line.charge_id, -line.amount) for line in original.lines]
    with acting_as(approver):
        reversal = _new_receipt(
            unit, now, kind="reversal", payer_name=original.payer_name, method=original.method,
            reference=original.reference, amount=-original.amount, to_prepaid=-original.to_prepaid,
            from_prepaid=-original.from_prepaid, cashier_id=getattr(approver, "id", None),
            cashier_name=_display_name(approver), reverses_id=original.id, reason=req.reason,
            approved_by_id=getattr(approver, "id", None),
        )
        _seal(reversal, lines)
        db.session.add(reversal)
        db.session.flush()
        for line in original.lines:
            db.session.add(ReceiptLine(receipt_id=reversal.id, charge_id=line.charge_id, amount=-line.amount))
            db.session.flush()  # the line before paid: the database checks paid against the lines
            line.charge.paid = line.charge.paid - line.amount
        if original.to_prepaid:
            db.session.add(PrepaidEntry(estate_id=unit.estate_id, unit_id=unit.id, receipt_id=reversal.id,
                                        amount=-original.to_prepaid, at=now, note="void"))
        if original.from_prepaid:
            db.session.add(PrepaidEntry(estate_id=unit.estate_id, unit_id=unit.id, receipt_id=reversal.id,
                                        amount=original.from_prepaid, at=now, note="void"))
        req.status = "approved"
        req.decided_by_id = getattr(approver, "id", None)
        req.decided_at = now
        req.decision_note = note
        req.reversal_id = reversal.id
        db.session.commit()
    return reversal


def reject_void(request_id: int, approver, now: dt.datetime, note: str | None = None) -> VoidRequest:
    req = db.session.get(VoidRequest, request_id)
    if req is None or req.status != "pending":
        raise DomainError(_l("This void request is not waiting for a decision."), field="request")
    if not current_app.appbuilder.sm.user_can(approver, P.APPROVE, P.VOID_REQUEST):
        raise PermissionDenied(_l("Only a manager or the accountant can approve a void."))
    with acting_as(approver):
        req.status = "rejected"
        req.decided_by_id = getattr(approver, "id", None)
        req.decided_at = now
        req.decision_note = note
        db.session.commit()
    return req


# --- tamper evidence --------------------------------------------------------------------
def verify_chain(estate_id: int | None = None) -> tuple[bool, str]:
    """`ledger verify` (app.cashdesk.seals.verify_ledger): (ok, the first problem or "OK: N ...")."""
    return seals.verify_ledger(estate_id)


# --- late fees --------------------------------------------------------------------------
def late_fees(unit_id: int, as_of: dt.date) -> dict[int, Decimal]:
    """滞纳金 accrued by each charge of the unit up to ``as_of``, for fee items that have a
    daily rate: computed on what was really outstanding each day (payments by receipt date,
    voids put the money back on the day of the void)."""
    return late_fees_of_units([unit_id], as_of)


def late_fees_of_charges(charges: list[Charge], as_of: dt.date) -> dict[int, Decimal]:
    """``late_fees`` for charges already loaded with their fee item: one query for the
    payments that settled them."""
    from app.fees.rules import Settlement, late_fee

    due = [c for c in charges if c.voided_at is None and c.due_date < as_of
           and c.fee_item.late_fee_daily_rate is not None]
    if not due:
        return {}
    settled: dict[int, list] = {}
    for charge_id, day, amount in db.session.execute(
        select(ReceiptLine.charge_id, Receipt.business_date, ReceiptLine.amount)
        .join(Receipt, ReceiptLine.receipt_id == Receipt.id)
        .where(ReceiptLine.charge_id.in_([c.id for c in due]))
    ):
        settled.setdefault(charge_id, []).append(Settlement(day, amount))
    fees = {}
    for c in due:
        fee = late_fee(c.amount, c.due_date, settled.get(c.id, []), as_of, c.fee_item.late_fee_daily_rate,
                       c.fee_item.late_fee_grace_days or 0)
        if fee > 0:
            fees[c.id] = fee
    return fees


def late_fees_of_units(unit_ids: list[int], as_of: dt.date) -> dict[int, Decimal]:
    """``late_fees`` for many units in two queries: {charge id: fee}."""
    from app.fees.models import FeeItem
    from app.fees.rules import Settlement, late_fee

    if not unit_ids:
        return {}
    rows = db.session.execute(
        select(Charge.id, Charge.amount, Charge.due_date, FeeItem.late_fee_daily_rate, FeeItem.late_fee_grace_days)
        .join(FeeItem, Charge.fee_item_id == FeeItem.id)
        .where(Charge.unit_id.in_(unit_ids), Charge.voided_at.is_(None), FeeItem.late_fee_daily_rate.isnot(None),
               Charge.due_date < as_of)
    ).all()
    if not rows:
        return {}
    settled: dict[int, list] = {}
    for charge_id, day, amount in db.session.execute(
        select(ReceiptLine.charge_id, Receipt.business_date, ReceiptLine.amount)
        .join(Receipt, ReceiptLine.receipt_id == Receipt.id)
        .join(Charge, ReceiptLine.charge_id == Charge.id)
        .where(Charge.unit_id.in_(unit_ids), Charge.due_date < as_of)
    ):
        settled.setdefault(charge_id, []).append(Settlement(day, amount))
    fees = {}
    for charge_id, amount, due, rate, grace in rows:
        fee = late_fee(amount, due, settled.get(charge_id, []), as_of, rate, grace or 0)
        if fee > 0:
            fees[charge_id] = fee
    return fees
