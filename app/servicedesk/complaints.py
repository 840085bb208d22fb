"""Complaints (投诉): intake, numbering, sending to a department, handling notes, escalation to
the Manager when unresolved too long. Callbacks are recorded by services.record_callback."""
from __future__ import annotations

import datetime as dt

from flask_babel import lazy_gettext as _l
from sqlalchemy import select
from sqlalchemy.orm import selectinload

from app.core.audit import acting_as
from app.core.counters import next_in_series
from app.exceptions import DomainError, NotFound
from app.extensions import db
from app.servicedesk import rules
from app.servicedesk.intake import check_contact_edit, committed_intake, contact_fields, unit_given
from app.servicedesk.models import Complaint, ComplaintCounter, ComplaintNote, ServiceSettings

PREFIX = "TS"


def get_complaint(complaint_id, estate_ids=None) -> Complaint:
    complaint_id = rules.as_id(complaint_id)
    item = db.session.get(Complaint, complaint_id) if complaint_id is not None else None
    if item is None or (estate_ids is not None and item.estate_id not in estate_ids):
        raise NotFound(_l("This complaint does not exist."))
    return item


def intake_complaint(c: Complaint, *, actor, now: dt.datetime, estate_ids, unit_code=None, unit_id=None) -> Complaint:
    """Check a new complaint, find its unit, number it and note the intake; the caller commits."""
    from app.servicedesk.services import resolve_unit

    unit = resolve_unit(estate_ids, unit_code, unit_id)
    c.caller = rules.clean_text(c.caller, "caller", 50)
    c.phone = rules.check_phone(c.phone)
    c.channel = rules.check_choice(c.channel, rules.CHANNELS, "channel")
    c.category = rules.check_choice(c.category, rules.COMPLAINT_CATEGORIES, "category")
    c.description = rules.clean_text(c.description, "description", 2000)
    if c.department in ("", None):
        c.department = None
    else:
        rules.check_choice(c.department, rules.DEPARTMENTS, "department")
    c.major = bool(c.major)
    if c.reply_due is not None and c.reply_due < now.date():
        raise DomainError(_l("The reply date cannot be in the past."), field="reply_due")
    c.unit, c.unit_id, c.estate_id = unit, unit.id, unit.estate_id
    c.state = "received"
    c.received_at = now
    c.received_by_id = getattr(actor, "id", None)
    c.reopen_count = 0
    c.year = now.year
    with acting_as(actor):
        c.seq = next_in_series(ComplaintCounter, unit.estate_id, now.year)
        c.number = f"{PREFIX}{now.year}-{c.seq:05d}"
        db.session.add(c)
    return c


def create_complaint(data: dict, actor, now: dt.datetime, estate_ids) -> Complaint:
    reply_due = data.get("reply_due")
    if reply_due in (None, ""):
        reply_due = None
    elif isinstance(reply_due, str):
        try:
            reply_due = dt.date.fromisoformat(reply_due)
        except ValueError:
            raise DomainError(_l("Enter the date as YYYY-MM-DD."), field="reply_due") from None
    elif not isinstance(reply_due, dt.date):
        raise DomainError(_l("Enter the date as YYYY-MM-DD."), field="reply_due")
    c = Complaint(**contact_fields(data), department=data.get("department"), major=bool(data.get("major")),
                  reply_due=reply_due or None)
    with committed_intake():
        intake_complaint(c, actor=actor, now=now, estate_ids=estate_ids, **unit_given(data))
    return c


def check_complaint_edit(c: Complaint) -> None:
    """What the edit form may change while still open: the contact fields, as for a work order."""
    check_contact_edit(c, rules.COMPLAINT_CATEGORIES)


def transition_complaint(complaint_id, action: str, actor, now: dt.datetime, *, estate_ids=None, department=None,
                         note=None) -> Complaint:
    c = get_complaint(complaint_id, estate_ids)
    if action in ("callback_ok", "callback_bad"):
        raise DomainError(_l("Record a callback to do this."), field="action")
    target = rules.complaint_next(c.state, action)
    note = rules.clean_text(note, "note", 2000, required=action == "handle")
    with acting_as(actor):
        if action == "dispatch":
            c.department = rules.check_choice(department or c.department, rules.DEPARTMENTS, "department")
            c.dispatched_at = now
            note = " ".join(x for x in (str(rules.DEPARTMENTS[c.department]), note) if x)
        elif action == "handle":
            c.handled_at = now
            c.result = note
        elif action == "close":
            c.closed_at = now
        _note(c, action, actor, now, note or str(rules.COMPLAINT_ACTIONS[action]))
        c.state = target
        db.session.commit()
    return c


def apply_callback(c: Complaint, action: str, target: str, actor, now, notes) -> None:
    """Inside services.record_callback's transaction."""
    c.called_back_at = now
    if action == "callback_bad":
        c.reopen_count += 1
        c.handled_at = None
    _note(c, action, actor, now, notes or str(rules.COMPLAINT_ACTIONS[action]))
    c.state = target


def add_note(complaint_id, text, actor, now: dt.datetime, estate_ids=None) -> ComplaintNote:
    c = get_complaint(complaint_id, estate_ids)
    if c.state == "closed":
        raise DomainError(_l("This record is closed: nothing more can be done with it."), field="text")
    text = rules.clean_text(text, "text", 2000)
    with acting_as(actor):
        note = _note(c, None, actor, now, text)
        db.session.commit()
    return note


def _note(c: Complaint, action, actor, now, text) -> ComplaintNote:
    note = ComplaintNote(at=now, staff_id=getattr(actor, "id", None), action=action, text=text, estate_id=c.estate_id)
    c.notes.append(note)
    return note


def escalated_complaints(estate_ids, now: dt.datetime, limit: int = 50) -> list[Complaint]:
    """Unresolved longer than their estate's limit (two queries, units loaded)."""
    days = {row.estate_id: row.complaint_escalation_days for row in db.session.scalars(
        select(ServiceSettings).where(ServiceSettings.estate_id.in_(estate_ids)))}
    shortest = min([*days.values(), rules.DEFAULT_ESCALATION_DAYS])
    rows = db.session.scalars(
        select(Complaint).options(selectinload(Complaint.unit))
        .where(Complaint.estate_id.in_(estate_ids), Complaint.state.in_(rules.COMPLAINT_UNRESOLVED),
               Complaint.received_at < now - dt.timedelta(days=shortest))
        .order_by(Complaint.received_at)).all()
    out = [c for c in rows if rules.complaint_escalated(
        c.state, c.received_at, days.get(c.estate_id, rules.DEFAULT_ESCALATION_DAYS), now)]
    return out[:limit]


def needs_callback_complaints(estate_ids) -> list[Complaint]:
    return list(db.session.scalars(
        select(Complaint).options(selectinload(Complaint.unit))
        .where(Complaint.estate_id.in_(estate_ids), Complaint.state == "handled").order_by(Complaint.handled_at)))


def is_escalated(c: Complaint, now: dt.datetime) -> bool:
    from app.servicedesk.services import limits_for

    return rules.complaint_escalated(c.state, c.received_at, limits_for(c.estate_id)[1], now)

