"""Publishing (公示): notices, the posting log, and the income/expense disclosure lines."""
from __future__ import annotations

import datetime as dt
from decimal import Decimal

from flask_appbuilder import Model
from flask_appbuilder.models.mixins import ImageColumn
from sqlalchemy import Date, DateTime, ForeignKey, Integer, String, Text
from sqlalchemy.orm import Mapped, mapped_column, relationship

from app.core.audit import Audited
from app.core.models import EstateScoped
from app.core.money import Money


class Notice(Audited, EstateScoped, Model):
    """通知/公告: draft → published → withdrawn. A published notice is not edited: it is
    withdrawn and a new one published."""

    __tablename__ = "notice"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    kind: Mapped[str] = mapped_column(String(20), nullable=False, default="announcement")
    title: Mapped[str] = mapped_column(String(200), nullable=False)
    body: Mapped[str] = mapped_column(Text, nullable=False, default="")
    status: Mapped[str] = mapped_column(String(20), nullable=False, default="draft")
    # an outage notice: when it lasts, and what staff read to callers meanwhile
    starts_at: Mapped[dt.datetime | None] = mapped_column(DateTime)
    ends_at: Mapped[dt.datetime | None] = mapped_column(DateTime)
    caller_script: Mapped[str | None] = mapped_column(Text)
    # an income and expense disclosure: the period it covers
    period_from: Mapped[dt.date | None] = mapped_column(Date)
    period_to: Mapped[dt.date | None] = mapped_column(Date)
    published_at: Mapped[dt.datetime | None] = mapped_column(DateTime)
    published_by_id: Mapped[int | None] = mapped_column(ForeignKey("ab_user.id"))
    withdrawn_at: Mapped[dt.datetime | None] = mapped_column(DateTime)
    withdrawn_by_id: Mapped[int | None] = mapped_column(ForeignKey("ab_user.id"))
    withdraw_reason: Mapped[str | None] = mapped_column(String(300))

    estate = relationship("Estate")
    published_by = relationship("User", foreign_keys=[published_by_id])
    withdrawn_by = relationship("User", foreign_keys=[withdrawn_by_id])
    lines = relationship("DisclosureLine", back_populates="notice", order_by="DisclosureLine.sort_order")

    def __str__(self) -> str:
        return self.title


class DisclosureLine(Model):
    """One income or expense line of a 收支情况公布."""

    __tablename__ = "disclosure_line"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    notice_id: Mapped[int] = mapped_column(ForeignKey("notice.id"), nullable=False, index=True)
    direction: Mapped[str] = mapped_column(String(10), nullable=False)  # income / expense
    item: Mapped[str] = mapped_column(String(100), nullable=False)
    amount: Mapped[Decimal] = mapped_column(Money(), nullable=False)
    sort_order: Mapped[int] = mapped_column(Integer, nullable=False, default=0)

    notice = relationship("Notice", back_populates="lines")


class Posting(Audited, EstateScoped, Model):
    """公示记录: where and when a notice, the fee schedule or the price list was posted."""

    __tablename__ = "posting"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    subject: Mapped[str] = mapped_column(String(20), nullable=False)  # notice / fee_schedule / price_list
    notice_id: Mapped[int | None] = mapped_column(ForeignKey("notice.id"), index=True)
    schedule_id: Mapped[int | None] = mapped_column(ForeignKey("fee_schedule.id"), index=True)
    board: Mapped[str] = mapped_column(String(100), nullable=False)  # 1号门岗公告栏
    posted_at: Mapped[dt.datetime] = mapped_column(DateTime, nullable=False)
    posted_by_id: Mapped[int | None] = mapped_column(ForeignKey("ab_user.id"))
    # the photo of the posted sheet, kept in the upload folder (IMG_UPLOAD_FOLDER)
    photo: Mapped[str | None] = mapped_column(ImageColumn(size=(1600, 1600, True), thumbnail_size=(240, 240, True)))
    notes: Mapped[str | None] = mapped_column(String(300))

    estate = relationship("Estate")
    notice = relationship("Notice")
    schedule = relationship("FeeSchedule")
    posted_by = relationship("User")
