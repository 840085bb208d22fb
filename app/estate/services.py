"""Estate structure services: the invariants every save path runs (form, API, import)."""
from __future__ import annotations

from decimal import Decimal, InvalidOperation

from flask_babel import lazy_gettext as _l
from sqlalchemy import select

from app.estate import rules
from app.estate.models import Building, Entrance, Estate, Unit, Zone
from app.exceptions import DomainError
from app.extensions import db


def _require(value, field: str, message):
    if value is None or (isinstance(value, str) and not value.strip()):
        raise DomainError(message, field=field)
    return value.strip() if isinstance(value, str) else value


def check_estate(estate: Estate) -> None:
    """Who pays for unsold units: a developer needs a name (it is printed as the payer), and the
    vacancy percentage is of the fee, above 0 and at most 100."""
    estate.name = _require(estate.name, "name", _l("Enter the estate name."))
    rules.check_choice(estate.vacant_payer or "nobody", rules.VACANT_PAYERS, "vacant_payer")
    estate.vacant_payer = estate.vacant_payer or "nobody"
    estate.developer_name = (estate.developer_name or "").strip() or None
    if estate.vacant_payer == "developer" and not estate.developer_name:
        raise DomainError(_l("Enter the developer's name: unsold units are billed to it."), field="developer_name")
    percent = estate.vacant_fee_percent
    if percent is None or percent == "":
        percent = Decimal("100")
    try:
        percent = Decimal(str(percent).strip())
    except (InvalidOperation, ValueError):
        raise DomainError(_l("Enter a percentage between 0 and 100, e.g. 70."), field="vacant_fee_percent")
    if not percent.is_finite() or not (0 < percent <= 100) or percent.as_tuple().exponent < -2:
        raise DomainError(_l("Enter a percentage between 0 and 100, e.g. 70."), field="vacant_fee_percent")
    estate.vacant_fee_percent = percent


def check_zone(zone: Zone) -> None:
    zone.name = _require(zone.name, "name", _l("Enter the zone name."))
    if zone.estate_id is None and zone.estate is None:
        raise DomainError(_l("Choose the estate."), field="estate")
    estate_id = zone.estate_id or zone.estate.id
    dup = db.session.scalar(
        select(Zone.id).where(Zone.estate_id == estate_id, Zone.name == zone.name, Zone.id != (zone.id or 0))
    )
    if dup:
        raise DomainError(_l("This estate already has a zone with this name."), field="name")


def check_building(building: Building) -> None:
    building.number = rules.normalize_number(
        _require(building.number, "number", _l("Enter the building number.")))
    if building.zone is None:
        raise DomainError(_l("Choose the zone."), field="zone")
    if building.floors is not None and not (1 <= building.floors <= 200):
        raise DomainError(_l("Floors must be between 1 and 200."), field="floors")
    dup = db.session.scalar(
        select(Building.id).where(
            Building.estate_id == building.zone.estate_id,
            Building.number == building.number,
            Building.id != (building.id or 0),
        )
    )
    if dup:
        raise DomainError(_l("This estate already has a building with this number."), field="number")


def check_entrance(entrance: Entrance) -> None:
    entrance.number = rules.normalize_number(
        _require(entrance.number, "number", _l("Enter the entrance number.")))
    if entrance.building is None:
        raise DomainError(_l("Choose the building."), field="building")
    dup = db.session.scalar(
        select(Entrance.id).where(
            Entrance.building_id == entrance.building.id,
            Entrance.number == entrance.number,
            Entrance.id != (entrance.id or 0),
        )
    )
    if dup:
        raise DomainError(_l("This building already has an entrance with this number."), field="number")


def check_unit(unit: Unit) -> None:
    """Room present and unique in its entrance, area > 0 with at most 2 decimals, known type."""
    # 0201 is room 201: a second unit beside it would split one household's fees and history
    unit.room_number = rules.normalize_number(
        _require(unit.room_number, "room_number", _l("Enter the room number.")))
    if unit.entrance is None:
        raise DomainError(_l("Choose the building entrance."), field="entrance")
    unit.chargeable_area = rules.parse_area(unit.chargeable_area)
    rules.check_choice(unit.property_type, rules.PROPERTY_TYPES, "property_type")
    rules.check_choice(unit.status or "vacant", rules.UNIT_STATUSES, "status")
    if unit.floor is None:
        unit.floor = rules.floor_of(unit.room_number)
    dup = db.session.scalar(
        select(Unit.id).where(
            Unit.entrance_id == unit.entrance.id,
            Unit.room_number == unit.room_number,
            Unit.id != (unit.id or 0),
        )
    )
    if dup:
        raise DomainError(_l("This entrance already has a room with this number."), field="room_number")
    unit.derive()


def units_of_entrance(estate_ids: list[int], text: str, limit: int) -> list[Unit]:
    """The units of an entrance written as 1-1 or 1栋1单元, in room order."""
    parts = rules.parse_entrance_code(text)
    if not parts or not estate_ids:
        return []
    prefix = f"{parts[0]}-{parts[1]}-"
    return list(db.session.scalars(
        select(Unit).where(Unit.estate_id.in_(estate_ids), Unit.code.startswith(prefix, autoescape=True))
        .order_by(Unit.estate_id, Unit.sort_key).limit(limit)
    ))


def find_unit_by_code(estate_ids: list[int], text: str) -> list[Unit]:
    """Units matching a room as staff say it (3-2-501, 03-02-0501, 3幢501室), in the given
    estates. Without an entrance (3幢501室) every entrance of the building is looked in."""
    parts = rules.parse_room_code(text)
    if not parts or not estate_ids:
        return []
    building, entrance, room = parts
    stmt = select(Unit).where(Unit.estate_id.in_(estate_ids))
    if entrance is None:
        stmt = stmt.join(Building, Unit.building_id == Building.id).where(
            Building.number == building, Unit.room_number == room)
    else:
        stmt = stmt.where(Unit.code == rules.room_code(building, entrance, room))
    return list(db.session.scalars(stmt.order_by(Unit.estate_id, Unit.sort_key)))
