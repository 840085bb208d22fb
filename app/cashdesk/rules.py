"""Pure cash-desk rules: allocation of a payment over charges, the receipt hash chain."""
from __future__ import annotations

import datetime as dt
import hashlib
import json
from dataclasses import dataclass
from decimal import Decimal

from flask_babel import lazy_gettext as _l

from app.exceptions import DomainError

METHODS = {
    "cash": _l("Cash"),
    "cheque": _l("Cheque"),
    "bank_transfer": _l("Bank transfer"),
    "mobile": _l("Mobile payment"),
}
# a receipt of 0.00 that settles new charges from the unit's prepaid balance (预存抵扣):
# issued by the system after billing, never offered at the cash desk
PREPAID = "prepaid"
METHOD_LABELS = {**METHODS, PREPAID: _l("From prepaid balance")}
# cash and cheques are counted and taken to the bank; transfers and mobile payments are not
DEPOSITABLE = ("cash", "cheque")
GENESIS = "0" * 64
ZERO = Decimal("0.00")


@dataclass(frozen=True)
class OpenCharge:
    id: int
    period_start: dt.date
    due_date: dt.date
    outstanding: Decimal


def allocate(
    charges: list[OpenCharge], amount: Decimal, picked: list[int] | None = None
) -> tuple[list[tuple[int, Decimal]], Decimal]:
    """Settle the oldest charges first (by period, then due date), or only the picked ones.

    Returns the (charge id, amount) pairs and what is left over (kept as prepaid).
    Nothing is negative; the parts and the rest add up to ``amount`` exactly.
    """
    if amount < 0:
        raise DomainError(_l("The amount cannot be negative."), field="amount")
    pool = charges
    if picked is not None:
        wanted = set(picked)
        pool = [c for c in charges if c.id in wanted]
        if len(pool) != len(wanted):
            raise DomainError(_l("A chosen charge is not open on this unit any more."), field="charges")
    parts: list[tuple[int, Decimal]] = []
    left = amount
    for charge in sorted(pool, key=lambda c: (c.period_start, c.due_date, c.id)):
        if left <= 0:
            break
        if charge.outstanding <= 0:
            continue
        take = min(left, charge.outstanding)
        parts.append((charge.id, take))
        left -= take
    return parts, left


def canonical(fields: dict) -> str:
    """The receipt's fields in a fixed order; amounts as integer fen, so a float or a
    formatting change can never make an honest record look tampered with."""
    order = (
        "estate_id", "number", "year", "seq", "kind", "unit_id", "method", "amount_fen",
        "to_prepaid_fen", "from_prepaid_fen", "business_date", "posted_at", "reverses_id", "lines",
    )
    return "|".join(f"{k}={fields.get(k, '')}" for k in order)


def chain_hash(prev_hash: str, fields: dict) -> str:
    return hashlib.sha256((prev_hash + "\n" + canonical(fields)).encode("utf-8")).hexdigest()


def request_fingerprint(unit_id: int, amount: Decimal, method: str, charge_ids: list[int] | None,
                        use_prepaid: bool, payer_name: str | None, reference: str | None) -> str:
    """What a payment request asked for, as a hash stored with its one-time key: the same key
    with the same content is a replay (the first receipt), with other content a conflict.
    Built from the cleaned values (amount in fen, picked charges sorted), so "100" and
    "100.00", or a name with spaces around, are the same request."""
    fields = {
        "unit_id": unit_id,
        "amount_fen": int((amount * 100).to_integral_value()),
        "method": method,
        "charges": ",".join(str(c) for c in sorted(set(charge_ids))) if charge_ids is not None else "oldest",
        "use_prepaid": int(bool(use_prepaid)),
        "payer_name": payer_name or "",
        "reference": reference or "",
    }
    # JSON, not "a|b": a "|" typed in a name cannot make two requests look alike
    text = json.dumps(fields, ensure_ascii=False, sort_keys=True)
    return hashlib.sha256(text.encode("utf-8")).hexdigest()
