"""Meters and readings (抄表), and the apportionment of public meters (公摊)."""
from __future__ import annotations

import datetime as dt
from decimal import Decimal

from flask_appbuilder import Model
from sqlalchemy import Boolean, Date, DateTime, ForeignKey, Integer, String, Text, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column, relationship

from app.core.audit import Audited
from app.core.models import EstateScoped
from app.core.money import FixedDecimal, Money


class Meter(Audited, EstateScoped, Model):
    """A household meter (of one unit) or a public meter (serving several units)."""

    __tablename__ = "meter"
    __table_args__ = (UniqueConstraint("estate_id", "code", name="uq_meter_code"),)

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    code: Mapped[str] = mapped_column(String(40), nullable=False)
    kind: Mapped[str] = mapped_column(String(20), nullable=False)  # water/electricity/gas/oil
    scope: Mapped[str] = mapped_column(String(20), nullable=False)  # household / public
    unit_id: Mapped[int | None] = mapped_column(ForeignKey("unit.id"), index=True)
    fee_item_id: Mapped[int] = mapped_column(ForeignKey("fee_item.id"), nullable=False)
    description: Mapped[str | None] = mapped_column(String(200))
    active: Mapped[bool] = mapped_column(Boolean, nullable=False, default=True)

    estate = relationship("Estate")
    unit = relationship("Unit")
    fee_item = relationship("FeeItem")
    # the rows of meter_unit are written through ``units`` (a plain many-to-many: the form's
    # multi-select and the API); ``served_units`` only reads them
    served_units = relationship("MeterUnit", viewonly=True)
    units = relationship("Unit", secondary="meter_unit", order_by="Unit.code")

    def __str__(self) -> str:
        return self.code


class MeterUnit(Model):
    """A unit served by a public meter."""

    __tablename__ = "meter_unit"
    __table_args__ = (UniqueConstraint("meter_id", "unit_id", name="uq_meter_unit"),)

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    meter_id: Mapped[int] = mapped_column(ForeignKey("meter.id"), nullable=False, index=True)
    unit_id: Mapped[int] = mapped_column(ForeignKey("unit.id"), nullable=False, index=True)

    meter = relationship("Meter", viewonly=True)
    unit = relationship("Unit", viewonly=True)


class MeterReading(Audited, EstateScoped, Model):
    """抄表: consumption = this reading − the previous one (unless the meter was replaced)."""

    __tablename__ = "meter_reading"
    __table_args__ = (UniqueConstraint("meter_id", "period", name="uq_meter_reading_period"),)
    __estate_parent__ = "meter"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    meter_id: Mapped[int] = mapped_column(ForeignKey("meter.id"), nullable=False, index=True)
    period: Mapped[str] = mapped_column(String(7), nullable=False)
    read_on: Mapped[dt.date] = mapped_column(Date, nullable=False)
    value: Mapped[Decimal] = mapped_column(FixedDecimal(2), nullable=False)
    previous_value: Mapped[Decimal | None] = mapped_column(FixedDecimal(2))
    consumption: Mapped[Decimal] = mapped_column(FixedDecimal(2), nullable=False)
    meter_changed: Mapped[bool] = mapped_column(Boolean, nullable=False, default=False)
    read_by_id: Mapped[int | None] = mapped_column(ForeignKey("ab_user.id"))
    charge_id: Mapped[int | None] = mapped_column(ForeignKey("charge.id"))
    notes: Mapped[str | None] = mapped_column(String(200))

    meter = relationship("Meter")
    charge = relationship("Charge")

    @property
    def amount(self) -> Decimal | None:
        """The amount billed for this reading (household meters)."""
        return self.charge.amount if self.charge is not None else None

    def __str__(self) -> str:
        return f"{self.meter} {self.period}"


class Apportionment(Audited, EstateScoped, Model):
    """公摊: a public meter's cost for a period split over the units it serves."""

    __tablename__ = "apportionment"
    __table_args__ = (UniqueConstraint("meter_id", "period", name="uq_apportionment_period"),)
    __estate_parent__ = "meter"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    meter_id: Mapped[int] = mapped_column(ForeignKey("meter.id"), nullable=False)
    period: Mapped[str] = mapped_column(String(7), nullable=False)
    total: Mapped[Decimal] = mapped_column(Money(), nullable=False)
    method: Mapped[str] = mapped_column(String(20), nullable=False, default="area")  # area / household
    status: Mapped[str] = mapped_column(String(20), nullable=False, default="draft")  # draft / posted
    posted_at: Mapped[dt.datetime | None] = mapped_column(DateTime)
    posted_by_id: Mapped[int | None] = mapped_column(ForeignKey("ab_user.id"))
    notes: Mapped[str | None] = mapped_column(Text)

    meter = relationship("Meter")
    posted_by = relationship("User")
    shares = relationship("ApportionmentShare", back_populates="apportionment",
                          cascade="all, delete-orphan", order_by="ApportionmentShare.id")

    def __str__(self) -> str:
        return f"{self.meter} {self.period}"


class ApportionmentShare(Model):
    __tablename__ = "apportionment_share"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    apportionment_id: Mapped[int] = mapped_column(ForeignKey("apportionment.id"), nullable=False, index=True)
    unit_id: Mapped[int] = mapped_column(ForeignKey("unit.id"), nullable=False)
    basis: Mapped[Decimal] = mapped_column(FixedDecimal(2), nullable=False)  # area or 1
    amount: Mapped[Decimal] = mapped_column(Money(), nullable=False)
    charge_id: Mapped[int | None] = mapped_column(ForeignKey("charge.id"))

    apportionment = relationship("Apportionment", back_populates="shares")
    unit = relationship("Unit")
    charge = relationship("Charge")
