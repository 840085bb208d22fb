"""Pure rules of the estate structure: areas, room codes. No I/O."""
from __future__ import annotations

import re
from decimal import Decimal, InvalidOperation

from flask_babel import lazy_gettext as _l

from app.exceptions import DomainError

PROPERTY_TYPES = {
    "multi_storey": _l("Multi-storey"),
    "high_rise": _l("High-rise"),
    "villa": _l("Villa"),
    "shop": _l("Shop"),
}
UNIT_STATUSES = {
    "vacant": _l("Vacant"),
    "occupied": _l("Occupied"),
    "let": _l("Let"),
}
# Who pays for a unit with no owner on record (an unsold unit: the seed's phase two is still
# being sold): the developer (开发商), maybe at a vacancy discount, or nobody (not billed).
VACANT_PAYERS = {
    "nobody": _l("Nobody (unsold units are not billed)"),
    "developer": _l("The developer (开发商)"),
}

MAX_AREA = Decimal("99999999.99")


def parse_area(raw) -> Decimal:
    """A chargeable area in m²: positive, at most 2 decimals, never silently rounded."""
    if raw is None or (isinstance(raw, str) and not raw.strip()):
        raise DomainError(_l("Enter the chargeable area."), field="chargeable_area")
    if isinstance(raw, float):
        raw = repr(raw)
    try:
        value = Decimal(str(raw).strip())
    except (InvalidOperation, ValueError):
        raise DomainError(_l("The area must be a number, e.g. 89.50."), field="chargeable_area")
    if not value.is_finite():
        raise DomainError(_l("The area must be a number, e.g. 89.50."), field="chargeable_area")
    if value <= 0:
        raise DomainError(_l("The area must be greater than 0."), field="chargeable_area")
    if value.as_tuple().exponent < -2:
        raise DomainError(
            _l("The area may have at most 2 decimal places."), field="chargeable_area"
        )
    if value > MAX_AREA:
        raise DomainError(_l("The area is too large."), field="chargeable_area")
    return value.quantize(Decimal("0.01"))


def check_choice(value: str, choices: dict, field: str) -> str:
    if value not in choices:
        raise DomainError(_l("Pick one of the listed values."), field=field)
    return value


def normalize_number(text) -> str:
    """A building, entrance or room number as the desk keeps it: half-width, upper case, and
    without leading zeros when it is all digits, so that 0201 and 201 (03 and 3) are one room
    (one building), never two side by side. "0" stays "0"; letters keep their zeros (B01)."""
    value = str(text if text is not None else "").translate(_FULLWIDTH).strip().upper()
    if value.isdigit() and value.isascii():
        value = value.lstrip("0") or "0"
    return value


# "3-2-501", "3－2－501", "3/2/501", "3栋2单元501", "3幢2单元501室", "3#2-501", "03-02-0501"
_ROOM_RE = re.compile(
    r"^\s*(?P<b>[0-9A-Za-z]+)\s*(?:[-－—–/#＃]|栋|幢|号楼)\s*"
    r"(?P<e>[0-9A-Za-z]+)\s*(?:[-－—–/]|单元)\s*"
    r"(?P<r>[0-9A-Za-z]+)\s*室?\s*$"
)
# "3幢501室", "3栋501室": a building of one entrance, written without it (the 室 tells it from
# the entrance 3栋501 would be)
_ROOM_NO_ENTRANCE_RE = re.compile(
    r"^\s*(?P<b>[0-9A-Za-z]+)\s*(?:栋|幢|号楼)\s*(?P<r>[0-9A-Za-z]+)\s*室\s*$"
)


def parse_room_code(text: str) -> tuple[str, str | None, str] | None:
    """Split a room as staff write it into (building, entrance, room), numbers normalised
    (normalize_number), or None. The entrance is None for "3幢501室" (no entrance written)."""
    if not text:
        return None
    text = text.translate(_FULLWIDTH)
    m = _ROOM_RE.match(text)
    if m:
        return normalize_number(m.group("b")), normalize_number(m.group("e")), normalize_number(m.group("r"))
    m = _ROOM_NO_ENTRANCE_RE.match(text)
    if m:
        return normalize_number(m.group("b")), None, normalize_number(m.group("r"))
    return None


_ENTRANCE_RE = re.compile(
    r"^\s*(?P<b>[0-9A-Za-z]+)\s*(?:[-－—–/#＃]|栋|幢|号楼)\s*(?P<e>[0-9A-Za-z]+)\s*(?:单元)?\s*$"
)


def parse_entrance_code(text: str) -> tuple[str, str] | None:
    """'1-1' or '1栋1单元' -> ('1', '1'): a building entrance, to list its units."""
    m = _ENTRANCE_RE.match((text or "").translate(_FULLWIDTH))
    return (normalize_number(m.group("b")), normalize_number(m.group("e"))) if m else None


def room_code(building: str, entrance: str, room: str) -> str:
    return f"{building}-{entrance}-{room}"


def floor_of(room_number: str) -> int | None:
    """501 -> 5, 1203 -> 12: the usual Chinese room numbering (floor + two-digit door)."""
    digits = re.match(r"^(\d+)", room_number or "")
    if not digits or len(digits.group(1)) < 3:
        return None
    return int(digits.group(1)[:-2])


_FULLWIDTH = str.maketrans("０１２３４５６７８９", "0123456789")
