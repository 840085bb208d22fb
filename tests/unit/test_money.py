"""Money rules: strict parsing, fen rounding, Chinese capitals."""
from decimal import Decimal as D

import pytest

from app.core import money
from app.exceptions import DomainError


@pytest.mark.parametrize(
    "amount, upper",
    [
        ("1005.50", "壹仟零伍元伍角"),
        ("0.05", "伍分"),
        ("0.50", "伍角"),
        ("0.55", "伍角伍分"),
        ("10", "壹拾元整"),
        ("120", "壹佰贰拾元整"),
        ("1001", "壹仟零壹元整"),
        ("1010", "壹仟零壹拾元整"),
        ("30500", "叁万零伍佰元整"),
        ("100000", "壹拾万元整"),
        ("100010", "壹拾万零壹拾元整"),
        ("101000", "壹拾万零壹仟元整"),
        ("10000.01", "壹万元零壹分"),
        ("1000001.01", "壹佰万零壹元零壹分"),
        ("10010000", "壹仟零壹万元整"),
        ("100001000", "壹亿零壹仟元整"),
        ("120000000", "壹亿贰仟万元整"),
        ("123456789.12", "壹亿贰仟叁佰肆拾伍万陆仟柒佰捌拾玖元壹角贰分"),
        ("0", "零元整"),
        ("-3.20", "负叁元贰角"),
    ],
)
def test_chinese_capitals(amount, upper):
    assert money.rmb_upper(D(amount)) == upper


@pytest.mark.parametrize("raw, value", [("1005.5", D("1005.50")), ("1,005.50", D("1005.50")),
                                         ("¥12", D("12.00")), (D("0.01"), D("0.01"))])
def test_money_parsed(raw, value):
    assert money.parse_money(raw) == value


@pytest.mark.parametrize("raw", ["-0.01", "1.005", "1e400", "NaN", "Infinity", "１２", "12元", "", None,
                                 "0", "0.00", "10000000000", 1.5, "1,00.5", "--1"])
def test_bad_amounts_refused_never_rounded(raw):
    with pytest.raises(DomainError):
        money.parse_money(raw)


def test_zero_and_negative_only_when_allowed():
    assert money.parse_money("0", allow_zero=True) == D("0.00")
    assert money.parse_money("-5.10", allow_negative=True) == D("-5.10")


def test_fen_round_trip_and_half_up():
    assert money.to_fen(D("1005.50")) == 100550
    assert money.from_fen(100550) == D("1005.50")
    assert money.quantize(D("0.005")) == D("0.01") and money.quantize(D("2.675")) == D("2.68")
    assert money.fmt(D("1234567.8")) == "1,234,567.80"
