"""Search filters the registers share.

The change log and the security log store UTC (a log outlives moves between time zones and
daylight rules); staff type times on the office clock. These filters turn the typed local time
into UTC before comparing."""
from __future__ import annotations

import datetime as dt

from flask_appbuilder.models.sqla.filters import FilterGreater, FilterSmaller, set_value_to_type
from flask_babel import lazy_gettext as _l

from app.core.clock import _zone


def _utc(value):
    if not isinstance(value, dt.datetime):
        return None
    return value.replace(tzinfo=_zone()).astimezone(dt.timezone.utc).replace(tzinfo=None)


class LocalFrom(FilterGreater):
    """After a local time."""

    name = _l("From")
    arg_name = "gt"

    def apply(self, query, value):
        return super().apply(query, _utc(set_value_to_type(self.datamodel, self.column_name, value)))


class LocalUntil(FilterSmaller):
    """Before a local time."""

    name = _l("Until")
    arg_name = "lt"

    def apply(self, query, value):
        return super().apply(query, _utc(set_value_to_type(self.datamodel, self.column_name, value)))


def utc_searched_by_office_clock(view, column: str) -> None:
    """Make ``view``'s search on the UTC ``column`` take office-clock times (call after FAB's
    __init__, which sets up the filters)."""
    when = [LocalFrom(column, view.datamodel), LocalUntil(column, view.datamodel)]
    view._filters._search_filters[column] = when
    view._filters._all_filters[column] = when
