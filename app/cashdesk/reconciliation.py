"""Reconciliation (对账) of the cash desk's receipts with the books, every three days.

A period of finished days is prepared: the system totals of its receipts (reversals included)
per payment method. The accountant enters the figure from the books and signs off; a
difference needs an explanation, and a signed-off reconciliation never changes. Periods never
overlap. An estate whose last signed-off period ended more than three days ago is overdue (the
front page warns those who can read reconciliations).

Like the deposits in app.cashdesk.deposits, every function that writes owns its transaction
and takes an explicit actor and time; a refusal is a DomainError raised before anything is
written. Amounts are exact: money columns are integer fen, and the totals are summed in SQL
over them (``type_coerce(func.sum(...), Money())``).
"""
from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from decimal import Decimal

from flask_babel import lazy_gettext as _l
from sqlalchemy import func, select, type_coerce

from app.cashdesk.checks import MIN_NOTE, as_date, can, check_scope, clean_text
from app.cashdesk.models import Receipt, Reconciliation
from app.cashdesk.rules import ZERO
from app.core.audit import acting_as
from app.core.money import Money, fmt, parse_money
from app.exceptions import DomainError, NotFound, PermissionDenied
from app.extensions import db
from app.security import permissions as P

OVERDUE_AFTER_DAYS = 3  # 对账 every three days


@dataclass(frozen=True)
class MethodTotals:
    cash: Decimal
    cheque: Decimal
    bank_transfer: Decimal
    mobile: Decimal

    @property
    def total(self) -> Decimal:
        return self.cash + self.cheque + self.bank_transfer + self.mobile


def system_totals(estate_id: int, date_from: dt.date, date_to: dt.date) -> MethodTotals:
    """Receipts (reversals included) of the estate with a business date in the range, summed
    exactly in SQL per payment method."""
    rows = dict(db.session.execute(
        select(Receipt.method, type_coerce(func.sum(Receipt.amount), Money()))
        .where(Receipt.estate_id == estate_id, Receipt.business_date >= date_from,
               Receipt.business_date <= date_to)
        .group_by(Receipt.method)
    ).all())
    get = lambda m: rows.get(m) if rows.get(m) is not None else ZERO  # noqa: E731
    return MethodTotals(cash=get("cash"), cheque=get("cheque"), bank_transfer=get("bank_transfer"),
                        mobile=get("mobile"))


def _put_totals(rec: Reconciliation, t: MethodTotals) -> None:
    rec.cash_total, rec.cheque_total = t.cash, t.cheque
    rec.transfer_total, rec.mobile_total, rec.system_total = t.bank_transfer, t.mobile, t.total


def _stored_totals(rec: Reconciliation) -> MethodTotals:
    return MethodTotals(rec.cash_total, rec.cheque_total, rec.transfer_total, rec.mobile_total)


def last_reconciled(estate_id: int) -> dt.date | None:
    """The end of the latest reconciliation of the estate, signed off or not."""
    return db.session.scalar(select(func.max(Reconciliation.date_to)).where(Reconciliation.estate_id == estate_id))


def prepare_reconciliation(estate_id: int, date_from, date_to, actor, now: dt.datetime) -> Reconciliation:
    """Compute the system totals by payment method of finished days for the accountant.

    Ranges never overlap; preparing the same range again, while it is not signed off,
    refreshes its totals."""
    if not can(actor, P.WRITE, P.RECONCILIATION):
        raise PermissionDenied(_l("You may not prepare reconciliations."))
    check_scope(actor, estate_id)
    date_from = as_date(date_from, "date_from")
    date_to = as_date(date_to, "date_to")
    if date_from > date_to:
        raise DomainError(_l("The first day is after the last day."), field="date_to")
    if date_to >= now.date():
        raise DomainError(_l("A reconciliation covers finished days: the last day must be yesterday or "
                             "earlier."), field="date_to")
    overlapping = db.session.scalars(
        select(Reconciliation).where(Reconciliation.estate_id == estate_id, Reconciliation.date_from <= date_to,
                                     Reconciliation.date_to >= date_from).order_by(Reconciliation.date_from)
    ).all()
    same = [r for r in overlapping if (r.date_from, r.date_to) == (date_from, date_to) and r.signed_off_at is None]
    if overlapping and len(same) != len(overlapping):
        other = next(r for r in overlapping if r not in same)
        raise DomainError(_l("This period overlaps the reconciliation of %(a)s to %(b)s.",
                             a=other.date_from.isoformat(), b=other.date_to.isoformat()), field="date_from")
    totals = system_totals(estate_id, date_from, date_to)
    with acting_as(actor):
        if same:
            rec = same[0]
        else:
            rec = Reconciliation(estate_id=estate_id, date_from=date_from, date_to=date_to,
                                 prepared_by_id=getattr(actor, "id", None), created_at=now)
            db.session.add(rec)
        _put_totals(rec, totals)
        db.session.commit()
    return rec


def sign_off(reconciliation_id: int, book_total, explanation: str | None, actor, now: dt.datetime) -> Reconciliation:
    """The accountant enters the book figure and signs off; a difference needs an explanation.
    A signed-off reconciliation never changes."""
    if not can(actor, P.APPROVE, P.RECONCILIATION):
        raise PermissionDenied(_l("Only the accountant can sign off a reconciliation."))
    rec = db.session.get(Reconciliation, reconciliation_id)
    if rec is None:
        raise NotFound(_l("This reconciliation does not exist."))
    check_scope(actor, rec.estate_id)
    if rec.signed_off_at is not None:
        raise DomainError(_l("This reconciliation was signed off on %(d)s and cannot change.",
                             d=rec.signed_off_at.date().isoformat()))
    book = parse_money(book_total, field="book_total", allow_zero=True)
    explanation = clean_text(explanation, 2000, "explanation")
    difference = book - rec.system_total
    if difference != 0 and (explanation is None or len(explanation) < MIN_NOTE):
        raise DomainError(
            _l("The books say ¥%(b)s, the receipts ¥%(s)s (difference ¥%(d)s): explain the difference "
               "(at least %(n)d characters).", b=fmt(book), s=fmt(rec.system_total), d=fmt(difference),
               n=MIN_NOTE),
            field="explanation")
    current = system_totals(rec.estate_id, rec.date_from, rec.date_to)
    if current != _stored_totals(rec):
        with acting_as(actor):
            _put_totals(rec, current)
            db.session.commit()
        raise DomainError(_l("Receipts of this period changed after it was prepared. The totals are updated "
                             "now: check them and sign off again."), field="book_total")
    with acting_as(actor):
        rec.book_total = book
        rec.difference = difference
        rec.explanation = explanation
        rec.signed_off_by_id = getattr(actor, "id", None)
        rec.signed_off_at = now
        db.session.commit()
    return rec


def reconciliation_overdue(estate_id: int, today: dt.date) -> tuple[bool, dt.date | None]:
    """(overdue, last day covered by a signed-off reconciliation): overdue when none is
    signed off yet, or the last one ended more than three days before ``today``."""
    last = db.session.scalar(
        select(func.max(Reconciliation.date_to))
        .where(Reconciliation.estate_id == estate_id, Reconciliation.signed_off_at.isnot(None))
    )
    return (last is None or (today - last).days > OVERDUE_AFTER_DAYS), last
