"""Taking payments, voiding receipts, verifying the receipt chain.

Every function owns its transaction and takes an explicit actor and time. Posting updates the
receipt counter inside the posting transaction: a rolled-back posting leaves no gap.
"""
from __future__ import annotations

import datetime as dt
import uuid
from decimal import Decimal

from flask import current_app
from flask_babel import lazy_gettext as _l
from sqlalchemy import func, select, type_coerce
from sqlalchemy.exc import IntegrityError

from app.cashdesk import rules, seals
from app.cashdesk.models import PrepaidEntry, Receipt, ReceiptCounter, ReceiptLine, VoidRequest
from app.core import inputs, retry
from app.core.audit import acting_as
from app.core.models import record_decision
from app.core.money import Money, parse_money
from app.estate.models import Unit
from app.core.counters import next_in_series
from app.exceptions import Conflict, DomainError, PermissionDenied
from app.extensions import committed, db
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
    posts once: sent again with the same content it returns the first receipt; with another
    unit, amount, method, payer, reference or choice of charges it is a Conflict and nothing
    is posted. Every input is checked before the database sees it (app.core.inputs).

    A busy database (SQLite's lock, PostgreSQL's serialization failure) retries the whole
    posting a bounded number of times (app.core.retry); a posting without a key gets one of
    its own, so an attempt whose commit went through is found by it, never posted twice.
    """
    unit_id = inputs.as_id(unit_id, "unit")
    amount = parse_money(amount, field="amount", allow_zero=use_prepaid)
    if method not in rules.METHODS and not (method == rules.PREPAID and amount == 0):
        raise DomainError(_l("Pick one of the listed values."), field="method")
    payer_name = inputs.clean_text(payer_name, "payer_name", inputs.column_limit(Receipt.payer_name))
    reference = inputs.clean_text(reference, "reference", inputs.column_limit(Receipt.reference))
    request_key = inputs.clean_text(request_key, "request_key", inputs.column_limit(Receipt.request_key))
    if charge_ids is not None:
        charge_ids = inputs.as_ids(charge_ids, "charges")
    fingerprint = rules.request_fingerprint(unit_id, amount, method, charge_ids, use_prepaid, payer_name, reference)
    key = request_key or f"auto-{uuid.uuid4().hex}"

    def attempt() -> Receipt:
        try:
            with acting_as(actor), committed():
                return _post_once(unit_id, amount, method, actor, now, payer_name, charge_ids, use_prepaid,
                                  reference, key, fingerprint)
        except IntegrityError:
            # the same key committed by another request meanwhile (PostgreSQL: the unique index
            # waited for it): a replay or a conflict, never a second receipt
            done = _posted_with(key, fingerprint)
            if done is None:
                raise
            return done

    return retry.write_retrying(attempt, lambda: _posted_with(key, fingerprint))


def _posted_with(key: str, fingerprint: str) -> Receipt | None:
    """The receipt already posted with ``key``, if the request is the same; a Conflict if the
    key was used for another payment; None if nothing was posted with it."""
    existing = db.session.scalar(select(Receipt).where(Receipt.request_key == key))
    if existing is None:
        return None
    # receipts of before the fingerprint (request_hash NULL) replay as they always did
    if existing.request_hash not in (None, fingerprint):
        raise Conflict(_l("This form (request key) was already used for a different payment: nothing was posted "
                          "now. Check the receipts; to take a new payment, submit again."), field="request_key")
    return existing


def _post_once(unit_id, amount, method, actor, now, payer_name, charge_ids, use_prepaid, reference, key,
               fingerprint) -> Receipt:
    # lock the unit first: two cashiers taking money for one unit at once must not settle the
    # same charge twice, and a double submit waits for the first (PostgreSQL: a row lock;
    # SQLite: the write lock of BEGIN IMMEDIATE)
    unit = db.session.scalar(select(Unit).where(Unit.id == unit_id).with_for_update())
    done = _posted_with(key, fingerprint)
    if done is not None:
        return done
    if unit is None:
        raise DomainError(_l("This unit does not exist."), field="unit")

    # the late fees owed become 滞纳金 charges first, each settled right after its month
    from app.latefees.services import book_late_fees

    charge_ids = _owners_charges(unit, charge_ids)
    booked = book_late_fees(unit.id, now.date(), actor, now, charge_ids)
    if charge_ids is not None:
        charge_ids = list(charge_ids) + [booked[c] for c in charge_ids if c in booked]
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

    receipt = _new_receipt(
        unit, now, kind="payment", payer_name=payer_name or _occupant_name(unit),
        method=method, reference=reference, amount=amount, to_prepaid=to_prepaid,
        from_prepaid=from_prepaid, cashier_id=getattr(actor, "id", None),
        cashier_name=_display_name(actor), request_key=key, request_hash=fingerprint,
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
    return receipt


def _occupant_name(unit: Unit) -> str:
    """Who pays, by default: the current owner; for an unsold unit the developer, when the
    estate bills it; else the room."""
    owners = [o.owner.name for o in unit.current_occupants if o.relation == "owner"]
    if owners:
        return owners[0]
    estate = unit.estate
    if not _sold(unit) and estate is not None and estate.vacant_payer == "developer" and estate.developer_name:
        return estate.developer_name
    return unit.code


def _sold(unit: Unit) -> bool:
    return any(o.relation == "owner" for o in unit.occupancies)


def _owners_charges(unit: Unit, charge_ids: list[int] | None) -> list[int] | None:
    """What an unpicked payment settles. A sold unit's open charges of its unsold days are the
    developer's debt: the owner's money (or prepaid balance) never pays them unless the
    cashier ticks them. None: no such charge, the usual oldest-first allocation."""
    if charge_ids is not None:
        return charge_ids
    # one indexed look-up on the usual path: no developer's charge open on the unit
    developers = select(Charge.id).where(Charge.unit_id == unit.id, Charge.billed_to == "developer",
                                         Charge.voided_at.is_(None), Charge.paid < Charge.amount).limit(1)
    if db.session.scalar(developers) is None or not _sold(unit):
        return None
    return [c.id for c in open_charges(unit.id) if c.billed_to != "developer"]


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
        if not open_charges(unit_id) or _owners_charges(db.session.get(Unit, unit_id), None) == []:
            continue  # nothing open, or only the developer's debt (not the owner's prepaid money's)
        post_payment(unit_id, "0", rules.PREPAID, actor, now, use_prepaid=True)
        settled += 1
    return settled


# --- voids ------------------------------------------------------------------------------
def is_voided(receipt_id: int) -> bool:
    return db.session.scalar(select(Receipt.id).where(Receipt.reverses_id == receipt_id)) is not None


def request_void(receipt_id: int, reason: str, actor, now: dt.datetime) -> VoidRequest:
    # control characters refused first: five NULs are not a reason of five characters
    reason = inputs.clean_text(reason, "reason", inputs.column_limit(VoidRequest.reason), multiline=True) or ""
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
        record_decision(req, "approved", approver, now, note)
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
        record_decision(req, "rejected", approver, now, note)
        db.session.commit()
    return req


# --- tamper evidence --------------------------------------------------------------------
def verify_chain(estate_id: int | None = None) -> tuple[bool, str]:
    """`ledger verify` (app.cashdesk.seals.verify_ledger): (ok, the first problem or "OK: N ...")."""
    return seals.verify_ledger(estate_id)


# --- late fees --------------------------------------------------------------------------
def late_fees(unit_id: int, as_of: dt.date) -> dict[int, Decimal]:
    """滞纳金 owed on each open charge of the unit on ``as_of``: {charge id: fee}. The one
    rule and its figure live in app.latefees.services.late_fees_owed (every page uses it)."""
    from app.latefees.services import late_fees_owed

    return late_fees_owed([unit_id], as_of).by_charge
