"""Pure fee rules: periods, rates, amounts, proration, late fees. No I/O, no clock."""
from __future__ import annotations

import calendar
import datetime as dt
import re
import unicodedata
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
    "opening": _l("Opening arrears"),  # 期初欠费 imported from Excel (app.fees.opening_import)
}
# Who a charge is billed to: the owner of the unit on those days, or the developer
BILLED_TO = {"owner": _l("Owner"), "developer": _l("Developer")}
DEVELOPER = 0  # the payer id of the developer's days (billing_parts): no occupancy
ALL_TYPES = "all"
MAX_RATE = Decimal("99999999.9999")

# The spellings of a period the office types (after NFKC: full-width digits and signs become
# ASCII, and every space is dropped): 2027-02, 2027-2, 2027/02, 2027.02, 2027年2月, 202702.
# Anything else is refused rather than guessed (27-02 or 2-2027 could mean several months).
_PERIOD_FORMS = (
    re.compile(r"^(\d{4})[-/.](\d{1,2})$", re.ASCII),
    re.compile(r"^(\d{4})年(\d{1,2})月?$", re.ASCII),  # re.ASCII: \d is 0-9 only, not ٢ or ๒
    re.compile(r"^(\d{4})(\d{2})$", re.ASCII),
)
# dashes NFKC leaves alone (en/em dash, minus sign ...): a clerk's IME produces them too
_DASHES = str.maketrans({c: "-" for c in "\u2010\u2011\u2012\u2013\u2014\u2015\u2212\u30fc"})
FIRST_YEAR, LAST_YEAR = 2000, 2100


def canonical_period(text) -> str:
    """The one stored spelling of a month, "YYYY-MM", from what was typed anywhere (CLI, form,
    API, import): " 2027-02", "２０２７－０２", "2027/2", "2027年2月" and "202702" are all
    "2027-02". Refused (translated DomainError): other shapes, month 00 or 13, years outside
    2000-2100, control characters such as NUL."""
    raw = text if isinstance(text, str) else ("" if text is None else str(text))
    norm = unicodedata.normalize("NFKC", raw).translate(_DASHES)
    norm = "".join(norm.split())  # every space incl. ideographic U+3000, tabs, CR/LF
    for form in _PERIOD_FORMS:
        m = form.match(norm)
        if m:
            year, month = int(m.group(1)), int(m.group(2))
            if 1 <= month <= 12 and FIRST_YEAR <= year <= LAST_YEAR:
                return f"{year:04d}-{month:02d}"
            break
    raise DomainError(
        _l("A period is a month written as year-month between %(first)d and %(last)d, e.g. 2026-11.",
           first=FIRST_YEAR, last=LAST_YEAR), field="period")


def parse_period(text: str) -> tuple[dt.date, dt.date]:
    """Any accepted spelling of a month -> (first day, last day): '2026-11' -> (2026-11-01, 2026-11-30)."""
    year, month = map(int, canonical_period(text).split("-"))
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


def monthly_amount_exact(basis: str, rate: Decimal, area: Decimal) -> Decimal:
    """A month's amount before rounding (0.5283 × 112.40 = 59.380920): proration starts from it."""
    if basis == "per_area_month":
        return rate * area
    if basis == "per_household_month":
        return Decimal(rate)
    raise ValueError(basis)


def monthly_amount(basis: str, rate: Decimal, area: Decimal) -> Decimal:
    return quantize(monthly_amount_exact(basis, rate, area))


def prorate(amount: Decimal, period_start: dt.date, period_end: dt.date, from_day: dt.date | None) -> Decimal:
    """A month's amount for the days from ``from_day`` (a mid-month move-in) to the month end."""
    if from_day is None or from_day <= period_start:
        return quantize(amount)
    if from_day > period_end:
        return Decimal("0.00")
    days = (period_end - period_start).days + 1
    used = (period_end - from_day).days + 1
    return quantize(amount * used / days)


@dataclass(frozen=True)
class Stay:
    """An owner's occupancy of a unit: ``payer`` (the occupancy id) pays from ``move_in`` to
    ``move_out``, both days included (out on the 15th: the 15th is still theirs)."""

    payer: int
    move_in: dt.date | None
    move_out: dt.date | None

    def covers(self, day: dt.date) -> bool:
        return (self.move_in is None or self.move_in <= day) and (self.move_out is None or day <= self.move_out)


@dataclass(frozen=True)
class BillingPart:
    """The days of a month one payer is billed for."""

    payer: int
    first_day: dt.date
    last_day: dt.date
    days: int


def billing_parts(stays: list[Stay], start: dt.date, end: dt.date) -> list[BillingPart]:
    """Who pays which days of the month [start, end], in order of their first day.

    A day belongs to one payer however many owners are on record: whoever paid the day before
    keeps paying while they are still there (a co-owner joining does not split the bill; on a
    handover day the outgoing owner still pays it), otherwise the longest-standing owner
    present. Days nobody covers are billed to nobody. Each payer has at most one part."""
    whole = [s for s in stays if s.covers(start) and s.covers(end)]
    if len(whole) == len(stays) and whole:  # the usual case: one owner all month, no day loop
        first = min(whole, key=lambda s: (s.move_in or dt.date.min, s.payer))
        return [BillingPart(first.payer, start, end, (end - start).days + 1)]
    seniority = sorted(stays, key=lambda s: (s.move_in or dt.date.min, s.payer))
    days: dict[int, list[dt.date]] = {}
    current: Stay | None = None
    day = start
    while day <= end:
        if current is None or not current.covers(day):
            current = next((s for s in seniority if s.covers(day)), None)
        if current is not None:
            days.setdefault(current.payer, []).append(day)
        day += dt.timedelta(days=1)
    parts = [BillingPart(payer, d[0], d[-1], len(d)) for payer, d in days.items()]
    return sorted(parts, key=lambda p: p.first_day)


def developer_days(first_move_in: dt.date | None, ever_owned: bool, start: dt.date,
                   end: dt.date) -> BillingPart | None:
    """The days of the month [start, end] that are the developer's: the days before the unit's
    first owner moved in (an unsold unit: every day). A unit whose owner moved out with nobody
    after is not the developer's again: it was sold, and the next owner pays once on record."""
    if not ever_owned:
        return BillingPart(DEVELOPER, start, end, (end - start).days + 1)
    if first_move_in is None or first_move_in <= start:
        return None
    last = min(end, first_move_in - dt.timedelta(days=1))
    return BillingPart(DEVELOPER, start, last, (last - start).days + 1)


def vacancy_amount(amount_exact: Decimal, days: int, month_days: int, percent: Decimal) -> Decimal:
    """The developer's share of a month's unrounded amount for ``days`` at ``percent`` of the
    fee (空置房按70%收取), rounded to the fen once."""
    return quantize(amount_exact * days * percent / (month_days * 100))


def split_month(amount_exact: Decimal, parts: list[BillingPart], month_days: int) -> list[Decimal]:
    """Each part's share of a month's unrounded amount, by days, rounded to the fen once:
    the running total is rounded and each part gets its step, so the parts of a fully covered
    month add up exactly to the month's charge (the last part takes the remainder) and a part
    is never more than a fen from its own share."""
    out, days, billed = [], 0, Decimal("0.00")
    for part in parts:
        days += part.days
        upto = quantize(amount_exact * days / month_days)
        out.append(upto - billed)
        billed = upto
    return out


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
