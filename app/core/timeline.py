"""One timeline per unit, gathered from every register that knows about units.

Each domain owns a *source*: a plain function ``events_for_unit(unit_id) -> Iterable[TimelineEvent]``
in its own module (e.g. ``app/servicedesk/timeline.py``). The modules are listed in
``SOURCE_MODULES`` below, the one place to add a register to the timeline, and are imported on
first use so that this module has no import-time dependency on any domain. A source runs a
constant number of queries whatever the unit's history (it is called while a phone rings).
"""
from __future__ import annotations

import importlib
from dataclasses import dataclass, field
from datetime import datetime
from typing import Callable, Iterable

# dotted module paths; each module defines ``events_for_unit(unit_id)``
SOURCE_MODULES: list[str] = [
]


@dataclass(frozen=True)
class TimelineEvent:
    at: datetime  # when it happened (naive, local time like every timestamp in the app)
    kind: str  # register key: "work_order", "complaint", "receipt", ... (icon and filter)
    title: str  # translated one-liner, e.g. "报修 BX2026-0012：厨房水管漏水"
    detail: str = ""  # translated, optional second line (state, amount, result)
    url: str | None = None  # the record's page, when the user may open it
    icon: str = "fa-circle"  # Font Awesome class
    tags: tuple[str, ...] = field(default=())  # short badges, e.g. ("逾期",)


Source = Callable[[int], Iterable[TimelineEvent]]


def sources() -> list[Source]:
    return [importlib.import_module(name).events_for_unit for name in SOURCE_MODULES]


def unit_timeline(unit_id: int, *, kinds: set[str] | None = None, limit: int | None = None) -> list[TimelineEvent]:
    """Every event about the unit, newest first."""
    events = [e for source in sources() for e in source(unit_id) if kinds is None or e.kind in kinds]
    events.sort(key=lambda e: e.at, reverse=True)
    return events[:limit] if limit else events
