"""Fee items, the versioned fee schedule, the service price list, and charges (应收).

Amounts are Money (integer fen in the database, Decimal in Python); rates FixedDecimal(4).
Charges are money records: never deleted, voided with a reason.
"""
from __future__ import annotations

import datetime as dt
from decimal import Decimal

from flask_appbuilder import Model
from sqlalchemy import Boolean, Date, DateTime, ForeignKey, Index, Integer, String, Text, UniqueConstraint, text
from sqlalchemy.orm import Mapped, mapped_column, relationship

from app.core.audit import Audited
from app.core.models import EstateScoped
from app.core.money import FixedDecimal, Money


class FeeItem(Audited, EstateScoped, Model):
    """收费项目: property service fee, water, electricity, parking ..."""

    __tablename__ = "fee_item"
    __table_args__ = (UniqueConstraint("estate_id", "code", name="uq_fee_item_code"),)

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    code: Mapped[str] = mapped_column(String(30), nullable=False)
    name: Mapped[str] = mapped_column(String(100), nullable=False)
    kind: Mapped[str] = mapped_column(String(30), nullable=False)  # rules.FEE_KINDS
    basis: Mapped[str] = mapped_column(String(30), nullable=False)  # rules.BASES
    unit_label: Mapped[str] = mapped_column(String(30), nullable=False)  # 元/m²·月
    recurring: Mapped[bool] = mapped_column(Boolean, nullable=False, default=False)
    # 滞纳金: a daily rate on the amount outstanding after the grace days (0.0003 = 万分之三)
    late_fee_daily_rate: Mapped[Decimal | None] = mapped_column(FixedDecimal(6))
    late_fee_grace_days: Mapped[int] = mapped_column(Integer, nullable=False, default=0)
    # days after the start of the period by which a charge is due
    due_days: Mapped[int] = mapped_column(Integer, nullable=False, default=30)
    active: Mapped[bool] = mapped_column(Boolean, nullable=False, default=True)
    sort_order: Mapped[int] = mapped_column(Integer, nullable=False, default=0)

    estate = relationship("Estate")

    def __str__(self) -> str:
        return self.name


class FeeSchedule(Audited, EstateScoped, Model):
    """收费标准: a version of the rates, with the basis and the service contents it buys.

    Only a draft is edited; a published version is frozen, and a change is a new version."""

    __tablename__ = "fee_schedule"
    __table_args__ = (UniqueConstraint("estate_id", "version", name="uq_fee_schedule_version"),)

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    version: Mapped[int] = mapped_column(Integer, nullable=False)
    title: Mapped[str] = mapped_column(String(200), nullable=False)
    pricing_basis: Mapped[str | None] = mapped_column(String(300))  # 宁价服〔2005〕60号
    service_grade: Mapped[str | None] = mapped_column(String(50))  # 一级
    effective_from: Mapped[dt.date] = mapped_column(Date, nullable=False)
    status: Mapped[str] = mapped_column(String(20), nullable=False, default="draft")
    published_at: Mapped[dt.datetime | None] = mapped_column(DateTime)
    published_by_id: Mapped[int | None] = mapped_column(ForeignKey("ab_user.id"))
    notes: Mapped[str | None] = mapped_column(Text)

    estate = relationship("Estate")
    published_by = relationship("User")
    rates = relationship("FeeRate", back_populates="schedule", order_by="FeeRate.id")
    contents = relationship("ServiceContent", back_populates="schedule", order_by="ServiceContent.sort_order")

    def __str__(self) -> str:
        return f"{self.title} (v{self.version})"


class FeeRate(Audited, EstateScoped, Model):
    """One rate of a schedule: an item, for one property type or for all ("all")."""

    __tablename__ = "fee_rate"
    __table_args__ = (
        UniqueConstraint("schedule_id", "fee_item_id", "property_type", name="uq_fee_rate"),
    )
    __estate_parent__ = "schedule"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    schedule_id: Mapped[int] = mapped_column(ForeignKey("fee_schedule.id"), nullable=False, index=True)
    fee_item_id: Mapped[int] = mapped_column(ForeignKey("fee_item.id"), nullable=False)
    property_type: Mapped[str] = mapped_column(String(20), nullable=False, default="all")
    rate: Mapped[Decimal] = mapped_column(FixedDecimal(4), nullable=False)
    notes: Mapped[str | None] = mapped_column(String(200))

    schedule = relationship("FeeSchedule", back_populates="rates")
    fee_item = relationship("FeeItem")

    def __str__(self) -> str:
        return f"{self.fee_item} {self.rate}"


class ServiceContent(Audited, EstateScoped, Model):
    """服务内容: what the fee buys, by service area, published with the schedule."""

    __tablename__ = "service_content"
    __estate_parent__ = "schedule"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    schedule_id: Mapped[int] = mapped_column(ForeignKey("fee_schedule.id"), nullable=False, index=True)
    area: Mapped[str] = mapped_column(String(30), nullable=False)  # rules.SERVICE_AREAS
    content: Mapped[str] = mapped_column(Text, nullable=False)
    sort_order: Mapped[int] = mapped_column(Integer, nullable=False, default=0)

    schedule = relationship("FeeSchedule", back_populates="contents")


class ServicePrice(Audited, EstateScoped, Model):
    """特约服务/代办服务/商务服务 price list entry (typing, copying, paid repairs ...)."""

    __tablename__ = "service_price"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    kind: Mapped[str] = mapped_column(String(20), nullable=False)  # special / agency / business
    name: Mapped[str] = mapped_column(String(100), nullable=False)
    unit_label: Mapped[str] = mapped_column(String(30), nullable=False)  # 页, 次, 小时
    price: Mapped[Decimal] = mapped_column(Money(), nullable=False)
    notes: Mapped[str | None] = mapped_column(String(300))
    active: Mapped[bool] = mapped_column(Boolean, nullable=False, default=True)
    sort_order: Mapped[int] = mapped_column(Integer, nullable=False, default=0)

    estate = relationship("Estate")

    def __str__(self) -> str:
        return f"{self.name}（{self.price}元/{self.unit_label}）"


class Charge(Audited, EstateScoped, Model):
    """应收: one unit, one fee item, one period, an amount.

    The database itself refuses a second billing of one unit, item, period and payer: the
    partial unique index ``uq_charge_billed_once`` on (unit, item, period, payer occupancy) for
    ``source = 'billing'``, with ``period`` always the canonical "YYYY-MM"
    (rules.canonical_period on every path). A month split between an outgoing and an incoming
    owner is one charge per payer. A voided billing charge still counts (billing does not
    re-bill it; a correction is a manual charge), as its ``billing_key`` always did.
    ``billing_key`` stays unique too: meters and apportionments find their charge by it; sales
    of services have none. ``paid`` is kept by the posting transaction.
    """

    __tablename__ = "charge"
    __table_args__ = (
        # the charge list of an estate, newest period first
        Index("ix_charge_estate_period_start", "estate_id", "period_start"),
        Index("uq_charge_billed_once", "unit_id", "fee_item_id", "period", "payer_occupancy_id", unique=True,
              sqlite_where=text("source = 'billing'"), postgresql_where=text("source = 'billing'")),
    )
    __estate_parent__ = "unit"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    unit_id: Mapped[int] = mapped_column(ForeignKey("unit.id"), nullable=False, index=True)
    fee_item_id: Mapped[int] = mapped_column(ForeignKey("fee_item.id"), nullable=False, index=True)
    period: Mapped[str] = mapped_column(String(7), nullable=False, index=True)  # 2026-11
    period_start: Mapped[dt.date] = mapped_column(Date, nullable=False)
    period_end: Mapped[dt.date] = mapped_column(Date, nullable=False)
    due_date: Mapped[dt.date] = mapped_column(Date, nullable=False, index=True)
    quantity: Mapped[Decimal | None] = mapped_column(FixedDecimal(4))  # m², m³, kWh ...
    rate: Mapped[Decimal | None] = mapped_column(FixedDecimal(4))
    amount: Mapped[Decimal] = mapped_column(Money(), nullable=False)
    paid: Mapped[Decimal] = mapped_column(Money(), nullable=False, default=Decimal("0"))
    source: Mapped[str] = mapped_column(String(20), nullable=False)  # billing/meter/apportionment/sale/manual
    description: Mapped[str | None] = mapped_column(String(300))
    billing_key: Mapped[str | None] = mapped_column(String(80), unique=True)
    # the occupancy (owner) a billing charge is for; 0 = not tied to one (charges from meters,
    # sales, and billing before proration split months). Not NULL and no foreign key on
    # purpose: NULLs never collide in a unique index (SQLite and PostgreSQL alike), so a NULL
    # here would let a duplicate through uq_charge_billed_once.
    payer_occupancy_id: Mapped[int] = mapped_column(Integer, nullable=False, default=0, server_default="0")
    # owner / developer (rules.BILLED_TO): an unsold unit's days are the developer's debt, never
    # asked of the owner who buys it (not in their reminders, not paid by their money unless ticked)
    billed_to: Mapped[str] = mapped_column(String(20), nullable=False, server_default="owner")
    created_at: Mapped[dt.datetime] = mapped_column(DateTime, nullable=False)
    voided_at: Mapped[dt.datetime | None] = mapped_column(DateTime)
    voided_by_id: Mapped[int | None] = mapped_column(ForeignKey("ab_user.id"))
    void_reason: Mapped[str | None] = mapped_column(String(300))

    unit = relationship("Unit")
    fee_item = relationship("FeeItem")

    @property
    def outstanding(self) -> Decimal:
        return Decimal("0.00") if self.voided_at else self.amount - self.paid

    def __str__(self) -> str:
        return f"{self.unit} {self.fee_item} {self.period}"
