"""Late fees (滞纳金) booked and waived.

The fee itself is never stored while it accrues: it is computed from the charge and its
payments (app.fees.rules.late_fee). What is stored is what took some of it off the table:
a booking (it became a 滞纳金 charge when a payment was taken) or an approved waiver (减免).
Both are money records: never changed once written, never deleted.
"""
from __future__ import annotations

import datetime as dt
from decimal import Decimal

from flask_appbuilder import Model
from flask_babel import lazy_gettext as _l
from sqlalchemy import Date, DateTime, ForeignKey, Integer, String
from sqlalchemy.orm import Mapped, mapped_column, relationship

from app.core.audit import Audited
from app.core.models import EstateScoped
from app.core.money import Money

BOOKED = "booked"
WAIVED = "waived"


class LateFeeWaiver(Audited, EstateScoped, Model):
    """减免: a clerk or supervisor asks to waive (part of) a unit's late fee, with a reason;
    the Manager approves or refuses. Only an approved waiver lowers what is owed."""

    __tablename__ = "late_fee_waiver"
    __estate_parent__ = "unit"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    unit_id: Mapped[int] = mapped_column(ForeignKey("unit.id"), nullable=False, index=True)
    amount: Mapped[Decimal] = mapped_column(Money(), nullable=False)
    reason: Mapped[str] = mapped_column(String(300), nullable=False)
    requested_by_id: Mapped[int | None] = mapped_column(ForeignKey("ab_user.id"))
    requested_at: Mapped[dt.datetime] = mapped_column(DateTime, nullable=False)
    status: Mapped[str] = mapped_column(String(20), nullable=False, default="pending")
    decided_by_id: Mapped[int | None] = mapped_column(ForeignKey("ab_user.id"))
    decided_at: Mapped[dt.datetime | None] = mapped_column(DateTime)
    decision_note: Mapped[str | None] = mapped_column(String(300))

    unit = relationship("Unit")
    requested_by = relationship("User", foreign_keys=[requested_by_id])
    decided_by = relationship("User", foreign_keys=[decided_by_id])

    def __str__(self) -> str:
        return f"{self.unit} {self.amount}"


class LateFeeEntry(Audited, EstateScoped, Model):
    """Late fee of one charge taken off its accrual on ``day``: booked as the 滞纳金 charge
    ``late_charge_id``, or waived by ``waiver_id``."""

    __tablename__ = "late_fee_entry"
    __estate_parent__ = "charge"
    # how its rows read in the change log (it has no page of its own)
    __history__ = {
        "label": _l("Late fees booked and waived"),
        "labels": {"charge": _l("Charge"), "kind": _l("Kind"), "amount": _l("Amount (yuan)"), "day": _l("Date"),
                   "late_charge_id": _l("Late-fee charge"), "waiver_id": _l("Late-fee waiver")},
        "choices": {"kind": {BOOKED: _l("Booked as a 滞纳金 charge"), WAIVED: _l("Waived")}},
    }

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    charge_id: Mapped[int] = mapped_column(ForeignKey("charge.id"), nullable=False, index=True)
    kind: Mapped[str] = mapped_column(String(10), nullable=False)  # booked / waived
    amount: Mapped[Decimal] = mapped_column(Money(), nullable=False)
    day: Mapped[dt.date] = mapped_column(Date, nullable=False)
    late_charge_id: Mapped[int | None] = mapped_column(ForeignKey("charge.id"))
    waiver_id: Mapped[int | None] = mapped_column(ForeignKey("late_fee_waiver.id"), index=True)

    charge = relationship("Charge", foreign_keys=[charge_id])
