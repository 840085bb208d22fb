"""Pure fee rules: periods, rates, amounts, proration, late fees. No I/O, no clock."""
from __future__ import annotations

import calendar
import datetime as dt
import re
from dataclasses import dataclass
from decimal import Decimal

from flask_babel import lazy_gettext as _l

from app.core.money import quantize
from app.exceptions import DomainError

FEE_KINDS = {
    "property": _l("Property service fee"),
    "water": _l("Water"),
    "electricity": _l("Electricity"),
    "gas": _l("Gas"),
    "oil": _l("Heating oil"),
    "public_energy": _l("Public energy apportionment"),
    "parking": _l("Parking"),
    "service": _l("Special and business services"),
    "other": _l("Other"),
}
BASES = {
    "per_area_month": _l("Per m² of chargeable area per month"),
    "per_household_month": _l("Per household per month"),
    "per_use": _l("Per unit of use (meter)"),
    "apportioned": _l("Apportioned from a public meter"),
    "per_sale": _l("Per sale (price list)"),
}
RECURRING_BASES = ("per_area_month", "per_household_month")
SERVICE_AREAS = {
    "customer_service": _l("Customer service"),
    "security": _l("Security and order"),
    "cleaning": _l("Cleaning"),
    "greening": _l("Greening"),
    "repairs": _l("Repairs and maintenance"),
    "other": _l("Other services"),
}
SCHEDULE_STATUSES = {"draft": _l("Draft"), "published": _l("Published")}
PRICE_KINDS = {
    "special": _l("Special service"),
    "agency": _l("Agency service"),
    "business": _l("Business service"),
}
CHARGE_SOURCES = {
    "billing": _l("Monthly billing"),
    "meter": _l("Meter reading"),
    "apportionment": _l("Apportionment"),
    "sale": _l("Service sale"),
    "manual": _l("Manual"),
    "late_fee": _l("Late fee booked"),  # 滞纳金 booked when a payment was taken (app.latefees)
}
ALL_TYPES = "all"
MAX_RATE = Decimal("99999999.9999")

_PERIOD_RE = re.compile(r"^(\d{4})-(\d{2})$")


def parse_period(text: str) -> tuple[dt.date, dt.date]:
    """'2026-11' -> (2026-11-01, 2026-11-30)."""
    m = _PERIOD_RE.match((text or "").strip())
    if not m or not (1 <= int(m.group(2)) <= 12) or not (2000 <= int(m.group(1)) <= 2100):
        raise DomainError(_l("A period is written as year-month, e.g. 2026-11."), field="period")
    year, month = int(m.group(1)), int(m.group(2))
    return dt.date(year, month, 1), dt.date(year, month, calendar.monthrange(year, month)[1])


def period_of(day: dt.date) -> str:
    return f"{day.year:04d}-{day.month:02d}"


def previous_period(period: str) -> str:
    start, _ = parse_period(period)
    return period_of(start - dt.timedelta(days=1))


def parse_rate(raw, field: str = "rate") -> Decimal:
    """A rate in yuan per unit: > 0, at most 4 decimals (0.5283 元/度), never rounded."""
    text = str(raw).strip() if raw is not None else ""
    try:
        value = Decimal(text)
    except Exception:  # noqa: BLE001 - any parse failure is the same message
        value = None
    # isascii: Python's Decimal and isdigit also take full-width digits (１００)
    if value is None or not value.is_finite() or not text.isascii() or not text.replace(".", "", 1).isdigit():
        raise DomainError(_l("Enter the rate as a number with at most 4 decimals, e.g. 1.20."), field=field)
    if value.as_tuple().exponent < -4:
        raise DomainError(_l("A rate has at most 4 decimals."), field=field)
    if value <= 0:
        raise DomainError(_l("The rate must be greater than zero."), field=field)
    if value > MAX_RATE:
        raise DomainError(_l("The rate is too large."), field=field)
    return value.quantize(Decimal("0.0001"))


def fmt_rate(rate: Decimal) -> str:
    """1.2000 -> '1.20', 0.5283 -> '0.5283': at least 2 decimals, no trailing zeros beyond."""
    text = f"{rate:.4f}".rstrip("0")
    whole, _, frac = text.partition(".")
    return f"{whole}.{frac.ljust(2, '0')}"


def pick_rate(rates: dict[tuple[int, str], Decimal], fee_item_id: int, property_type: str) -> Decimal | None:
    """The rate of an item for a property type; a rate for all types applies otherwise."""
    return rates.get((fee_item_id, property_type), rates.get((fee_item_id, ALL_TYPES)))


def monthly_amount(basis: str, rate: Decimal, area: Decimal) -> Decimal:
    if basis == "per_area_month":
        return quantize(rate * area)
    if basis == "per_household_month":
        return quantize(rate)
    raise ValueError(basis)


def prorate(amount: Decimal, period_start: dt.date, period_end: dt.date, from_day: dt.date | None) -> Decimal:
    """A month's amount for the days from ``from_day`` (a mid-month move-in) to the month end."""
    if from_day is None or from_day <= period_start:
        return amount
    if from_day > period_end:
        return Decimal("0.00")
    days = (period_end - period_start).days + 1
    used = (period_end - from_day).days + 1
    return quantize(amount * used / days)


@dataclass(frozen=True)
class Settlement:
    """Money that reduced a charge's outstanding amount, effective from ``day``."""

    day: dt.date
    amount: Decimal


def late_fee(
    amount: Decimal,
    due_date: dt.date,
    settlements: list[Settlement],
    as_of: dt.date,
    daily_rate: Decimal | None,
    grace_days: int = 0,
) -> Decimal:
    """滞纳金 on what was actually outstanding each day.

    Days counted: from the day after due date + grace days up to ``as_of`` inclusive. A
    payment made on a day lowers that day's outstanding amount already, so partial payments
    reduce the fee from the day they were made.
    """
    if not daily_rate or daily_rate <= 0:
        return Decimal("0.00")
    first_day = due_date + dt.timedelta(days=grace_days + 1)
    if as_of < first_day:
        return Decimal("0.00")
    events = sorted(settlements, key=lambda s: s.day)
    outstanding = amount - sum((s.amount for s in events if s.day <= first_day), Decimal("0"))
    total = Decimal("0")
    cursor = first_day  # first day not yet charged
    for s in events:
        if s.day <= first_day:
            continue
        if s.day > as_of:
            break
        total += max(outstanding, Decimal("0")) * daily_rate * (s.day - cursor).days
        outstanding -= s.amount
        cursor = s.day
    total += max(outstanding, Decimal("0")) * daily_rate * ((as_of - cursor).days + 1)
    return quantize(total)
