"""The change history as staff read it: local time, who by name, register and field labels,
choice values in words, yes/no for booleans, no bare internal ids.

One catalogue serves both the history panel of a record page and the whole change log: it is
read once per app from the registered register views (their titles, field labels, choice
labels, masks and ``history_exclude``) and from the models' column types, so a register added
later is presented correctly without touching this module.
"""
from __future__ import annotations

import datetime as dt
import re
from dataclasses import dataclass, field as dc_field

from flask import current_app, has_request_context, request
from flask_babel import lazy_gettext as _l
from sqlalchemy import Boolean, String, cast, func, literal, select, union_all

from app.core.clock import _zone
from app.security.roles import staff_name

ACTIONS = {"insert": _l("Created"), "update": _l("Changed"), "delete": _l("Deleted")}
SYSTEM_ACTORS = {
    "demo-seed": _l("Demo data"),
    "test-seed": _l("Demo data"),
    "system": _l("System"),
    "billing": _l("Monthly billing"),
    "anonymous": _l("Not logged in"),
}
# labels every register shares, for fields a register's own view does not label
COMMON_LABELS = {"estate": _l("Estate"), "created_at": _l("Created at"), "notes": _l("Notes")}
# a related record is named by the column staff know it by (a unit by its room code, a receipt
# or work order by its number, an owner or estate by its name, a notice by its title; staff by
# 姓名); every record shown on a page is named in ONE statement (related_names)
NAME_COLUMNS = ("number", "code", "name", "title")
_ISO_DATETIME = re.compile(r"^(\d{4}-\d{2}-\d{2})T(\d{2}:\d{2})(:\d{2}(\.\d+)?)?$")


@dataclass
class HistoryRow:
    at: dt.datetime
    who: str
    action: str
    field: str
    old: str
    new: str


@dataclass
class Register:
    """How one table's audit rows read: its name, field labels and value words."""

    table: str
    label: str
    labels: dict = dc_field(default_factory=dict)
    choices: dict = dc_field(default_factory=dict)
    exclude: frozenset = frozenset()
    booleans: frozenset = frozenset()
    targets: dict = dc_field(default_factory=dict)  # foreign-key field -> referenced table
    view: object = None  # the register's view: masks depend on the viewer, asked per request
    show_endpoint: str | None = None


def _model_tables() -> dict[str, type]:
    from flask_appbuilder import Model

    return {m.local_table.name: m.class_ for m in Model.registry.mappers if m.local_table is not None}


def _column_kinds(model) -> dict:
    if model is None:
        return {}
    cols = model.__table__.columns
    return {"booleans": frozenset(c.name for c in cols if isinstance(c.type, Boolean)),
            "targets": {c.name: next(iter(c.foreign_keys)).column.table.name for c in cols if c.foreign_keys}}


def _labels(view) -> dict:
    """The view's own field labels (translated, lazy); FAB's made-up ones (plain English strings
    from the column name) are left out, so a shared label or the ``<relation>_id`` label serves."""
    ours = {k: v for k, v in view.label_columns.items() if not isinstance(v, str)}  # lazy = ours
    return {**COMMON_LABELS, **ours}


def catalogue() -> dict[str, Register]:
    """table name -> Register, built once per app from the register views."""
    cached = current_app.extensions.get("estate_history_catalogue")
    if cached is not None:
        return cached
    from app.core.views import StaffModelView

    models = _model_tables()
    out: dict[str, Register] = {}
    for view in current_app.appbuilder.baseviews:
        if not isinstance(view, StaffModelView):
            continue
        table = view.datamodel.obj.__tablename__
        if table in out and out[table].show_endpoint:
            continue  # the first view with a menu entry names the register
        out[table] = Register(
            table=table, label=view.list_title, labels=_labels(view),
            choices=view.history_choices(), exclude=frozenset(view.history_exclude),
            view=view, **_column_kinds(models.get(table)),
            show_endpoint=f"{type(view).__name__}.show",
        )
    for table, model in models.items():
        described = getattr(model, "__history__", None)  # an audited table with no page of its own
        if table not in out and described:
            out[table] = Register(table=table, label=described["label"],
                                  labels={**COMMON_LABELS, **described.get("labels", {})},
                                  choices=described.get("choices", {}), **_column_kinds(model))
    current_app.extensions["estate_history_catalogue"] = out
    return out


def register_of(table: str) -> Register:
    found = catalogue().get(table)
    if found is None:
        found = Register(table=table, label=table, labels=dict(COMMON_LABELS),
                         **_column_kinds(_model_tables().get(table)))
    return found


def _request_cache() -> dict:
    # on the request itself, not on g: an app context may outlive one request (tests, CLI)
    return request.environ.setdefault("estate_desk.history", {})


def masks_of(register: Register) -> dict:
    """The register's masks for the current viewer (asked once per request)."""
    if register.view is None:
        return {}
    if not has_request_context():
        return register.view.history_masks()
    cache = _request_cache().setdefault("masks", {})
    if register.table not in cache:
        cache[register.table] = register.view.history_masks()
    return cache[register.table]


def _name_column(table: str, model):
    """The SQL expression naming a row of ``table`` (None when the table has no such column)."""
    cols = model.__table__.columns
    if table == "ab_user":  # app.security.roles.staff_name: 姓名, else the login
        return func.coalesce(func.nullif(func.trim(cols["first_name"]), ""), cols["username"])
    for name in NAME_COLUMNS:
        if name in cols:
            return cast(cols[name], String)
    return None


def related_names(pairs) -> dict[tuple[str, str], str]:
    """(table, id as stored in the audit log) -> the record's name as staff know it, for every
    pair at once: one statement however many records and registers (cached per request). A
    register without a naming column reads as its label and number (收费记录 28); a record no
    longer there says so."""
    cache = _request_cache().setdefault("related", {}) if has_request_context() else {}
    models = _model_tables()
    wanted: dict[str, set[int]] = {}
    for table, raw in pairs:
        if (table, raw) in cache or raw in (None, ""):
            continue
        try:
            number = int(raw)
        except (TypeError, ValueError):
            cache[(table, raw)] = raw
            continue
        wanted.setdefault(table, set()).add(number)
    selects = []
    for table, ids in sorted(wanted.items()):
        model = models.get(table)
        expr = _name_column(table, model) if model is not None else None
        if expr is None:
            label = register_of(table).label
            cache.update({(table, str(i)): f"{label} {i}" for i in ids})
            continue
        pk = model.__table__.primary_key.columns.values()[0]
        selects.append(select(cast(literal(table), String(60)).label("t"), cast(pk, String(30)).label("k"),
                              expr.label("n")).where(pk.in_(sorted(ids))))
    if selects:
        from app.extensions import db

        statement = selects[0] if len(selects) == 1 else union_all(*selects)
        for t, k, n in db.session.execute(statement).all():
            cache[(t, k)] = n or f"{register_of(t).label} {k}"
    for table, ids in wanted.items():
        for i in ids:
            cache.setdefault((table, str(i)), str(_l("(no longer on record)")))
    return {p: cache[p] for p in pairs if p in cache}


def related_value(register: "Register", field: str | None, raw: str | None) -> str | None:
    """The name of the record a foreign-key value points at, or None when ``field`` is no
    foreign key (or holds nothing)."""
    target = register.targets.get(field or "")
    if target is None or raw in (None, ""):
        return None
    return related_names([(target, raw)]).get((target, raw))


def prefetch_related(rows) -> None:
    """Name every related record of these audit rows in one statement (a page of the change
    log, a record's history): the per-row look-ups then come from the request's cache."""
    pairs = set()
    for r in rows:
        register = register_of(r.table_name)
        target = register.targets.get(r.field or "")
        if target:
            pairs.update((target, v) for v in (r.old_value, r.new_value) if v not in (None, ""))
    if pairs:
        related_names(pairs)


def actor_label(username: str | None, user=None) -> str:
    """Who made a change, as staff call them: the staff member's name, or the process."""
    if username in SYSTEM_ACTORS:
        return str(SYSTEM_ACTORS[username])
    if user is not None:
        return staff_name(user)
    return username or ""


def local_time(at: dt.datetime) -> dt.datetime:
    """Audit times are stored in UTC; staff read the office's wall clock."""
    return at.replace(tzinfo=dt.timezone.utc).astimezone(_zone()).replace(tzinfo=None)


def value_text(raw: str | None, field: str | None, register: Register, choices: dict | None = None) -> str:
    """A stored audit value in words: choice labels, 是/否, dates to the minute."""
    if raw is None:
        return ""
    mapping = (choices if choices is not None else register.choices).get(field)
    if mapping and raw in mapping:
        return str(mapping[raw])
    if field in register.booleans or (field or "").startswith("is_"):
        if raw in ("1", "True", "true"):
            return str(_l("Yes"))
        if raw in ("0", "False", "false"):
            return str(_l("No"))
    match = _ISO_DATETIME.match(raw)
    if match:
        return f"{match.group(1)} {match.group(2)}"
    return raw


def field_text(field: str | None, register: Register, labels: dict | None = None) -> str:
    if not field:
        return ""
    labels = register.labels if labels is None else labels
    if field.endswith("_id") and field[:-3] in labels:
        return str(labels[field[:-3]])
    return str(labels.get(field, field))


def present_history(rows, labels: dict, choices: dict, own_table: str, masks: dict | None = None) -> list[HistoryRow]:
    """The history panel of one record. ``masks`` maps a field to a function that hides its
    values (personal data the viewer may not see in full). A related record (worker, unit,
    receipt, approver) is named as staff know it, never by its bare id."""
    masks = masks or {}
    rows = list(rows)
    prefetch_related(rows)
    out = []
    for r in rows:
        register = register_of(r.table_name)
        field = r.field or ""
        if field in register.exclude or field == "id":
            continue  # internal bookkeeping (hashes, tokens, sequence numbers): audited, not shown
        if not (r.old_value or r.new_value) and r.action == "insert":
            continue  # an empty field at creation says nothing
        if field.endswith("_id"):
            relation = field[:-3]
            # our own (translated) labels only: FAB makes up English ones for every column
            if relation not in register.labels or field not in register.targets:
                continue  # a link the register does not show (internal): nothing to name
            if field == "estate_id" and r.action == "insert":
                continue  # every record is created in its estate: not worth a row
            field_label = str(register.labels[relation])
            old, new = (related_value(register, field, v) or "" for v in (r.old_value, r.new_value))
        else:
            field_label = str(labels.get(field, field)) if field else ""
            hide = masks.get(r.field, lambda v: v)
            old = hide(value_text(r.old_value, r.field, register, choices))
            new = hide(value_text(r.new_value, r.field, register, choices))
        action = str(ACTIONS.get(r.action, r.action))
        if r.table_name != own_table:
            action += " · " + str(register.label)
        out.append(HistoryRow(at=local_time(r.at), who=actor_label(r.username, r.user), action=action,
                              field=field_label, old=old, new=new))
    return out


def log_row_text(row) -> dict:
    """One row of the whole change log in words (the Change log list): register, field, values,
    with the register's masks for the viewer; related records by their names (prefetch_related
    names a whole page at once)."""
    register = register_of(row.table_name)
    hide = masks_of(register).get(row.field, lambda v: v)

    def value(raw):
        if raw is None:
            return ""
        named = related_value(register, row.field, raw)
        if named is not None:
            return named
        return hide(value_text(raw, row.field, register))

    return {"register": str(register.label), "field": field_text(row.field, register),
            "old": value(row.old_value), "new": value(row.new_value)}
