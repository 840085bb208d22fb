"""The caller card (来电卡片): who is calling, their units, what is open for them, and the
timeline — what a clerk needs while the phone rings.

Every part the user's role may not read is left out (``can_read(resource)``). Open items are
the units' work orders and complaints not closed yet and the visits' open follow-ups; only
units and rows of the user's estates are shown.
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


def _service_desk_items(units: dict[int, str], estate_ids, can_read, user=None) -> list[OpenItem]:
    """The units' work orders and complaints that are not closed yet (a completed repair still
    waits for its receipt stub and callback: the desk has to do something about it). Only rows
    of the user's estates; a department role (engineering) sees only its department's work
    orders, as on its list. ``units``: {unit id: room code}."""
    from app.servicedesk import rules as sd_rules
    from app.servicedesk.models import Complaint, WorkOrder
    from app.servicedesk.services import dept_filter, departments_of

    def item(kind, title, record, states, endpoint) -> OpenItem:
        return OpenItem(kind, title, f"{states.get(record.state, record.state)} · {(record.description or '')[:60]}",
                        record.received_at and record.received_at.date(), timeline.link(endpoint, pk=record.id))

    items: list[OpenItem] = []
    if can_read(P.WORK_ORDER):
        stmt = (select(WorkOrder).where(WorkOrder.unit_id.in_(units), WorkOrder.estate_id.in_(estate_ids),
                                        WorkOrder.state.not_in(sd_rules.WO_ENDED))
                .order_by(WorkOrder.received_at, WorkOrder.id))
        stmt = dept_filter(stmt, departments_of(user) if user is not None else None, getattr(user, "id", None))
        items += [item("work_order",
                       gettext("Work order %(number)s (%(room)s)", number=wo.number, room=units[wo.unit_id]),
                       wo, sd_rules.WO_STATES, "WorkOrderModelView.show") for wo in db.session.scalars(stmt)]
    if can_read(P.COMPLAINT):
        stmt = (select(Complaint).where(Complaint.unit_id.in_(units), Complaint.estate_id.in_(estate_ids),
                                        Complaint.state != "closed")
                .order_by(Complaint.received_at, Complaint.id))
        items += [item("complaint", gettext("Complaint %(number)s (%(room)s)", number=c.number, room=units[c.unit_id]),
                       c, sd_rules.COMPLAINT_STATES, "ComplaintModelView.show") for c in db.session.scalars(stmt)]
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
    # current occupancies, one per unit, of units in the user's estates (an occupancy never links
    # estates when made through the services; a bad row from elsewhere must not open another's)
    current = list({o.unit_id: o for o in sorted(owner.occupancies, key=lambda o: o.id)
                    if o.move_out_date is None and o.unit is not None and o.unit.estate_id in estate_ids}.values())
    unit_ids = [o.unit_id for o in current]
    codes = {o.unit_id: o.unit.code for o in current}
    see_fees = can_read(P.READ, P.CHARGE) or can_read(P.READ, P.RECEIPT)
    see_stage = can_read(P.READ, P.ARREARS) or can_read(P.READ, P.COLLECTION_ACTION)
    if see_fees:
        card.overdue_total = ZERO
    for occ in current:
        row = CallerUnit(occ.unit, str(owner_rules.RELATIONS.get(occ.relation, occ.relation)))
        if see_fees or see_stage:
            from app.collection import rules as collection_rules
            from app.collection.arrears import unit_arrears

            arrears = unit_arrears(occ.unit, today)
            if see_fees:
                row.overdue = arrears.total if arrears else ZERO
                card.overdue_total += row.overdue
            if see_stage and arrears is not None:
                row.stage = str(collection_rules.STAGES.get(arrears.stage, arrears.stage))
        card.units.append(row)
    card.open_items = (_service_desk_items(codes, estate_ids, lambda res: can_read(P.READ, res), user)
                       if unit_ids else [])
    if unit_ids and can_read(P.READ, P.VISIT):
        from app.visits.services import open_follow_ups_of_units

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
