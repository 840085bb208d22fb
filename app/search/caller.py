"""The caller card (来电卡片): who is calling, their units, what is open for them, and the
timeline — what a clerk needs while the phone rings.

Every part the user's role may not read is left out (``can_read(resource)``); the service
desk's open work orders and complaints are looked up only when that package is installed.
"""
from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field
from decimal import Decimal

from flask_babel import gettext
from sqlalchemy import select
from sqlalchemy.orm import selectinload

from app.core import timeline
from app.estate.models import Unit
from app.exceptions import NotFound
from app.extensions import db
from app.owners import rules as owner_rules
from app.owners.models import Occupancy, Owner
from app.security import permissions as P

ZERO = Decimal("0.00")
TIMELINE_LIMIT = 30


@dataclass
class CallerUnit:
    unit: Unit
    relation: str
    overdue: Decimal | None = None  # None: the user may not see fees
    stage: str | None = None  # collection stage label; None: not shown / nothing overdue


@dataclass
class OpenItem:
    kind: str  # work_order / complaint / follow_up
    title: str
    detail: str
    day: dt.date | None
    url: str | None


@dataclass
class CallerCard:
    owner: Owner
    phone: str  # in full or masked, as the user may see it
    phone2: str
    units: list[CallerUnit] = field(default_factory=list)
    open_items: list[OpenItem] = field(default_factory=list)
    overdue_total: Decimal | None = None
    events: list[tuple[str, timeline.TimelineEvent]] = field(default_factory=list)  # (room, event)


def _service_desk_items(unit_ids: list[int], can_read, user=None) -> list[OpenItem]:
    """Open work orders and complaints, when the service desk is installed (defensive). A
    department role (engineering) sees only its department's work orders, as on its list."""
    try:
        from app.servicedesk import rules as sd_rules
        from app.servicedesk.models import Complaint, WorkOrder
    except ImportError:
        return []
    items: list[OpenItem] = []
    try:
        if can_read(getattr(P, "WORK_ORDER", "WorkOrder")):
            open_states = getattr(sd_rules, "WO_OPEN", ())
            stmt = select(WorkOrder).where(WorkOrder.unit_id.in_(unit_ids), WorkOrder.state.in_(open_states))
            from app.servicedesk.services import departments_of

            departments = departments_of(user) if user is not None else None
            if departments is not None:
                stmt = stmt.where(WorkOrder.department.in_(sorted(departments) or [""])
                                  | (WorkOrder.received_by_id == user.id))
            for wo in db.session.scalars(stmt):
                states = getattr(sd_rules, "WO_STATES", {})
                items.append(OpenItem("work_order", gettext("Work order %(number)s", number=wo.number),
                                      f"{states.get(wo.state, wo.state)} · {(wo.description or '')[:60]}",
                                      getattr(wo, "received_at", None) and wo.received_at.date(),
                                      timeline.link("WorkOrderModelView.show", pk=wo.id)))
        if can_read(getattr(P, "COMPLAINT", "Complaint")):
            states = getattr(sd_rules, "COMPLAINT_STATES", {})
            for c in db.session.scalars(select(Complaint).where(Complaint.unit_id.in_(unit_ids),
                                                                Complaint.state != "closed")):
                items.append(OpenItem("complaint", gettext("Complaint %(number)s", number=c.number),
                                      f"{states.get(c.state, c.state)} · {(c.description or '')[:60]}",
                                      getattr(c, "received_at", None) and c.received_at.date(),
                                      timeline.link("ComplaintModelView.show", pk=c.id)))
    except Exception:  # noqa: BLE001 - the service desk is still being built: the card still shows
        db.session.rollback()
        return []
    return items


def caller_card(owner_id: int, estate_ids: list[int], today: dt.date, can_read, user=None) -> CallerCard:
    """``can_read(action, resource)``: the viewer's permissions; ``user``: the viewer."""
    owner = db.session.scalar(select(Owner).options(
        selectinload(Owner.occupancies).joinedload(Occupancy.unit)).where(Owner.id == owner_id))
    if owner is None or owner.estate_id not in estate_ids:
        raise NotFound(gettext("This record does not exist."))
    full = can_read(P.READ_PHONE, P.OWNER)
    card = CallerCard(owner, owner.phone if full else owner_rules.mask_phone(owner.phone),
                      owner.phone2 if full else owner_rules.mask_phone(owner.phone2))
    current = [o for o in owner.occupancies if o.move_out_date is None and o.unit is not None]
    unit_ids = [o.unit_id for o in current]
    see_fees = can_read(P.READ, P.CHARGE) or can_read(P.READ, P.RECEIPT)
    see_stage = can_read(P.READ, P.ARREARS) or can_read(P.READ, P.COLLECTION_ACTION)
    if see_fees:
        card.overdue_total = ZERO
    for occ in current:
        row = CallerUnit(occ.unit, str(owner_rules.RELATIONS.get(occ.relation, occ.relation)))
        if see_fees or see_stage:
            from app.collection import rules as collection_rules
            from app.collection.services import unit_arrears

            arrears = unit_arrears(occ.unit, today)
            if see_fees:
                row.overdue = arrears.total if arrears else ZERO
                card.overdue_total += row.overdue
            if see_stage and arrears is not None:
                row.stage = str(collection_rules.STAGES.get(arrears.stage, arrears.stage))
        card.units.append(row)
    card.open_items = _service_desk_items(unit_ids, lambda res: can_read(P.READ, res), user) if unit_ids else []
    if unit_ids and can_read(P.READ, P.VISIT):
        from app.visits.services import open_follow_ups_of_units

        codes = {o.unit_id: o.unit.code for o in current}
        for v in open_follow_ups_of_units(unit_ids):
            card.open_items.append(OpenItem("follow_up", gettext("Visit follow-up (%(room)s)", room=codes[v.unit_id]),
                                            (v.follow_up or "")[:80], v.visit_date,
                                            timeline.link("VisitModelView.show", pk=v.id)))
    events = []
    for occ in current:
        for e in timeline.unit_timeline(occ.unit_id, limit=TIMELINE_LIMIT,
                                        can_read=lambda res: can_read(P.READ, res)):
            events.append((occ.unit.code, e))
    events.sort(key=lambda pair: pair[1].at, reverse=True)
    card.events = events[:TIMELINE_LIMIT]
    return card
