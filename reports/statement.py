"""收费台帐 / 对账单: a unit's charges, payments and reversals with the running balance.

    doc = build_statement(unit_id, date_from=None, date_to=None)   # StatementDoc
    pdf = statement_pdf(unit_id, date_from, date_to, lang="zh_CN")  # A4 portrait

The numbers are app.cashdesk.ledger.unit_ledger's: with a date range the lines are the ones
unit_ledger keeps for that range, the opening balance is the running balance before the
first day, and the closing balance the one after the last day. Arrears and prepaid are the
unit's figures now (``printed_on``), whatever the range.
"""
from __future__ import annotations

import datetime as dt
from collections.abc import Collection
from dataclasses import dataclass, field
from decimal import Decimal

from flask_babel import lazy_gettext as _l

from reports.common import Letterhead, check_scope, letterhead_of
from reports.rendering import DEFAULT_LANG, render_pdf

ZERO = Decimal("0.00")
TEMPLATE = "statement.html"


@dataclass
class StatementLine:
    day: dt.date
    kind: str  # charge / payment / reversal / void (the template words them)
    text: str  # fee item, payer, or "item（reason）" of a voided charge
    period: str | None
    reference: str | None  # receipt number
    charge: Decimal
    payment: Decimal
    balance: Decimal


@dataclass
class StatementDoc:
    unit_id: int
    unit_code: str
    letterhead: Letterhead
    owner_names: list[str]
    chargeable_area: Decimal | None
    property_type: str
    date_from: dt.date | None
    date_to: dt.date | None
    printed_on: dt.date
    lines: list[StatementLine] = field(default_factory=list)
    opening_balance: Decimal = ZERO  # owed (+) / paid ahead (−) before date_from
    period_charged: Decimal = ZERO  # the lines' charges
    period_paid: Decimal = ZERO  # the lines' payments
    closing_balance: Decimal = ZERO  # opening + charged − paid
    total_charged: Decimal = ZERO  # all time (UnitLedger.total_charged)
    total_paid: Decimal = ZERO  # all time (UnitLedger.total_paid)
    arrears: Decimal = ZERO  # open charges, due or not (UnitLedger.arrears)
    arrears_due: Decimal = ZERO  # of which due by printed_on
    prepaid: Decimal = ZERO  # UnitLedger.prepaid
    late_fee: Decimal = ZERO  # 滞纳金 owed on printed_on, not yet booked (app.latefees.services)

    @property
    def has_range(self) -> bool:
        return self.date_from is not None or self.date_to is not None


def build_statement(
    unit_id: int,
    date_from: dt.date | None = None,
    date_to: dt.date | None = None,
    *,
    printed_on: dt.date | None = None,
    estate_ids: Collection[int] | None = None,
) -> StatementDoc:
    """The statement of ``unit_id`` as plain data; ``printed_on`` defaults to today."""
    from app.cashdesk.ledger import unit_ledger
    from app.cashdesk.services import arrears_total
    from app.core import clock
    from app.latefees.services import late_fees_owed
    from app.estate.models import Unit
    from app.exceptions import DomainError, NotFound
    from app.extensions import db

    unit = db.session.get(Unit, unit_id)
    if unit is None:
        raise NotFound(_l("This unit does not exist."))
    check_scope(unit.estate_id, estate_ids, _l("This unit does not exist."))
    if date_from and date_to and date_from > date_to:
        raise DomainError(_l("The start date must be on or before the end date."), field="date_from")
    printed_on = printed_on or clock.today()

    full = unit_ledger(unit_id)  # every line, with the running balance
    opening = ZERO
    lines: list[StatementLine] = []
    for line in full.lines:
        if date_from and line.day < date_from:
            opening = line.balance
            continue
        if date_to and line.day > date_to:
            break
        lines.append(StatementLine(line.day, line.kind, line.text, line.period, line.reference,
                                   line.charge, line.payment, line.balance))
    charged = sum((ln.charge for ln in lines), ZERO)
    paid = sum((ln.payment for ln in lines), ZERO)
    return StatementDoc(
        unit_id=unit.id,
        unit_code=full.unit_code,
        letterhead=letterhead_of(unit.estate),
        owner_names=list(full.owner_names),
        chargeable_area=unit.chargeable_area,
        property_type=unit.property_type,
        date_from=date_from,
        date_to=date_to,
        printed_on=printed_on,
        lines=lines,
        opening_balance=opening,
        period_charged=charged,
        period_paid=paid,
        closing_balance=opening + charged - paid,
        total_charged=full.total_charged,
        total_paid=full.total_paid,
        arrears=full.arrears,
        arrears_due=arrears_total(unit_id, as_of=printed_on),
        prepaid=full.prepaid,
        late_fee=late_fees_owed([unit_id], printed_on).of_unit(unit_id),
    )


def statement_pdf(
    unit_id: int,
    date_from: dt.date | None = None,
    date_to: dt.date | None = None,
    lang: str = DEFAULT_LANG,
    *,
    printed_on: dt.date | None = None,
    estate_ids: Collection[int] | None = None,
) -> bytes:
    """The statement as PDF bytes (A4 portrait, 第 N 页 / 共 M 页 in the footer)."""
    doc = build_statement(unit_id, date_from, date_to, printed_on=printed_on, estate_ids=estate_ids)
    return render_statement(doc, lang)


def render_statement(doc: StatementDoc, lang: str = DEFAULT_LANG) -> bytes:
    return render_pdf(TEMPLATE, {"doc": doc}, lang)


def statement_filename(doc: StatementDoc) -> str:
    """statement-3-2-501.pdf (ASCII: the unit code is digits and dashes)."""
    safe = "".join(c if c.isascii() and (c.isalnum() or c in "-_") else "_" for c in doc.unit_code)
    return f"statement-{safe}.pdf"
