"""Hostile URLs get a 404 (or a 400) before any view runs, for every route at once.

Why one guard and not a check in each view: a path id beyond 64 bits (``/public/notices/10**25``)
made SQLite raise OverflowError and PostgreSQL a DataError in whichever view touched the
database first, and FAB's own routes trust their URL too: an unknown action name, a sort by an
unknown column, a page number that is not a number and a chart group beyond the list were 500s.
A route added later is covered without doing anything (tests/security/test_hostile_urls.py
walks every rule).

- path variables: an int (werkzeug's ``<int:...>``) must fit an id column (``MAX_PATH_ID``);
  a ``<pk>`` or a ``<..._id>`` given as text must be such an id too, in plain digits
  (``app.core.inputs.as_id``'s rules), else 404;
- query ids the desk's own pages read (``estate``, ``unit``): an id or nothing, else 404;
- FAB's list arguments: ``page_<View>`` / ``psize_<View>`` whole numbers, ``_oc_<View>`` one
  of that view's sortable columns, else 400;
- FAB's ModelView routes: ``action`` and ``action_post`` with an action the view has, else
  404 / 400; ``download`` (files of FileColumns, which the desk has none of) 404; a chart's
  ``group_by`` one of its groups, else 404.
"""
from __future__ import annotations

import re

from flask import abort, request

from app.core.inputs import as_id
from app.exceptions import DomainError

# Every id column is an INTEGER: 32 bits on PostgreSQL, which answers a larger id with a
# DataError ("integer out of range") where SQLite just finds nothing. No record has a larger
# id, so a path id beyond it is a 404 on both (as_id's 64-bit limit is the driver's, not ours).
MAX_PATH_ID = 2**31 - 1

# query arguments that name a record on the desk's own pages (the public fee table, the visit
# and search pages): anything but an id can only be a 404
QUERY_IDS = ("estate", "unit")
_DIGITS = re.compile(r"[0-9]{1,9}")  # a page number or page size (FAB calls int() on it)


def _is_id(value) -> bool:
    try:
        return as_id(value, "id") <= MAX_PATH_ID
    except DomainError:
        return False


def _check_path(view_args: dict) -> None:
    for name, value in view_args.items():
        if isinstance(value, int) and not 0 <= value <= MAX_PATH_ID:
            abort(404)
        if isinstance(value, str) and (name == "pk" or name.endswith("_id")) and not _is_id(value):
            abort(404)


def _check_query(views_by_name: dict) -> None:
    args = request.args
    for name in QUERY_IDS:
        value = args.get(name)
        if value not in (None, "") and not _is_id(value):
            abort(404)
    for key, value in args.items(multi=True):
        if key.startswith(("page_", "psize_")) and not _DIGITS.fullmatch(value):
            abort(400)
        if key.startswith("_oc_"):
            view = views_by_name.get(key[4:])
            sortable = getattr(view, "order_columns", None)
            if sortable is not None and value not in sortable:
                abort(400)


def _check_fab_route(view, fn: str) -> None:
    actions = getattr(view, "actions", None)
    if fn == "download":
        abort(404)
    if fn == "action" and actions is not None and request.view_args.get("name") not in actions:
        abort(404)
    if fn == "action_post" and actions is not None:
        if request.form.get("action") not in actions:
            abort(400)
        if not all(_is_id(pk) for pk in request.form.getlist("rowid")):
            abort(404)
    if fn == "chart" and "group_by" in (request.view_args or {}):
        value = str(request.view_args["group_by"])
        definitions = getattr(view, "definitions", None)
        if isinstance(definitions, list):  # GroupByChartView: the group's index in the list
            if not (value.isascii() and value.isdigit() and int(value) < len(definitions)):
                abort(404)
        elif value not in (getattr(view, "group_by_columns", None) or ()):  # a column's name
            abort(404)


def init_app(app, appbuilder) -> None:
    """Called by create_app once every view is registered."""
    views_by_name = {type(v).__name__: v for v in appbuilder.baseviews}
    views_by_endpoint = {getattr(v, "endpoint", None) or type(v).__name__: v for v in appbuilder.baseviews}
    views_by_name.update(views_by_endpoint)

    @app.before_request
    def _guard_urls():
        if request.view_args:
            _check_path(request.view_args)
        if request.args:
            _check_query(views_by_name)
        endpoint = request.endpoint or ""
        blueprint, _, fn = endpoint.rpartition(".")
        view = views_by_endpoint.get(blueprint)
        if view is not None:
            _check_fab_route(view, fn)
