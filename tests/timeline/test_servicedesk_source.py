"""The service desk's timeline source outside a request (a command, a background job), in a
request without a logged-in user, and for department roles; and its SQL statement count, which
must not depend on the unit's history, on the viewer, or on what the session already loaded."""
from __future__ import annotations

import datetime as dt

import pytest
from sqlalchemy import event

from app.extensions import db
from tests.visits.helpers import make_unit, released

NOW = dt.datetime(2032, 5, 6, 9, 0)
USERS = ("admin", "manager", "supervisor", "clerk", "engineer", "security")
_MADE: dict = {}  # made once for the module


@pytest.fixture()
def unit_with_orders(app_ctx, demo_estate):
    """A unit with four work orders: sent to engineering, sent to cleaning, taken in by security
    (not sent yet) and taken in by the clerk (not sent yet)."""
    if not _MADE:
        from app.servicedesk import services

        sm = app_ctx.appbuilder.sm
        clerk, security = sm.find_user(username="clerk"), sm.find_user(username="security")
        unit = released(make_unit(demo_estate, "时间线报修")[0])

        def new(actor, text):
            data = dict(unit_id=unit.id, caller="时间线报修", phone="13900002222", channel="phone",
                        category="water", urgency="normal", description=text)
            return services.create_work_order(data, actor, NOW, [demo_estate.id])

        orders = {"engineering": new(clerk, "厨房水管漏水"), "cleaning": new(clerk, "楼道垃圾未清")}
        for department, wo in orders.items():
            services.transition_work_order(wo.id, "dispatch", clerk, NOW, estate_ids=[demo_estate.id],
                                           department=department)
        orders["by_security"] = new(security, "巡逻发现路灯不亮")
        orders["by_clerk"] = new(clerk, "门铃不响")
        _MADE.update(unit=unit, numbers={k: wo.number for k, wo in orders.items()})
    db.session.commit()  # end this context's transaction: the requests below open their own
    return _MADE["unit"], _MADE["numbers"]


def _shown(events, numbers) -> set[str]:
    return {key for key, number in numbers.items() if any(number in e.title for e in events if e.kind == "work_order")}


def _as(app, username):
    """A request of ``username`` (logged in as the login form does; None: nobody), in an app
    context of its own so that no other request's user lingers in ``g``."""
    import contextlib

    from flask_login import login_user

    @contextlib.contextmanager
    def ctx():
        with app.app_context(), app.test_request_context("/"):
            if username:
                login_user(app.appbuilder.sm.find_user(username=username))
            app.preprocess_request()  # FAB puts the user on g, as in a real request
            yield

    return ctx()


def test_outside_a_request_every_work_order_is_listed(app_ctx, unit_with_orders):
    from flask import has_request_context

    from app.core import timeline

    unit, numbers = unit_with_orders
    assert not has_request_context()
    events = timeline.unit_timeline(unit.id, kinds={"work_order"})  # as a flask command would
    assert _shown(events, numbers) == set(numbers)


def test_a_request_without_a_user_lists_no_work_order(app, unit_with_orders):
    from app.servicedesk.timeline import events_for_unit

    unit, _numbers = unit_with_orders
    with _as(app, None):
        assert app.appbuilder.sm.current_user is None
        assert [e for e in events_for_unit(unit.id) if e.kind == "work_order"] == []


@pytest.mark.parametrize("username, expected", [
    ("clerk", {"engineering", "cleaning", "by_security", "by_clerk"}),
    ("manager", {"engineering", "cleaning", "by_security", "by_clerk"}),
    ("engineer", {"engineering"}),  # its department's only
    ("security", {"by_security"}),  # what it took in (nothing was sent to security)
])
def test_department_roles_see_their_departments_work_orders(app, unit_with_orders, username, expected):
    from app.servicedesk.timeline import events_for_unit

    unit, numbers = unit_with_orders
    with _as(app, username):
        assert _shown(events_for_unit(unit.id), numbers) == expected


@pytest.mark.parametrize("username", USERS)
def test_scope_in_sql_matches_departments_of(app, unit_with_orders, username):
    """The timeline decides the department scope inside its query; the work-order list and the
    services decide it with departments_of: both must agree for every demo user."""
    from sqlalchemy import select

    from app.servicedesk.models import WorkOrder
    from app.servicedesk.services import _in_scope, departments_of
    from app.servicedesk.timeline import department_scope

    unit, _numbers = unit_with_orders
    with app.app_context():
        user = app.appbuilder.sm.find_user(username=username)
        orders = db.session.scalars(select(WorkOrder).where(WorkOrder.unit_id == unit.id)).all()
        by_python = {wo.id for wo in orders if _in_scope(wo, None, departments_of(user), user.id)}
        by_sql = set(db.session.scalars(select(WorkOrder.id).where(WorkOrder.unit_id == unit.id,
                                                                   department_scope(user.id))))
        assert by_sql == by_python and by_python


def _statements(call) -> int:
    seen = []

    def count(_conn, _cursor, statement, *_args):
        if not statement.lstrip().upper().startswith(("BEGIN", "COMMIT", "ROLLBACK", "SAVEPOINT", "RELEASE")):
            seen.append(statement)

    event.listen(db.engine, "before_cursor_execute", count)
    try:
        call()
    finally:
        event.remove(db.engine, "before_cursor_execute", count)
    return len(seen)


def test_statement_count_is_the_same_for_every_call(app, demo_estate, unit_with_orders):
    """Busy or empty unit, first or second call in a request (the user's roles not loaded yet,
    then loaded), a desk role or a department role, or no request at all: three statements."""
    from app.servicedesk.timeline import events_for_unit

    busy, _numbers = unit_with_orders
    empty = released(make_unit(demo_estate, "时间线空白")[0])
    counts = {}
    for username in ("clerk", "engineer", "admin"):
        for unit in (busy, empty):
            with _as(app, username):
                db.session.expire_all()  # nothing of the user loaded yet
                first = _statements(lambda: events_for_unit(unit.id))
                second = _statements(lambda: events_for_unit(unit.id))
                counts[(username, unit.id)] = (first, second)
    for unit in (busy, empty):
        counts[("no request", unit.id)] = (_statements(lambda: events_for_unit(unit.id)),) * 2
    assert set(counts.values()) == {(3, 3)}, counts
