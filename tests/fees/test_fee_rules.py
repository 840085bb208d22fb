"""Fee rules: periods, proration, late fees on what was really outstanding."""
import datetime as dt
from decimal import Decimal as D

import pytest
from hypothesis import given
from hypothesis import strategies as st

from app.exceptions import DomainError
from app.fees import rules
from app.fees.rules import Settlement, late_fee

DUE = dt.date(2026, 1, 31)


def test_period_parsing():
    assert rules.parse_period("2026-02") == (dt.date(2026, 2, 1), dt.date(2026, 2, 28))
    assert rules.previous_period("2026-01") == "2025-12"
    # 2026-1 and 2026/01 are accepted spellings now (tests/unit/test_period_rules.py)
    for bad in ("2026-13", "2026-00", "26-01", "", "2026/13"):
        with pytest.raises(DomainError):
            rules.parse_period(bad)


def test_proration_by_day_of_move_in():
    start, end = dt.date(2026, 11, 1), dt.date(2026, 11, 30)
    assert rules.prorate(D("100.00"), start, end, dt.date(2026, 11, 16)) == D("50.00")
    assert rules.prorate(D("100.00"), start, end, dt.date(2026, 11, 30)) == D("3.33")
    assert rules.prorate(D("100.00"), start, end, None) == D("100.00")
    assert rules.prorate(D("100.00"), start, end, dt.date(2026, 10, 2)) == D("100.00")
    assert rules.prorate(D("100.00"), start, end, dt.date(2026, 12, 1)) == D("0.00")


def test_rates_strict():
    assert rules.parse_rate("0.5283") == D("0.5283")
    for bad in ("0", "-1", "1.00001", "abc", "NaN", "1e3"):
        with pytest.raises(DomainError):
            rules.parse_rate(bad)


def test_pick_rate_specific_type_before_all():
    rates = {(1, "villa"): D("2.50"), (1, "all"): D("1.20")}
    assert rules.pick_rate(rates, 1, "villa") == D("2.50")
    assert rules.pick_rate(rates, 1, "high_rise") == D("1.20")
    assert rules.pick_rate(rates, 2, "villa") is None


def test_late_fee_whole_amount():
    # 100 yuan, 10 days late at 0.1% a day = 1.00
    assert late_fee(D("100"), DUE, [], dt.date(2026, 2, 10), D("0.001")) == D("1.00")


def test_late_fee_partial_payment_reduces_it_from_that_day():
    paid_half = [Settlement(dt.date(2026, 2, 6), D("50"))]
    # 5 days on 100, then 5 days on 50
    assert late_fee(D("100"), DUE, paid_half, dt.date(2026, 2, 10), D("0.001")) == D("0.75")


def test_late_fee_grace_days_and_none_when_paid_in_time():
    assert late_fee(D("100"), DUE, [], dt.date(2026, 2, 10), D("0.001"), grace_days=5) == D("0.50")
    assert late_fee(D("100"), DUE, [Settlement(dt.date(2026, 2, 1), D("100"))], dt.date(2026, 3, 1), D("0.001")) == 0
    assert late_fee(D("100"), DUE, [], dt.date(2026, 2, 10), None) == 0


@given(
    amount=st.decimals(min_value=D("0.01"), max_value=D("100000"), places=2),
    pays=st.lists(st.tuples(st.integers(0, 60), st.decimals(min_value=D("0.01"), max_value=D("50000"), places=2)),
                  max_size=5),
    days=st.integers(0, 90),
)
def test_late_fee_never_negative_and_payments_never_raise_it(amount, pays, days):
    as_of = DUE + dt.timedelta(days=days)
    rate = D("0.0003")
    settlements = [Settlement(DUE + dt.timedelta(days=d), a) for d, a in pays]
    with_pay = late_fee(amount, DUE, settlements, as_of, rate)
    without = late_fee(amount, DUE, [], as_of, rate)
    assert D("0") <= with_pay <= without
