"""Timeline source: who moved in and out of the unit (Occupancy rows, one query) and the changes
to the records of its owners and occupants (the audit log, one query)."""
from __future__ import annotations

import datetime as dt

from flask_babel import gettext
from flask_babel import lazy_gettext as _l
from sqlalchemy import String, cast, select
from sqlalchemy.orm import joinedload

from app.core.audit import AuditLog
from app.core.history import actor_label, local_time
from app.core.timeline import TimelineEvent, link
from app.extensions import db
from app.owners import rules
from app.owners.models import Occupancy
from app.security import permissions as P

KINDS = {
    "occupancy": (P.OCCUPANCY, _l("Moving in and out")),
    "owner_change": (P.OWNER, _l("Owner record changes")),
}
# fields whose change is worth a line (values are never shown: personal data)
FIELDS = {
    "name": _l("Name"), "phone": _l("Phone"), "phone2": _l("Second phone"), "id_number": _l("ID number"),
    "emergency_contact": _l("Emergency contact"), "emergency_phone": _l("Emergency phone"),
    "important_client": _l("Important client"), "language": _l("Language"), "notes": _l("Notes"),
}


def events_for_unit(unit_id: int):
    occupancies = list(db.session.scalars(select(Occupancy).options(joinedload(Occupancy.owner))
                                          .where(Occupancy.unit_id == unit_id)))
    names = {}
    for occ in occupancies:
        name = occ.owner.name if occ.owner else ""
        names[str(occ.owner_id)] = name
        relation = str(rules.RELATIONS.get(occ.relation, occ.relation))
        url = link("OccupancyModelView.show", pk=occ.id)
        if occ.move_in_date:
            yield TimelineEvent(at=dt.datetime.combine(occ.move_in_date, dt.time(9, 0)), kind="occupancy",
                                title=gettext("Moved in: %(name)s (%(relation)s)", name=name, relation=relation),
                                url=url, icon="fa-sign-in-alt")
        if occ.move_out_date:
            yield TimelineEvent(at=dt.datetime.combine(occ.move_out_date, dt.time(18, 0)), kind="occupancy",
                                title=gettext("Moved out: %(name)s (%(relation)s)", name=name, relation=relation),
                                url=url, icon="fa-sign-out-alt")
    owner_ids = select(cast(Occupancy.owner_id, String)).where(Occupancy.unit_id == unit_id)
    rows = db.session.scalars(select(AuditLog).options(joinedload(AuditLog.user))
                              .where(AuditLog.table_name == "owner",
                                                     AuditLog.record_id.in_(owner_ids))
                              .order_by(AuditLog.at, AuditLog.id))
    groups: dict[tuple, list[AuditLog]] = {}
    for row in rows:  # one change = the rows of one flush (same record, time and action)
        groups.setdefault((row.record_id, row.at, row.action), []).append(row)
    for (record_id, at, action), group in groups.items():
        name = names.get(record_id, "")
        fields = [str(FIELDS[r.field]) for r in group if r.field in FIELDS]
        if action == "insert":
            title = gettext("Owner record created: %(name)s", name=name)
        elif action == "delete":
            title = gettext("Owner record deleted: %(name)s", name=name)
        else:
            if not fields:
                continue
            title = gettext("Owner record changed: %(name)s", name=name)
        detail = "、".join(fields) if action == "update" else ""
        yield TimelineEvent(at=local_time(at), kind="owner_change", title=title,
                            detail=" · ".join(x for x in (detail, actor_label(group[0].username, group[0].user)) if x),
                            url=link("OwnerModelView.show", pk=int(record_id)), icon="fa-user-edit")
