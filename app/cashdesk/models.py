"""The cash desk: receipts (收据) and what they settle, prepaid balances (预存), voids,
bank deposits (交存银行) and reconciliations (对账).

A posted receipt is never changed or deleted (ORM guard here, database triggers in the
migration); a void is a reversal receipt that points at the original.
"""
from __future__ import annotations

import datetime as dt
from decimal import Decimal

from flask_appbuilder import Model
from sqlalchemy import Date, DateTime, ForeignKey, Integer, String, Text, UniqueConstraint, event
from sqlalchemy.orm import Mapped, mapped_column, relationship

from app.core.audit import Audited
from app.core.models import EstateScoped
from app.core.money import Money


class ReceiptCounter(Model):
    """The last receipt number used per estate and year. Updated inside the posting
    transaction, so a rolled-back posting gives its number back: no gaps, no reuse."""

    __tablename__ = "receipt_counter"

    estate_id: Mapped[int] = mapped_column(ForeignKey("estate.id"), primary_key=True)
    year: Mapped[int] = mapped_column(Integer, primary_key=True)
    last_number: Mapped[int] = mapped_column(Integer, nullable=False, default=0)


class Receipt(Audited, EstateScoped, Model):
    __tablename__ = "receipt"
    __table_args__ = (
        UniqueConstraint("estate_id", "year", "seq", name="uq_receipt_seq"),
        UniqueConstraint("estate_id", "number", name="uq_receipt_number"),
    )

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    number: Mapped[str] = mapped_column(String(30), nullable=False)  # 2026-000123
    year: Mapped[int] = mapped_column(Integer, nullable=False)
    seq: Mapped[int] = mapped_column(Integer, nullable=False)
    kind: Mapped[str] = mapped_column(String(10), nullable=False, default="payment")  # payment / reversal
    unit_id: Mapped[int] = mapped_column(ForeignKey("unit.id"), nullable=False, index=True)
    payer_name: Mapped[str] = mapped_column(String(100), nullable=False)
    method: Mapped[str] = mapped_column(String(20), nullable=False)  # cash/cheque/bank_transfer/mobile
    reference: Mapped[str | None] = mapped_column(String(100))  # cheque or transfer number
    amount: Mapped[Decimal] = mapped_column(Money(), nullable=False)  # money received (negative: reversal)
    to_prepaid: Mapped[Decimal] = mapped_column(Money(), nullable=False, default=Decimal("0"))
    from_prepaid: Mapped[Decimal] = mapped_column(Money(), nullable=False, default=Decimal("0"))
    business_date: Mapped[dt.date] = mapped_column(Date, nullable=False, index=True)
    posted_at: Mapped[dt.datetime] = mapped_column(DateTime, nullable=False)
    cashier_id: Mapped[int | None] = mapped_column(ForeignKey("ab_user.id"), index=True)
    cashier_name: Mapped[str] = mapped_column(String(100), nullable=False)
    reverses_id: Mapped[int | None] = mapped_column(ForeignKey("receipt.id"), unique=True)
    reason: Mapped[str | None] = mapped_column(String(300))
    approved_by_id: Mapped[int | None] = mapped_column(ForeignKey("ab_user.id"))
    # a form's (or an API client's) one-time token: a double submit posts once; the hash of what
    # was posted with it tells a replay (same hash) from another payment under the same key
    request_key: Mapped[str | None] = mapped_column(String(64), unique=True)
    request_hash: Mapped[str | None] = mapped_column(String(64))
    prev_hash: Mapped[str] = mapped_column(String(64), nullable=False)
    hash: Mapped[str] = mapped_column(String(64), nullable=False)
    # 1: the old unkeyed SHA-256 (receipts posted before migration 0011); 2: HMAC with the
    # ledger key (app.cashdesk.seals). A row inserted without it counts as 1 and must then lie
    # within a sealed upgrade record (LedgerAnchor), or `ledger verify` fails
    seal_version: Mapped[int] = mapped_column(Integer, nullable=False, server_default="1")

    unit = relationship("Unit")
    lines = relationship("ReceiptLine", back_populates="receipt", order_by="ReceiptLine.id")
    reverses = relationship("Receipt", remote_side=[id], foreign_keys=[reverses_id])
    cashier = relationship("User", foreign_keys=[cashier_id])
    approved_by = relationship("User", foreign_keys=[approved_by_id])

    def __str__(self) -> str:
        return self.number


class LedgerAnchor(Model):
    """The upgrade record of a receipt chain (estate, year) begun under the old unkeyed hash:
    its receipts up to ``last_seq`` (whose hash is ``last_hash``) keep the old rule, every
    later one must be keyed. ``mac`` seals the record with the ledger key, so moving the
    point or adding a record for another chain is found by `ledger verify`."""

    __tablename__ = "ledger_anchor"
    __table_args__ = (UniqueConstraint("estate_id", "year", name="uq_ledger_anchor_chain"),)

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    estate_id: Mapped[int] = mapped_column(ForeignKey("estate.id"), nullable=False)
    year: Mapped[int] = mapped_column(Integer, nullable=False)
    last_seq: Mapped[int] = mapped_column(Integer, nullable=False)
    last_hash: Mapped[str] = mapped_column(String(64), nullable=False)
    created_at: Mapped[dt.datetime] = mapped_column(DateTime, nullable=False)
    mac: Mapped[str] = mapped_column(String(64), nullable=False)


class ReceiptLine(Model):
    """The part of a receipt that settles one charge (negative on a reversal)."""

    __tablename__ = "receipt_line"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    receipt_id: Mapped[int] = mapped_column(ForeignKey("receipt.id"), nullable=False, index=True)
    charge_id: Mapped[int] = mapped_column(ForeignKey("charge.id"), nullable=False, index=True)
    amount: Mapped[Decimal] = mapped_column(Money(), nullable=False)

    receipt = relationship("Receipt", back_populates="lines")
    charge = relationship("Charge")


class PrepaidEntry(Model):
    """预存 movements of a unit: + an overpayment kept, − a later charge settled from it."""

    __tablename__ = "prepaid_entry"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    estate_id: Mapped[int] = mapped_column(ForeignKey("estate.id"), nullable=False, index=True)
    unit_id: Mapped[int] = mapped_column(ForeignKey("unit.id"), nullable=False, index=True)
    receipt_id: Mapped[int | None] = mapped_column(ForeignKey("receipt.id"), index=True)
    charge_id: Mapped[int | None] = mapped_column(ForeignKey("charge.id"))
    amount: Mapped[Decimal] = mapped_column(Money(), nullable=False)
    at: Mapped[dt.datetime] = mapped_column(DateTime, nullable=False)
    note: Mapped[str | None] = mapped_column(String(200))


class VoidRequest(Audited, EstateScoped, Model):
    """A clerk asks to void a receipt, with a reason; a Manager or Accountant decides."""

    __tablename__ = "void_request"
    __estate_parent__ = "receipt"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    receipt_id: Mapped[int] = mapped_column(ForeignKey("receipt.id"), nullable=False, index=True)
    reason: Mapped[str] = mapped_column(String(300), nullable=False)
    requested_by_id: Mapped[int | None] = mapped_column(ForeignKey("ab_user.id"))
    requested_at: Mapped[dt.datetime] = mapped_column(DateTime, nullable=False)
    status: Mapped[str] = mapped_column(String(20), nullable=False, default="pending")
    decided_by_id: Mapped[int | None] = mapped_column(ForeignKey("ab_user.id"))
    decided_at: Mapped[dt.datetime | None] = mapped_column(DateTime)
    decision_note: Mapped[str | None] = mapped_column(String(300))
    reversal_id: Mapped[int | None] = mapped_column(ForeignKey("receipt.id"))

    receipt = relationship("Receipt", foreign_keys=[receipt_id])
    reversal = relationship("Receipt", foreign_keys=[reversal_id])
    requested_by = relationship("User", foreign_keys=[requested_by_id])
    decided_by = relationship("User", foreign_keys=[decided_by_id])


class BankDeposit(Audited, EstateScoped, Model):
    """交存银行: the cash and cheques of chosen receipts, counted and deposited."""

    __tablename__ = "bank_deposit"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    deposit_date: Mapped[dt.date] = mapped_column(Date, nullable=False, index=True)
    bank: Mapped[str | None] = mapped_column(String(100))
    slip_number: Mapped[str | None] = mapped_column(String(60))
    amount: Mapped[Decimal] = mapped_column(Money(), nullable=False)  # what the bank slip says
    receipts_total: Mapped[Decimal] = mapped_column(Money(), nullable=False)
    difference_note: Mapped[str | None] = mapped_column(String(300))
    deposited_by_id: Mapped[int | None] = mapped_column(ForeignKey("ab_user.id"))
    confirmed_by_id: Mapped[int | None] = mapped_column(ForeignKey("ab_user.id"))
    confirmed_at: Mapped[dt.datetime | None] = mapped_column(DateTime)
    created_at: Mapped[dt.datetime] = mapped_column(DateTime, nullable=False)

    estate = relationship("Estate")
    receipts = relationship("BankDepositReceipt", back_populates="deposit")


class BankDepositReceipt(Model):
    """A receipt counted in a deposit; a receipt is deposited once."""

    __tablename__ = "bank_deposit_receipt"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    deposit_id: Mapped[int] = mapped_column(ForeignKey("bank_deposit.id"), nullable=False, index=True)
    receipt_id: Mapped[int] = mapped_column(ForeignKey("receipt.id"), nullable=False, unique=True)

    deposit = relationship("BankDeposit", back_populates="receipts")
    receipt = relationship("Receipt")


class Reconciliation(Audited, EstateScoped, Model):
    """对账 every three days: system totals by method against the accountant's book figure."""

    __tablename__ = "reconciliation"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    date_from: Mapped[dt.date] = mapped_column(Date, nullable=False)
    date_to: Mapped[dt.date] = mapped_column(Date, nullable=False)
    cash_total: Mapped[Decimal] = mapped_column(Money(), nullable=False)
    cheque_total: Mapped[Decimal] = mapped_column(Money(), nullable=False)
    transfer_total: Mapped[Decimal] = mapped_column(Money(), nullable=False)
    mobile_total: Mapped[Decimal] = mapped_column(Money(), nullable=False)
    system_total: Mapped[Decimal] = mapped_column(Money(), nullable=False)
    book_total: Mapped[Decimal | None] = mapped_column(Money())
    difference: Mapped[Decimal | None] = mapped_column(Money())
    explanation: Mapped[str | None] = mapped_column(Text)
    prepared_by_id: Mapped[int | None] = mapped_column(ForeignKey("ab_user.id"))
    signed_off_by_id: Mapped[int | None] = mapped_column(ForeignKey("ab_user.id"))
    signed_off_at: Mapped[dt.datetime | None] = mapped_column(DateTime)
    created_at: Mapped[dt.datetime] = mapped_column(DateTime, nullable=False)

    estate = relationship("Estate")
    prepared_by = relationship("User", foreign_keys=[prepared_by_id])
    signed_off_by = relationship("User", foreign_keys=[signed_off_by_id])


@event.listens_for(Receipt, "before_update")
@event.listens_for(Receipt, "before_delete")
@event.listens_for(ReceiptLine, "before_update")
@event.listens_for(ReceiptLine, "before_delete")
@event.listens_for(PrepaidEntry, "before_update")
@event.listens_for(PrepaidEntry, "before_delete")
@event.listens_for(LedgerAnchor, "before_update")
@event.listens_for(LedgerAnchor, "before_delete")
def _posted_is_final(_mapper, _conn, _target):
    from flask_babel import lazy_gettext as _l

    from app.exceptions import DomainError

    raise DomainError(_l("A posted receipt cannot be changed or deleted; void it with a reason."))
