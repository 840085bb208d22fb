"""Allocation of a payment: property-based — sums exact, nothing negative, oldest first."""
import datetime as dt
from decimal import Decimal as D

import pytest
from hypothesis import given
from hypothesis import strategies as st

from app.cashdesk.rules import OpenCharge, allocate
from app.exceptions import DomainError

money = st.decimals(min_value=D("0.01"), max_value=D("99999.99"), places=2)


@st.composite
def charges(draw):
    n = draw(st.integers(0, 12))
    out = []
    for i in range(n):
        month = draw(st.integers(1, 12))
        out.append(OpenCharge(i + 1, dt.date(2026, month, 1), dt.date(2026, month, 28), draw(money)))
    return out


@given(charges(), st.decimals(min_value=D("0"), max_value=D("500000"), places=2))
def test_parts_and_rest_add_up_exactly_and_nothing_negative(open_charges, amount):
    parts, rest = allocate(open_charges, amount)
    assert sum((p for _, p in parts), D("0")) + rest == amount
    assert rest >= 0 and all(p > 0 for _, p in parts)
    by_id = {c.id: c for c in open_charges}
    assert all(p <= by_id[cid].outstanding for cid, p in parts)


@given(charges(), st.decimals(min_value=D("0.01"), max_value=D("500000"), places=2))
def test_oldest_first(open_charges, amount):
    parts, _rest = allocate(open_charges, amount)
    order = sorted(open_charges, key=lambda c: (c.period_start, c.due_date, c.id))
    settled = {cid: p for cid, p in parts}
    # every charge before the last one touched is paid in full
    touched = [c for c in order if c.id in settled]
    if touched:
        last = order.index(touched[-1])
        for c in order[:last]:
            assert settled.get(c.id) == c.outstanding


def test_picked_charges_only_rest_is_prepaid():
    cs = [OpenCharge(1, dt.date(2026, 1, 1), dt.date(2026, 1, 31), D("100")),
          OpenCharge(2, dt.date(2026, 2, 1), dt.date(2026, 2, 28), D("100"))]
    parts, rest = allocate(cs, D("150"), picked=[2])
    assert parts == [(2, D("100"))] and rest == D("50")
    with pytest.raises(DomainError):
        allocate(cs, D("10"), picked=[3])
