"""Owner visits (走访) and the visit quotas of an estate.

A visit carries the owner's signature as an image (drawn on screen or a scan of a paper
form), kept with the record in the database; the audit log records its SHA-256, not its bytes.
"""
from __future__ import annotations

import datetime as dt

from flask_appbuilder import Model
from sqlalchemy import Boolean, Date, DateTime, ForeignKey, Integer, LargeBinary, String, Text, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column, relationship

from app.core.audit import Audited
from app.core.models import EstateScoped


class Visit(Audited, EstateScoped, Model):
    """走访记录: one visit to one household."""

    __tablename__ = "visit"
    __estate_parent__ = "unit"
    # the image is recorded by its digest (signature_sha256)
    __audit_exclude__ = ("signature",)

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    unit_id: Mapped[int] = mapped_column(ForeignKey("unit.id"), nullable=False, index=True)
    kind: Mapped[str] = mapped_column(String(20), nullable=False)  # rules.KINDS
    visit_date: Mapped[dt.date] = mapped_column(Date, nullable=False, index=True)
    staff_id: Mapped[int | None] = mapped_column(ForeignKey("ab_user.id"), index=True)
    met_person: Mapped[str | None] = mapped_column(String(100))  # who was met
    opinions: Mapped[str | None] = mapped_column(Text)  # the owner's opinions
    requests: Mapped[str | None] = mapped_column(Text)  # and requests
    follow_up: Mapped[str | None] = mapped_column(Text)  # what is to be done (the lead links work orders later)
    follow_up_needed: Mapped[bool] = mapped_column(Boolean, nullable=False, default=False)
    follow_up_done: Mapped[bool] = mapped_column(Boolean, nullable=False, default=False)
    signature_kind: Mapped[str] = mapped_column(String(10), nullable=False, default="none")  # rules.SIGNATURES
    signature: Mapped[bytes | None] = mapped_column(LargeBinary, deferred=True)  # PNG or JPEG bytes
    signature_mime: Mapped[str | None] = mapped_column(String(20))
    signature_sha256: Mapped[str | None] = mapped_column(String(64))
    created_at: Mapped[dt.datetime] = mapped_column(DateTime, nullable=False)

    unit = relationship("Unit")
    estate = relationship("Estate")
    staff = relationship("User")

    @property
    def follow_up_open(self) -> bool:
        return bool(self.follow_up_needed and not self.follow_up_done)

    @property
    def has_signature(self) -> bool:
        return self.signature_sha256 is not None

    def __str__(self) -> str:
        return f"{self.unit} {self.visit_date:%Y-%m-%d}" if self.visit_date else str(self.unit)


class VisitQuota(Audited, EstateScoped, Model):
    """How many households an estate visits of a kind per week or month (set by the supervisor).

    ``min_households`` empty on the important-client quota: every important client's household."""

    __tablename__ = "visit_quota"
    __table_args__ = (UniqueConstraint("estate_id", "kind", name="uq_visit_quota_kind"),)

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    kind: Mapped[str] = mapped_column(String(20), nullable=False)  # rules.QUOTA_KINDS
    period: Mapped[str] = mapped_column(String(10), nullable=False)  # week / month
    min_households: Mapped[int | None] = mapped_column(Integer)
    per_staff: Mapped[bool] = mapped_column(Boolean, nullable=False, default=False)  # each staff member
    notes: Mapped[str | None] = mapped_column(Text)

    estate = relationship("Estate")

    def __str__(self) -> str:
        return f"{self.kind}/{self.period}"
