"""减免: waiving (part of) a unit's late fee. A clerk or supervisor asks, with a reason; only
the Manager decides; only an approved waiver lowers what is owed.

A waiver is its own record and so are the entries it writes (one per charge whose late fee
it takes off, oldest first): nothing is changed or deleted, the audit log has who and when.
It waives the late fee not yet booked; a 滞纳金 charge already booked is a charge like any
other (corrected by a void).
"""
from __future__ import annotations

import datetime as dt

from flask import current_app
from flask_babel import lazy_gettext as _l
from sqlalchemy import select

from app.core.audit import acting_as
from app.core.models import record_decision
from app.core.money import parse_money
from app.estate.models import Unit
from app.exceptions import DomainError, PermissionDenied
from app.extensions import db
from app.latefees.models import WAIVED, LateFeeEntry, LateFeeWaiver
from app.latefees.services import ZERO, late_fees_owed
from app.security import permissions as P

STATUSES = {"pending": _l("Waiting for approval"), "approved": _l("Approved"), "rejected": _l("Rejected")}
MIN_REASON = 4
MAX_TEXT = 300


def _clean(text, field: str, required: bool) -> str | None:
    text = (text or "").replace("\r\n", "\n").replace("\x00", "").strip()
    if required and len(text) < MIN_REASON:
        raise DomainError(_l("Give the reason for the waiver (at least 4 characters)."), field=field)
    if len(text) > MAX_TEXT:
        raise DomainError(_l("The text is too long (at most %(n)d characters).", n=MAX_TEXT), field=field)
    return text or None


def request_waiver(unit_id: int, amount, reason: str, actor, now: dt.datetime) -> LateFeeWaiver:
    """Ask to waive ``amount`` of the unit's late fee (at most what it owes today)."""
    unit = db.session.get(Unit, unit_id) if isinstance(unit_id, int) and 0 < unit_id < 2**31 else None
    if unit is None:
        raise DomainError(_l("This unit does not exist."), field="unit")
    amount = parse_money(amount, field="amount")
    reason = _clean(reason, "reason", required=True)
    owed = late_fees_owed([unit.id], now.date()).of_unit(unit.id)
    if owed <= 0:
        raise DomainError(_l("This unit owes no late fee to waive."), field="amount")
    if amount > owed:
        raise DomainError(_l("At most the late fee owed today can be waived: %(owed)s yuan.", owed=f"{owed:,.2f}"),
                          field="amount")
    pending = db.session.scalar(select(LateFeeWaiver.id).where(LateFeeWaiver.unit_id == unit.id,
                                                               LateFeeWaiver.status == "pending"))
    if pending:
        raise DomainError(_l("A late-fee waiver for this unit is already waiting for approval."), field="unit")
    with acting_as(actor):
        waiver = LateFeeWaiver(unit_id=unit.id, estate_id=unit.estate_id, amount=amount, reason=reason,
                               requested_by_id=getattr(actor, "id", None), requested_at=now, status="pending")
        db.session.add(waiver)
        db.session.commit()
    return waiver


def _pending(waiver_id: int, approver) -> LateFeeWaiver:
    waiver = db.session.get(LateFeeWaiver, waiver_id)
    if waiver is None or waiver.status != "pending":
        raise DomainError(_l("This waiver is not waiting for a decision."), field="waiver")
    if not current_app.appbuilder.sm.user_can(approver, P.APPROVE, P.LATE_FEE_WAIVER):
        raise PermissionDenied(_l("Only the manager can approve a late-fee waiver."))
    return waiver


def approve_waiver(waiver_id: int, approver, now: dt.datetime, note: str | None = None) -> LateFeeWaiver:
    """The Manager approves: the amount comes off the late fee owed today, oldest charge first."""
    waiver = _pending(waiver_id, approver)
    note = _clean(note, "note", required=False)
    # lock the unit as a payment does: a payment booking the same late fee waits for us
    db.session.scalar(select(Unit).where(Unit.id == waiver.unit_id).with_for_update())
    day = now.date()
    owed = late_fees_owed([waiver.unit_id], day)
    if waiver.amount > owed.of_unit(waiver.unit_id):
        raise DomainError(_l("The late fee owed is now %(owed)s yuan, less than this waiver (a payment has "
                             "booked it since): refuse it and ask again.", owed=f"{owed.of_unit(waiver.unit_id):,.2f}"),
                          field="waiver")
    left = waiver.amount
    with acting_as(approver):
        for _due, charge_id, _unit in owed.order:
            if left <= 0:
                break
            part = min(left, owed.by_charge[charge_id])
            db.session.add(LateFeeEntry(charge_id=charge_id, estate_id=waiver.estate_id, kind=WAIVED, amount=part,
                                        day=day, waiver_id=waiver.id))
            left -= part
        record_decision(waiver, "approved", approver, now, note)
        db.session.commit()
    return waiver


def reject_waiver(waiver_id: int, approver, now: dt.datetime, note: str | None = None) -> LateFeeWaiver:
    waiver = _pending(waiver_id, approver)
    note = _clean(note, "note", required=False)
    with acting_as(approver):
        record_decision(waiver, "rejected", approver, now, note)
        db.session.commit()
    return waiver
