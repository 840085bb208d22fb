"""Service-desk rules, pure functions: choices, the work-order and complaint state machines,
time limits (SLA), escalation and the repair pass rate. No I/O."""
from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

from flask_babel import lazy_gettext as _l

from app.exceptions import DomainError

CHANNELS = {"phone": _l("By phone"), "walk_in": _l("Walk-in"), "patrol": _l("Patrol"), "other": _l("Other")}
WO_CATEGORIES = {
    "water": _l("Water supply and drainage"), "electricity": _l("Electrical"),
    "doors_windows": _l("Doors and windows"), "common_area": _l("Common area"), "other": _l("Other"),
}
URGENCIES = {"urgent": _l("Urgent"), "normal": _l("Normal"), "low": _l("Low")}
DEPARTMENTS = {
    "engineering": _l("Engineering department"), "customer_service": _l("Customer service department"),
    "security": _l("Security department"), "cleaning": _l("Cleaning department"),
    "landscaping": _l("Landscaping department"),
}
COMPLAINT_CATEGORIES = {
    "attitude": _l("Service attitude"), "environment": _l("Environment and cleaning"),
    "security": _l("Public safety and order"), "noise": _l("Noise"), "fees": _l("Fees"),
    "repair_quality": _l("Quality of repairs"), "other": _l("Other"),
}

# --- work orders ------------------------------------------------------------------------
WO_STATES = {
    "received": _l("Received"), "dispatched": _l("Dispatched"), "in_progress": _l("In progress"),
    "completed": _l("Completed"), "stub_returned": _l("Receipt stub returned"),
    "called_back": _l("Called back"), "closed": _l("Closed"), "redo": _l("Redo (supervised)"),
}
WO_ACTIONS = {
    "dispatch": _l("Dispatch"), "start": _l("Start work"), "complete": _l("Complete"),
    "return_stub": _l("Register receipt stub"), "callback_ok": _l("Satisfied callback"),
    "callback_bad": _l("Unsatisfied callback (redo)"), "close": _l("Close"),
}
WO_TRANSITIONS: dict[tuple[str, str], str] = {
    ("received", "dispatch"): "dispatched",
    ("redo", "dispatch"): "redo",  # a redo may go to another worker; it stays a redo
    ("dispatched", "dispatch"): "dispatched",  # re-dispatch to another worker before work starts
    ("dispatched", "start"): "in_progress",
    ("redo", "start"): "in_progress",
    ("in_progress", "complete"): "completed",
    ("completed", "return_stub"): "stub_returned",
    ("stub_returned", "callback_ok"): "called_back",
    ("stub_returned", "callback_bad"): "redo",
    ("called_back", "close"): "closed",
}
# what the department itself does; everything else is the desk's
DEPARTMENT_ACTIONS = frozenset({"start", "complete"})
WO_OPEN = ("received", "dispatched", "in_progress", "redo")  # the repair is not done yet
WO_ENDED = ("closed",)

# the ticks printed on the receipt stub (回执联), as the owner marks them on paper
STUB_SATISFACTION = {"very_satisfied": _l("Very satisfied"), "satisfied": _l("Satisfied"),
                     "not_satisfied": _l("Not satisfied")}

# --- complaints -------------------------------------------------------------------------
COMPLAINT_STATES = {
    "received": _l("Received"), "dispatched": _l("Sent to department"), "handled": _l("Handled"),
    "called_back": _l("Called back"), "closed": _l("Closed"), "reopened": _l("Reopened"),
}
COMPLAINT_ACTIONS = {
    "dispatch": _l("Send to department"), "handle": _l("Record handling result"),
    "callback_ok": _l("Satisfied callback"), "callback_bad": _l("Unsatisfied callback (reopen)"),
    "close": _l("Close"),
}
COMPLAINT_TRANSITIONS: dict[tuple[str, str], str] = {
    ("received", "dispatch"): "dispatched",
    ("reopened", "dispatch"): "dispatched",
    ("dispatched", "handle"): "handled",
    ("reopened", "handle"): "handled",
    ("handled", "callback_ok"): "called_back",
    ("handled", "callback_bad"): "reopened",
    ("called_back", "close"): "closed",
}
COMPLAINT_UNRESOLVED = ("received", "dispatched", "reopened")


def next_state(table: dict, states: dict, actions: dict, state: str, action: str) -> str:
    """The state after ``action``, or a DomainError naming the state and the action."""
    if action not in actions:
        raise DomainError(_l("Unknown action."), field="action")
    target = table.get((state, action))
    if target is None:
        if state == "closed":
            raise DomainError(_l("This record is closed: nothing more can be done with it."), field="action")
        raise DomainError(_l("“%(action)s” is not possible while the record is “%(state)s”.",
                             action=actions[action], state=states.get(state, state)), field="action")
    return target


def work_order_next(state: str, action: str) -> str:
    return next_state(WO_TRANSITIONS, WO_STATES, WO_ACTIONS, state, action)


def complaint_next(state: str, action: str) -> str:
    return next_state(COMPLAINT_TRANSITIONS, COMPLAINT_STATES, COMPLAINT_ACTIONS, state, action)


def work_order_actions(state: str, department_only: bool = False) -> list[str]:
    """Actions possible in ``state`` (in menu order); a department worker only starts and completes."""
    return [a for a in WO_ACTIONS if (state, a) in WO_TRANSITIONS
            and (not department_only or a in DEPARTMENT_ACTIONS)]


def complaint_actions(state: str) -> list[str]:
    return [a for a in COMPLAINT_ACTIONS if (state, a) in COMPLAINT_TRANSITIONS]


def check_department_may(action: str, department_only: bool) -> None:
    if department_only and action not in DEPARTMENT_ACTIONS:
        raise DomainError(_l("Your department starts and completes work orders; the service desk does the rest."),
                          field="action")


# --- time limits ------------------------------------------------------------------------
@dataclass(frozen=True)
class Limits:
    dispatch_minutes: int
    complete_hours: int


DEFAULT_LIMITS = {"urgent": Limits(15, 4), "normal": Limits(30, 24), "low": Limits(120, 72)}
DEFAULT_ESCALATION_DAYS = 3


def due_times(received_at: dt.datetime, limits: Limits) -> tuple[dt.datetime, dt.datetime]:
    """(dispatch due, completion due), both counted from the moment the repair was received."""
    return (received_at + dt.timedelta(minutes=limits.dispatch_minutes),
            received_at + dt.timedelta(hours=limits.complete_hours))


SOON_SHARE = 0.25  # "about to be late": less than a quarter of the allowed time left


def _status(start: dt.datetime, due: dt.datetime, now: dt.datetime) -> str:
    if now > due:
        return "late"
    if (due - now) <= (due - start) * SOON_SHARE:
        return "soon"
    return ""


def work_order_limits(state: str, received_at, dispatch_due, complete_due,
                      now: dt.datetime) -> list[tuple[str, str, dt.datetime]]:
    """The limits that are late or due soon, as (status, limit, due): limit "dispatch" (派工)
    while not dispatched, "complete" (完成) while not completed (a redo counts as not
    completed). When any is late only the late ones are named, dispatch first."""
    if None in (received_at, dispatch_due, complete_due) or state not in WO_OPEN:
        return []
    limits = [("dispatch", dispatch_due)] if state == "received" else []
    limits.append(("complete", complete_due))
    found = [(_status(received_at, due, now), limit, due) for limit, due in limits]
    found = [f for f in found if f[0]]
    late = [f for f in found if f[0] == "late"]
    return late or found


def work_order_sla(state: str, received_at, dispatch_due, complete_due, now: dt.datetime) -> str:
    """"late", "soon" or "": late when not dispatched by its dispatch time or not completed by its
    completion time (a redo counts as not completed)."""
    found = work_order_limits(state, received_at, dispatch_due, complete_due, now)
    return found[0][0] if found else ""


SLA_LABELS = {"late": _l("Late"), "soon": _l("Due soon")}
# the badge names the limit and its time: 派工超时（时限 12-07 09:15）
SLA_BADGES = {
    ("late", "dispatch"): _l("Dispatch late (limit %(time)s)"),
    ("soon", "dispatch"): _l("Dispatch due soon (limit %(time)s)"),
    ("late", "complete"): _l("Completion late (limit %(time)s)"),
    ("soon", "complete"): _l("Completion due soon (limit %(time)s)"),
}


def sla_texts(limits: list[tuple[str, str, dt.datetime]], now: dt.datetime) -> list[tuple[str, str]]:
    """(status, words) of each limit found by work_order_limits; the year only when it is not
    this year's."""
    out = []
    for status, limit, due in limits:
        time = due.strftime("%m-%d %H:%M" if due.year == now.year else "%Y-%m-%d %H:%M")
        out.append((status, str(SLA_BADGES[(status, limit)] % {"time": time})))
    return out


def complaint_escalated(state: str, received_at: dt.datetime, days: int, now: dt.datetime) -> bool:
    """Unresolved after ``days`` days: the Manager must see it."""
    return state in COMPLAINT_UNRESOLVED and now - received_at > dt.timedelta(days=days)


def check_limits(values: dict[str, int]) -> None:
    """Every limit a whole number from 1 to 10000."""
    for name, value in values.items():
        if value is None or isinstance(value, bool) or not isinstance(value, int) or not 1 <= value <= 10000:
            raise DomainError(_l("Enter a whole number from 1 to 10000."), field=name)


# --- statistics -------------------------------------------------------------------------
def pass_rate(closed: int, redone: int):
    """Repair pass rate: share (0..1, Decimal) of closed work orders never redone; None if none closed."""
    from decimal import ROUND_HALF_UP, Decimal

    if closed <= 0:
        return None
    return (Decimal(closed - redone) / Decimal(closed)).quantize(Decimal("0.0001"), ROUND_HALF_UP)


def clean_text(value, field: str, max_len: int, required: bool = True) -> str | None:
    if value is not None and not isinstance(value, (str, int)):
        raise DomainError(_l("This field is required."), field=field)
    text = (value or "").strip() if isinstance(value, str) or value is None else str(value).strip()
    if not text:
        if required:
            raise DomainError(_l("This field is required."), field=field)
        return None
    if len(text) > max_len:
        raise DomainError(_l("At most %(n)d characters.", n=max_len), field=field)
    return text


def check_choice(value, choices: dict, field: str) -> str:
    if not isinstance(value, str) or value not in choices:
        raise DomainError(_l("Choose one of the listed values."), field=field)
    return value


def check_phone(value, field: str = "phone") -> str:
    text = clean_text(value, field, 30)
    digits = text.replace("-", "").replace(" ", "")
    if not digits.isascii() or not digits.isdigit() or not 5 <= len(digits) <= 20:
        raise DomainError(_l("Enter a phone number in digits."), field=field)
    return text


def as_id(value) -> int | None:
    """A record id from a form or JSON value, or None when it is not one."""
    if isinstance(value, bool):
        return None
    try:
        number = int(value)
    except (TypeError, ValueError):
        return None
    return number if 0 < number < 2**31 else None
