"""Timeline source: the unit's owner visits (one query)."""
from __future__ import annotations

import datetime as dt

from flask_babel import gettext
from flask_babel import lazy_gettext as _l
from sqlalchemy import select
from sqlalchemy.orm import joinedload

from app.core.timeline import TimelineEvent, link
from app.extensions import db
from app.security import permissions as P
from app.visits import rules
from app.visits.models import Visit

KINDS = {"visit": (P.VISIT, _l("Visits"))}


def _short(text: str | None, n: int = 80) -> str:
    text = (text or "").replace("\n", " ").strip()
    return text if len(text) <= n else text[: n - 1] + "…"


def events_for_unit(unit_id: int):
    visits = db.session.scalars(select(Visit).options(joinedload(Visit.staff))
                                .where(Visit.unit_id == unit_id).order_by(Visit.visit_date.desc()))
    for v in visits:
        at = v.created_at if v.created_at and v.created_at.date() == v.visit_date else \
            dt.datetime.combine(v.visit_date, dt.time(12, 0))
        who = (v.staff.first_name or v.staff.username) if v.staff else ""
        title = str(rules.KINDS.get(v.kind, v.kind))
        if v.met_person:
            title += gettext(": met %(name)s", name=v.met_person)
        detail = " · ".join(x for x in (_short(v.opinions), _short(v.requests), who) if x)
        tags = []
        if v.follow_up_open:
            tags.append(gettext("Follow-up open"))
        if v.signature_kind != "none":
            tags.append(gettext("Signed"))
        yield TimelineEvent(at=at, kind="visit", title=title, detail=detail,
                            url=link("VisitModelView.show", pk=v.id), icon="fa-walking", tags=tuple(tags))
