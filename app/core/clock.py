"""The office's clock. Services take ``now``/``as_of`` arguments; only views and commands
ask this module, so tests can pass any date."""
from __future__ import annotations

import datetime as dt
from zoneinfo import ZoneInfo

from flask import current_app, has_app_context


def _zone() -> ZoneInfo:
    name = current_app.config.get("BABEL_DEFAULT_TIMEZONE", "Asia/Shanghai") if has_app_context() else "Asia/Shanghai"
    return ZoneInfo(name)


def now() -> dt.datetime:
    """Local wall-clock time of the office, naive (as printed on receipts)."""
    return dt.datetime.now(_zone()).replace(tzinfo=None, microsecond=0)


def today() -> dt.date:
    return now().date()
