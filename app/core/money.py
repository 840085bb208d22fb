"""Money: Decimal in Python, integer fen in the database, never float.

SQLite keeps Numeric as a float (the SUM of ten 0.10 is 0.9999999999999999), so money columns
are ``Money``: a BIGINT of fen that reads and writes ``Decimal`` yuan. SQL sums stay exact.
One helper rounds to the fen (ROUND_HALF_UP); input is never silently rounded — it is refused.
"""
from __future__ import annotations

import re
from decimal import ROUND_HALF_UP, Decimal, InvalidOperation

from flask_babel import lazy_gettext as _l
from sqlalchemy import BigInteger
from sqlalchemy.types import TypeDecorator

from app.exceptions import DomainError

FEN = Decimal("0.01")
# Numeric(12, 2) range: under ten billion yuan
MAX_AMOUNT = Decimal("9999999999.99")
_MONEY_RE = re.compile(r"^[+-]?(\d{1,3}(,\d{3})+|\d+)(\.\d+)?$")


def quantize(value: Decimal) -> Decimal:
    """Round to the fen, half up: the one rounding helper for computed amounts."""
    return Decimal(value).quantize(FEN, rounding=ROUND_HALF_UP)


def to_fen(value: Decimal) -> int:
    return int(quantize(value) * 100)


def from_fen(fen: int) -> Decimal:
    return (Decimal(int(fen)) / 100).quantize(FEN)


def parse_money(raw, *, field: str = "amount", allow_zero: bool = False, allow_negative: bool = False) -> Decimal:
    """A typed amount: digits with at most 2 decimals (thousands commas allowed).

    Refused with a message, never rounded: more than 2 decimals, NaN/Infinity, exponents,
    full-width digits, letters, zero or negative unless allowed, beyond the column range.
    """
    if isinstance(raw, float):
        raise DomainError(_l("Amounts must be given as text or Decimal, not float."), field=field)
    if raw is None or (isinstance(raw, str) and not raw.strip()):
        raise DomainError(_l("Enter an amount."), field=field)
    text = str(raw).strip().replace("¥", "").replace("￥", "").strip()
    if not _MONEY_RE.match(text) or not text.isascii():
        raise DomainError(_l("Enter the amount in yuan with at most 2 decimals, e.g. 1005.50."), field=field)
    try:
        value = Decimal(text.replace(",", ""))
    except InvalidOperation:
        raise DomainError(_l("Enter the amount in yuan with at most 2 decimals, e.g. 1005.50."), field=field)
    if value.as_tuple().exponent < -2:
        raise DomainError(_l("An amount has at most 2 decimals (fen)."), field=field)
    if value < 0 and not allow_negative:
        raise DomainError(_l("The amount cannot be negative."), field=field)
    if value == 0 and not allow_zero:
        raise DomainError(_l("The amount must be greater than zero."), field=field)
    if abs(value) > MAX_AMOUNT:
        raise DomainError(_l("The amount is too large."), field=field)
    return value.quantize(FEN)


def fmt(value: Decimal | None) -> str:
    """1005.5 -> '1,005.50' (the way receipts and letters print amounts)."""
    if value is None:
        return ""
    return f"{quantize(value):,.2f}"


_DIGITS = "零壹贰叁肆伍陆柒捌玖"
_SMALL = ("", "拾", "佰", "仟")
_BIG = ("", "万", "亿", "万亿")


def _yuan_upper(n: int) -> str:
    """The whole-yuan part: 100010 -> 壹拾万零壹拾; one 零 stands for any run of zeros."""
    digits = str(n)
    out, zero = "", False
    for i, ch in enumerate(digits):
        pos = len(digits) - 1 - i
        d = int(ch)
        if d == 0:
            zero = True
        else:
            if zero and out:
                out += "零"
            zero = False
            out += _DIGITS[d] + _SMALL[pos % 4]
        if pos % 4 == 0 and pos > 0 and int(digits[max(0, i - 3): i + 1]) != 0:
            out += _BIG[pos // 4]
    return out


def rmb_upper(value: Decimal) -> str:
    """Amount in Chinese financial capitals, as on receipts: 1005.50 -> 壹仟零伍元伍角;
    whole yuan end in 整 (120 -> 壹佰贰拾元整)."""
    value = quantize(value)
    if value < 0:
        return "负" + rmb_upper(-value)
    fen_total = int(value * 100)
    if fen_total == 0:
        return "零元整"
    yuan, jiao, fen = fen_total // 100, (fen_total // 10) % 10, fen_total % 10
    out = _yuan_upper(yuan) + "元" if yuan else ""
    if not jiao and not fen:
        return out + "整"
    if jiao:
        out += _DIGITS[jiao] + "角"
    elif yuan:
        out += "零"
    if fen:
        out += _DIGITS[fen] + "分"
    return out


class FixedDecimal(TypeDecorator):
    """An exact decimal with ``places`` decimals, stored as a scaled BIGINT (SQLite keeps
    NUMERIC as float). Reads and writes Decimal; refuses float and values it would round."""

    impl = BigInteger
    cache_ok = True

    def __init__(self, places: int = 2):
        super().__init__()
        self.places = places
        self.scale = 10**places
        self.quantum = Decimal(1).scaleb(-places)

    def process_bind_param(self, value, dialect):
        if value is None:
            return None
        if isinstance(value, float):
            raise TypeError("exact decimals must not be float")
        value = Decimal(value)
        if value != value.quantize(self.quantum):
            raise ValueError(f"{value} has more than {self.places} decimals")
        return int(value * self.scale)

    def process_result_value(self, value, dialect):
        if value is None:
            return None
        return (Decimal(int(value)) / self.scale).quantize(self.quantum)

    @property
    def python_type(self):
        return Decimal


class Money(FixedDecimal):
    """A money column: BIGINT fen in the database, Decimal yuan in Python."""

    cache_ok = True

    def __init__(self):
        super().__init__(2)
