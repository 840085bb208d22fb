"""Estate structure: Estate -> Zone -> Building -> Entrance -> Unit."""
from __future__ import annotations

from contextlib import nullcontext
from decimal import Decimal

from flask_appbuilder import Model
from sqlalchemy import Boolean, ForeignKey, Integer, Numeric, String, Text, UniqueConstraint
from sqlalchemy import true as sa_true
from sqlalchemy.orm import Mapped, mapped_column, object_session, relationship

from app.core.audit import Audited
from app.core.models import EstateScoped
from app.core.money import FixedDecimal


class Estate(Audited, Model):
    """小区/项目. Its own id is its estate: scoping filters on ``estate_id`` like any row."""

    __tablename__ = "estate"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    name: Mapped[str] = mapped_column(String(100), unique=True, nullable=False)
    company_name: Mapped[str | None] = mapped_column(String(200))
    address: Mapped[str | None] = mapped_column(String(300))
    office_phone: Mapped[str | None] = mapped_column(String(40))
    office_hours: Mapped[str | None] = mapped_column(String(100))
    # Where owners can pay by transfer; printed on payment reminders (开户行 / 户名 / 账号).
    bank_name: Mapped[str | None] = mapped_column(String(100))
    bank_account_name: Mapped[str | None] = mapped_column(String(200))
    bank_account_number: Mapped[str | None] = mapped_column(String(40))
    notes: Mapped[str | None] = mapped_column(Text)
    # 滞纳金 at all: many offices never charge late fees. Off: none is computed, shown, booked
    # or published, whatever the fee items' rates say.
    late_fees_enabled: Mapped[bool] = mapped_column(Boolean, nullable=False, default=True, server_default=sa_true())
    # Units with no owner on record (unsold): billed to the developer, at ``vacant_fee_percent``
    # of the fee (空置房按70%收取), or to nobody (app.fees.rules.VACANT_PAYERS)
    # server defaults only (no Python default): an insert that does not set them leaves them out,
    # as code written before these columns did
    vacant_payer: Mapped[str] = mapped_column(String(20), nullable=False, server_default="nobody")
    developer_name: Mapped[str | None] = mapped_column(String(100))
    vacant_fee_percent: Mapped[Decimal] = mapped_column(FixedDecimal(2), nullable=False, server_default="10000")

    zones = relationship("Zone", back_populates="estate", order_by="Zone.name")

    @property
    def estate_id(self) -> int:
        return self.id

    def __str__(self) -> str:
        return self.name


class Zone(Audited, EstateScoped, Model):
    """组团."""

    __tablename__ = "zone"
    __table_args__ = (UniqueConstraint("estate_id", "name", name="uq_zone_name"),)

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    name: Mapped[str] = mapped_column(String(50), nullable=False)
    notes: Mapped[str | None] = mapped_column(Text)

    estate = relationship("Estate", back_populates="zones")
    buildings = relationship("Building", back_populates="zone")

    def __str__(self) -> str:
        return self.name


class Building(Audited, EstateScoped, Model):
    """楼栋. ``number`` is what staff say ("3" in 3-2-501); unique in its estate."""

    __tablename__ = "building"
    __table_args__ = (UniqueConstraint("estate_id", "number", name="uq_building_number"),)
    __estate_parent__ = "zone"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    zone_id: Mapped[int] = mapped_column(ForeignKey("zone.id"), nullable=False, index=True)
    number: Mapped[str] = mapped_column(String(20), nullable=False)
    floors: Mapped[int | None] = mapped_column(Integer)
    notes: Mapped[str | None] = mapped_column(Text)

    zone = relationship("Zone", back_populates="buildings")
    estate = relationship("Estate")
    entrances = relationship("Entrance", back_populates="building", order_by="Entrance.number")

    def __str__(self) -> str:
        return f"{self.number}栋"


class Entrance(Audited, EstateScoped, Model):
    """单元 (stairway/entrance) of a building."""

    __tablename__ = "entrance"
    __table_args__ = (UniqueConstraint("building_id", "number", name="uq_entrance_number"),)
    __estate_parent__ = "building"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    building_id: Mapped[int] = mapped_column(ForeignKey("building.id"), nullable=False, index=True)
    number: Mapped[str] = mapped_column(String(20), nullable=False)

    building = relationship("Building", back_populates="entrances")
    units = relationship("Unit", back_populates="entrance")

    def __str__(self) -> str:
        return f"{self.building.number}-{self.number}" if self.building else str(self.number)


def unit_sort_key(code: str) -> str:
    """'3-2-501' -> '     3-     2-   501': text order equals the natural room order."""
    return "-".join(part.rjust(6) for part in (code or "").split("-"))


class Unit(Audited, EstateScoped, Model):
    """户. Known to staff by its code, building-entrance-room: 3-2-501."""

    __tablename__ = "unit"
    __table_args__ = (UniqueConstraint("entrance_id", "room_number", name="uq_unit_room"),)
    __estate_parent__ = "entrance"
    __audit_exclude__ = ("building_id", "code", "sort_key")

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    entrance_id: Mapped[int] = mapped_column(ForeignKey("entrance.id"), nullable=False, index=True)
    # denormalised from the entrance, for the quick search and per-building lists
    building_id: Mapped[int] = mapped_column(ForeignKey("building.id"), nullable=False, index=True)
    code: Mapped[str] = mapped_column(String(60), nullable=False, index=True)
    # 3-2-501 sorts before 10-1-101: each part right-aligned (rules.sort_key)
    sort_key: Mapped[str] = mapped_column(String(80), nullable=False, default="", server_default="", index=True)
    room_number: Mapped[str] = mapped_column(String(20), nullable=False)
    floor: Mapped[int | None] = mapped_column(Integer)
    property_type: Mapped[str] = mapped_column(String(20), nullable=False, default="multi_storey")
    chargeable_area: Mapped[Decimal] = mapped_column(Numeric(10, 2), nullable=False)
    status: Mapped[str] = mapped_column(String(20), nullable=False, default="vacant")
    notes: Mapped[str | None] = mapped_column(Text)

    entrance = relationship("Entrance", back_populates="units")
    building = relationship("Building")
    estate = relationship("Estate")
    occupancies = relationship("Occupancy", back_populates="unit", order_by="Occupancy.move_in_date")

    def derive(self) -> None:
        if self.entrance is None:
            return
        session = object_session(self) or object_session(self.entrance)
        # loading the building must not flush this half-built unit
        with session.no_autoflush if session is not None else nullcontext():
            self.building = self.entrance.building
            self.code = f"{self.entrance.building.number}-{self.entrance.number}-{self.room_number}"
        self.sort_key = unit_sort_key(self.code)

    @property
    def occupants_text(self) -> str:
        return "、".join(o.owner.name for o in self.current_occupants if o.owner)

    @property
    def current_occupants(self):
        return [o for o in self.occupancies if o.move_out_date is None]

    def __str__(self) -> str:
        return self.code or self.room_number
