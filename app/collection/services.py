"""The collection case (催交) of a unit: its case file, the steps logged on the collection
ladder (phone reminder → written notice → door visit → manager) and the manager's decision on
an escalation, and issuing and printing payment reminders (催缴通知书).

What a unit owes and the arrears list are in app.collection.arrears; the names the pages, the
command line and the tests call as ``services.<name>`` are re-exported here.
Every function takes an explicit ``as_of`` / ``now`` and, when it writes, an ``actor``; a
writing function owns its transaction.
"""
from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

from flask import current_app
from flask_babel import lazy_gettext as _l
from sqlalchemy import select

from app.collection import rules
from app.collection.arrears import ArrearsFilter, ArrearsRow, actions_by_unit, arrears_report, unit_arrears
from app.collection.models import CollectionAction, PaymentReminder, ReminderCounter
from app.core import inputs
from app.core.audit import acting_as
from app.core.counters import next_in_series
from app.core.money import parse_money
from app.estate.models import Unit
from app.exceptions import DomainError, NotFound, PermissionDenied
from app.extensions import db
from app.security import permissions as P

__all__ = [
    "CaseFile", "case_file", "decide_escalation", "issue_reminders", "log_action", "mark_printed",
    "print_reminders", "reprint_doc", "select_for_reminders",
]


# --- the case file ----------------------------------------------------------------------
@dataclass
class CaseFile:
    unit: Unit
    arrears: ArrearsRow | None  # None: nothing overdue (case closed)
    step: rules.NextStep
    actions: list[CollectionAction]  # the whole history, newest first
    reminders: list[PaymentReminder]


def case_file(unit_id: int, as_of: dt.date, estate_ids=None) -> CaseFile:
    unit = db.session.get(Unit, unit_id)
    if unit is None or (estate_ids is not None and unit.estate_id not in estate_ids):
        raise NotFound(_l("This unit does not exist."))
    actions = actions_by_unit([unit.id]).get(unit.id, [])
    row = unit_arrears(unit, as_of, actions, billed_to="owner")  # the developer's debt is not the owner's case
    step = row.step if row else rules.NextStep("none", None, None)
    reminders = list(db.session.scalars(select(PaymentReminder).where(PaymentReminder.unit_id == unit.id)
                                        .order_by(PaymentReminder.id.desc())))
    return CaseFile(unit, row, step, list(reversed(actions)), reminders)


def log_action(unit_id: int, kind: str, actor, now: dt.datetime, *, result: str | None = None,
               reached: bool | None = None, promise_date: dt.date | None = None, promise_amount=None,
               delivery: str | None = None, delivered_on: dt.date | None = None,
               receipt_returned: bool | None = None, signed: bool | None = None,
               reminder_id: int | None = None, estate_ids=None) -> CollectionAction:
    """Log one collection step against the unit."""
    unit = db.session.get(Unit, unit_id)
    if unit is None or (estate_ids is not None and unit.estate_id not in estate_ids):
        raise NotFound(_l("This unit does not exist."))
    if kind not in rules.KINDS:
        raise DomainError(_l("Pick one of the listed values."), field="kind")
    result = inputs.clean_text(result, "result", 100000, multiline=True)  # the length is checked below
    if result and len(result) > 2000:
        raise DomainError(_l("The text is too long (at most %(n)d characters).", n=2000), field="result")
    if kind == "escalation" and not result:
        raise DomainError(_l("Give the reason for the escalation."), field="result")
    if promise_amount not in (None, ""):
        promise_amount = parse_money(promise_amount, field="promise_amount")
    else:
        promise_amount = None
    if promise_date is not None and promise_date < now.date():
        raise DomainError(_l("The promised date cannot be in the past."), field="promise_date")
    if promise_amount is not None and promise_date is None:
        raise DomainError(_l("Give the date the owner promised to pay."), field="promise_date")
    if delivery and delivery not in rules.DELIVERY:
        raise DomainError(_l("Pick one of the listed values."), field="delivery")
    if reminder_id is not None:
        reminder = db.session.get(PaymentReminder, reminder_id)
        if reminder is None or reminder.unit_id != unit.id:
            raise DomainError(_l("This reminder was not issued to this unit."), field="reminder_id")
    with acting_as(actor):
        action = CollectionAction(
            unit_id=unit.id, estate_id=unit.estate_id, kind=kind, at=now, staff_id=getattr(actor, "id", None),
            result=result, reached=reached if kind == "phone" else None,
            promise_date=promise_date, promise_amount=promise_amount,
            reminder_id=reminder_id, delivery=delivery or None, delivered_on=delivered_on,
            receipt_returned=receipt_returned, signed=signed if kind == "visit" else None,
        )
        db.session.add(action)
        db.session.commit()
    return action


def decide_escalation(action_id: int, decision: str, note: str | None, actor, now: dt.datetime,
                      estate_ids=None) -> CollectionAction:
    """The manager records the decision on an escalation (once)."""
    action = db.session.get(CollectionAction, action_id)
    if action is None or (estate_ids is not None and action.estate_id not in estate_ids):
        raise NotFound(_l("This record does not exist."))
    if action.kind != "escalation":
        raise DomainError(_l("Only an escalation waits for a decision."), field="decision")
    if action.decision is not None:
        raise DomainError(_l("This escalation has already been decided."), field="decision")
    if decision not in rules.DECISIONS:
        raise DomainError(_l("Pick one of the listed values."), field="decision")
    if not current_app.appbuilder.sm.user_can(actor, P.APPROVE, P.COLLECTION_ACTION):
        raise PermissionDenied(_l("Only the manager decides on an escalation."))
    note = inputs.clean_text(note, "note", 2000, multiline=True)
    with acting_as(actor):
        action.decision = decision
        action.decision_note = note
        action.decided_by_id = getattr(actor, "id", None)
        action.decided_at = now
        db.session.commit()
    return action


# --- reminders --------------------------------------------------------------------------
def _next_number(estate_id: int, year: int) -> int:
    return next_in_series(ReminderCounter, estate_id, year)


def _case_reminders(unit_id: int, case_start: dt.date) -> list[PaymentReminder]:
    return list(db.session.scalars(
        select(PaymentReminder).where(PaymentReminder.unit_id == unit_id,
                                      PaymentReminder.as_of >= case_start)
        .order_by(PaymentReminder.round_no, PaymentReminder.id)))


def select_for_reminders(estate_ids, as_of: dt.date, f: ArrearsFilter) -> list[ArrearsRow]:
    """The rows to print, in building and room order; an empty selection is refused."""
    if f.unit_ids is not None and not f.unit_ids:
        raise DomainError(_l("Select at least one unit."), field="unit_ids")
    rows = arrears_report(estate_ids, as_of, f, sort="room").rows  # owners' debt only, never the developer's
    if not rows:
        raise DomainError(_l("No unit in the selection has anything overdue: nothing to print."), field="unit_ids")
    rows = [r for r in rows if r.owner_names]  # a reminder is never addressed to nobody
    if not rows:
        raise DomainError(_l("No unit in the selection has an owner on record to address a reminder to."),
                          field="unit_ids")
    return rows


def issue_reminders(rows: list[ArrearsRow], actor, now: dt.datetime, *, new_round: bool = False,
                    lang: str | None = None) -> list[PaymentReminder]:
    """One reminder per row, in the rows' order: the case's latest reminder again (same
    number, same letter), or — when there is none yet or ``new_round`` — a new number.
    New numbers are taken and committed here; printing (mark_printed) logs the actions."""
    from reports.reminder import snapshot_of

    out: list[PaymentReminder] = []
    with acting_as(actor):
        for row in rows:
            existing = _case_reminders(row.unit_id, row.oldest_due)
            if existing and not new_round:
                out.append(existing[-1])
                continue
            round_no = (existing[-1].round_no + 1) if existing else 1
            stage = rules.letter_stage(round_no, row.stage)
            seq = _next_number(row.estate_id, now.year)
            letter_lang = lang or row.owner_lang
            deadline = now.date() + dt.timedelta(days=rules.DEADLINE_DAYS[stage])
            number = f"CJ{now.year}-{seq:05d}"
            reminder = PaymentReminder(
                unit_id=row.unit_id, estate_id=row.estate_id, number=number, year=now.year, seq=seq,
                round_no=round_no, stage=stage, lang=letter_lang, amount=row.total, late_fee=row.late_fee,
                total=row.total + row.late_fee, deadline=deadline, as_of=now.date(), issued_at=now,
                issued_by_id=getattr(actor, "id", None), print_count=0,
                snapshot=snapshot_of(row, number=number, stage=stage, round_no=round_no, deadline=deadline,
                                     issued_on=now.date()),
            )
            db.session.add(reminder)
            db.session.flush()
            out.append(reminder)
        db.session.commit()
    return out


def mark_printed(reminders: list[PaymentReminder], actor, now: dt.datetime) -> None:
    """The letters came out: the first print of each is logged as a written-notice action
    with its number; every print counts."""
    with acting_as(actor):
        for r in reminders:
            if r.print_count == 0:
                db.session.add(CollectionAction(
                    unit_id=r.unit_id, estate_id=r.estate_id, kind="notice", at=now,
                    staff_id=getattr(actor, "id", None), reminder_id=r.id,
                    result=f"{r.number}",
                ))
            r.print_count = r.print_count + 1
            r.printed_at = now
        db.session.commit()


def reprint_doc(reminder_id: int, as_of: dt.date, estate_ids=None):
    """A reminder printed again from its own page: its number, stage and issue date, with what
    the owner owes on ``as_of`` (never money paid since). Refused when everything it asked for
    is paid, or when its case was settled and a new one opened (that case has its own letter)."""
    from reports.reminder import current_doc

    reminder = db.session.get(PaymentReminder, reminder_id)
    if reminder is None or (estate_ids is not None and reminder.estate_id not in estate_ids):
        raise NotFound(_l("This reminder does not exist."))
    row = unit_arrears(reminder.unit, as_of, billed_to="owner")
    if row is None:
        raise DomainError(_l("Everything reminder %(n)s asked for has been paid: there is nothing to print.",
                             n=reminder.number))
    if reminder.id not in {r.id for r in _case_reminders(reminder.unit_id, row.oldest_due)}:
        raise DomainError(_l("Reminder %(n)s belongs to an earlier case that has been settled: print the "
                             "current reminder from the case file.", n=reminder.number))
    return current_doc(row, reminder, as_of)


def print_reminders(estate_ids, f: ArrearsFilter, actor, now: dt.datetime, *, new_round: bool = False,
                    lang: str | None = None, workers: int = 1, pool=None, rows=None, progress=None,
                    deliver=None):
    """Select, number, render and log: (pdf bytes, reminders). Bad input raises DomainError
    before anything is written; a rendering failure leaves the numbers issued (reprinted next
    time) but logs nothing. ``rows``: the selection, when the caller already made it with
    ``select_for_reminders(estate_ids, now.date(), f)``; ``pool``: a started
    reports.reminder.LetterPool (else ``workers`` processes are started here).
    ``deliver(pdf)``: writes the file (the command line); the letters count as printed only
    after it returned, so a crash or a full disk leaves no letter marked printed without its PDF."""
    from reports.reminder import current_doc, render_reminders

    if not current_app.appbuilder.sm.user_can(actor, P.WRITE, P.PAYMENT_REMINDER):
        raise PermissionDenied(_l("You may not print payment reminders."))
    if rows is None:
        rows = select_for_reminders(estate_ids, now.date(), f)
    reminders = issue_reminders(rows, actor, now, new_round=new_round, lang=lang)
    # one reminder per row, in order; a reprint shows what is owed today under its own number
    docs = [current_doc(row, r, now.date()) for row, r in zip(rows, reminders)]
    pdf = render_reminders(docs, workers=workers, pool=pool, progress=progress)
    if deliver is not None:
        deliver(pdf)
    mark_printed(reminders, actor, now)
    from app.security import events

    events.record(events.BATCH_PRINT, user=actor, detail={
        "what": "payment_reminders", "count": len(reminders), "new_round": new_round,
        "first": reminders[0].number if reminders else None, "last": reminders[-1].number if reminders else None})
    return pdf, reminders
