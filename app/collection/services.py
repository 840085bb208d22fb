"""Arrears (欠费) as of a date, the collection case file, and issuing payment reminders.

Amounts follow app.cashdesk.services (open charges, arrears_total, late fees) — fetched for all
units of the list at once — so the arrears list always agrees with the cash desk and the fee
ledger (tests compare them for every demo unit).
Every function takes an explicit ``as_of`` / ``now`` and, when it writes, an ``actor``; a
writing function owns its transaction.
"""
from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field
from decimal import Decimal

from flask import current_app
from flask_babel import lazy_gettext as _l
from sqlalchemy import select
from sqlalchemy.orm import joinedload, selectinload

from app.cashdesk.services import late_fees, late_fees_of_charges
from app.collection import rules
from app.collection.models import CollectionAction, PaymentReminder, ReminderCounter
from app.core.audit import acting_as
from app.core.money import parse_money
from app.estate.models import Building, Unit, Zone
from app.exceptions import DomainError, NotFound, PermissionDenied
from app.core.counters import next_in_series
from app.extensions import db
from app.fees.models import Charge, FeeItem
from app.owners.models import Occupancy
from app.security import permissions as P

ZERO = Decimal("0.00")
SORTS = ("amount", "age", "room")


# --- arrears ----------------------------------------------------------------------------
@dataclass
class ArrearsItem:
    charge_id: int
    fee_item_id: int
    item: str
    period: str
    due_date: dt.date
    outstanding: Decimal
    late_fee: Decimal | None  # None: the item has no late fee


@dataclass
class ArrearsRow:
    unit_id: int
    estate_id: int
    unit_code: str
    sort_key: str
    building: str
    zone: str
    owner_names: list[str]
    owner_lang: str
    total: Decimal  # = app.cashdesk.services.arrears_total(unit_id, as_of)
    late_fee: Decimal
    oldest_period: str
    oldest_due: dt.date
    days: int
    buckets: dict[str, Decimal]
    items: list[ArrearsItem]
    step: rules.NextStep
    last_action: str = ""
    last_action_at: dt.datetime | None = None

    @property
    def stage(self) -> str:
        return self.step.stage


@dataclass
class ArrearsFilter:
    building: str | None = None  # building number, as staff say it
    zone_id: int | None = None
    min_amount: Decimal | None = None
    min_days: int | None = None
    stage: str | None = None  # rules.STAGES key
    fee_item_id: int | None = None
    unit_ids: list[int] | None = None  # an explicit selection


@dataclass
class ArrearsReport:
    as_of: dt.date
    rows: list[ArrearsRow] = field(default_factory=list)
    buckets: dict[str, Decimal] = field(default_factory=lambda: dict.fromkeys(rules.BUCKET_KEYS, ZERO))
    total: Decimal = ZERO
    late_fee: Decimal = ZERO


def parse_filters(raw: dict, estate_ids: list[int]) -> ArrearsFilter:
    """Filters from a form or the command line, checked: an unknown building, zone, stage or
    fee item, a negative amount or a negative age is a DomainError naming the field."""
    f = ArrearsFilter()
    building = (str(raw.get("building") or "")).strip()
    if building:
        found = db.session.scalar(
            select(Building.id).where(Building.number == building, Building.estate_id.in_(estate_ids)))
        if found is None:
            raise DomainError(_l("There is no building %(n)s in your estates.", n=building), field="building")
        f.building = building
    zone = raw.get("zone_id")
    if zone not in (None, ""):
        try:
            f.zone_id = int(zone)
        except (TypeError, ValueError):
            raise DomainError(_l("Pick one of the listed values."), field="zone_id")
        if db.session.scalar(select(Zone.id).where(Zone.id == f.zone_id, Zone.estate_id.in_(estate_ids))) is None:
            raise DomainError(_l("Pick one of the listed values."), field="zone_id")
    amount = raw.get("min_amount")
    if amount not in (None, ""):
        f.min_amount = parse_money(amount, field="min_amount", allow_zero=True)
    days = raw.get("min_days")
    if days not in (None, ""):
        try:
            f.min_days = int(str(days).strip())
        except ValueError:
            raise DomainError(_l("Enter a whole number of days."), field="min_days")
        if f.min_days < 0:
            raise DomainError(_l("The number of days cannot be negative."), field="min_days")
    stage = (raw.get("stage") or "").strip()
    if stage:
        if stage not in rules.STAGES:
            raise DomainError(_l("Unknown stage %(s)s: use one of %(all)s.", s=stage,
                                 all=", ".join(rules.STAGES)), field="stage")
        f.stage = stage
    item = raw.get("fee_item_id")
    if item not in (None, ""):
        try:
            f.fee_item_id = int(item)
        except (TypeError, ValueError):
            raise DomainError(_l("Pick one of the listed values."), field="fee_item_id")
        if db.session.scalar(select(FeeItem.id).where(FeeItem.id == f.fee_item_id,
                                                      FeeItem.estate_id.in_(estate_ids))) is None:
            raise DomainError(_l("Pick one of the listed values."), field="fee_item_id")
    return f


def _candidate_units(estate_ids, as_of: dt.date, f: ArrearsFilter) -> list[Unit]:
    """Units with an open charge due by ``as_of`` (and matching the cheap filters)."""
    q = (select(Unit).join(Charge, Charge.unit_id == Unit.id)
         .where(Unit.estate_id.in_(list(estate_ids)), Charge.voided_at.is_(None), Charge.paid < Charge.amount,
                Charge.due_date <= as_of)
         .options(joinedload(Unit.building).joinedload(Building.zone),
                  selectinload(Unit.occupancies).joinedload(Occupancy.owner))
         .distinct().order_by(Unit.sort_key))
    if f.building:
        q = q.join(Building, Unit.building_id == Building.id).where(Building.number == f.building)
    if f.zone_id:
        q = q.where(Unit.building_id.in_(select(Building.id).where(Building.zone_id == f.zone_id)))
    if f.fee_item_id:
        q = q.where(Charge.fee_item_id == f.fee_item_id)
    if f.unit_ids is not None:
        q = q.where(Unit.id.in_(f.unit_ids))
    return list(db.session.scalars(q).unique())


def _facts(unit_ids: list[int]) -> dict[int, list[CollectionAction]]:
    out: dict[int, list[CollectionAction]] = {}
    if not unit_ids:
        return out
    for a in db.session.scalars(select(CollectionAction).where(CollectionAction.unit_id.in_(unit_ids))
                                .order_by(CollectionAction.at, CollectionAction.id)):
        out.setdefault(a.unit_id, []).append(a)
    return out


def fact_of(a: CollectionAction) -> rules.ActionFact:
    return rules.ActionFact(a.kind, a.at.date(), a.reached, a.promise_date, decided=a.decision is not None)


def _owners(unit: Unit) -> tuple[list[str], str]:
    owners = [o.owner for o in unit.current_occupants if o.relation == "owner" and o.owner]
    lang = owners[0].language if owners else "zh_CN"
    return [o.name for o in owners], lang or "zh_CN"


def _open_due(unit_ids: list[int], as_of: dt.date) -> dict[int, list[Charge]]:
    """The open charges due by ``as_of`` of many units in one query, oldest first."""
    out: dict[int, list[Charge]] = {}
    if not unit_ids:
        return out
    for c in db.session.scalars(
        select(Charge).options(joinedload(Charge.fee_item))
        .where(Charge.unit_id.in_(unit_ids), Charge.voided_at.is_(None), Charge.paid < Charge.amount,
               Charge.due_date <= as_of)
        .order_by(Charge.period_start, Charge.due_date, Charge.id)
    ):
        out.setdefault(c.unit_id, []).append(c)
    return out


def unit_arrears(unit: Unit, as_of: dt.date, actions: list[CollectionAction] | None = None,
                 charges: list[Charge] | None = None, fees: dict | None = None) -> ArrearsRow | None:
    """The unit's overdue charges as of ``as_of`` (None: nothing overdue). The list passes
    ``charges`` and ``fees`` fetched for all its units at once; the total is the same sum as
    cashdesk.services.arrears_total (tests compare them for every demo unit)."""
    if charges is None:
        charges = _open_due([unit.id], as_of).get(unit.id, [])
    total = sum((c.outstanding for c in charges), ZERO)
    if total <= 0:
        return None
    if fees is None:
        fees = late_fees(unit.id, as_of)
    items = []
    for c in charges:
        has_fee = c.fee_item.late_fee_daily_rate is not None
        items.append(ArrearsItem(c.id, c.fee_item_id, c.fee_item.name, c.period, c.due_date, c.outstanding,
                                 fees.get(c.id, ZERO) if has_fee else None))
    oldest = min(items, key=lambda i: (i.due_date, i.period))
    if actions is None:
        actions = _facts([unit.id]).get(unit.id, [])
    step = rules.next_step([fact_of(a) for a in actions], as_of, oldest.due_date)
    names, lang = _owners(unit)
    last = actions[-1] if actions else None
    return ArrearsRow(
        unit_id=unit.id, estate_id=unit.estate_id, unit_code=unit.code, sort_key=unit.sort_key,
        building=unit.building.number if unit.building else "",
        zone=unit.building.zone.name if unit.building and unit.building.zone else "",
        owner_names=names, owner_lang=lang, total=total,
        late_fee=sum((i.late_fee or ZERO for i in items), ZERO),
        oldest_period=oldest.period, oldest_due=oldest.due_date,
        days=rules.days_overdue(oldest.due_date, as_of),
        buckets=rules.age_amounts([(i.due_date, i.outstanding) for i in items], as_of),
        items=items, step=step,
        last_action=str(rules.KINDS.get(last.kind, last.kind)) if last else "",
        last_action_at=last.at if last else None,
    )


def arrears_report(estate_ids, as_of: dt.date, f: ArrearsFilter | None = None, sort: str = "amount") -> ArrearsReport:
    """Every unit of ``estate_ids`` with something overdue on ``as_of``, filtered and sorted
    (amount: largest first; age: oldest first; room: building and room order)."""
    f = f or ArrearsFilter()
    if sort not in SORTS:
        raise DomainError(_l("Pick one of the listed values."), field="sort")
    units = _candidate_units(estate_ids, as_of, f)
    unit_ids = [u.id for u in units]
    actions = _facts(unit_ids)
    charges = _open_due(unit_ids, as_of)
    fees = late_fees_of_charges([c for cs in charges.values() for c in cs], as_of)
    report = ArrearsReport(as_of=as_of)
    for unit in units:
        row = unit_arrears(unit, as_of, actions.get(unit.id, []), charges.get(unit.id, []), fees)
        if row is None:
            continue
        if f.min_amount is not None and row.total < f.min_amount:
            continue
        if f.min_days is not None and row.days < f.min_days:
            continue
        if f.stage and row.stage != f.stage:
            continue
        report.rows.append(row)
    if sort == "amount":
        report.rows.sort(key=lambda r: (-r.total, r.sort_key))
    elif sort == "age":
        report.rows.sort(key=lambda r: (-r.days, r.sort_key))
    for row in report.rows:
        report.total += row.total
        report.late_fee += row.late_fee
        for k, v in row.buckets.items():
            report.buckets[k] += v
    return report


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
    actions = _facts([unit.id]).get(unit.id, [])
    row = unit_arrears(unit, as_of, actions)
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
    result = (result or "").strip() or None
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
    with acting_as(actor):
        action.decision = decision
        action.decision_note = (note or "").strip() or None
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
    rows = arrears_report(estate_ids, as_of, f, sort="room").rows
    if not rows:
        raise DomainError(_l("No unit in the selection has anything overdue: nothing to print."), field="unit_ids")
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


def print_reminders(estate_ids, f: ArrearsFilter, actor, now: dt.datetime, *, new_round: bool = False,
                    lang: str | None = None, workers: int = 1, pool=None, rows=None, progress=None):
    """Select, number, render and log: (pdf bytes, reminders). Bad input raises DomainError
    before anything is written; a rendering failure leaves the numbers issued (reprinted next
    time) but logs nothing. ``rows``: the selection, when the caller already made it with
    ``select_for_reminders(estate_ids, now.date(), f)``; ``pool``: a started
    reports.reminder.LetterPool (else ``workers`` processes are started here)."""
    from reports.reminder import doc_of, render_reminders

    if not current_app.appbuilder.sm.user_can(actor, P.WRITE, P.PAYMENT_REMINDER):
        raise PermissionDenied(_l("You may not print payment reminders."))
    if rows is None:
        rows = select_for_reminders(estate_ids, now.date(), f)
    reminders = issue_reminders(rows, actor, now, new_round=new_round, lang=lang)
    docs = [doc_of(r) for r in reminders]
    pdf = render_reminders(docs, workers=workers, pool=pool, progress=progress)
    mark_printed(reminders, actor, now)
    from app.security import events

    events.record(events.BATCH_PRINT, user=actor, detail={
        "what": "payment_reminders", "count": len(reminders), "new_round": new_round,
        "first": reminders[0].number if reminders else None, "last": reminders[-1].number if reminders else None})
    return pdf, reminders
