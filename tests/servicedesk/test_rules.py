"""State machines as tables: every state × every action → the next state or a refusal."""
import datetime as dt

import pytest

from app.exceptions import DomainError
from app.servicedesk import rules

WO_EXPECTED = {
    # state: {action: next state}; every pair not listed is refused
    "received": {"dispatch": "dispatched"},
    "dispatched": {"dispatch": "dispatched", "start": "in_progress"},
    "in_progress": {"complete": "completed"},
    "completed": {"return_stub": "stub_returned"},
    "stub_returned": {"callback_ok": "called_back", "callback_bad": "redo"},
    "called_back": {"close": "closed"},
    "closed": {},
    "redo": {"dispatch": "redo", "start": "in_progress"},
}
COMPLAINT_EXPECTED = {
    "received": {"dispatch": "dispatched"},
    "dispatched": {"handle": "handled"},
    "handled": {"callback_ok": "called_back", "callback_bad": "reopened"},
    "called_back": {"close": "closed"},
    "closed": {},
    "reopened": {"dispatch": "dispatched", "handle": "handled"},
}


def test_tables_cover_every_state():
    assert set(WO_EXPECTED) == set(rules.WO_STATES)
    assert set(COMPLAINT_EXPECTED) == set(rules.COMPLAINT_STATES)


@pytest.mark.parametrize("state", list(rules.WO_STATES))
@pytest.mark.parametrize("action", list(rules.WO_ACTIONS))
def test_work_order_state_machine(app_ctx, state, action):
    expected = WO_EXPECTED[state].get(action)
    if expected is None:
        with pytest.raises(DomainError) as err:
            rules.work_order_next(state, action)
        assert err.value.field == "action" and str(err.value)
    else:
        assert rules.work_order_next(state, action) == expected


@pytest.mark.parametrize("state", list(rules.COMPLAINT_STATES))
@pytest.mark.parametrize("action", list(rules.COMPLAINT_ACTIONS))
def test_complaint_state_machine(app_ctx, state, action):
    expected = COMPLAINT_EXPECTED[state].get(action)
    if expected is None:
        with pytest.raises(DomainError):
            rules.complaint_next(state, action)
    else:
        assert rules.complaint_next(state, action) == expected


def test_refusal_is_translated(app):
    with app.test_request_context("/?lang=zh_CN"):
        with pytest.raises(DomainError) as err:
            rules.work_order_next("received", "complete")
        text = str(err.value)
    assert "“" in text and text


def test_unknown_action_is_refused(app_ctx):
    with pytest.raises(DomainError):
        rules.work_order_next("received", "explode")


def test_department_workers_only_start_and_complete():
    assert rules.work_order_actions("dispatched", department_only=True) == ["start"]
    assert rules.work_order_actions("received", department_only=True) == []
    assert rules.work_order_actions("received") == ["dispatch"]
    with pytest.raises(DomainError):
        rules.check_department_may("dispatch", True)
    rules.check_department_may("complete", True)


T0 = dt.datetime(2031, 3, 1, 9, 0)


@pytest.mark.parametrize("state,minutes,expected", [
    ("received", 5, ""),        # 10 of 15 minutes left
    ("received", 12, "soon"),   # 3 of 15 left: under a quarter
    ("received", 16, "late"),   # not dispatched in 15 minutes
    ("dispatched", 16, ""),     # dispatched: only completion counts (4 h)
    ("in_progress", 3 * 60 + 1, "soon"),
    ("in_progress", 4 * 60 + 1, "late"),
    ("redo", 5 * 60, "late"),
    ("completed", 10 * 60, ""),  # done: never late
    ("closed", 10 * 60, ""),
])
def test_sla_against_a_fixed_clock(state, minutes, expected):
    dispatch_due, complete_due = rules.due_times(T0, rules.DEFAULT_LIMITS["urgent"])
    now = T0 + dt.timedelta(minutes=minutes)
    assert rules.work_order_sla(state, T0, dispatch_due, complete_due, now) == expected


def test_default_limits():
    assert rules.DEFAULT_LIMITS["urgent"] == rules.Limits(15, 4)
    assert rules.DEFAULT_LIMITS["normal"] == rules.Limits(30, 24)
    assert rules.DEFAULT_LIMITS["low"] == rules.Limits(120, 72)


def test_escalation_after_n_days():
    assert not rules.complaint_escalated("dispatched", T0, 3, T0 + dt.timedelta(days=3))
    assert rules.complaint_escalated("dispatched", T0, 3, T0 + dt.timedelta(days=3, minutes=1))
    assert not rules.complaint_escalated("handled", T0, 3, T0 + dt.timedelta(days=9))


def test_pass_rate():
    from decimal import Decimal

    assert rules.pass_rate(0, 0) is None
    assert rules.pass_rate(4, 1) == Decimal("0.7500")
    assert rules.pass_rate(3, 0) == Decimal("1.0000")


@pytest.mark.parametrize("values", [{"x": 0}, {"x": -1}, {"x": 10001}, {"x": None}, {"x": True}, {"x": 1.5}])
def test_limits_must_be_whole_positive_numbers(app_ctx, values):
    with pytest.raises(DomainError):
        rules.check_limits(values)


@pytest.mark.parametrize("state,minutes,expected", [
    ("received", 12, [("soon", "dispatch", 15)]),
    ("received", 16, [("late", "dispatch", 15)]),          # the dispatch limit is the one missed
    ("received", 4 * 60 + 1, [("late", "dispatch", 15), ("late", "complete", 240)]),
    ("dispatched", 16, []),
    ("in_progress", 4 * 60 + 1, [("late", "complete", 240)]),
    ("redo", 3 * 60 + 10, [("soon", "complete", 240)]),
    ("completed", 10 * 60, []),
])
def test_sla_names_the_limit_and_its_time(state, minutes, expected):
    dispatch_due, complete_due = rules.due_times(T0, rules.DEFAULT_LIMITS["urgent"])
    now = T0 + dt.timedelta(minutes=minutes)
    found = rules.work_order_limits(state, T0, dispatch_due, complete_due, now)
    assert found == [(s, limit, T0 + dt.timedelta(minutes=m)) for s, limit, m in expected]


def test_sla_words_carry_the_limit_time(app_ctx):
    from flask_babel import force_locale

    due = dt.datetime(2031, 3, 1, 9, 15)
    with force_locale("zh_CN"):
        assert rules.sla_texts([("late", "dispatch", due)], due) == [("late", "派工超时（时限 03-01 09:15）")]
        assert rules.sla_texts([("soon", "complete", due)], dt.datetime(2030, 12, 31, 23, 0)) == [
            ("soon", "完成即将超时（时限 2031-03-01 09:15）")]
