"""Pure visit rules: weeks (Monday–Sunday) and months, quota lines, the signature check."""
import datetime as dt

import pytest

from app.exceptions import DomainError
from app.visits import rules
from tests.visits.helpers import big_png, jpeg, png

D = dt.date


@pytest.mark.parametrize("day, start, end", [
    (D(2032, 3, 10), D(2032, 3, 8), D(2032, 3, 14)),  # a Wednesday
    (D(2032, 3, 8), D(2032, 3, 8), D(2032, 3, 14)),  # Monday opens the week
    (D(2032, 3, 14), D(2032, 3, 8), D(2032, 3, 14)),  # Sunday closes it
    (D(2032, 4, 1), D(2032, 3, 29), D(2032, 4, 4)),  # a week across two months
])
def test_week_is_monday_to_sunday(day, start, end):
    assert rules.week_bounds(day) == (start, end)


@pytest.mark.parametrize("day, start, end", [
    (D(2032, 2, 10), D(2032, 2, 1), D(2032, 2, 29)),
    (D(2031, 12, 31), D(2031, 12, 1), D(2031, 12, 31)),
])
def test_month_bounds(day, start, end):
    assert rules.month_bounds(day) == (start, end)


def test_weeks_of_a_month_start_on_its_mondays():
    weeks = rules.weeks_of_month(2032, 3)
    assert [w[0] for w in weeks] == [D(2032, 3, 1), D(2032, 3, 8), D(2032, 3, 15), D(2032, 3, 22), D(2032, 3, 29)]
    assert weeks[-1][1] == D(2032, 4, 4)


def test_weeks_of_a_month_are_every_week_overlapping_it():
    weeks = rules.weeks_of_month(2026, 12)  # 1 December 2026 is a Tuesday
    assert weeks[0] == (D(2026, 11, 30), D(2026, 12, 6))
    assert [w[0] for w in weeks] == [D(2026, 11, 30), D(2026, 12, 7), D(2026, 12, 14), D(2026, 12, 21),
                                     D(2026, 12, 28)]
    assert weeks[-1][1] == D(2027, 1, 3)
    feb = rules.weeks_of_month(2032, 2)  # a leap February from a Sunday to a Sunday
    assert feb[0] == (D(2032, 1, 26), D(2032, 2, 1)) and feb[-1] == (D(2032, 2, 23), D(2032, 2, 29))


@pytest.mark.parametrize("today, done, verdict", [
    (D(2032, 3, 7), 0, "future"),   # the week has not begun
    (D(2032, 3, 8), 0, "open"),     # its first day: not judged yet
    (D(2032, 3, 14), 3, "open"),    # its last day, still short: not missed yet
    (D(2032, 3, 15), 3, "missed"),  # over and short
    (D(2032, 3, 10), 10, "met"),    # met before it ends
])
def test_a_week_is_judged_only_once_over(today, done, verdict):
    line = rules.QuotaLine("regular", "week", D(2032, 3, 8), D(2032, 3, 14), 10, done)
    assert line.verdict(today) == verdict


@pytest.mark.parametrize("visits, target, done, met", [
    ([], 10, 0, False),
    ([(u, "regular", D(2032, 3, 9), "王丽") for u in range(10)], 10, 10, True),
    # the same household twice counts once; another kind or another week does not count
    ([(1, "regular", D(2032, 3, 9), "王丽"), (1, "regular", D(2032, 3, 10), "陈静"),
      (2, "irregular", D(2032, 3, 9), "王丽"), (3, "regular", D(2032, 3, 15), "王丽")], 10, 1, False),
])
def test_quota_line_counts_distinct_households(visits, target, done, met):
    line = rules.quota_line(rules.QuotaRule("regular", "week", 10), visits, D(2032, 3, 8), D(2032, 3, 14), 0)
    assert (line.target, line.done, line.met) == (target, done, met)


def test_important_quota_without_number_means_every_important_household():
    rule = rules.QuotaRule("important", "week", None)
    line = rules.quota_line(rule, [(7, "important", D(2032, 3, 9), "王丽")], D(2032, 3, 8), D(2032, 3, 14), 3)
    assert (line.target, line.done, line.met, line.missing) == (3, 1, False, 2)


def test_per_staff_quota_needs_every_staff_member():
    rule = rules.QuotaRule("regular", "week", 2, per_staff=True)
    visits = [(1, "regular", D(2032, 3, 9), "王丽"), (2, "regular", D(2032, 3, 9), "王丽"),
              (3, "regular", D(2032, 3, 9), "陈静")]
    line = rules.quota_line(rule, visits, D(2032, 3, 8), D(2032, 3, 14), 0)
    assert line.staff_done == {"王丽": 2, "陈静": 1} and not line.met


def test_stored_quotas_override_the_defaults():
    merged = rules.merge_quotas([rules.QuotaRule("regular", "week", 15)])
    assert [(q.kind, q.min_households) for q in merged] == [("regular", 15), ("irregular", 10), ("important", None)]


def test_future_date_refused():
    rules.check_visit_date(D(2032, 3, 10), D(2032, 3, 10))
    with pytest.raises(DomainError) as err:
        rules.check_visit_date(D(2032, 3, 11), D(2032, 3, 10))
    assert err.value.field == "visit_date"


def test_png_and_jpeg_are_accepted():
    assert rules.check_signature(png()) == "image/png"
    assert rules.check_signature(jpeg()) == "image/jpeg"


@pytest.mark.parametrize("data", [
    b"this is a text file renamed signature.png\n" * 10,
    b"\x89PNG\r\n\x1a\n" + b"not really a png" * 10,  # the magic bytes alone are not enough
    b"GIF89a" + b"\0" * 100,
    b"",
])
def test_what_is_not_a_png_or_jpeg_is_refused(data):
    with pytest.raises(DomainError):
        rules.check_signature(data)


def test_image_over_one_megabyte_is_refused():
    data = big_png()
    assert len(data) > 1.1 * 1000 * 1000
    with pytest.raises(DomainError) as err:
        rules.check_signature(data)
    assert "1 MB" in str(err.value)


def test_canvas_data_url_is_decoded():
    import base64

    data = png()
    assert rules.decode_data_url("data:image/png;base64," + base64.b64encode(data).decode()) == data
    assert rules.decode_data_url("") is None
    with pytest.raises(DomainError):
        rules.decode_data_url("javascript:alert(1)")
