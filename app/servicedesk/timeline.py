"""The service desk's events on a unit's timeline: work orders (with their steps), complaints
and callbacks. Three SQL statements per call, whatever the unit's history and whoever asks:
the work orders come with their steps in one joined query, the callbacks with what they call
back on, and the department scope is part of the work-order query (no lookup of its own).

Who sees which work orders (the registry calls ``events_for_unit(unit_id)``, so the viewer is
implied, not passed):
- in a request, the logged-in user (session or JWT): a department role (Engineer, Security)
  sees its departments' work orders and those it took in, as on the work-order list;
- in a request without a logged-in user: no work orders (fail closed);
- outside a request (a flask command, a background job): every work order. Whoever can run
  the app's commands already reads the whole database, so a CLI caller is trusted.
"""
from __future__ import annotations

from flask import current_app, has_request_context
from flask_babel import gettext
from flask_babel import lazy_gettext as _l
from sqlalchemy import exists, false, or_, select
from sqlalchemy import inspect as sa_inspect
from sqlalchemy.orm import joinedload

from app.core import clock
from app.core.timeline import TimelineEvent, link
from app.extensions import db
from app.security import permissions as P
from app.servicedesk import rules
from app.servicedesk.models import Callback, Complaint, WorkOrder

KINDS = {
    "work_order": (P.WORK_ORDER, _l("Work orders")),
    "complaint": (P.COMPLAINT, _l("Complaints")),
    "callback": (P.CALLBACK, _l("Callbacks")),
}
TRUSTED = object()  # the viewer outside a request: sees every work order


def _url(endpoint: str, pk: int) -> str | None:
    return link(endpoint, pk=pk)


def _viewer():
    """TRUSTED outside a request, else the logged-in user (None when nobody is logged in)."""
    if not has_request_context():
        return TRUSTED
    return current_app.appbuilder.sm.current_user


def department_scope(user_id: int):
    """SQL condition: the work orders user ``user_id`` may see, decided inside the query (the
    same rule as ``services.departments_of``: a user whose every role is a department role
    sees the work orders of the departments on their staff-estate rows, plus those they took
    in; everyone else sees all)."""
    from flask_appbuilder.security.sqla.models import Role, assoc_user_role

    from app.security.models import StaffEstate
    from app.security.roles import DEPARTMENT_SCOPED_ROLES

    has_a_role = exists().where(assoc_user_role.c.user_id == user_id)
    has_another_role = exists().where(assoc_user_role.c.user_id == user_id, Role.id == assoc_user_role.c.role_id,
                                      Role.name.not_in(DEPARTMENT_SCOPED_ROLES))
    departments = select(StaffEstate.department).where(StaffEstate.user_id == user_id,
                                                       StaffEstate.department.is_not(None))
    return or_(~has_a_role, has_another_role, WorkOrder.department.in_(departments),
               WorkOrder.received_by_id == user_id)


def _user_id(user) -> int | None:
    """The user's id without a statement: read from the identity key, so that a user expired by
    an earlier commit in the request is not loaded again just for this."""
    state = sa_inspect(user, raiseerr=False)
    if state is not None and state.identity:
        return state.identity[0]
    return getattr(user, "id", None)


def _scope(stmt, viewer):
    if viewer is TRUSTED:
        return stmt
    user_id = _user_id(viewer) if viewer is not None else None
    if user_id is None:
        return stmt.where(false())
    return stmt.where(department_scope(user_id))


def events_for_unit(unit_id: int) -> list[TimelineEvent]:
    events: list[TimelineEvent] = []
    # joined, not selectin: a select-in load runs only when there are orders (a count that
    # would vary with the unit's history)
    orders = db.session.scalars(_scope(select(WorkOrder).options(joinedload(WorkOrder.events))
                                       .where(WorkOrder.unit_id == unit_id), _viewer())).unique().all()
    for wo in orders:
        title = gettext("Repair %(number)s: %(text)s", number=wo.number, text=_short(wo.description))
        url = _url("WorkOrderModelView.show", wo.id)
        tags = tuple(text for _status, text in rules.sla_texts(wo.sla_limits, clock.now()))
        for ev in wo.events:
            detail = str(rules.WO_ACTIONS.get(ev.action, gettext("Received")))
            if ev.note:
                detail += f"：{ev.note}"
            events.append(TimelineEvent(at=ev.at, kind="work_order", title=title, detail=detail, url=url,
                                        icon="fa-wrench", tags=tags if ev.action == "intake" else ()))
    complaints = db.session.scalars(select(Complaint).where(Complaint.unit_id == unit_id)).all()
    for c in complaints:
        events.append(TimelineEvent(
            at=c.received_at, kind="complaint",
            title=gettext("Complaint %(number)s: %(text)s", number=c.number, text=_short(c.description)),
            detail=str(rules.COMPLAINT_STATES.get(c.state, c.state)), url=_url("ComplaintModelView.show", c.id),
            icon="fa-comment-dots", tags=(str(rules.COMPLAINT_STATES["closed"]),) if c.state == "closed" else ()))
    callbacks = db.session.scalars(select(Callback).options(joinedload(Callback.work_order),
                                                            joinedload(Callback.complaint))
                                   .where(Callback.unit_id == unit_id)).all()
    for cb in callbacks:
        subject = cb.work_order or cb.complaint
        if not cb.reached:
            result = gettext("Owner not reached")
        else:
            result = gettext("Satisfied") if cb.satisfied else gettext("Unsatisfied")
        events.append(TimelineEvent(at=cb.at, kind="callback",
                                    title=gettext("Callback on %(number)s", number=subject.number if subject else ""),
                                    detail=result + (f"：{cb.notes}" if cb.notes else ""), icon="fa-phone",
                                    url=_url("CallbackModelView.show", cb.id)))
    return events


def _short(text: str | None, n: int = 30) -> str:
    text = (text or "").strip().replace("\n", " ")
    return text if len(text) <= n else text[: n - 1] + "…"
