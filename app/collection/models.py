"""The collection case file (催交): actions logged against a unit, and numbered payment
reminders (催缴通知书). Both are records: corrected by a later action, never deleted."""
from __future__ import annotations

import datetime as dt
from decimal import Decimal

from flask_appbuilder import Model
from sqlalchemy import Boolean, Date, DateTime, ForeignKey, Integer, String, Text, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column, relationship

from app.core.audit import Audited
from app.core.models import EstateScoped
from app.core.money import Money


class ReminderCounter(Model):
    """The last reminder number used per estate and year, updated inside the transaction
    that issues the reminders: gapless, never reused (as receipt numbers)."""

    __tablename__ = "reminder_counter"

    estate_id: Mapped[int] = mapped_column(ForeignKey("estate.id"), primary_key=True)
    year: Mapped[int] = mapped_column(Integer, primary_key=True)
    last_number: Mapped[int] = mapped_column(Integer, nullable=False, default=0)


class PaymentReminder(Audited, EstateScoped, Model):
    """催缴通知书: one numbered letter to a unit. ``snapshot`` keeps what was printed (items,
    amounts, deadline) as JSON, so a reprint shows the same letter under the same number."""

    __tablename__ = "payment_reminder"
    __table_args__ = (
        UniqueConstraint("estate_id", "year", "seq", name="uq_payment_reminder_seq"),
        UniqueConstraint("estate_id", "number", name="uq_payment_reminder_number"),
    )
    __estate_parent__ = "unit"
    # the number says the year and sequence; the snapshot is written once with the number
    __audit_exclude__ = ("year", "seq", "snapshot")

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    unit_id: Mapped[int] = mapped_column(ForeignKey("unit.id"), nullable=False, index=True)
    number: Mapped[str] = mapped_column(String(30), nullable=False)  # CJ2026-00012
    year: Mapped[int] = mapped_column(Integer, nullable=False)
    seq: Mapped[int] = mapped_column(Integer, nullable=False)
    round_no: Mapped[int] = mapped_column(Integer, nullable=False, default=1)
    stage: Mapped[str] = mapped_column(String(10), nullable=False)  # first / second / final
    lang: Mapped[str] = mapped_column(String(10), nullable=False, default="zh_CN")
    amount: Mapped[Decimal] = mapped_column(Money(), nullable=False)  # overdue charges
    late_fee: Mapped[Decimal] = mapped_column(Money(), nullable=False, default=Decimal("0"))
    total: Mapped[Decimal] = mapped_column(Money(), nullable=False)
    deadline: Mapped[dt.date] = mapped_column(Date, nullable=False)
    as_of: Mapped[dt.date] = mapped_column(Date, nullable=False)
    issued_at: Mapped[dt.datetime] = mapped_column(DateTime, nullable=False)
    issued_by_id: Mapped[int | None] = mapped_column(ForeignKey("ab_user.id"))
    printed_at: Mapped[dt.datetime | None] = mapped_column(DateTime)  # last printed
    print_count: Mapped[int] = mapped_column(Integer, nullable=False, default=0)
    snapshot: Mapped[str] = mapped_column(Text, nullable=False)

    unit = relationship("Unit")
    estate = relationship("Estate")
    issued_by = relationship("User")

    def __str__(self) -> str:
        return self.number


class CollectionAction(Audited, EstateScoped, Model):
    """One step of collecting a unit's arrears: phone reminder, written notice, door visit,
    escalation to the manager (who records the decision)."""

    __tablename__ = "collection_action"
    __estate_parent__ = "unit"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    unit_id: Mapped[int] = mapped_column(ForeignKey("unit.id"), nullable=False, index=True)
    kind: Mapped[str] = mapped_column(String(20), nullable=False)  # rules.KINDS
    at: Mapped[dt.datetime] = mapped_column(DateTime, nullable=False, index=True)
    staff_id: Mapped[int | None] = mapped_column(ForeignKey("ab_user.id"))
    result: Mapped[str | None] = mapped_column(Text)  # what happened / escalation reason
    # phone
    reached: Mapped[bool | None] = mapped_column(Boolean)
    promise_date: Mapped[dt.date | None] = mapped_column(Date)
    promise_amount: Mapped[Decimal | None] = mapped_column(Money())
    # written notice
    reminder_id: Mapped[int | None] = mapped_column(ForeignKey("payment_reminder.id"), index=True)
    delivery: Mapped[str | None] = mapped_column(String(20))  # rules.DELIVERY
    delivered_on: Mapped[dt.date | None] = mapped_column(Date)
    receipt_returned: Mapped[bool | None] = mapped_column(Boolean)  # 送达回执 back
    # door visit: the owner signed (True) or refused (False)
    signed: Mapped[bool | None] = mapped_column(Boolean)
    # escalation: the manager's decision
    decision: Mapped[str | None] = mapped_column(String(20))  # rules.DECISIONS
    decision_note: Mapped[str | None] = mapped_column(Text)
    decided_by_id: Mapped[int | None] = mapped_column(ForeignKey("ab_user.id"))
    decided_at: Mapped[dt.datetime | None] = mapped_column(DateTime)

    unit = relationship("Unit")
    estate = relationship("Estate")
    staff = relationship("User", foreign_keys=[staff_id])
    decided_by = relationship("User", foreign_keys=[decided_by_id])
    reminder = relationship("PaymentReminder")

    def __str__(self) -> str:
        return f"{self.unit} {self.kind} {self.at:%Y-%m-%d}"
