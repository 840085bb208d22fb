"""Pure collection rules: ageing buckets, the stage ladder, what is due next, letter wording.

No I/O: facts come in as plain tuples/dataclasses, answers go out the same way.

The ladder: phone reminder 电话催交 → written notice 书面通知 → door visit 上门 → escalation to the
manager 上报. A *case* is the run of actions since the unit last owed nothing overdue: actions
dated before the oldest overdue charge fell due belong to an earlier, closed case (paid in full)
and stay in the history without counting.
"""
from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from decimal import Decimal

from flask_babel import lazy_gettext as _l

ZERO = Decimal("0.00")

# --- ageing -----------------------------------------------------------------------------
# (key, upper bound in days overdue or None = no bound, label)
BUCKETS = (
    ("d30", 30, _l("≤30 days")),
    ("d90", 90, _l("31–90 days")),
    ("d180", 180, _l("91–180 days")),
    ("d365", 365, _l("181–365 days")),
    ("older", None, _l(">365 days")),
)
BUCKET_KEYS = tuple(b[0] for b in BUCKETS)


def days_overdue(due_date: dt.date, as_of: dt.date) -> int:
    """Days since the charge fell due (0 on the due date itself)."""
    return max(0, (as_of - due_date).days)


def bucket_of(days: int) -> str:
    for key, upper, _label in BUCKETS:
        if upper is None or days <= upper:
            return key
    return BUCKETS[-1][0]  # pragma: no cover


def age_amounts(items: list[tuple[dt.date, Decimal]], as_of: dt.date) -> dict[str, Decimal]:
    """Outstanding amounts by ageing bucket: items are (due date, outstanding)."""
    out = dict.fromkeys(BUCKET_KEYS, ZERO)
    for due, amount in items:
        out[bucket_of(days_overdue(due, as_of))] += amount
    return out


# --- the ladder -------------------------------------------------------------------------
KINDS = {
    "phone": _l("Phone reminder"),
    "notice": _l("Written notice"),
    "visit": _l("Door visit"),
    "escalation": _l("Escalation to the manager"),
}
LADDER = ("phone", "notice", "visit", "escalation")
STAGES = {"none": _l("Not started"), **KINDS}
DELIVERY = {
    "by_hand": _l("Handed to the owner"),
    "door": _l("Left at the door"),
    "mailbox": _l("Put in the mailbox"),
    "post": _l("By post"),
}
DECISIONS = {
    "continue": _l("Keep collecting"),
    "instalments": _l("Agree instalments"),
    "legal": _l("Take legal action"),
    "write_off": _l("Propose a write-off"),
}
# days to wait after a step before the next one is due (a promise date overrides)
WAIT_DAYS = {"phone": 7, "notice": 15, "visit": 15}
# unreached phone calls before the case moves on to a written notice anyway
PHONE_TRIES = 3


@dataclass(frozen=True)
class ActionFact:
    kind: str  # LADDER
    day: dt.date
    reached: bool | None = None  # phone: owner reached
    promise_date: dt.date | None = None
    decided: bool = False  # escalation: the manager has decided


@dataclass(frozen=True)
class NextStep:
    stage: str  # "none" or the highest rung reached in the case
    next_kind: str | None  # LADDER rung due next, "decision" (manager), or None (nothing)
    due: dt.date | None  # when it is due
    promise_date: dt.date | None = None  # the promise the case waits for (or that was broken)
    promise_broken: bool = False

    def is_due(self, as_of: dt.date) -> bool:
        return self.due is not None and self.due <= as_of


def _rung(kind: str) -> int:
    return LADDER.index(kind) if kind in LADDER else -1


def next_step(actions: list[ActionFact], as_of: dt.date, case_start: dt.date | None) -> NextStep:
    """What is due next in the case that began on ``case_start`` (the oldest overdue charge's
    due date; None: nothing overdue, no case).

    - no action in the case: a phone reminder, due now;
    - after each rung the next is due ``WAIT_DAYS`` later; an unreached phone call is tried
      again the next day, up to ``PHONE_TRIES`` times, then a written notice is due;
    - a promise to pay holds the case until the promise date; the day after it, with the
      money still owed, the next rung is due (the case moves on);
    - after an escalation the manager's decision is due; once decided nothing more is
      scheduled by the ladder.
    """
    if case_start is None:
        return NextStep("none", None, None)
    case = sorted((a for a in actions if a.day >= case_start and a.kind in LADDER), key=lambda a: a.day)
    if not case:
        return NextStep("none", "phone", as_of)
    top = max(case, key=lambda a: (_rung(a.kind), a.day))
    stage = top.kind
    if stage == "escalation":
        if any(a.decided for a in case if a.kind == "escalation"):
            return NextStep(stage, None, None)
        return NextStep(stage, "decision", top.day)
    following = LADDER[_rung(stage) + 1]
    last_top = max((a for a in case if a.kind == stage), key=lambda a: a.day)
    promises = [a for a in case if a.promise_date is not None]
    promise = max(promises, key=lambda a: a.day) if promises else None
    if promise is not None and promise.day >= last_top.day:
        due = promise.promise_date + dt.timedelta(days=1)
        return NextStep(stage, following, due, promise.promise_date, promise_broken=due <= as_of)
    if stage == "phone":
        tries = [a for a in case if a.kind == "phone"]
        if last_top.reached is False and len(tries) < PHONE_TRIES:
            return NextStep(stage, "phone", last_top.day + dt.timedelta(days=1))
    return NextStep(stage, following, last_top.day + dt.timedelta(days=WAIT_DAYS[stage]))


# --- letters ----------------------------------------------------------------------------
LETTER_STAGES = {
    "first": _l("First notice"),
    "second": _l("Second notice"),
    "final": _l("Final notice"),
}
# days from printing to the payment deadline in the letter
DEADLINE_DAYS = {"first": 15, "second": 10, "final": 7}


def letter_stage(round_no: int, case_stage: str) -> str:
    """Round 1 is the first notice, round 2 the second, round 3 on the final one; once the
    case has reached a door visit or an escalation any new letter is the final one."""
    if round_no >= 3 or case_stage in ("visit", "escalation"):
        return "final"
    return "second" if round_no == 2 else "first"
