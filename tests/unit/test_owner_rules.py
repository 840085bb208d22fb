"""Owner archive rules: phone and ID checks and masking, no database."""
import pytest

from app.exceptions import DomainError
from app.owners import rules


@pytest.mark.parametrize(
    "raw, expected",
    [("13812345678", "13812345678"), ("138 1234 5678", "13812345678"),
     ("025-84561234", "02584561234"), ("+8613812345678", "+8613812345678"), ("", None), (None, None),
     # as rosters and IMEs write them: full-width digits and dashes, spaces around, CRLF after
     ("１３８１２３４５６７８", "13812345678"), ("０２５－８４５６１２３４", "02584561234"),
     (" 138-1234-5678 \r\n", "13812345678"), ("+86 138 1234 5678", "+8613812345678")],
)
def test_phone_normalised(raw, expected):
    assert rules.normalize_phone(raw) == expected


@pytest.mark.parametrize("raw", ["1381234567a", "phone", "12345", "1" * 16, "138-1234-567８x"])
def test_phone_with_letters_or_wrong_length_refused(raw):
    with pytest.raises(DomainError) as err:
        rules.normalize_phone(raw, "phone")
    assert err.value.field == "phone"


@pytest.mark.parametrize("raw", ["13812345678、13912345678", "13812345678/025-84561234",
                                 "13812345678\r\n13912345678", "13812345678 13912345678"])
def test_two_numbers_in_one_box_are_refused_never_glued(raw):
    with pytest.raises(DomainError) as err:
        rules.normalize_phone(raw, "phone2")
    assert err.value.field == "phone2"
    assert "second" in str(err.value)


@pytest.mark.parametrize("raw, numbers", [
    ("13812345678、１３９１２３４５６７８", ["13812345678", "13912345678"]),
    ("138 1234 5678；025-84561234", ["13812345678", "02584561234"]),
    ("13812345678 13912345678", ["13812345678", "13912345678"]),
    ("13812345678\r\n", ["13812345678"]), ("  ", [])])
def test_a_cell_of_phone_numbers_is_split_into_numbers(raw, numbers):
    assert rules.split_phones(raw) == numbers


def test_phone_masked_like_138_stars_5678():
    assert rules.mask_phone("13812345678") == "138****5678"
    assert rules.mask_phone("02584561234") == "025****1234"
    assert rules.mask_phone(None) == ""


def test_id_number_checksum():
    assert rules.normalize_id_number("11010519491231002x") == "11010519491231002X"
    with pytest.raises(DomainError):
        rules.normalize_id_number("110105194912310021")  # wrong check digit
    assert rules.normalize_id_number("E12345678") == "E12345678"  # passport
    with pytest.raises(DomainError):
        rules.normalize_id_number("12<script>")


def test_id_number_masked():
    assert rules.mask_id_number("11010519491231002X") == "1101**********002X"


def test_name_required_and_bounded():
    assert rules.clean_name("  王芳 ") == "王芳"
    with pytest.raises(DomainError):
        rules.clean_name("   ")
    with pytest.raises(DomainError):
        rules.clean_name("王" * 101)
