"""Publishing services: notices (publish, withdraw), the posting log, the income and expense
disclosure, and what the public pages show (nothing personal)."""
from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field
from decimal import Decimal

from flask import current_app
from flask_babel import lazy_gettext as _l
from sqlalchemy import func, select, type_coerce

from app.core.audit import acting_as
from app.core.money import Money, parse_money
from app.exceptions import DomainError, PermissionDenied
from app.extensions import db
from app.publishing import rules
from app.publishing.models import DisclosureLine, Notice, Posting
from app.security import permissions as P

MAX_BODY = 20000


def check_notice(notice: Notice) -> None:
    """Every save path of a notice: only drafts change; text present and bounded."""
    if notice.id is not None:
        was = db.session.scalar(select(Notice.status).where(Notice.id == notice.id))
        rules.check_editable(was)
    notice.status = "draft"  # states move only through publish / withdraw
    notice.title = (notice.title or "").strip()
    if not notice.title:
        raise DomainError(_l("Enter a title."), field="title")
    if len(notice.title) > 200:
        raise DomainError(_l("The text is too long (at most %(n)d characters).", n=200), field="title")
    notice.body = (notice.body or "").strip()
    if len(notice.body) > MAX_BODY:
        raise DomainError(_l("The text is too long (at most %(n)d characters).", n=MAX_BODY), field="body")
    if notice.kind not in rules.NOTICE_KINDS:
        raise DomainError(_l("Pick one of the listed values."), field="kind")
    if notice.kind == "outage":
        if not notice.starts_at or not notice.ends_at:
            raise DomainError(_l("An outage notice needs its start and end."), field="starts_at")
        if notice.ends_at <= notice.starts_at:
            raise DomainError(_l("The end is before the start."), field="ends_at")


def _require_publisher(actor) -> None:
    if not current_app.appbuilder.sm.user_can(actor, P.PUBLISH, P.NOTICE):
        raise PermissionDenied(_l("Only the customer-service supervisor publishes and withdraws notices."))


def publish_notice(notice_id: int, actor, now: dt.datetime) -> Notice:
    notice = db.session.get(Notice, notice_id)
    if notice is None:
        raise DomainError(_l("This notice does not exist."))
    _require_publisher(actor)
    rules.check_transition(notice.status, "published")
    if not notice.body and not notice.lines:
        raise DomainError(_l("An empty notice cannot be published."))
    with acting_as(actor):
        notice.status = "published"
        notice.published_at = now
        notice.published_by_id = getattr(actor, "id", None)
        db.session.commit()
    return notice


def withdraw_notice(notice_id: int, actor, now: dt.datetime, reason: str | None = None) -> Notice:
    notice = db.session.get(Notice, notice_id)
    if notice is None:
        raise DomainError(_l("This notice does not exist."))
    _require_publisher(actor)
    rules.check_transition(notice.status, "withdrawn")
    with acting_as(actor):
        notice.status = "withdrawn"
        notice.withdrawn_at = now
        notice.withdrawn_by_id = getattr(actor, "id", None)
        notice.withdraw_reason = (reason or "").strip()[:300] or None
        db.session.commit()
    return notice


def check_posting(posting: Posting) -> None:
    posting.board = (posting.board or "").strip()
    if not posting.board:
        raise DomainError(_l("Say where it was posted, e.g. the notice board at gate 1."), field="board")
    if posting.subject not in rules.SUBJECTS:
        raise DomainError(_l("Pick one of the listed values."), field="subject")
    if posting.subject == "notice" and posting.notice is None:
        raise DomainError(_l("Choose the notice."), field="notice")
    if posting.subject == "notice" and posting.notice.status != "published":
        raise DomainError(_l("Only a published notice is posted."), field="notice")
    if posting.subject == "fee_schedule" and posting.schedule is None:
        raise DomainError(_l("Choose the fee schedule."), field="schedule")
    if posting.posted_at is None:
        raise DomainError(_l("Enter when it was posted."), field="posted_at")


# --- the public side --------------------------------------------------------------------
def public_notices(estate_id: int) -> list[Notice]:
    return list(db.session.scalars(
        select(Notice).where(Notice.estate_id == estate_id, Notice.status == "published")
        .order_by(Notice.published_at.desc(), Notice.id.desc())))


def public_notice(estate_id: int, notice_id: int) -> Notice | None:
    notice = db.session.get(Notice, notice_id)
    if notice is None or notice.estate_id != estate_id or notice.status != "published":
        return None
    return notice


def current_outages(estate_ids: list[int], now: dt.datetime) -> list[Notice]:
    """Published outage notices lasting now: the dashboard shows them with the caller script."""
    return list(db.session.scalars(
        select(Notice).where(Notice.estate_id.in_(estate_ids), Notice.kind == "outage",
                             Notice.status == "published", Notice.starts_at <= now, Notice.ends_at >= now)
        .order_by(Notice.starts_at)))


def active_prices(estate_id: int) -> list:
    """The service price list as published: active prices by kind and their order."""
    from app.fees.models import ServicePrice

    return list(db.session.scalars(select(ServicePrice).where(
        ServicePrice.estate_id == estate_id, ServicePrice.active.is_(True)
    ).order_by(ServicePrice.kind, ServicePrice.sort_order, ServicePrice.id)))


def last_posting(estate_id: int, subject: str, schedule_id: int | None = None) -> Posting | None:
    q = select(Posting).where(Posting.estate_id == estate_id, Posting.subject == subject)
    if schedule_id is not None:
        q = q.where(Posting.schedule_id == schedule_id)
    return db.session.scalar(q.order_by(Posting.posted_at.desc()).limit(1))


# --- income and expense disclosure --------------------------------------------------------
@dataclass
class DisclosureDraft:
    income: list[tuple[str, Decimal]] = field(default_factory=list)
    expenses: list[tuple[str, Decimal]] = field(default_factory=list)

    @property
    def income_total(self) -> Decimal:
        return sum((a for _, a in self.income), Decimal("0.00"))

    @property
    def expense_total(self) -> Decimal:
        return sum((a for _, a in self.expenses), Decimal("0.00"))


def income_by_item(estate_id: int, date_from: dt.date, date_to: dt.date) -> list[tuple[str, Decimal]]:
    """Money received in the period by fee item, from the receipts (reversals included)."""
    from app.cashdesk.models import Receipt, ReceiptLine
    from app.fees.models import Charge, FeeItem

    rows = db.session.execute(
        select(FeeItem.name, type_coerce(func.sum(ReceiptLine.amount), Money()))
        .join(Charge, ReceiptLine.charge_id == Charge.id)
        .join(FeeItem, Charge.fee_item_id == FeeItem.id)
        .join(Receipt, ReceiptLine.receipt_id == Receipt.id)
        .where(Receipt.estate_id == estate_id, Receipt.business_date >= date_from, Receipt.business_date <= date_to)
        .group_by(FeeItem.name, FeeItem.sort_order).order_by(FeeItem.sort_order)
    ).all()
    return [(name, amount) for name, amount in rows if amount]


def create_disclosure(estate_id: int, date_from: dt.date, date_to: dt.date, expenses: list[tuple[str, str]],
                      title: str, actor, now: dt.datetime) -> Notice:
    """A draft notice of kind "disclosure": income lines from the fee ledger, expense lines as
    typed (item, amount). The supervisor checks it, then publishes it like any notice."""
    if date_to < date_from:
        raise DomainError(_l("The end of the period is before its start."), field="period_to")
    lines = []
    for order, (item, amount) in enumerate(income_by_item(estate_id, date_from, date_to)):
        lines.append(DisclosureLine(direction="income", item=item, amount=amount, sort_order=order))
    for order, (item, raw) in enumerate(expenses, start=100):
        item = (item or "").strip()
        if not item and not (raw or "").strip():
            continue
        if not item:
            raise DomainError(_l("Name each expense."), field="expenses")
        lines.append(DisclosureLine(direction="expense", item=item[:100],
                                    amount=parse_money(raw, field="expenses", allow_zero=True), sort_order=order))
    with acting_as(actor):
        notice = Notice(estate_id=estate_id, kind="disclosure", title=(title or "").strip()[:200] or "收支情况公布",
                        body="", status="draft", period_from=date_from, period_to=date_to, lines=lines)
        db.session.add(notice)
        db.session.commit()
    return notice


def disclosure_totals(notice: Notice) -> DisclosureDraft:
    draft = DisclosureDraft()
    for line in notice.lines:
        (draft.income if line.direction == "income" else draft.expenses).append((line.item, line.amount))
    return draft
