"""One timeline per unit, gathered from every register that knows about units.

Each domain owns a *source*: a plain function ``events_for_unit(unit_id) -> Iterable[TimelineEvent]``
in its own module (e.g. ``app/servicedesk/timeline.py``). The modules are listed in
``SOURCE_MODULES`` below, the one place to add a register to the timeline, and are imported on
first use so that this module has no import-time dependency on any domain. A source runs a
constant number of queries whatever the unit's history (it is called while a phone rings).

A source module also declares ``KINDS = {kind: (resource, lazy label)}``: the register
(permission resource) a user must be able to read to see events of that kind. With
``can_read`` given, ``unit_timeline`` leaves out the kinds the user may not read, and does not
even run a source none of whose kinds they may read; an event of an undeclared kind is left
out as well (the safe side).
"""
from __future__ import annotations

import importlib
from dataclasses import dataclass, field
from datetime import datetime
from typing import Callable, Iterable

# dotted module paths; each module defines ``events_for_unit(unit_id)``
SOURCE_MODULES: list[str] = [
    "app.servicedesk.timeline",
    "app.visits.timeline",
    "app.cashdesk.timeline",
    "app.collection.timeline",
    "app.owners.timeline",
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


def link(endpoint: str, **values) -> str | None:
    """url_for, or None outside a request (a source also runs in commands and tests)."""
    from flask import has_request_context, url_for

    if not has_request_context():
        return None
    try:
        return url_for(endpoint, **values)
    except Exception:  # noqa: BLE001 - a view not registered in this app: no link
        return None


def sources() -> list[Source]:
    return [importlib.import_module(name).events_for_unit for name in SOURCE_MODULES]


def kind_resources() -> dict[str, tuple[str, object]]:
    """{kind: (resource, label)} of every source module, in SOURCE_MODULES order."""
    out: dict[str, tuple[str, object]] = {}
    for name in SOURCE_MODULES:
        out.update(getattr(importlib.import_module(name), "KINDS", {}))
    return out


def readable_kinds(can_read: Callable[[str], bool]) -> set[str]:
    """The kinds whose register ``can_read(resource)`` allows."""
    return {kind for kind, (resource, _label) in kind_resources().items() if can_read(resource)}


def unit_timeline(unit_id: int, *, kinds: set[str] | None = None, limit: int | None = None,
                  can_read: Callable[[str], bool] | None = None) -> list[TimelineEvent]:
    """Every event about the unit, newest first (only kinds the user may read, given ``can_read``)."""
    if can_read is not None:
        allowed = readable_kinds(can_read)
        kinds = allowed if kinds is None else set(kinds) & allowed
    events = []
    for name in SOURCE_MODULES:
        module = importlib.import_module(name)
        declared = set(getattr(module, "KINDS", {}))
        if kinds is not None and declared and not declared & kinds:
            continue  # none of its kinds is wanted: no queries
        events += [e for e in module.events_for_unit(unit_id) if kinds is None or e.kind in kinds]
    events.sort(key=lambda e: e.at, reverse=True)
    return events[:limit] if limit else events
