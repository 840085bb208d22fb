"""Periods as the office types them, and proration by day: pure rules, no database."""
import datetime as dt
from decimal import Decimal as D

import pytest

from app.exceptions import DomainError
from app.fees import rules
from app.fees.rules import BillingPart, Stay, billing_parts, canonical_period, split_month


@pytest.mark.parametrize("typed", [
    "2027-02", " 2027-02", "2027-02 ", "２０２７-０２", "２０２７－０２", "\u30002027-02\u3000",
    "2027-02\r\n", "\t2027-02", "2027-2", "2027/02", "2027/2", "2027.02", "2027年2月", "2027年02月",
    "２０２７年２月", "202702", "2027 - 02", "2027–02",
])
def test_every_spelling_of_a_month_is_one_period(typed):
    assert canonical_period(typed) == "2027-02"


@pytest.mark.parametrize("typed", [
    "2027-00", "2027-13", "2027年13月", "202713", "1999-12", "2101-01", "27-02", "02-2027", "2027-1-1", "2027-002",
    "2027", "", "   ", None, "2027-02\x00", "٢٠٢٧-٠٢", "2027-02-01", "2027-O2", "-2027-02", "1e3-02", 202702.0,
])
def test_anything_else_is_refused_in_words(typed):
    with pytest.raises(DomainError) as err:
        canonical_period(typed)
    assert err.value.field == "period" and "2026-11" in str(err.value)


def test_parse_period_takes_any_spelling_and_gives_the_month_bounds():
    assert rules.parse_period("２０２８-０２ ") == (dt.date(2028, 2, 1), dt.date(2028, 2, 29))
    assert rules.parse_period("2027/2") == (dt.date(2027, 2, 1), dt.date(2027, 2, 28))


JAN = dt.date(2027, 1, 1), dt.date(2027, 1, 31)


def test_handover_mid_month_is_split_by_day_and_sums_to_the_month():
    """The issue's example: 112.40 m² at 1.20 and a 10.00 household item; out on the 15th, in
    on the 16th of a 31-day month: each pays their own days, together the whole month."""
    parts = billing_parts([Stay(7, None, dt.date(2027, 1, 15)), Stay(9, dt.date(2027, 1, 16), None)], *JAN)
    assert parts == [BillingPart(7, dt.date(2027, 1, 1), dt.date(2027, 1, 15), 15),
                     BillingPart(9, dt.date(2027, 1, 16), dt.date(2027, 1, 31), 16)]
    area = rules.split_month(rules.monthly_amount_exact("per_area_month", D("1.2000"), D("112.40")), parts, 31)
    flat = rules.split_month(rules.monthly_amount_exact("per_household_month", D("10.0000"), D("112.40")), parts, 31)
    assert area == [D("65.26"), D("69.62")] and sum(area) == D("134.88")
    assert flat == [D("4.84"), D("5.16")] and sum(flat) == D("10.00")


def test_owner_moving_out_with_nobody_after_pays_their_days():
    parts = billing_parts([Stay(3, dt.date(2020, 5, 1), dt.date(2027, 1, 10))], *JAN)
    assert parts == [BillingPart(3, dt.date(2027, 1, 1), dt.date(2027, 1, 10), 10)]
    assert split_month(D("100.00"), parts, 31) == [D("32.26")]


def test_prorating_starts_from_the_unrounded_amount_and_rounds_once():
    # 0.5283 × 50.00 = 26.4150, billed 26.42 for a whole month; 16 of 31 days of the unrounded
    # amount is 13.6335 -> 13.63, where prorating the rounded month would give 13.64
    exact = rules.monthly_amount_exact("per_area_month", D("0.5283"), D("50.00"))
    assert exact == D("26.4150") and rules.monthly_amount("per_area_month", D("0.5283"), D("50.00")) == D("26.42")
    part = [BillingPart(1, dt.date(2027, 1, 16), dt.date(2027, 1, 31), 16)]
    assert split_month(exact, part, 31) == [D("13.63")]


def test_many_parts_of_a_full_month_always_sum_exactly():
    stays = [Stay(i, dt.date(2027, 1, 1 + 3 * (i - 1)) if i > 1 else None,
                  dt.date(2027, 1, 3 * i) if i < 11 else None) for i in range(1, 12)]
    parts = billing_parts(stays, *JAN)
    assert sum(p.days for p in parts) == 31 and len(parts) == 11
    for monthly in (D("134.88"), D("10.00"), D("0.07"), D("59.380920"), D("1234.56789")):
        amounts = split_month(monthly, parts, 31)
        assert sum(amounts) == monthly.quantize(D("0.01"))
        for part, amount in zip(parts, amounts):  # and each within a fen of its own share
            assert abs(amount - monthly * part.days / 31) <= D("0.01")


def test_a_co_owner_joining_does_not_split_the_bill_and_a_day_is_billed_once():
    husband, wife = Stay(1, dt.date(2015, 3, 1), None), Stay(2, dt.date(2027, 1, 10), None)
    assert billing_parts([husband, wife], *JAN) == [BillingPart(1, JAN[0], JAN[1], 31)]
    # handover on one day (out and in on the 15th): the 15th is billed once, to the outgoing owner
    parts = billing_parts([Stay(1, None, dt.date(2027, 1, 15)), Stay(2, dt.date(2027, 1, 15), None)], *JAN)
    assert [(p.payer, p.days) for p in parts] == [(1, 15), (2, 16)]


def test_gaps_are_billed_to_nobody_and_a_payer_has_one_part():
    parts = billing_parts([Stay(1, None, dt.date(2027, 1, 5)), Stay(2, dt.date(2027, 1, 21), None)], *JAN)
    assert [(p.payer, p.days) for p in parts] == [(1, 5), (2, 11)]
    # the same owner back after someone else in between: still one part (one charge) for them
    back = billing_parts([Stay(1, None, dt.date(2027, 1, 5)), Stay(2, dt.date(2027, 1, 6), dt.date(2027, 1, 9)),
                          Stay(1, dt.date(2027, 1, 10), None)], *JAN)
    assert sorted((p.payer, p.days) for p in back) == [(1, 27), (2, 4)]
    assert billing_parts([], *JAN) == [] and billing_parts([Stay(1, dt.date(2027, 2, 1), None)], *JAN) == []
