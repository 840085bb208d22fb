"""The office clock (app/core/clock.py): OFFICE_TODAY pins the date, the time of day keeps
running, audit times follow the pin in UTC, a bad value stops the start; and nothing else in
the app reads the machine's date, so a pinned suite really is pinned."""
from __future__ import annotations

import datetime as dt
import re
from pathlib import Path
from zoneinfo import ZoneInfo

import pytest
from flask import Flask

from app import create_app
from app.core import clock
from app.core.clock import ClockSettingError, parse_office_today

REPO = Path(__file__).resolve().parents[2]
MACHINE_DATE = re.compile(r"\b(?:date\.today|datetime\.(?:now|utcnow|today))\(")


def _sources():
    yield from sorted((REPO / "app").rglob("*.py"))
    yield from sorted((REPO / "reports").rglob("*.py"))
    yield REPO / "run.py"
    yield REPO / "config.py"


def test_nothing_but_the_clock_reads_the_machine_date():
    found = []
    for path in _sources():
        if path == REPO / "app" / "core" / "clock.py":
            continue
        for no, line in enumerate(path.read_text("utf-8").splitlines(), 1):
            if MACHINE_DATE.search(line):
                found.append(f"{path.relative_to(REPO)}:{no}: {line.strip()}")
    assert not found, "use app.core.clock (today/now/utcnow) instead:\n" + "\n".join(found)


def test_tests_ask_the_office_clock_too():
    # a test that feeds the machine's date to a pinned app disagrees with it on every other day
    # than the pin (tests/visits once did): expected dates come from clock.today()
    own = Path(__file__).resolve()
    found = [f"{path.relative_to(REPO)}:{no}: {line.strip()}"
             for path in sorted((REPO / "tests").rglob("*.py")) if path != own and "benchmarks" not in path.parts
             for no, line in enumerate(path.read_text("utf-8").splitlines(), 1) if MACHINE_DATE.search(line)]
    assert not found, "use app.core.clock in tests:\n" + "\n".join(found)


def test_the_scan_sees_every_spelling():
    # the pattern the scan uses catches each way the machine's date was read in this codebase
    for line in ("dt.date.today()", "stamp = dt.datetime.now().strftime('%Y')", "datetime.utcnow()",
                 "dt.datetime.now(dt.timezone.utc)", "datetime.today()"):
        assert MACHINE_DATE.search(line), line
    assert not MACHINE_DATE.search("clock.today()") and not MACHINE_DATE.search("clock.utcnow()")


def _app(**config) -> Flask:
    app = Flask(__name__)
    app.config.update({"BABEL_DEFAULT_TIMEZONE": "Asia/Shanghai", **config})
    return app


SHANGHAI = ZoneInfo("Asia/Shanghai")


@pytest.fixture()
def machine(monkeypatch):
    """Sets the machine's clock (aware, in whatever zone) the office clock reads."""
    def _set(when: dt.datetime):
        monkeypatch.setattr(clock, "_machine_now", lambda zone: when.astimezone(zone))
    return _set


@pytest.mark.parametrize("day", ["2027-01-31", "2027-02-28", "2028-02-29", "2026-12-31", "2027-01-01", "2028-12-07"])
def test_pinned_day_is_the_office_day_at_the_real_time_of_day(machine, day):
    machine(dt.datetime(2026, 12, 7, 15, 42, 9, 123456, tzinfo=SHANGHAI))
    pin = dt.date.fromisoformat(day)
    with _app(OFFICE_TODAY=day).app_context():
        assert clock.pinned() == pin
        assert clock.today() == pin
        assert clock.now() == dt.datetime.combine(pin, dt.time(15, 42, 9))  # naive, whole seconds
        # the same instant in UTC (Shanghai is UTC+8), to the microsecond, naive
        assert clock.utcnow() == dt.datetime.combine(pin, dt.time(7, 42, 9, 123456))


def test_time_keeps_running_on_the_pinned_day(machine):
    with _app(OFFICE_TODAY="2027-01-31").app_context():
        machine(dt.datetime(2026, 12, 7, 9, 0, 0, tzinfo=SHANGHAI))
        first = clock.now(), clock.utcnow()
        machine(dt.datetime(2026, 12, 7, 9, 0, 1, tzinfo=SHANGHAI))
        second = clock.now(), clock.utcnow()
    assert first[0] < second[0] and first[1] < second[1]
    assert first[0].date() == second[0].date() == dt.date(2027, 1, 31)


def test_utcnow_early_on_new_years_day_is_still_the_old_year(machine):
    # 1 January before 08:00 in Shanghai is 31 December in UTC: the audit time says so
    machine(dt.datetime(2026, 12, 7, 0, 30, tzinfo=SHANGHAI))
    with _app(OFFICE_TODAY="2027-01-01").app_context():
        assert clock.today() == dt.date(2027, 1, 1)
        assert clock.utcnow() == dt.datetime(2026, 12, 31, 16, 30)


def test_the_office_zone_decides_the_day(machine):
    # 20:00 UTC on 7 December is already 8 December in the office (Asia/Shanghai)
    machine(dt.datetime(2026, 12, 7, 20, 0, tzinfo=dt.timezone.utc))
    with _app(OFFICE_TODAY=None).app_context():
        assert clock.today() == dt.date(2026, 12, 8)
        assert clock.utcnow() == dt.datetime(2026, 12, 7, 20, 0)
    with _app(OFFICE_TODAY=None, BABEL_DEFAULT_TIMEZONE="UTC").app_context():
        assert clock.today() == dt.date(2026, 12, 7)


def test_unpinned_clock_follows_the_machine():
    with _app(OFFICE_TODAY=None).app_context():
        before = dt.datetime.now(ZoneInfo("Asia/Shanghai")).date()
        today = clock.today()
        after = dt.datetime.now(ZoneInfo("Asia/Shanghai")).date()
        assert clock.pinned() is None
    assert before <= today <= after


def test_without_an_app_the_environment_pins_the_clock(monkeypatch):
    # CLI helpers and scripts outside an app context read the setting as config.py would
    monkeypatch.setenv("OFFICE_TODAY", "2028-02-29")
    assert clock.today() == dt.date(2028, 2, 29)
    monkeypatch.setenv("OFFICE_TODAY", "")
    assert clock.pinned() is None


def test_the_app_setting_wins_over_the_environment(monkeypatch):
    monkeypatch.setenv("OFFICE_TODAY", "2028-02-29")
    with _app(OFFICE_TODAY="2027-01-31").app_context():
        assert clock.today() == dt.date(2027, 1, 31)


@pytest.mark.parametrize("raw, day", [
    (" 2027-02-28 ", dt.date(2027, 2, 28)),
    ("2027-02-28\r\n", dt.date(2027, 2, 28)),
    (dt.date(2026, 12, 31), dt.date(2026, 12, 31)),
    ("", None),
    (None, None),
])
def test_setting_values_taken(raw, day):
    assert parse_office_today(raw) == day


@pytest.mark.parametrize("raw", [
    "2027-02-29",  # not a leap year
    "2027-13-01", "2027-00-10", "2027-1-5", "20270228", "2027/02/28", "28.02.2027",
    "２０２７-０２-２８",  # full-width digits: written by hand, refused rather than guessed
    "2027-02-28\x00", "today", "2027-02-28T08:00", "-1",
])
def test_bad_setting_values_refused(raw):
    with pytest.raises(ClockSettingError, match="OFFICE_TODAY must be a date written YYYY-MM-DD"):
        parse_office_today(raw)


def test_app_refuses_to_start_with_a_bad_office_today(tmp_path):
    with pytest.raises(ClockSettingError, match=r"OFFICE_TODAY .*'2027-02-30'"):
        create_app(INSTANCE_PATH=str(tmp_path), SQLALCHEMY_DATABASE_URI=f"sqlite:///{tmp_path / 'x.db'}",
                   SECRET_KEY="x" * 40, OFFICE_TODAY="2027-02-30")


def test_the_suite_runs_pinned(app):
    # tests/conftest.py pins the session app (OFFICE_TODAY from the environment, else its default)
    from tests.conftest import OFFICE_TODAY

    with app.app_context():
        assert clock.today() == dt.date.fromisoformat(OFFICE_TODAY)
    assert clock.today() == dt.date.fromisoformat(OFFICE_TODAY)  # no app context: the environment
