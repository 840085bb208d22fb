"""Late fees (滞纳金): the one function that says what is owed, booking when money is taken.

The office's rule (README "Late fees"):
- a charge of an item with a daily rate accrues a late fee on its unpaid part, for each day
  after its due date + the item's grace days (app.fees.rules.late_fee, payments by receipt
  date, so a partial payment lowers the fee from that day);
- what is owed is the accrual of the charges still open, less what was booked as a 滞纳金
  charge and what an approved waiver took off. A charge paid in full owes no more late fee:
  every payment books the late fees first (``book_late_fees``), so a charge can only be paid
  in full once its late fee is a charge of its own; charges paid before the desk booked
  late fees are not chased after the fact;
- an estate with late fees switched off owes none, books none, publishes none.

Every page (unit page, arrears list and case file, cash desk, statement, reminder letter)
reads the figure from ``late_fees_owed`` in one query, whatever the units.
"""
from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field
from decimal import Decimal

from sqlalchemy import func, select, type_coerce

from app.core.audit import acting_as
from app.core.money import Money
from app.extensions import db

ZERO = Decimal("0.00")
LATE_FEE_CODE = "late_fee"  # the 滞纳金 fee item of an estate, created when first needed
LATE_FEE_NAME = "滞纳金"


@dataclass
class LateFees:
    """Late fee owed as of a date: per charge (its principal) and per unit."""

    as_of: dt.date
    by_charge: dict[int, Decimal] = field(default_factory=dict)
    by_unit: dict[int, Decimal] = field(default_factory=dict)
    # (due date, charge id, unit id) of the charges in by_charge, oldest first: the order a
    # waiver is spread in
    order: list[tuple[dt.date, int, int]] = field(default_factory=list)

    def of_unit(self, unit_id: int) -> Decimal:
        return self.by_unit.get(unit_id, ZERO)


def late_fees_owed(unit_ids, as_of: dt.date) -> LateFees:
    """The late fee owed on ``as_of`` by each open charge of ``unit_ids``, in ONE query (each
    charge with its payments, and what was booked or waived of it), whatever the units."""
    from app.cashdesk.models import Receipt, ReceiptLine
    from app.estate.models import Estate
    from app.fees.models import Charge, FeeItem
    from app.fees.rules import Settlement, late_fee
    from app.latefees.models import LateFeeEntry

    out = LateFees(as_of)
    unit_ids = list(unit_ids)
    if not unit_ids:
        return out
    taken = type_coerce(
        select(func.sum(LateFeeEntry.amount))
        .where(LateFeeEntry.charge_id == Charge.id, LateFeeEntry.day <= as_of).scalar_subquery(), Money())
    rows = db.session.execute(
        select(Charge.id, Charge.unit_id, Charge.amount, Charge.due_date, FeeItem.late_fee_daily_rate,
               FeeItem.late_fee_grace_days, taken.label("taken"), Receipt.business_date,
               ReceiptLine.amount.label("settled"))
        .join(FeeItem, Charge.fee_item_id == FeeItem.id)
        .join(Estate, FeeItem.estate_id == Estate.id)
        .outerjoin(ReceiptLine, ReceiptLine.charge_id == Charge.id)
        .outerjoin(Receipt, ReceiptLine.receipt_id == Receipt.id)
        .where(Charge.unit_id.in_(unit_ids), Charge.voided_at.is_(None), Charge.paid < Charge.amount,
               Charge.due_date < as_of, FeeItem.late_fee_daily_rate.isnot(None), Estate.late_fees_enabled.is_(True))
        .order_by(Charge.due_date, Charge.id)
    ).all()
    charges: dict[int, tuple] = {}
    settled: dict[int, list[Settlement]] = {}
    for charge_id, unit_id, amount, due, rate, grace, took, day, part in rows:
        charges.setdefault(charge_id, (unit_id, amount, due, rate, grace, took))
        if day is not None:
            settled.setdefault(charge_id, []).append(Settlement(day, part))
    for charge_id, (unit_id, amount, due, rate, grace, took) in charges.items():
        accrued = late_fee(amount, due, settled.get(charge_id, []), as_of, rate, grace or 0)
        owed = accrued - (took or ZERO)
        if owed > 0:
            out.by_charge[charge_id] = owed
            out.by_unit[unit_id] = out.by_unit.get(unit_id, ZERO) + owed
            out.order.append((due, charge_id, unit_id))
    return out


def late_fee_item(estate_id: int):
    """The estate's 滞纳金 fee item (created on first use: no rate of its own, never billed)."""
    from app.fees.models import FeeItem

    item = db.session.scalar(select(FeeItem).where(FeeItem.estate_id == estate_id, FeeItem.code == LATE_FEE_CODE))
    if item is None:
        item = FeeItem(estate_id=estate_id, code=LATE_FEE_CODE, name=LATE_FEE_NAME, kind="other", basis="per_sale",
                       unit_label="元", recurring=False, late_fee_daily_rate=None, late_fee_grace_days=0,
                       due_days=0, active=True, sort_order=999)
        db.session.add(item)
        db.session.flush()
    return item


def book_late_fees(unit_id: int, as_of: dt.date, actor, now: dt.datetime,
                   charge_ids: list[int] | None = None) -> dict[int, int]:
    """Inside the posting transaction, before the money is allocated: the late fee owed on
    each open charge becomes a 滞纳金 charge of the same period and due date, so the payment
    settles it right after its month's charges (oldest month first) and the receipt prints
    it. With ``charge_ids`` (the clerk picked what is paid) only their late fees are booked.
    Returns {principal charge id: 滞纳金 charge id}. Flushes; the caller commits."""
    from app.fees.models import Charge
    from app.latefees.models import BOOKED, LateFeeEntry

    owed = late_fees_owed([unit_id], as_of).by_charge
    if charge_ids is not None:
        owed = {c: fee for c, fee in owed.items() if c in set(charge_ids)}
    if not owed:
        return {}
    booked: dict[int, int] = {}
    with acting_as(actor):
        principals = db.session.scalars(select(Charge).where(Charge.id.in_(list(owed))).order_by(Charge.id)).all()
        item = late_fee_item(principals[0].unit.estate_id)
        for p in principals:
            charge = Charge(unit_id=p.unit_id, estate_id=p.estate_id, fee_item_id=item.id, period=p.period,
                            period_start=p.period_start, period_end=p.period_end, due_date=p.due_date,
                            amount=owed[p.id], paid=ZERO, source="late_fee", billed_to=p.billed_to,
                            description=f"{LATE_FEE_NAME}（{p.fee_item.name} {p.period}）"[:300],
                            created_at=now)
            db.session.add(charge)
            db.session.flush()
            db.session.add(LateFeeEntry(charge_id=p.id, estate_id=p.estate_id, kind=BOOKED, amount=owed[p.id],
                                        day=as_of, late_charge_id=charge.id))
            booked[p.id] = charge.id
        db.session.flush()
    return booked
