"""Timeline source: the unit's charges (应收) and receipts (收据), one query each."""
from __future__ import annotations

import datetime as dt

from flask_babel import gettext
from flask_babel import lazy_gettext as _l
from sqlalchemy import select
from sqlalchemy.orm import joinedload

from app.cashdesk.models import Receipt
from app.cashdesk.rules import METHOD_LABELS
from app.core.money import fmt
from app.core.timeline import TimelineEvent, link
from app.extensions import db
from app.fees.models import Charge
from app.security import permissions as P

KINDS = {
    "charge": (P.CHARGE, _l("Charges")),
    "receipt": (P.RECEIPT, _l("Receipts")),
}


def _charge_at(c: Charge) -> dt.datetime:
    # a month billed afterwards (or by the demo seed) shows at the start of its period
    start = dt.datetime.combine(c.period_start, dt.time(0, 0))
    return min(c.created_at, start) if c.created_at else start


def events_for_unit(unit_id: int):
    charges = db.session.scalars(select(Charge).options(joinedload(Charge.fee_item))
                                 .where(Charge.unit_id == unit_id))
    for c in charges:
        tags = []
        if c.voided_at:
            tags.append(gettext("Voided"))
        elif c.paid >= c.amount:
            tags.append(gettext("Paid"))
        elif c.paid > 0:
            tags.append(gettext("Partly paid"))
        else:
            tags.append(gettext("Open"))
        item = c.fee_item.name if c.fee_item else ""
        yield TimelineEvent(
            at=_charge_at(c), kind="charge", title=gettext("Charge %(item)s %(period)s", item=item, period=c.period),
            detail=gettext("¥%(amount)s, due %(due)s", amount=fmt(c.amount), due=c.due_date.isoformat()),
            url=link("ChargeModelView.show", pk=c.id), icon="fa-file-invoice", tags=tuple(tags))
    receipts = db.session.scalars(select(Receipt).where(Receipt.unit_id == unit_id))
    for r in receipts:
        if r.kind == "reversal":
            title = gettext("Reversal receipt %(number)s", number=r.number)
        else:
            title = gettext("Receipt %(number)s", number=r.number)
        method = METHOD_LABELS.get(r.method, r.method)
        yield TimelineEvent(
            at=r.posted_at, kind="receipt", title=title,
            detail=f"¥{fmt(r.amount)} · {method} · {r.payer_name} · {r.cashier_name}",
            url=link("ReceiptModelView.show", pk=r.id), icon="fa-receipt")
