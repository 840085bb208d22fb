"""Pure rules: consumption and the apportionment by largest remainder (property tests)."""
from decimal import Decimal as D
from fractions import Fraction

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from app.exceptions import DomainError
from app.meters import rules

FEN = Fraction(1, 100)

totals = st.integers(min_value=1, max_value=10**10).map(lambda fen: D(fen) / 100)
areas = st.integers(min_value=1, max_value=99_999_99).map(lambda x: D(x) / 100)


@st.composite
def units_with_bases(draw, basis=areas, max_size=80):
    ids = draw(st.lists(st.integers(min_value=1, max_value=10**6), min_size=1, max_size=max_size, unique=True))
    return [(i, draw(basis)) for i in ids]


@settings(max_examples=300, deadline=None)
@given(total=totals, bases=units_with_bases())
def test_shares_add_up_exactly_and_are_near_the_exact_share(total, bases):
    shares = rules.apportion(total, bases)
    assert [u for u, _ in shares] == [u for u, _ in bases]
    assert sum((a for _, a in shares), D("0")) == total
    whole = sum((Fraction(b) for _, b in bases), Fraction(0))
    for (_, amount), (_, basis) in zip(shares, bases):
        assert amount >= 0
        assert amount == amount.quantize(D("0.01"))
        exact = Fraction(total) * Fraction(basis) / whole
        assert abs(Fraction(amount) - exact) < FEN


@settings(max_examples=200, deadline=None)
@given(total=totals, bases=units_with_bases(), data=st.data())
def test_order_of_the_units_does_not_matter(total, bases, data):
    shuffled = data.draw(st.permutations(bases))
    assert dict(rules.apportion(total, bases)) == dict(rules.apportion(total, shuffled))


@settings(max_examples=200, deadline=None)
@given(total=totals, n=st.integers(min_value=1, max_value=200))
def test_per_household_split_is_equal_within_one_fen(total, n):
    shares = [a for _, a in rules.apportion(total, [(i, D("1.00")) for i in range(1, n + 1)])]
    assert sum(shares, D("0")) == total
    assert max(shares) - min(shares) <= D("0.01")
    # the odd fen go to the lowest unit ids
    assert shares == sorted(shares, reverse=True)


def test_ties_go_to_the_lower_unit_id():
    assert rules.apportion(D("0.02"), [(9, D("1")), (3, D("1")), (5, D("1"))]) == [
        (9, D("0.00")), (3, D("0.01")), (5, D("0.01"))]
    assert rules.apportion(D("100.00"), [(2, D("1")), (1, D("1")), (3, D("1"))]) == [
        (2, D("33.33")), (1, D("33.34")), (3, D("33.33"))]


def test_by_area_example():
    shares = rules.apportion(D("1000.00"), [(1, D("89.52")), (2, D("112.40")), (3, D("78.36"))])
    assert shares == [(1, D("319.39")), (2, D("401.03")), (3, D("279.58"))]
    assert sum(a for _, a in shares) == D("1000.00")


@pytest.mark.parametrize("total", [D("0"), D("-1.00"), "0", "-5", "1.005"])
def test_total_must_be_positive_fen(app_ctx, total):
    with pytest.raises(DomainError):
        rules.apportion(total, [(1, D("1"))])


def test_no_units_or_no_area_refused(app_ctx):
    with pytest.raises(DomainError):
        rules.apportion(D("10.00"), [])
    with pytest.raises(DomainError):
        rules.apportion(D("10.00"), [(1, D("0"))])


def test_no_float_anywhere(app_ctx):
    with pytest.raises(DomainError):
        rules.apportion(10.0, [(1, D("1"))])
    with pytest.raises(DomainError):
        rules.parse_reading(12.5)


def test_consumption():
    assert rules.consumption(D("100.00"), D("112.50"), False) == D("12.50")
    assert rules.consumption(None, D("500.00"), False) == D("0.00")  # first reading: starting point
    assert rules.consumption(D("900.00"), D("15.00"), True) == D("15.00")  # new meter counts from zero
    assert rules.consumption(D("100.00"), D("100.00"), False) == D("0.00")


def test_reading_below_previous_refused(app_ctx):
    with pytest.raises(DomainError) as err:
        rules.consumption(D("100.00"), D("99.99"), False)
    assert err.value.field == "value"
    assert "99.99" in str(err.value) and "100.00" in str(err.value)


@pytest.mark.parametrize("raw", ["", "abc", "-1", "1.234", "1e3", "NaN", "Infinity", "１２", "999999999"])
def test_bad_readings_refused(app_ctx, raw):
    with pytest.raises(DomainError):
        rules.parse_reading(raw)


@pytest.mark.parametrize("raw,value", [("0", D("0.00")), ("1234.5", D("1234.50")), (" 17 ", D("17.00")),
                                       (D("3.25"), D("3.25"))])
def test_good_readings(raw, value):
    assert rules.parse_reading(raw) == value
