"""Pure rules: ageing buckets, the stage ladder and what is due next, letter stages, capitals."""
import datetime as dt
from decimal import Decimal as D

import pytest

from app.collection import rules
from app.collection.rules import ActionFact as A
from app.core.money import rmb_upper

AS_OF = dt.date(2031, 6, 1)
START = dt.date(2031, 1, 31)


@pytest.mark.parametrize("days, bucket", [
    (0, "d30"), (30, "d30"), (31, "d90"), (90, "d90"), (91, "d180"), (180, "d180"), (181, "d365"),
    (365, "d365"), (366, "older"), (2000, "older"),
])
def test_bucket_edges(days, bucket):
    assert rules.bucket_of(days) == bucket


def test_age_amounts_add_up():
    items = [(AS_OF - dt.timedelta(days=d), D("10.00")) for d in (0, 45, 100, 200, 400, 400)]
    out = rules.age_amounts(items, AS_OF)
    assert out == {"d30": D("10.00"), "d90": D("10.00"), "d180": D("10.00"), "d365": D("10.00"), "older": D("20.00")}
    assert sum(out.values()) == D("60.00")


def d(day):
    return dt.date(2031, 5, day)


LADDER_CASES = [
    # (actions, case start, expected stage, next kind, due, promise broken)
    ([], START, "none", "phone", AS_OF, False),
    ([], None, "none", None, None, False),  # nothing overdue: no case
    ([A("phone", d(1), reached=True)], START, "phone", "notice", d(8), False),
    ([A("phone", d(20), reached=False)], START, "phone", "phone", d(21), False),  # try again
    ([A("phone", d(1), reached=False), A("phone", d(2), reached=False), A("phone", d(3), reached=False)],
     START, "phone", "notice", d(10), False),  # three tries: on to the notice
    # a promise holds the case until the day after the promised date ...
    ([A("phone", d(25), reached=True, promise_date=dt.date(2031, 6, 10))], START, "phone", "notice",
     dt.date(2031, 6, 11), False),
    # ... and a passed promise moves it on: the notice is due now
    ([A("phone", d(10), reached=True, promise_date=d(20))], START, "phone", "notice", d(21), True),
    ([A("phone", d(1), reached=True), A("notice", d(5))], START, "notice", "visit", d(20), False),
    ([A("notice", d(5)), A("visit", d(25), promise_date=d(28))], START, "visit", "escalation", d(29), True),
    ([A("visit", d(1))], START, "visit", "escalation", d(16), False),
    ([A("escalation", d(2))], START, "escalation", "decision", d(2), False),
    ([A("escalation", d(2), decided=True)], START, "escalation", None, None, False),
    # actions of an earlier case (before the oldest overdue charge fell due) do not count
    ([A("notice", dt.date(2030, 5, 1))], START, "none", "phone", AS_OF, False),
]


@pytest.mark.parametrize("actions, start, stage, next_kind, due, broken", LADDER_CASES)
def test_next_step_table(actions, start, stage, next_kind, due, broken):
    step = rules.next_step(actions, AS_OF, start)
    assert (step.stage, step.next_kind, step.due, step.promise_broken) == (stage, next_kind, due, broken)


def test_passed_promise_is_due_the_day_after():
    actions = [A("phone", d(10), reached=True, promise_date=d(20))]
    assert not rules.next_step(actions, d(20), START).is_due(d(20))
    assert rules.next_step(actions, d(21), START).is_due(d(21))


@pytest.mark.parametrize("round_no, case_stage, stage", [
    (1, "none", "first"), (1, "phone", "first"), (2, "notice", "second"), (3, "notice", "final"),
    (7, "notice", "final"), (1, "visit", "final"), (1, "escalation", "final"),
])
def test_letter_stage(round_no, case_stage, stage):
    assert rules.letter_stage(round_no, case_stage) == stage


@pytest.mark.parametrize("amount, words", [
    ("1005.50", "壹仟零伍元伍角"),
    ("0.00", "零元整"),
    ("0.05", "伍分"),
    ("0.50", "伍角"),
    ("1.05", "壹元零伍分"),
    ("10.00", "壹拾元整"),
    ("120.00", "壹佰贰拾元整"),
    ("348.60", "叁佰肆拾捌元陆角"),
    ("1000.01", "壹仟元零壹分"),
    ("100010.00", "壹拾万零壹拾元整"),
    ("4046.49", "肆仟零肆拾陆元肆角玖分"),
    ("10000000.00", "壹仟万元整"),
    ("100000000.00", "壹亿元整"),
])
def test_rmb_upper_table(amount, words):
    assert rmb_upper(D(amount)) == words
