"""The change history of a record as staff read it: local time, who in words, field labels,
choice values in words, no bare internal ids."""
from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from zoneinfo import ZoneInfo

from flask import current_app
from flask_babel import lazy_gettext as _l

ACTIONS = {"insert": _l("Created"), "update": _l("Changed"), "delete": _l("Deleted")}
SYSTEM_ACTORS = {
    "demo-seed": _l("Demo data"),
    "test-seed": _l("Demo data"),
    "system": _l("System"),
    "billing": _l("Monthly billing"),
    "anonymous": _l("Not logged in"),
}
TABLES = {"occupancy": _l("Occupancy")}


@dataclass
class HistoryRow:
    at: dt.datetime
    who: str
    action: str
    field: str
    old: str
    new: str


def _value(raw, field, choices):
    if raw is None:
        return ""
    mapping = choices.get(field)
    if mapping and raw in mapping:
        return str(mapping[raw])
    if raw in ("0", "1") and field and (field.startswith("is_") or field in BOOLEAN_FIELDS):
        return str(_l("Yes") if raw == "1" else _l("No"))
    return raw


BOOLEAN_FIELDS = {"important_client", "active", "recurring", "meter_changed"}


def present_history(rows, labels: dict, choices: dict, own_table: str, masks: dict | None = None) -> list[HistoryRow]:
    """``masks`` maps a field to a function that hides its values (personal data the viewer
    may not see in full)."""
    masks = masks or {}
    zone = ZoneInfo(current_app.config.get("BABEL_DEFAULT_TIMEZONE", "Asia/Shanghai"))
    out = []
    for r in rows:
        field = r.field or ""
        if field == "id" or field.endswith("_id"):
            # a bare id means nothing to staff: show a changed relation by its label only
            relation = field[:-3]
            if r.action != "update" or relation not in labels:
                continue
            field_label = str(labels[relation])
        else:
            field_label = str(labels.get(field, field)) if field else ""
        action = str(ACTIONS.get(r.action, r.action))
        if r.table_name != own_table:
            action += " · " + str(TABLES.get(r.table_name, r.table_name))
        at = r.at.replace(tzinfo=dt.timezone.utc).astimezone(zone).replace(tzinfo=None)
        hide = masks.get(r.field, lambda v: v)
        if field.endswith("_id"):
            hide = lambda v: ""  # noqa: E731 - the related record is named on the page, not its id
        if not (r.old_value or r.new_value) and r.action == "insert":
            continue  # an empty field at creation says nothing
        out.append(HistoryRow(at=at, who=str(SYSTEM_ACTORS.get(r.username, r.username)), action=action,
                              field=field_label, old=hide(_value(r.old_value, r.field, choices)),
                              new=hide(_value(r.new_value, r.field, choices))))
    return out
