"""Owner/occupant archive (业主档案) and who lives in which unit."""
from __future__ import annotations

import datetime as dt

from flask_appbuilder import Model
from sqlalchemy import Boolean, Date, ForeignKey, Integer, String, Text
from sqlalchemy.orm import Mapped, mapped_column, relationship

from app.core.audit import Audited
from app.core.models import EstateScoped
from app.owners import rules


class Owner(Audited, EstateScoped, Model):
    """业主/使用人. Phone and ID number are personal data: masked in lists."""

    __tablename__ = "owner"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    name: Mapped[str] = mapped_column(String(100), nullable=False, index=True)
    phone: Mapped[str | None] = mapped_column(String(30), index=True)
    phone2: Mapped[str | None] = mapped_column(String(30), index=True)
    id_number: Mapped[str | None] = mapped_column(String(30))
    emergency_contact: Mapped[str | None] = mapped_column(String(100))
    emergency_phone: Mapped[str | None] = mapped_column(String(30))
    important_client: Mapped[bool] = mapped_column(Boolean, nullable=False, default=False)
    language: Mapped[str] = mapped_column(String(10), nullable=False, default="zh_CN")
    notes: Mapped[str | None] = mapped_column(Text)

    estate = relationship("Estate")
    occupancies = relationship("Occupancy", back_populates="owner", order_by="Occupancy.move_in_date")

    @property
    def phone_masked(self) -> str:
        return rules.mask_phone(self.phone)

    @property
    def id_number_masked(self) -> str:
        return rules.mask_id_number(self.id_number)

    @property
    def units_text(self) -> str:
        return "、".join(o.unit.code for o in self.occupancies if o.move_out_date is None and o.unit)

    def __str__(self) -> str:
        return self.name


class Occupancy(Audited, EstateScoped, Model):
    """An owner, tenant or family member living in (or holding) a unit, from move-in to move-out."""

    __tablename__ = "occupancy"
    __estate_parent__ = "unit"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    unit_id: Mapped[int] = mapped_column(ForeignKey("unit.id"), nullable=False, index=True)
    owner_id: Mapped[int] = mapped_column(ForeignKey("owner.id"), nullable=False, index=True)
    relation: Mapped[str] = mapped_column(String(20), nullable=False, default="owner")
    move_in_date: Mapped[dt.date | None] = mapped_column(Date)
    move_out_date: Mapped[dt.date | None] = mapped_column(Date)
    notes: Mapped[str | None] = mapped_column(Text)

    unit = relationship("Unit", back_populates="occupancies")
    owner = relationship("Owner", back_populates="occupancies")

    def __str__(self) -> str:
        return f"{self.owner} @ {self.unit}"
