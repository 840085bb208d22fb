"""Rules of the estate structure, no database."""
from decimal import Decimal

import pytest

from app.estate import rules
from app.exceptions import DomainError


@pytest.mark.parametrize(
    "raw, expected",
    [("89.5", Decimal("89.50")), ("89.52", Decimal("89.52")), (89.5, Decimal("89.50")),
     (Decimal("120"), Decimal("120.00")), (" 78.36 ", Decimal("78.36")), ("0.01", Decimal("0.01"))],
)
def test_area_accepted(raw, expected):
    assert rules.parse_area(raw) == expected


@pytest.mark.parametrize(
    "raw", ["0", "-0.01", "-5", "1.005", "89.505", "abc", "", None, "NaN", "Infinity", "1e400", "100000000"]
)
def test_area_refused_never_rounded(raw):
    with pytest.raises(DomainError) as err:
        rules.parse_area(raw)
    assert err.value.field == "chargeable_area"


@pytest.mark.parametrize(
    "text, expected",
    [
        ("3-2-501", ("3", "2", "501")),
        ("3－2－501", ("3", "2", "501")),
        ("３-２-５０１", ("3", "2", "501")),
        ("3栋2单元501", ("3", "2", "501")),
        ("3幢2单元501室", ("3", "2", "501")),
        ("3#2-501", ("3", "2", "501")),
        (" 12 - 1 - 1203 ", ("12", "1", "1203")),
        ("3/2/501", ("3", "2", "501")),
        # rosters pad numbers with zeros; a building of one entrance is written without it
        ("03-02-0501", ("3", "2", "501")),
        ("０３栋０２单元０５０１室", ("3", "2", "501")),
        ("3幢501室", ("3", None, "501")),
        ("3栋0501室", ("3", None, "501")),
        ("b-1-0201", ("B", "1", "201")),
    ],
)
def test_room_codes_as_staff_write_them(text, expected):
    assert rules.parse_room_code(text) == expected


@pytest.mark.parametrize("text", ["", "张三", "13812345678", "3-501", "3-2-501-7", "3栋501"])
def test_not_a_room_code(text):
    assert rules.parse_room_code(text) is None


@pytest.mark.parametrize("room, floor", [("501", 5), ("1203", 12), ("101", 1), ("88", None), ("B1", None)])
def test_floor_from_room_number(room, floor):
    assert rules.floor_of(room) == floor


@pytest.mark.parametrize("raw, number", [("0201", "201"), ("201", "201"), ("03", "3"), ("０２０１", "201"),
                                         (" 501 ", "501"), ("0", "0"), ("000", "0"), ("b01", "B01"),
                                         ("A", "A")])
def test_numbers_are_normalised_so_0201_is_room_201(raw, number):
    assert rules.normalize_number(raw) == number
