"""The office's clock. Services take ``now``/``as_of`` arguments; only views and commands
ask this module, so tests can pass any date. Nothing else in app/, reports/, run.py or
config.py reads the machine's date (tests/core/test_clock.py checks the sources).

The office's date can be pinned with the ``OFFICE_TODAY`` setting ("YYYY-MM-DD"): the suite
pins it so that its expectations hold on any day, and CI runs the date-sensitive tests pinned
to awkward days (31 Jan, 28/29 Feb, 31 Dec, 1 Jan ...). Only the date is pinned: the time of
day keeps running, so events recorded one after another within a test stay in order.
"""
from __future__ import annotations

import datetime as dt
import os
from zoneinfo import ZoneInfo

from flask import current_app, has_app_context

DEFAULT_ZONE = "Asia/Shanghai"


class ClockSettingError(ValueError):
    """OFFICE_TODAY is set but is not a date: the app refuses to start rather than guess."""


def parse_office_today(raw) -> dt.date | None:
    """The pinned date from a setting's value: None/"" = not pinned; a date; or "YYYY-MM-DD"."""
    if raw is None:
        return None
    if isinstance(raw, dt.datetime):
        return raw.date()
    if isinstance(raw, dt.date):
        return raw
    text = str(raw).strip()
    if not text:
        return None
    try:
        # fromisoformat alone would also take "20270228"; the setting is written one way
        if len(text) == 10 and text[4] == text[7] == "-":
            return dt.date.fromisoformat(text)
    except ValueError:
        pass
    raise ClockSettingError(f"OFFICE_TODAY must be a date written YYYY-MM-DD (e.g. 2027-02-28), got {raw!r}")


def _setting(name: str, default=None):
    # the app's configuration when there is one (create_app overrides, tests); the environment
    # otherwise (CLI helpers and scripts without an app context), as config.py would read it
    if has_app_context():
        return current_app.config.get(name, default)
    return os.environ.get(name, default)


def _zone() -> ZoneInfo:
    return ZoneInfo(_setting("BABEL_DEFAULT_TIMEZONE") or DEFAULT_ZONE)


def pinned() -> dt.date | None:
    """The date OFFICE_TODAY pins the office to, or None when the clock follows the machine."""
    return parse_office_today(_setting("OFFICE_TODAY"))


def _machine_now(zone: ZoneInfo) -> dt.datetime:
    """The machine's time in ``zone`` (aware): the one place the machine's clock is read."""
    return dt.datetime.now(zone)


def _aware_now() -> dt.datetime:
    zone = _zone()
    real = _machine_now(zone)
    day = pinned()
    if day is None:
        return real
    # the pinned date at the real time of day, in the office's zone
    return dt.datetime.combine(day, real.time(), tzinfo=zone)


def now() -> dt.datetime:
    """Local wall-clock time of the office, naive (as printed on receipts)."""
    return _aware_now().replace(tzinfo=None, microsecond=0)


def today() -> dt.date:
    return now().date()


def utcnow() -> dt.datetime:
    """The same instant as now() in UTC, naive, to the microsecond: audit and security-log
    timestamps (in UTC so that they need no zone to compare)."""
    return _aware_now().astimezone(dt.timezone.utc).replace(tzinfo=None)
