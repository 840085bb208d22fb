"""Pure meter rules: readings, consumption, apportionment. No I/O, no clock, never float."""
from __future__ import annotations

from decimal import Decimal, InvalidOperation
from fractions import Fraction

from flask_babel import lazy_gettext as _l

from app.core.money import FEN, parse_money
from app.exceptions import DomainError

METER_KINDS = {
    "water": _l("Water"),
    "electricity": _l("Electricity"),
    "gas": _l("Gas"),
    "oil": _l("Heating oil"),
}
METER_SCOPES = {
    "household": _l("Household meter"),
    "public": _l("Public meter"),
}
APPORTIONMENT_METHODS = {
    "area": _l("By chargeable area"),
    "household": _l("Per household"),
}
APPORTIONMENT_STATUSES = {
    "draft": _l("Draft"),
    "posted": _l("Posted"),
}
# the fee-item basis each scope bills through
BASIS_OF_SCOPE = {"household": "per_use", "public": "apportioned"}

MAX_READING = Decimal("99999999.99")
ZERO = Decimal("0.00")


def parse_reading(raw, field: str = "value") -> Decimal:
    """A meter reading as typed: a number ≥ 0 with at most 2 decimals, never rounded."""
    if isinstance(raw, float):
        raise DomainError(_l("Readings must be given as text or Decimal, not float."), field=field)
    text = "" if raw is None else str(raw).strip()
    if not text:
        raise DomainError(_l("Enter the meter reading."), field=field)
    try:
        value = Decimal(text)
    except (InvalidOperation, ValueError):
        value = None
    if value is None or not value.is_finite() or not text.isascii() or "e" in text.lower():
        raise DomainError(_l("Enter the reading as a number, e.g. 1234.5."), field=field)
    if value.as_tuple().exponent < -2:
        raise DomainError(_l("A reading has at most 2 decimals."), field=field)
    if value < 0:
        raise DomainError(_l("A reading cannot be negative."), field=field)
    if value > MAX_READING:
        raise DomainError(_l("The reading is too large."), field=field)
    return value.quantize(FEN)


def consumption(previous: Decimal | None, current: Decimal, meter_changed: bool) -> Decimal:
    """This reading − the previous one.

    A replaced meter starts from zero, so its consumption is the reading itself. The first
    reading of a meter (no previous one) is its starting point: consumption 0. A reading
    below the previous one is refused unless the meter was changed.
    """
    current = Decimal(current)
    if meter_changed:
        return current.quantize(FEN)
    if previous is None:
        return ZERO
    if current < previous:
        raise DomainError(
            _l("The reading %(current)s is below the previous reading %(previous)s. "
               "If the meter was replaced, tick “Meter changed”.",
               current=f"{current:.2f}", previous=f"{Decimal(previous):.2f}"),
            field="value",
        )
    return (current - Decimal(previous)).quantize(FEN)


def basis_of(method: str, area: Decimal) -> Decimal:
    """The share basis of a unit: its chargeable area, or 1 per household."""
    if method == "area":
        return Decimal(area).quantize(FEN)
    if method == "household":
        return Decimal("1.00")
    raise DomainError(_l("Pick one of the listed values."), field="method")


def apportion(total, bases: list[tuple[int, Decimal]]) -> list[tuple[int, Decimal]]:
    """Split ``total`` over units in proportion to their bases (area, or 1 per household).

    Each share is rounded down to the fen, and the fen left over go one each to the units
    with the largest remainders (ties: the lower unit id first), so the shares add up to the
    total exactly and each is within one fen of its exact proportional value. Exact
    arithmetic (fractions of fen) throughout. Returns (unit id, amount) in the given order.
    """
    total = parse_money(total, field="total") if not isinstance(total, Decimal) else total
    if not total.is_finite() or total <= 0:
        raise DomainError(_l("The amount to apportion must be greater than zero."), field="total")
    if total != total.quantize(FEN):
        raise DomainError(_l("An amount has at most 2 decimals (fen)."), field="total")
    if not bases:
        raise DomainError(_l("This meter serves no units: add the units it serves first."), field="meter")
    ids = [unit_id for unit_id, _ in bases]
    if len(set(ids)) != len(ids):
        raise ValueError("a unit appears twice in the apportionment bases")
    weights = []
    for _, basis in bases:
        basis = Decimal(basis)
        if not basis.is_finite() or basis <= 0:
            raise DomainError(
                _l("Every unit served needs a chargeable area greater than zero."), field="method"
            )
        weights.append(Fraction(basis))
    whole = sum(weights, Fraction(0))
    total_fen = int(total * 100)
    floors, remainders = [], []
    for w in weights:
        exact = Fraction(total_fen) * w / whole
        low = exact.numerator // exact.denominator
        floors.append(low)
        remainders.append(exact - low)
    left = total_fen - sum(floors)  # 0 <= left < number of units
    order = sorted(range(len(bases)), key=lambda i: (-remainders[i], ids[i]))
    for i in order[:left]:
        floors[i] += 1
    return [(unit_id, (Decimal(fen) / 100).quantize(FEN)) for unit_id, fen in zip(ids, floors)]
