"""收据: the printed receipt of a payment, or of its reversal (红冲).

    doc = build_receipt(receipt_id)               # ReceiptDoc (plain data, no ORM objects)
    pdf = receipt_pdf(receipt_id, lang="zh_CN")   # A5 landscape, one page for ≤ 7 item rows

The item table adds up to the money received: one row per fee item (its months grouped into
runs, 2026-01 至 2026-03), then "prepaid kept" (+) and "paid from prepaid" (−) rows when not
zero. A reversal prints the same rows negative, titled 红冲收据, naming the receipt it undoes.
"""
from __future__ import annotations

import datetime as dt
from collections.abc import Collection
from dataclasses import dataclass, field
from decimal import Decimal

from flask_babel import lazy_gettext as _l

from reports.common import Letterhead, check_scope, letterhead_of, period_runs
from reports.rendering import DEFAULT_LANG, render_pdf

ZERO = Decimal("0.00")
TEMPLATE = "receipt.html"


@dataclass
class ReceiptItem:
    text: str  # fee item name, or the charge's own description (sales: 复印 20 页)
    periods: list[tuple[str, str]]  # runs of months: [("2026-01", "2026-03")]
    amount: Decimal
    months: int = 0


@dataclass
class ReceiptDoc:
    receipt_id: int
    number: str
    kind: str  # payment / reversal
    business_date: dt.date
    posted_at: dt.datetime
    letterhead: Letterhead
    unit_code: str
    payer_name: str
    method: str  # cash / cheque / bank_transfer / mobile (the template translates)
    reference: str | None
    amount: Decimal  # money received (negative on a reversal): the total printed
    items: list[ReceiptItem] = field(default_factory=list)
    settled: Decimal = ZERO  # what the items add up to
    to_prepaid: Decimal = ZERO  # overpayment kept as prepaid
    from_prepaid: Decimal = ZERO  # taken from the prepaid balance
    cashier_name: str = ""
    approved_by_name: str | None = None
    reverses_number: str | None = None  # a reversal: the receipt it undoes
    reason: str | None = None
    reversed_by_number: str | None = None  # a payment that was voided later (reprint)
    check_code: str = ""  # the start of the receipt's chain hash, to check a paper copy

    @property
    def is_reversal(self) -> bool:
        return self.kind == "reversal"


def _user_name(user) -> str | None:
    if user is None:
        return None
    full = " ".join(p for p in (user.first_name, user.last_name) if p).strip()
    return full or user.username


def build_receipt(receipt_id: int, *, estate_ids: Collection[int] | None = None) -> ReceiptDoc:
    """The receipt ``receipt_id`` as plain data. ``estate_ids``: the caller's estates (NotFound
    outside them); None reads any estate."""
    from sqlalchemy import select

    from app.cashdesk.models import Receipt, ReceiptLine
    from app.exceptions import NotFound
    from app.extensions import db
    from app.fees.models import Charge, FeeItem

    receipt = db.session.get(Receipt, receipt_id)
    if receipt is None:
        raise NotFound(_l("This receipt does not exist."))
    check_scope(receipt.estate_id, estate_ids, _l("This receipt does not exist."))

    rows = db.session.execute(
        select(ReceiptLine.amount, Charge.period, Charge.description, Charge.source, FeeItem.name,
               FeeItem.sort_order)
        .join(Charge, ReceiptLine.charge_id == Charge.id)
        .join(FeeItem, Charge.fee_item_id == FeeItem.id)
        .where(ReceiptLine.receipt_id == receipt.id)
        .order_by(FeeItem.sort_order, Charge.period_start, ReceiptLine.id)
    ).all()
    groups: dict[str, dict] = {}
    for amount, period, description, source, item_name, _order in rows:
        # billed months group under the item; a sale or manual charge keeps its own words
        text = description if (description and source in ("sale", "manual")) else item_name
        g = groups.setdefault(text, {"periods": [], "amount": ZERO})
        g["periods"].append(period)
        g["amount"] += amount
    items = [ReceiptItem(text=text, periods=period_runs(g["periods"]), amount=g["amount"],
                         months=len(set(g["periods"]))) for text, g in groups.items()]

    reversed_by = db.session.scalar(select(Receipt.number).where(Receipt.reverses_id == receipt.id))
    return ReceiptDoc(
        receipt_id=receipt.id,
        number=receipt.number,
        kind=receipt.kind,
        business_date=receipt.business_date,
        posted_at=receipt.posted_at,
        letterhead=letterhead_of(receipt.unit.estate),
        unit_code=receipt.unit.code,
        payer_name=receipt.payer_name,
        method=receipt.method,
        reference=receipt.reference,
        amount=receipt.amount,
        items=items,
        settled=sum((i.amount for i in items), ZERO),
        to_prepaid=receipt.to_prepaid,
        from_prepaid=receipt.from_prepaid,
        cashier_name=receipt.cashier_name,
        approved_by_name=_user_name(receipt.approved_by),
        reverses_number=receipt.reverses.number if receipt.reverses is not None else None,
        reason=receipt.reason,
        reversed_by_number=reversed_by,
        check_code=(receipt.hash or "")[:16].upper(),
    )


def receipt_pdf(receipt_id: int, lang: str = DEFAULT_LANG, *, estate_ids: Collection[int] | None = None) -> bytes:
    """The receipt as PDF bytes (A5 landscape)."""
    return render_receipt(build_receipt(receipt_id, estate_ids=estate_ids), lang)


def render_receipt(doc: ReceiptDoc, lang: str = DEFAULT_LANG) -> bytes:
    return render_pdf(TEMPLATE, {"doc": doc}, lang)


def receipt_filename(doc: ReceiptDoc) -> str:
    """receipt-2026-000123.pdf (ASCII: safe in a Content-Disposition header)."""
    return f"receipt-{doc.number}.pdf"
