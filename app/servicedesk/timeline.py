"""The service desk's events on a unit's timeline: work orders (with their steps), complaints
and callbacks. Four queries whatever the unit's history."""
from __future__ import annotations

from flask import has_request_context
from flask_babel import gettext
from sqlalchemy import select
from sqlalchemy.orm import selectinload

from flask_babel import lazy_gettext as _l

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


def _url(endpoint: str, pk: int) -> str | None:
    return link(endpoint, pk=pk)


def _scope(stmt, model):
    """Department roles see only their department's work orders here as well."""
    if model is not WorkOrder or not has_request_context():
        return stmt
    from flask import current_app

    from app.servicedesk.services import departments_of

    user = current_app.appbuilder.sm.current_user
    departments = departments_of(user) if user else set()
    if departments is None:
        return stmt
    return stmt.where(WorkOrder.department.in_(sorted(departments) or [""]) | (WorkOrder.received_by_id == user.id))


def events_for_unit(unit_id: int) -> list[TimelineEvent]:
    events: list[TimelineEvent] = []
    orders = db.session.scalars(_scope(select(WorkOrder).options(selectinload(WorkOrder.events))
                                       .where(WorkOrder.unit_id == unit_id), WorkOrder)).all()
    for wo in orders:
        title = gettext("Repair %(number)s: %(text)s", number=wo.number, text=_short(wo.description))
        url = _url("WorkOrderModelView.show", wo.id)
        sla = wo.sla
        tags = (str(rules.SLA_LABELS[sla]),) if sla else ()
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
    callbacks = db.session.scalars(select(Callback).options(selectinload(Callback.work_order),
                                                            selectinload(Callback.complaint))
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
