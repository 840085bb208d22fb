"""收费台帐: a unit's charges, payments and reversals in date order, with the running balance.

The balance is what the unit owes (positive) or has paid ahead (negative). The same numbers
feed the ledger page, the PDF statement and the arrears list, so they always agree.
"""
from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field
from decimal import Decimal

from sqlalchemy import select

from app.cashdesk.models import Receipt
from app.cashdesk.services import prepaid_balance
from app.estate.models import Unit
from app.extensions import db
from app.fees.models import Charge, FeeItem
from app.owners.models import Occupancy, Owner

ZERO = Decimal("0.00")


@dataclass
class LedgerLine:
    day: dt.date
    kind: str  # charge / payment / reversal / void
    text: str
    period: str | None
    charge: Decimal  # + what became due
    payment: Decimal  # + what was paid (negative on a reversal)
    balance: Decimal
    reference: str | None = None  # receipt number


@dataclass
class UnitLedger:
    unit_id: int
    unit_code: str
    estate_name: str
    owner_names: list[str]
    lines: list[LedgerLine] = field(default_factory=list)
    total_charged: Decimal = ZERO
    total_paid: Decimal = ZERO
    arrears: Decimal = ZERO  # sum of the open charges
    prepaid: Decimal = ZERO

    @property
    def balance(self) -> Decimal:
        return self.lines[-1].balance if self.lines else ZERO


def unit_ledger(unit_id: int, date_from: dt.date | None = None, date_to: dt.date | None = None) -> UnitLedger:
    unit = db.session.get(Unit, unit_id)
    events: list[tuple] = []
    charges = db.session.execute(
        select(Charge.id, Charge.period_start, Charge.period, Charge.amount, Charge.voided_at,
               Charge.void_reason, FeeItem.name, Charge.description, Charge.paid)
        .join(FeeItem, Charge.fee_item_id == FeeItem.id)
        .where(Charge.unit_id == unit_id)
    ).all()
    arrears = ZERO
    for cid, start, period, amount, voided_at, reason, item, desc, paid in charges:
        if not voided_at:
            arrears += amount - paid  # the same sum as services.arrears_total, from these rows
        events.append((start, 0, cid, "charge", desc or item, period, amount, ZERO, None))
        if voided_at:
            events.append((voided_at.date(), 2, cid, "void", f"{item}（{reason or ''}）", period, -amount, ZERO, None))
    for r in db.session.scalars(select(Receipt).where(Receipt.unit_id == unit_id)):
        kind = "payment" if r.kind == "payment" else "reversal"
        events.append((r.business_date, 1, r.id, kind, r.payer_name, None, ZERO, r.amount, r.number))
    events.sort(key=lambda e: (e[0], e[1], e[2]))
    owner_names = list(db.session.scalars(
        select(Owner.name).join(Occupancy, Occupancy.owner_id == Owner.id)
        .where(Occupancy.unit_id == unit_id, Occupancy.relation == "owner", Occupancy.move_out_date.is_(None))
        .order_by(Occupancy.id)
    ))
    ledger = UnitLedger(unit_id=unit_id, unit_code=unit.code, estate_name=unit.estate.name, owner_names=owner_names)
    balance = ZERO
    for day, _order, _id, kind, text, period, charge, payment, ref in events:
        balance += charge - payment
        ledger.total_charged += charge
        ledger.total_paid += payment
        if (date_from and day < date_from) or (date_to and day > date_to):
            continue
        ledger.lines.append(LedgerLine(day, kind, text, period, charge, payment, balance, ref))
    ledger.arrears = arrears
    ledger.prepaid = prepaid_balance(unit_id)
    return ledger
