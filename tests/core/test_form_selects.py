"""Every drop-down of every add and edit form reads as office words (issue 13).

Walks every registered ModelView with an add or an edit form — FAB's own account screens too,
and those added later — as the administrator, opens its add page and the edit page of a demo
record, and reads each <select> as the browser shows it: no option may show the internal
``__None`` as its text, and a select for a field that must be filled (the ``required``
attribute, or a NOT NULL column without a default) offers no blank choice.
"""
from __future__ import annotations

import re
from html.parser import HTMLParser

import pytest
from flask_appbuilder import ModelView
from sqlalchemy import inspect, select

from app.extensions import db
from tests.conftest import do_login


class _Selects(HTMLParser):
    """name -> (required, [(value, text)]) of the selects inside the model form."""

    def __init__(self):
        super().__init__(convert_charrefs=True)
        self.inside = False
        self.selects: dict[str, tuple[bool, list]] = {}
        self._name = None
        self._option = None

    def handle_starttag(self, tag, attrs):
        a = dict(attrs)
        if tag == "form" and a.get("id") == "model_form":
            self.inside = True
        elif self.inside and tag == "select" and a.get("name"):
            self._name = a["name"]
            self.selects[self._name] = ("required" in a, [])
        elif self._name and tag == "option":
            self._option = [a.get("value"), ""]

    def handle_data(self, data):
        if self._option is not None:
            self._option[1] += data

    def handle_endtag(self, tag):
        if tag == "form":
            self.inside = False
        elif tag == "option" and self._option is not None:
            value, text = self._option
            self.selects[self._name][1].append((text.strip() if value is None else value, text.strip()))
            self._option = None
        elif tag == "select":
            self._name = None


def _selects(html: str) -> dict:
    parser = _Selects()
    parser.feed(html)
    return parser.selects


def _form_views(app) -> list:
    return [v for v in app.appbuilder.baseviews if isinstance(v, ModelView) and (v.add_columns or v.edit_columns)]


def _must_fill(view, name: str) -> bool:
    """A NOT NULL column (or the foreign key behind a relation) with no default."""
    model = view.datamodel.obj
    table = getattr(model, "__table__", None)
    if table is None:
        return False
    column = table.columns.get(name)
    if column is None and view.datamodel.is_relation(name):
        rel = inspect(model).relationships.get(name)
        local = list(rel.local_columns) if rel is not None and rel.secondary is None else []
        column = local[0] if len(local) == 1 else None
    return column is not None and not column.nullable and column.default is None and column.server_default is None


@pytest.fixture(scope="module")
def admin(app):
    client = app.test_client()
    do_login(client, "admin")
    return client


def _pages(app, view) -> list[str]:
    urls = []
    if view.add_columns and "add" in dir(view):
        urls.append(f"{view.route_base}/add")
    if view.edit_columns and "edit" in dir(view):
        model = view.datamodel.obj
        pk = inspect(model).primary_key[0]
        with app.app_context():
            first = db.session.scalar(select(pk).order_by(pk).limit(1))
            db.session.remove()
        if first is not None:
            urls.append(f"{view.route_base}/edit/{first}")
    return urls


def test_the_walk_covers_the_forms(app):
    names = {type(v).__name__ for v in _form_views(app)}
    for name in ("WorkOrderModelView", "ComplaintModelView", "OccupancyModelView", "NoticeModelView"):
        assert name in names
    assert len(names) >= 20


def test_no_select_shows_none_or_a_blank_for_a_required_field(app, admin):
    failures, seen = [], 0
    for view in _form_views(app):
        for url in _pages(app, view):
            resp = admin.get(url)
            if resp.status_code != 200:
                continue  # a register whose record cannot be edited in its state says why elsewhere
            for name, (required, options) in _selects(resp.get_data(as_text=True)).items():
                seen += 1
                for value, text in options:
                    if "__None" in text:
                        failures.append(f"{url} {name}: an option reads {text!r}")
                    if value in ("", "__None") and (required or _must_fill(view, name)):
                        failures.append(f"{url} {name}: a field that must be filled offers a blank")
    assert seen > 30
    assert not failures, "\n".join(failures)


def test_an_optional_relation_offers_a_worded_blank(admin):
    """The paid-repair price of a work order is optional: its blank choice says so."""
    html = admin.get("/workordermodelview/add").get_data(as_text=True)
    options = _selects(html)["service_price"][1]
    assert options[0][0] == "__None" and options[0][1] and not re.search(r"__None", options[0][1])
