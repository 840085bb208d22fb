"""Daily cash close (日结) and bank deposits (交存银行) of the cash and cheques taken at the desk.

Every function that writes owns its transaction and takes an explicit actor and time; a
refusal is a DomainError raised before anything is written. Amounts are exact: money columns
are integer fen, sums are taken in Python Decimal.

Deposits are never changed or deleted. A deposit recorded by mistake, while the accountant
has not confirmed it, is undone by a *reversing deposit*: a new deposit row whose slip amount
is the negative of the original's, listing no receipts, with the reason in its note (which
starts with ``[reverses #<id>]``). The original stays as it was and can no longer be
confirmed; its receipts stay with it (a receipt is deposited once), so money that did not
reach the bank goes with a later slip, whose difference note says so.

The three-day reconciliation (对账) is in app.cashdesk.reconciliation; its entry points are
re-exported here because the deposit pages, the API, the front page and the demo data call
them as ``deposits.<name>``.
"""
from __future__ import annotations

import datetime as dt
import re
from dataclasses import dataclass, field
from decimal import Decimal

from flask_babel import lazy_gettext as _l
from sqlalchemy import func, select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import aliased

from app.cashdesk.checks import MIN_NOTE, as_date, can, check_scope, clean_text
from app.cashdesk.models import BankDeposit, BankDepositReceipt, Receipt
from app.cashdesk.rules import DEPOSITABLE, METHODS, ZERO
from app.core import inputs
from app.core.audit import acting_as
from app.core.money import fmt, parse_money
from app.estate.models import Unit
from app.exceptions import DomainError, NotFound, PermissionDenied
from app.extensions import db
from app.security import permissions as P

__all__ = [
    "REVERSAL_PREFIX", "REVERSAL_RE", "ZERO", "CashClose", "CashierClose", "DepositDetail", "ReceiptRow", "cash_close",
    "cashiers_on", "confirm_deposit", "deposit_detail", "deposit_status", "record_deposit",
    "reversal_of", "reverse_deposit", "reverses_id", "undeposited_receipts",
]

REVERSAL_PREFIX = "[reverses #{id}] "
REVERSAL_RE = re.compile(r"^\[reverses #(\d+)\] ?(.*)$", re.S)


# --- plain data for pages and tests (no ORM objects) --------------------------------------
@dataclass(frozen=True)
class ReceiptRow:
    id: int
    number: str
    business_date: dt.date
    kind: str  # payment / reversal
    method: str
    amount: Decimal  # negative on a reversal
    unit_code: str
    payer_name: str
    reference: str | None
    cashier_id: int | None
    cashier_name: str
    deposit_id: int | None = None

    @property
    def fen(self) -> int:
        return int(self.amount * 100)


@dataclass
class CashierClose:
    cashier_id: int | None
    cashier_name: str
    rows: list[ReceiptRow] = field(default_factory=list)
    by_method: dict[str, Decimal] = field(default_factory=dict)
    total: Decimal = ZERO
    deposited: Decimal = ZERO

    @property
    def undeposited(self) -> Decimal:
        return self.total - self.deposited


@dataclass
class CashClose:
    """日结: one day's cash and cheque receipts of an estate, per cashier, with totals."""

    estate_id: int
    day: dt.date
    cashier_id: int | None
    cashiers: list[CashierClose] = field(default_factory=list)
    by_method: dict[str, Decimal] = field(default_factory=dict)
    total: Decimal = ZERO
    deposited: Decimal = ZERO
    count: int = 0

    @property
    def undeposited(self) -> Decimal:
        return self.total - self.deposited


@dataclass(frozen=True)
class DepositDetail:
    id: int
    status: str  # pending / confirmed / reversed / reversal
    rows: list[ReceiptRow]
    receipts_sum: Decimal  # the listed receipts added up again
    difference: Decimal  # slip amount - receipts total
    reverses_id: int | None  # this row reverses that deposit
    reversed_by_id: int | None  # that row reverses this deposit
    note: str | None  # the difference note / reversal reason without the marker


# --- receipts as rows ---------------------------------------------------------------------
def _receipt_rows(*where) -> list[ReceiptRow]:
    """Cash-desk receipts as plain rows. A reversal is shown under the cashier of the receipt
    it reverses: the refund comes out of that cashier's cash box."""
    original = aliased(Receipt)
    cashier_id = func.coalesce(original.cashier_id, Receipt.cashier_id)
    q = (
        select(Receipt.id, Receipt.number, Receipt.business_date, Receipt.kind, Receipt.method, Receipt.amount,
               Unit.code, Receipt.payer_name, Receipt.reference, cashier_id,
               func.coalesce(original.cashier_name, Receipt.cashier_name), BankDepositReceipt.deposit_id)
        .join(Unit, Unit.id == Receipt.unit_id)
        .outerjoin(original, original.id == Receipt.reverses_id)
        .outerjoin(BankDepositReceipt, BankDepositReceipt.receipt_id == Receipt.id)
        .where(*where)
        .order_by(Receipt.business_date, Receipt.year, Receipt.seq)
    )
    return [ReceiptRow(*row) for row in db.session.execute(q).all()]


def cash_close(estate_id: int, day, cashier_id: int | None = None) -> CashClose:
    """The day's cash and cheque receipts of an estate (reversals included, negative), per
    cashier, with totals by method and what of it is deposited already."""
    day = as_date(day, "day")
    where = [Receipt.estate_id == estate_id, Receipt.business_date == day, Receipt.method.in_(DEPOSITABLE)]
    rows = _receipt_rows(*where)
    if cashier_id is not None:
        rows = [r for r in rows if r.cashier_id == cashier_id]
    close = CashClose(estate_id=estate_id, day=day, cashier_id=cashier_id,
                      by_method={m: ZERO for m in DEPOSITABLE})
    groups: dict[int | None, CashierClose] = {}
    for row in rows:
        group = groups.get(row.cashier_id)
        if group is None:
            group = groups[row.cashier_id] = CashierClose(row.cashier_id, row.cashier_name,
                                                          by_method={m: ZERO for m in DEPOSITABLE})
        group.rows.append(row)
        group.by_method[row.method] += row.amount
        group.total += row.amount
        close.by_method[row.method] += row.amount
        close.total += row.amount
        close.count += 1
        if row.deposit_id is not None:
            group.deposited += row.amount
            close.deposited += row.amount
    close.cashiers = sorted(groups.values(), key=lambda g: (g.cashier_name, g.cashier_id or 0))
    return close


def cashiers_on(estate_id: int, day) -> list[tuple[int, str]]:
    """(id, name) of the cashiers with cash or cheque receipts on ``day`` (for a picker)."""
    close = cash_close(estate_id, day)
    return [(c.cashier_id, c.cashier_name) for c in close.cashiers if c.cashier_id is not None]


def undeposited_receipts(estate_id: int, day=None, limit: int | None = None) -> list[ReceiptRow]:
    """Cash and cheque receipts of the estate not in any deposit yet (reversals included),
    oldest first; only those of ``day`` if given. Receipts of zero carry no money: left out."""
    where = [Receipt.estate_id == estate_id, Receipt.method.in_(DEPOSITABLE), Receipt.amount != 0,
             BankDepositReceipt.id.is_(None)]
    if day is not None:
        where.append(Receipt.business_date == as_date(day, "day"))
    rows = _receipt_rows(*where)
    return rows[:limit] if limit else rows


# --- deposits -----------------------------------------------------------------------------
def reverses_id(deposit: BankDeposit) -> int | None:
    m = REVERSAL_RE.match(deposit.difference_note or "")
    return int(m.group(1)) if m else None


def reversal_of(deposit: BankDeposit) -> BankDeposit | None:
    """The deposit that reverses ``deposit``, if any."""
    marker = REVERSAL_PREFIX.format(id=deposit.id).strip()
    return db.session.scalar(
        select(BankDeposit).where(BankDeposit.estate_id == deposit.estate_id,
                                  BankDeposit.difference_note.like(f"{marker}%"))
        .order_by(BankDeposit.id).limit(1)
    )


def deposit_status(deposit: BankDeposit) -> str:
    if reverses_id(deposit) is not None:
        return "reversal"
    if deposit.confirmed_at is not None:
        return "confirmed"
    if reversal_of(deposit) is not None:
        return "reversed"
    return "pending"


def deposit_detail(deposit_id: int) -> DepositDetail:
    deposit = db.session.get(BankDeposit, deposit_id)
    if deposit is None:
        raise NotFound(_l("This deposit does not exist."))
    rows = _receipt_rows(BankDepositReceipt.deposit_id == deposit.id)
    m = REVERSAL_RE.match(deposit.difference_note or "")
    reversal = None if m else reversal_of(deposit)
    return DepositDetail(
        id=deposit.id, status=deposit_status(deposit), rows=rows,
        receipts_sum=sum((r.amount for r in rows), ZERO), difference=deposit.amount - deposit.receipts_total,
        reverses_id=int(m.group(1)) if m else None, reversed_by_id=reversal.id if reversal else None,
        note=(m.group(2) if m else deposit.difference_note) or None,
    )


def record_deposit(
    estate_id: int,
    receipt_ids,
    amount,
    deposit_date,
    actor,
    now: dt.datetime,
    bank: str | None = None,
    slip_number: str | None = None,
    difference_note: str | None = None,
) -> BankDeposit:
    """Record a bank slip covering the chosen cash and cheque receipts.

    ``amount`` is what the slip says; it must equal the exact sum of the receipts, or the
    difference is explained in ``difference_note``. Each receipt is deposited once; bank
    transfers and mobile payments never pass through the cash box and are refused.
    """
    if not can(actor, P.WRITE, P.BANK_DEPOSIT):
        raise PermissionDenied(_l("You may not record bank deposits."))
    check_scope(actor, estate_id)
    ids = sorted({int(i) for i in (receipt_ids or [])})
    if not ids:
        raise DomainError(_l("Tick the receipts this deposit covers."), field="receipts")
    amount = parse_money(amount, field="amount")
    deposit_date = as_date(deposit_date, "deposit_date")
    if deposit_date > now.date():
        raise DomainError(_l("The deposit date cannot be in the future."), field="deposit_date")
    bank = clean_text(bank, 100, "bank")
    slip_number = clean_text(slip_number, 60, "slip_number")
    note = clean_text(difference_note, 300, "difference_note")
    if note and REVERSAL_RE.match(note):
        raise DomainError(_l("Write the difference in your own words."), field="difference_note")

    receipts = db.session.scalars(select(Receipt).where(Receipt.id.in_(ids)).order_by(Receipt.id)).all()
    if len(receipts) != len(ids) or any(r.estate_id != estate_id for r in receipts):
        raise DomainError(_l("A chosen receipt does not exist or belongs to another estate."), field="receipts")
    for r in receipts:
        if r.method not in DEPOSITABLE:
            raise DomainError(
                _l("Receipt %(n)s was paid by %(m)s: bank transfers and mobile payments never pass through "
                   "the cash box and are not deposited.", n=r.number, m=METHODS.get(r.method, r.method)),
                field="receipts")
        if r.business_date > deposit_date:
            raise DomainError(_l("Receipt %(n)s was taken on %(d)s, after the deposit date.", n=r.number,
                                 d=r.business_date.isoformat()), field="deposit_date")
    taken = db.session.execute(
        select(Receipt.number, BankDeposit.id, BankDeposit.deposit_date)
        .join(BankDepositReceipt, BankDepositReceipt.receipt_id == Receipt.id)
        .join(BankDeposit, BankDeposit.id == BankDepositReceipt.deposit_id)
        .where(Receipt.id.in_(ids)).order_by(Receipt.id)
    ).first()
    if taken is not None:
        raise DomainError(_l("Receipt %(n)s is already in deposit #%(d)s of %(date)s; a receipt is deposited "
                             "once.", n=taken[0], d=taken[1], date=taken[2].isoformat()), field="receipts")
    receipts_total = sum((r.amount for r in receipts), ZERO)
    if receipts_total <= 0:
        raise DomainError(_l("The ticked receipts add up to ¥%(t)s: there is nothing to deposit.",
                             t=fmt(receipts_total)), field="receipts")
    if amount != receipts_total and (note is None or len(note) < MIN_NOTE):
        raise DomainError(
            _l("The slip says ¥%(a)s but the ticked receipts add up to ¥%(t)s (difference ¥%(d)s): explain "
               "the difference (at least %(n)d characters).", a=fmt(amount), t=fmt(receipts_total),
               d=fmt(amount - receipts_total), n=MIN_NOTE),
            field="difference_note")

    with acting_as(actor):
        deposit = BankDeposit(
            estate_id=estate_id, deposit_date=deposit_date, bank=bank, slip_number=slip_number, amount=amount,
            receipts_total=receipts_total, difference_note=note, deposited_by_id=getattr(actor, "id", None),
            created_at=now,
        )
        db.session.add(deposit)
        try:
            db.session.flush()
            db.session.add_all(BankDepositReceipt(deposit_id=deposit.id, receipt_id=r.id) for r in receipts)
            db.session.commit()
        except IntegrityError:
            db.session.rollback()
            raise DomainError(_l("One of the receipts was deposited by someone else a moment ago; reload the "
                                 "page and tick them again."), field="receipts") from None
    return deposit


def _deposit_in_scope(deposit_id: int, actor) -> BankDeposit:
    deposit = db.session.get(BankDeposit, deposit_id)
    if deposit is None:
        raise NotFound(_l("This deposit does not exist."))
    check_scope(actor, deposit.estate_id)
    return deposit


def confirm_deposit(deposit_id: int, actor, now: dt.datetime) -> BankDeposit:
    """The accountant confirms that the bank received the slip."""
    if not can(actor, P.APPROVE, P.BANK_DEPOSIT):
        raise PermissionDenied(_l("Only the accountant can confirm a bank deposit."))
    deposit = _deposit_in_scope(deposit_id, actor)
    status = deposit_status(deposit)
    if status == "confirmed":
        raise DomainError(_l("This deposit was confirmed already."))
    if status in ("reversed", "reversal"):
        raise DomainError(_l("A reversed deposit or a reversal cannot be confirmed."))
    with acting_as(actor):
        deposit.confirmed_by_id = getattr(actor, "id", None)
        deposit.confirmed_at = now
        db.session.commit()
    return deposit


def reverse_deposit(deposit_id: int, reason: str, actor, now: dt.datetime) -> BankDeposit:
    """Undo a deposit recorded by mistake (not yet confirmed) with a reversing deposit: the
    negative slip amount, no receipts, the reason in its note. Nothing is changed or deleted."""
    if not (can(actor, P.WRITE, P.BANK_DEPOSIT) or can(actor, P.APPROVE, P.BANK_DEPOSIT)):
        raise PermissionDenied(_l("You may not reverse bank deposits."))
    reason = inputs.clean_text(reason, "reason", 300, multiline=True) or ""  # no NUL passes as a reason
    limit = 300 - len(REVERSAL_PREFIX.format(id=deposit_id))
    if len(reason) < MIN_NOTE:
        raise DomainError(_l("Give the reason (at least %(n)d characters).", n=MIN_NOTE), field="reason")
    if len(reason) > limit:
        raise DomainError(_l("The text is too long (at most %(n)d characters).", n=limit), field="reason")
    deposit = _deposit_in_scope(deposit_id, actor)
    status = deposit_status(deposit)
    if status == "confirmed":
        raise DomainError(_l("The accountant has confirmed this deposit against the bank: it cannot be "
                             "reversed."), field="reason")
    if status == "reversed":
        raise DomainError(_l("This deposit has been reversed already."), field="reason")
    if status == "reversal":
        raise DomainError(_l("A reversal cannot be reversed."), field="reason")
    with acting_as(actor):
        reversal = BankDeposit(
            estate_id=deposit.estate_id, deposit_date=now.date(), bank=deposit.bank,
            slip_number=deposit.slip_number, amount=-deposit.amount, receipts_total=ZERO,
            difference_note=REVERSAL_PREFIX.format(id=deposit.id) + reason,
            deposited_by_id=getattr(actor, "id", None), created_at=now,
        )
        db.session.add(reversal)
        db.session.commit()
    return reversal
