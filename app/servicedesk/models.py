"""The service desk registers: repairs and their work orders (报修/派工单) with a step log,
complaints (投诉) with handling notes, callbacks (回访), and the Supervisor's time limits.
States and time limits are rules (rules.py); every change goes through services.py."""
from __future__ import annotations

import datetime as dt
from decimal import Decimal

from flask_appbuilder import Model
from flask_babel import lazy_gettext as _l
from sqlalchemy import Boolean, DateTime, Date, ForeignKey, Integer, String, Text, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column, relationship

from app.core.audit import Audited
from app.core.models import EstateScoped
from app.core.money import FixedDecimal
from app.servicedesk.rules import COMPLAINT_ACTIONS, WO_ACTIONS, WO_STATES


class WorkOrderCounter(Model):
    """Last work-order number per estate and year (gapless, see app.core.counters)."""

    __tablename__ = "work_order_counter"

    estate_id: Mapped[int] = mapped_column(ForeignKey("estate.id"), primary_key=True)
    year: Mapped[int] = mapped_column(Integer, primary_key=True)
    last_number: Mapped[int] = mapped_column(Integer, nullable=False, default=0)


class ComplaintCounter(Model):
    """Last complaint number per estate and year."""

    __tablename__ = "complaint_counter"

    estate_id: Mapped[int] = mapped_column(ForeignKey("estate.id"), primary_key=True)
    year: Mapped[int] = mapped_column(Integer, primary_key=True)
    last_number: Mapped[int] = mapped_column(Integer, nullable=False, default=0)


class ServiceSettings(Audited, EstateScoped, Model):
    """时限设置: the Supervisor's time limits per estate (rules.DEFAULT_LIMITS without a row)."""

    __tablename__ = "service_settings"
    __table_args__ = (UniqueConstraint("estate_id", name="uq_service_settings_estate"),)

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    urgent_dispatch_minutes: Mapped[int] = mapped_column(Integer, nullable=False, default=15)
    urgent_complete_hours: Mapped[int] = mapped_column(Integer, nullable=False, default=4)
    normal_dispatch_minutes: Mapped[int] = mapped_column(Integer, nullable=False, default=30)
    normal_complete_hours: Mapped[int] = mapped_column(Integer, nullable=False, default=24)
    low_dispatch_minutes: Mapped[int] = mapped_column(Integer, nullable=False, default=120)
    low_complete_hours: Mapped[int] = mapped_column(Integer, nullable=False, default=72)
    complaint_escalation_days: Mapped[int] = mapped_column(Integer, nullable=False, default=3)

    estate = relationship("Estate")

    def __str__(self) -> str:
        return str(self.estate)


class WorkOrder(Audited, EstateScoped, Model):
    """报修 → 派工单: one repair request, numbered BX2026-00012 per estate and year."""

    __tablename__ = "work_order"
    __table_args__ = (
        UniqueConstraint("estate_id", "year", "seq", name="uq_work_order_seq"),
        UniqueConstraint("estate_id", "number", name="uq_work_order_number"),
    )
    __estate_parent__ = "unit"
    __audit_exclude__ = ("year", "seq")

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    number: Mapped[str] = mapped_column(String(30), nullable=False)
    year: Mapped[int] = mapped_column(Integer, nullable=False)
    seq: Mapped[int] = mapped_column(Integer, nullable=False)
    unit_id: Mapped[int] = mapped_column(ForeignKey("unit.id"), nullable=False, index=True)
    caller: Mapped[str] = mapped_column(String(50), nullable=False)
    phone: Mapped[str] = mapped_column(String(30), nullable=False)
    channel: Mapped[str] = mapped_column(String(20), nullable=False)  # rules.CHANNELS
    category: Mapped[str] = mapped_column(String(20), nullable=False)  # rules.WO_CATEGORIES
    description: Mapped[str] = mapped_column(Text, nullable=False)
    urgency: Mapped[str] = mapped_column(String(10), nullable=False, default="normal")  # rules.URGENCIES
    paid: Mapped[bool] = mapped_column(Boolean, nullable=False, default=False)
    service_price_id: Mapped[int | None] = mapped_column(ForeignKey("service_price.id"))
    quantity: Mapped[Decimal | None] = mapped_column(FixedDecimal(2))
    charge_id: Mapped[int | None] = mapped_column(ForeignKey("charge.id"))
    state: Mapped[str] = mapped_column(String(20), nullable=False, default="received", index=True)
    department: Mapped[str | None] = mapped_column(String(20), index=True)  # rules.DEPARTMENTS
    worker_id: Mapped[int | None] = mapped_column(ForeignKey("ab_user.id"))
    received_at: Mapped[dt.datetime] = mapped_column(DateTime, nullable=False, index=True)
    received_by_id: Mapped[int | None] = mapped_column(ForeignKey("ab_user.id"))
    # the limits in force at intake (a later change of the settings does not move them)
    dispatch_due: Mapped[dt.datetime] = mapped_column(DateTime, nullable=False)
    complete_due: Mapped[dt.datetime] = mapped_column(DateTime, nullable=False)
    dispatched_at: Mapped[dt.datetime | None] = mapped_column(DateTime)
    started_at: Mapped[dt.datetime | None] = mapped_column(DateTime)
    completed_at: Mapped[dt.datetime | None] = mapped_column(DateTime)
    result: Mapped[str | None] = mapped_column(Text)  # what the engineer did
    stub_returned_at: Mapped[dt.datetime | None] = mapped_column(DateTime)
    # what the returned stub says on paper: the owner's tick (rules.STUB_SATISFACTION; none when
    # left unticked) and the owner's written opinion
    stub_satisfaction: Mapped[str | None] = mapped_column(String(20))
    stub_comment: Mapped[str | None] = mapped_column(Text)
    called_back_at: Mapped[dt.datetime | None] = mapped_column(DateTime)
    closed_at: Mapped[dt.datetime | None] = mapped_column(DateTime, index=True)
    redo_count: Mapped[int] = mapped_column(Integer, nullable=False, default=0)
    redo_supervisor_id: Mapped[int | None] = mapped_column(ForeignKey("ab_user.id"))

    unit = relationship("Unit")
    estate = relationship("Estate")
    service_price = relationship("ServicePrice")
    charge = relationship("Charge")
    worker = relationship("User", foreign_keys=[worker_id])
    received_by = relationship("User", foreign_keys=[received_by_id])
    redo_supervisor = relationship("User", foreign_keys=[redo_supervisor_id])
    events = relationship("WorkOrderEvent", back_populates="work_order", order_by="WorkOrderEvent.id",
                          cascade="all, delete-orphan")

    def __str__(self) -> str:
        return self.number or ""

    @property
    def sla(self) -> str:
        """"late" / "soon" / "" against the office clock (never stored)."""
        from app.core import clock

        return self.sla_at(clock.now())

    def sla_at(self, now: dt.datetime) -> str:
        from app.servicedesk.rules import work_order_sla

        return work_order_sla(self.state, self.received_at, self.dispatch_due, self.complete_due, now)

    @property
    def sla_limits(self) -> list:
        """The limits late or due soon, with their times (rules.work_order_limits), now."""
        from app.core import clock

        return self.sla_limits_at(clock.now())

    def sla_limits_at(self, now: dt.datetime) -> list:
        from app.servicedesk.rules import work_order_limits

        return work_order_limits(self.state, self.received_at, self.dispatch_due, self.complete_due, now)


class WorkOrderEvent(Audited, EstateScoped, Model):
    """One step of a work order: who did what, when (the step log)."""

    __tablename__ = "work_order_event"
    __estate_parent__ = "work_order"
    # how its rows read in the change log (it has no page of its own)
    __history__ = {
        "label": _l("Work order steps"),
        "labels": {"work_order": _l("Work order"), "action": _l("Step"), "from_state": _l("State before"),
                   "to_state": _l("State after"), "at": _l("Time"), "actor": _l("Staff"), "note": _l("Note")},
        "choices": {"action": {**WO_ACTIONS, "intake": _l("Received")}, "from_state": WO_STATES,
                    "to_state": WO_STATES},
    }

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    work_order_id: Mapped[int] = mapped_column(ForeignKey("work_order.id"), nullable=False, index=True)
    action: Mapped[str] = mapped_column(String(20), nullable=False)  # rules.WO_ACTIONS or "intake"
    from_state: Mapped[str | None] = mapped_column(String(20))
    to_state: Mapped[str] = mapped_column(String(20), nullable=False)
    at: Mapped[dt.datetime] = mapped_column(DateTime, nullable=False)
    actor_id: Mapped[int | None] = mapped_column(ForeignKey("ab_user.id"))
    note: Mapped[str | None] = mapped_column(Text)

    work_order = relationship("WorkOrder", back_populates="events")
    estate = relationship("Estate")
    actor = relationship("User")


class Complaint(Audited, EstateScoped, Model):
    """投诉: recorded, sent to a department (in writing for major matters), handled, called
    back, closed. Numbered TS2026-00003 per estate and year."""

    __tablename__ = "complaint"
    __table_args__ = (
        UniqueConstraint("estate_id", "year", "seq", name="uq_complaint_seq"),
        UniqueConstraint("estate_id", "number", name="uq_complaint_number"),
    )
    __estate_parent__ = "unit"
    __audit_exclude__ = ("year", "seq")

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    number: Mapped[str] = mapped_column(String(30), nullable=False)
    year: Mapped[int] = mapped_column(Integer, nullable=False)
    seq: Mapped[int] = mapped_column(Integer, nullable=False)
    unit_id: Mapped[int] = mapped_column(ForeignKey("unit.id"), nullable=False, index=True)
    caller: Mapped[str] = mapped_column(String(50), nullable=False)
    phone: Mapped[str] = mapped_column(String(30), nullable=False)
    channel: Mapped[str] = mapped_column(String(20), nullable=False)
    category: Mapped[str] = mapped_column(String(20), nullable=False)  # rules.COMPLAINT_CATEGORIES
    description: Mapped[str] = mapped_column(Text, nullable=False)
    department: Mapped[str | None] = mapped_column(String(20), index=True)
    major: Mapped[bool] = mapped_column(Boolean, nullable=False, default=False)
    reply_due: Mapped[dt.date | None] = mapped_column(Date)  # asked of the department (联系单)
    state: Mapped[str] = mapped_column(String(20), nullable=False, default="received", index=True)
    received_at: Mapped[dt.datetime] = mapped_column(DateTime, nullable=False, index=True)
    received_by_id: Mapped[int | None] = mapped_column(ForeignKey("ab_user.id"))
    dispatched_at: Mapped[dt.datetime | None] = mapped_column(DateTime)
    handled_at: Mapped[dt.datetime | None] = mapped_column(DateTime)
    result: Mapped[str | None] = mapped_column(Text)
    called_back_at: Mapped[dt.datetime | None] = mapped_column(DateTime)
    closed_at: Mapped[dt.datetime | None] = mapped_column(DateTime)
    reopen_count: Mapped[int] = mapped_column(Integer, nullable=False, default=0)

    unit = relationship("Unit")
    estate = relationship("Estate")
    received_by = relationship("User", foreign_keys=[received_by_id])
    notes = relationship("ComplaintNote", back_populates="complaint", order_by="ComplaintNote.id",
                         cascade="all, delete-orphan")

    def __str__(self) -> str:
        return self.number or ""


class ComplaintNote(Audited, EstateScoped, Model):
    """A handling note on a complaint (staff, time, text); state changes are noted too."""

    __tablename__ = "complaint_note"
    __estate_parent__ = "complaint"
    __history__ = {
        "label": _l("Complaint handling notes"),
        "labels": {"complaint": _l("Complaint"), "action": _l("Step"), "at": _l("Time"), "staff": _l("Staff"),
                   "text": _l("Note")},
        "choices": {"action": COMPLAINT_ACTIONS},
    }

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    complaint_id: Mapped[int] = mapped_column(ForeignKey("complaint.id"), nullable=False, index=True)
    at: Mapped[dt.datetime] = mapped_column(DateTime, nullable=False)
    staff_id: Mapped[int | None] = mapped_column(ForeignKey("ab_user.id"))
    action: Mapped[str | None] = mapped_column(String(20))  # a transition, or None for a plain note
    text: Mapped[str] = mapped_column(Text, nullable=False)

    complaint = relationship("Complaint", back_populates="notes")
    estate = relationship("Estate")
    staff = relationship("User")


class Callback(Audited, EstateScoped, Model):
    """回访 of a work order or a complaint: reached or not, satisfied or not, notes."""

    __tablename__ = "callback"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    work_order_id: Mapped[int | None] = mapped_column(ForeignKey("work_order.id"), index=True)
    complaint_id: Mapped[int | None] = mapped_column(ForeignKey("complaint.id"), index=True)
    unit_id: Mapped[int] = mapped_column(ForeignKey("unit.id"), nullable=False, index=True)
    at: Mapped[dt.datetime] = mapped_column(DateTime, nullable=False, index=True)
    staff_id: Mapped[int | None] = mapped_column(ForeignKey("ab_user.id"))
    reached: Mapped[bool] = mapped_column(Boolean, nullable=False, default=True)
    satisfied: Mapped[bool | None] = mapped_column(Boolean)
    notes: Mapped[str | None] = mapped_column(Text)

    work_order = relationship("WorkOrder")
    complaint = relationship("Complaint")
    unit = relationship("Unit")
    estate = relationship("Estate")
    staff = relationship("User")

    def __str__(self) -> str:
        subject = self.work_order or self.complaint
        return f"{subject} {self.at:%Y-%m-%d}" if self.at else str(subject)
