"""Service-desk database work: intake, numbering, transitions with their step log, time limits,
department scope, callbacks. Every function takes an explicit actor and ``now``; a refusal is a
DomainError and changes nothing. Complaints live in complaints.py."""
from __future__ import annotations

import datetime as dt
from decimal import Decimal, InvalidOperation

from flask_babel import lazy_gettext as _l
from sqlalchemy import case, func, select

from app.core.audit import acting_as
from app.core.counters import next_in_series
from app.core.inputs import bad_character
from app.exceptions import DomainError, NotFound
from app.extensions import db
from app.servicedesk import rules
from app.servicedesk.intake import check_contact_edit, committed_intake, contact_fields, unit_given
from app.servicedesk.models import Callback, ServiceSettings, WorkOrder, WorkOrderCounter, WorkOrderEvent

WO_PREFIX = "BX"


# --- who sees what ----------------------------------------------------------------------
def departments_of(user) -> set[str] | None:
    """The departments whose work orders ``user`` is limited to, or None when not limited.
    Limited are users whose every role is a department role (roles.DEPARTMENT_SCOPED_ROLES);
    their departments come from their staff-estate rows."""
    from app.security.models import StaffEstate
    from app.security.roles import DEPARTMENT_SCOPED_ROLES

    roles = {r.name for r in getattr(user, "roles", ()) or ()}
    if not roles or not roles <= set(DEPARTMENT_SCOPED_ROLES):
        return None
    rows = db.session.scalars(select(StaffEstate.department).where(
        StaffEstate.user_id == user.id, StaffEstate.department.is_not(None)))
    return set(rows)


def _in_scope(wo: WorkOrder, estate_ids, departments, user_id=None) -> bool:
    if estate_ids is not None and wo.estate_id not in estate_ids:
        return False
    if departments is None:
        return True
    return wo.department in departments or (user_id is not None and wo.received_by_id == user_id)


def get_work_order(wo_id, estate_ids=None, departments=None, user_id=None) -> WorkOrder:
    wo_id = rules.as_id(wo_id)
    wo = db.session.get(WorkOrder, wo_id) if wo_id is not None else None
    if wo is None or not _in_scope(wo, estate_ids, departments, user_id):
        raise NotFound(_l("This work order does not exist."))
    return wo


# --- settings ---------------------------------------------------------------------------
def limits_for(estate_id: int) -> tuple[dict[str, rules.Limits], int]:
    """({urgency: Limits}, complaint escalation days) of an estate: its settings or the defaults."""
    row = db.session.scalar(select(ServiceSettings).where(ServiceSettings.estate_id == estate_id))
    return limits_of(row)


def limits_of(row) -> tuple[dict[str, rules.Limits], int]:
    if row is None:
        return dict(rules.DEFAULT_LIMITS), rules.DEFAULT_ESCALATION_DAYS
    return ({u: rules.Limits(getattr(row, f"{u}_dispatch_minutes"), getattr(row, f"{u}_complete_hours"))
             for u in rules.URGENCIES}, row.complaint_escalation_days)


LIMIT_FIELDS = tuple(f"{u}_{k}" for u in rules.URGENCIES for k in ("dispatch_minutes", "complete_hours")) + (
    "complaint_escalation_days",)


def check_settings(item: ServiceSettings) -> None:
    rules.check_limits({name: getattr(item, name) for name in LIMIT_FIELDS})
    clash = db.session.scalar(select(ServiceSettings.id).where(
        ServiceSettings.estate_id == item.estate_id, ServiceSettings.id != (item.id or 0)))
    if clash:
        raise DomainError(_l("This estate already has its time limits: edit them there."), field="estate")


# --- units and people -------------------------------------------------------------------
def resolve_unit(estate_ids, unit_code=None, unit_id=None):
    """The unit named by its room code (3-2-501, as in the quick search) or id, in the user's
    estates; otherwise a DomainError on the unit field."""
    from app.estate import services as estate_services
    from app.estate.models import Unit

    if unit_id not in (None, ""):
        uid = rules.as_id(unit_id)
        unit = db.session.get(Unit, uid) if uid is not None else None
        if unit is None or (estate_ids is not None and unit.estate_id not in estate_ids):
            raise DomainError(_l("There is no such unit in your estates."), field="unit_code")
        return unit
    code = unit_code.strip() if isinstance(unit_code, str) else ""
    if not code:
        raise DomainError(_l("Enter the room, e.g. 3-2-501."), field="unit_code")
    units = estate_services.find_unit_by_code(list(estate_ids or []), code)
    if not units:
        raise DomainError(_l("There is no room %(code)s in your estates.", code=code), field="unit_code")
    if len(units) > 1:
        raise DomainError(_l("Room %(code)s exists in several of your estates: pick the unit from its page.",
                             code=code), field="unit_code")
    return units[0]


def staff_of_estate(estate_id: int) -> list[tuple]:
    """(user, department) of the staff assigned to the estate, by name: dispatch and redo pickers."""
    from flask_appbuilder.security.sqla.models import User

    from app.security.models import StaffEstate

    rows = db.session.execute(select(User, StaffEstate.department).join(StaffEstate, StaffEstate.user_id == User.id)
                              .where(StaffEstate.estate_id == estate_id).order_by(User.first_name, User.id)).all()
    return [(u, d) for u, d in rows]


def _staff_member(user_id, estate_id: int, field: str):
    from flask_appbuilder.security.sqla.models import User

    from app.security.models import StaffEstate

    uid = rules.as_id(user_id)
    if uid is None:
        raise DomainError(_l("Choose a staff member of this estate."), field=field)
    ok = db.session.scalar(select(StaffEstate.id).where(StaffEstate.user_id == uid, StaffEstate.estate_id == estate_id))
    if not ok:
        raise DomainError(_l("Choose a staff member of this estate."), field=field)
    return db.session.get(User, uid)


# --- intake -----------------------------------------------------------------------------
def _quantity(raw) -> Decimal:
    try:
        qty = Decimal(str(raw if raw not in (None, "") else "1").strip())
    except (InvalidOperation, ValueError):
        qty = None
    if qty is None or not qty.is_finite() or qty <= 0 or qty.as_tuple().exponent < -2 or qty > 10000:
        raise DomainError(_l("Enter a quantity greater than zero, at most 2 decimals."), field="quantity")
    return qty.quantize(Decimal("0.01"))


def intake_work_order(wo: WorkOrder, *, actor, now: dt.datetime, estate_ids, unit_code=None, unit_id=None) -> WorkOrder:
    """Check a new work order's fields (as typed into ``wo``), find its unit, number it, set its
    time limits and log the intake. Adds it to the session; the caller commits."""
    from app.fees.models import ServicePrice

    unit = resolve_unit(estate_ids, unit_code, unit_id)
    wo.caller = rules.clean_text(wo.caller, "caller", 50)
    wo.phone = rules.check_phone(wo.phone)
    wo.channel = rules.check_choice(wo.channel, rules.CHANNELS, "channel")
    wo.category = rules.check_choice(wo.category, rules.WO_CATEGORIES, "category")
    wo.urgency = rules.check_choice(wo.urgency or "normal", rules.URGENCIES, "urgency")
    wo.description = rules.clean_text(wo.description, "description", 2000)
    price_id = rules.as_id(wo.service_price_id if wo.service_price_id is not None
                           else getattr(wo.service_price, "id", None))
    if wo.paid:
        price = db.session.get(ServicePrice, price_id) if price_id else None
        if price is None or price.estate_id != unit.estate_id or not price.active:
            raise DomainError(_l("A paid repair needs a service from this estate's price list."), field="service_price")
        wo.service_price_id = price.id
        wo.quantity = _quantity(wo.quantity)
    else:
        if price_id:
            raise DomainError(_l("A free repair has no price: tick “Paid repair” or clear the service."), field="paid")
        wo.service_price = None
        wo.service_price_id = None
        wo.quantity = None
    limits, _days = limits_for(unit.estate_id)
    wo.unit, wo.unit_id, wo.estate_id = unit, unit.id, unit.estate_id
    wo.state = "received"
    wo.received_at = now
    wo.received_by_id = getattr(actor, "id", None)
    wo.dispatch_due, wo.complete_due = rules.due_times(now, limits[wo.urgency])
    wo.redo_count = 0
    wo.year = now.year
    with acting_as(actor):
        wo.seq = next_in_series(WorkOrderCounter, unit.estate_id, now.year)
        wo.number = f"{WO_PREFIX}{now.year}-{wo.seq:05d}"
        wo.events.append(WorkOrderEvent(action="intake", from_state=None, to_state="received", at=now,
                                        actor_id=wo.received_by_id, estate_id=unit.estate_id))
        db.session.add(wo)
    return wo


def create_work_order(data: dict, actor, now: dt.datetime, estate_ids) -> WorkOrder:
    """A new work order from plain fields (API, demo, tests); committed."""
    wo = WorkOrder(**contact_fields(data), urgency=data.get("urgency") or "normal", paid=bool(data.get("paid")),
                   service_price_id=data.get("service_price") or data.get("service_price_id"), quantity=None)
    with committed_intake():
        if wo.paid:
            wo.quantity = _quantity(data.get("quantity"))
        intake_work_order(wo, actor=actor, now=now, estate_ids=estate_ids, **unit_given(data))
    return wo


def check_work_order_edit(wo: WorkOrder) -> None:
    check_contact_edit(wo, rules.WO_CATEGORIES)


# --- transitions ------------------------------------------------------------------------
def transition_work_order(wo_id, action: str, actor, now: dt.datetime, *, estate_ids=None, departments=None,
                          department=None, worker_id=None, note=None, supervisor_id=None,
                          stub_satisfaction=None, stub_comment=None) -> WorkOrder:
    """Move a work order by ``action`` (rules.WO_TRANSITIONS) and log the step; committed.
    ``departments``: the actor's department scope (departments_of), None = the whole desk.
    ``stub_satisfaction`` / ``stub_comment``: what the returned receipt stub says (return_stub)."""
    wo = get_work_order(wo_id, estate_ids, departments, getattr(actor, "id", None))
    rules.check_department_may(action, departments is not None)
    if departments is not None and wo.department not in departments:
        raise NotFound(_l("This work order does not exist."))
    if action in ("callback_ok", "callback_bad"):
        raise DomainError(_l("Record a callback to do this."), field="action")
    target = rules.work_order_next(wo.state, action)
    note = rules.clean_text(note, "note", 2000, required=False)
    stub = _stub_content(stub_satisfaction, stub_comment) if action == "return_stub" else None
    with acting_as(actor):
        if action == "dispatch":
            wo.department = rules.check_choice(department, rules.DEPARTMENTS, "department")
            wo.worker_id = _staff_member(worker_id, wo.estate_id, "worker").id if worker_id not in (None, "") else None
            wo.dispatched_at = now
            note = " ".join(x for x in (str(rules.DEPARTMENTS[wo.department]), note) if x)
        elif action == "start":
            wo.started_at = now
        elif action == "complete":
            wo.completed_at = now
            wo.result = note
        elif action == "return_stub":
            wo.stub_returned_at = now
            wo.stub_satisfaction, wo.stub_comment = stub
            if wo.stub_satisfaction:
                note = " ".join(x for x in (str(rules.STUB_SATISFACTION[wo.stub_satisfaction]), note) if x)
        elif action == "close":
            wo.closed_at = now
        _log(wo, action, target, actor, now, note)
        if action == "complete" and wo.paid and wo.charge_id is None:
            _charge(wo, actor, now)
        db.session.commit()
    return wo


def _stub_content(satisfaction, comment) -> tuple[str | None, str | None]:
    """The stub's tick (one of rules.STUB_SATISFACTION, or none when the owner ticked nothing)
    and the owner's comment as typed from the paper (line breaks kept, CRLF stored as LF)."""
    if satisfaction in (None, ""):
        satisfaction = None
    else:
        rules.check_choice(satisfaction, rules.STUB_SATISFACTION, "stub_satisfaction")
    if isinstance(comment, str):
        comment = comment.replace("\r\n", "\n").replace("\r", "\n")
        if bad_character(comment, True):
            raise DomainError(_l("The text contains a control character (such as a NUL byte or a line break "
                                 "where none is allowed): retype it."), field="stub_comment")
    return satisfaction, rules.clean_text(comment, "stub_comment", 2000, required=False)


def _log(wo: WorkOrder, action: str, target: str, actor, now, note) -> None:
    wo.events.append(WorkOrderEvent(action=action, from_state=wo.state, to_state=target, at=now,
                                    actor_id=getattr(actor, "id", None), estate_id=wo.estate_id, note=note))
    wo.state = target


def _charge(wo: WorkOrder, actor, now) -> None:
    """A paid repair becomes a charge on the unit through the service sale (fees.services)."""
    from app.fees.services import sell_service

    db.session.flush()
    charge = sell_service(wo.unit_id, wo.service_price_id, wo.quantity, actor, now, note=wo.number)  # commits
    wo.charge_id = charge.id


# --- callbacks --------------------------------------------------------------------------
def record_callback(*, actor, now: dt.datetime, estate_ids, work_order_id=None, complaint_id=None, reached=True,
                    satisfied=None, notes=None, supervisor_id=None) -> Callback:
    """回访 of a work order or complaint. Reached and satisfied: the item is called back; reached
    and unsatisfied: a work order is redone under the named supervisor, a complaint reopened.
    A closed item, or one not ready for a callback, is refused."""
    from app.servicedesk import complaints

    if (work_order_id is None) == (complaint_id is None) or rules.as_id(work_order_id or complaint_id) is None:
        raise DomainError(_l("A callback is about one work order or one complaint."), field="work_order")
    notes = rules.clean_text(notes, "notes", 2000, required=False)
    if satisfied is not None and not isinstance(satisfied, bool):
        raise DomainError(_l("Say whether the owner was satisfied."), field="satisfied")
    reached = bool(reached)
    if reached and satisfied is None:
        raise DomainError(_l("Say whether the owner was satisfied."), field="satisfied")
    if work_order_id is not None:
        item = get_work_order(work_order_id, estate_ids)
        ready, states, nxt = "stub_returned", rules.WO_STATES, rules.work_order_next
    else:
        item = complaints.get_complaint(complaint_id, estate_ids)
        ready, states, nxt = "handled", rules.COMPLAINT_STATES, rules.complaint_next
    if item.state == "closed":
        raise DomainError(_l("This record is closed: a callback is no longer possible."), field="action")
    if item.state != ready:
        raise DomainError(_l("A callback follows “%(ready)s”; this record is “%(state)s”.",
                             ready=states[ready], state=states[item.state]), field="action")
    action = None
    if reached:
        action = "callback_ok" if satisfied else "callback_bad"
        target = nxt(item.state, action)
    supervisor = None
    if action == "callback_bad" and work_order_id is not None:
        if supervisor_id in (None, ""):
            raise DomainError(_l("Name the supervisor who goes with the redo."), field="supervisor")
        supervisor = _staff_member(supervisor_id, item.estate_id, "supervisor")
    with acting_as(actor):
        cb = Callback(work_order_id=work_order_id, complaint_id=complaint_id, unit_id=item.unit_id,
                      estate_id=item.estate_id, at=now, staff_id=getattr(actor, "id", None), reached=reached,
                      satisfied=satisfied if reached else None, notes=notes)
        db.session.add(cb)
        if action and work_order_id is not None:
            item.called_back_at = now
            if action == "callback_bad":
                item.redo_count += 1
                item.redo_supervisor_id = supervisor.id
                item.completed_at = item.stub_returned_at = None
            _log(item, action, target, actor, now, notes)
        elif action:
            complaints.apply_callback(item, action, target, actor, now, notes)
        db.session.commit()
    return cb


# --- lists ------------------------------------------------------------------------------
def dept_filter(stmt, departments, user_id=None):
    """``stmt`` limited to the work orders of ``departments`` (and those ``user_id`` took in);
    ``departments`` None (not a department role): unchanged."""
    if departments is None:
        return stmt
    cond = WorkOrder.department.in_(departments or [""])
    if user_id is not None:
        cond = cond | (WorkOrder.received_by_id == user_id)
    return stmt.where(cond)


def open_work_orders(estate_ids, departments=None, user_id=None) -> list[WorkOrder]:
    """Work orders not yet repaired, in the user's scope, by completion deadline (one query,
    units and workers loaded)."""
    from sqlalchemy.orm import selectinload

    stmt = (select(WorkOrder).options(selectinload(WorkOrder.unit), selectinload(WorkOrder.worker))
            .where(WorkOrder.estate_id.in_(estate_ids), WorkOrder.state.in_(rules.WO_OPEN))
            .order_by(WorkOrder.complete_due))
    return list(db.session.scalars(dept_filter(stmt, departments, user_id)))


def late_of(orders, now: dt.datetime, limit: int = 50) -> list[WorkOrder]:
    """Those of ``orders`` late or about to be, most urgent first."""
    out = [w for w in orders if rules.work_order_sla(w.state, w.received_at, w.dispatch_due, w.complete_due, now)]
    out.sort(key=lambda w: (0 if w.sla_at(now) == "late" else 1, w.complete_due))
    return out[:limit]


def late_work_orders(estate_ids, now: dt.datetime, departments=None, user_id=None, limit: int = 50) -> list[WorkOrder]:
    """Open work orders late or about to be, most urgent first (one query, units loaded)."""
    return late_of(open_work_orders(estate_ids, departments, user_id), now, limit)


def needs_callback_work_orders(estate_ids, departments=None) -> list[WorkOrder]:
    from sqlalchemy.orm import selectinload

    stmt = (select(WorkOrder).options(selectinload(WorkOrder.unit))
            .where(WorkOrder.estate_id.in_(estate_ids), WorkOrder.state == "stub_returned")
            .order_by(WorkOrder.stub_returned_at))
    return list(db.session.scalars(dept_filter(stmt, departments)))


def pass_rate_for(estate_ids, date_from: dt.date, date_to: dt.date):
    """(closed, redone, rate) of the work orders closed from ``date_from`` to ``date_to``."""
    start = dt.datetime.combine(date_from, dt.time.min)
    end = dt.datetime.combine(date_to + dt.timedelta(days=1), dt.time.min)
    closed, redone = db.session.execute(
        select(func.count(), func.coalesce(func.sum(case((WorkOrder.redo_count > 0, 1), else_=0)), 0))
        .where(WorkOrder.estate_id.in_(estate_ids), WorkOrder.state == "closed",
               WorkOrder.closed_at >= start, WorkOrder.closed_at < end)).one()
    return closed, int(redone or 0), rules.pass_rate(closed, int(redone or 0))


def dashboard_panel(sm, estate_ids, now: dt.datetime, limit: int = 10) -> dict | None:
    """The home page's service-desk panel: late work orders and escalated complaints the user may
    read (a constant number of queries), or None when there is nothing to show."""
    from app.security import permissions as P
    from app.servicedesk import complaints

    late, escalated, queue = [], [], []
    if sm.has_access(P.READ, P.WORK_ORDER):
        user = sm.current_user
        departments = departments_of(user)
        orders = open_work_orders(estate_ids, departments, getattr(user, "id", None))
        late = late_of(orders, now, limit)
        if departments is not None:
            # an engineer's (or security's) to-do list: the department's repairs not yet done
            queue = [w for w in orders if w not in late and w.department in departments][:limit]
    if sm.has_access(P.READ, P.COMPLAINT):
        escalated = complaints.escalated_complaints(estate_ids, now, limit)
    if not late and not escalated and not queue:
        return None
    return {"late": late, "escalated": escalated, "queue": queue, "now": now, "categories": rules.WO_CATEGORIES,
            "ccategories": rules.COMPLAINT_CATEGORIES, "sla_labels": rules.SLA_LABELS, "sla_texts": rules.sla_texts,
            "states": rules.WO_STATES}
