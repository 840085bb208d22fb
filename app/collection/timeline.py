"""Timeline source: the unit's collection actions (催交) and payment reminders (催缴通知书),
one query each."""
from __future__ import annotations

from flask_babel import gettext
from flask_babel import lazy_gettext as _l
from sqlalchemy import select
from sqlalchemy.orm import joinedload

from app.collection import rules
from app.collection.models import CollectionAction, PaymentReminder
from app.core.money import fmt
from app.core.timeline import TimelineEvent, link
from app.extensions import db
from app.security import permissions as P

KINDS = {
    "collection_action": (P.COLLECTION_ACTION, _l("Collection actions")),
    "payment_reminder": (P.PAYMENT_REMINDER, _l("Payment reminders")),
}
ICONS = {"phone": "fa-phone", "notice": "fa-envelope-open-text", "visit": "fa-door-open",
         "escalation": "fa-exclamation-triangle"}


def events_for_unit(unit_id: int):
    actions = db.session.scalars(select(CollectionAction).options(joinedload(CollectionAction.staff))
                                 .where(CollectionAction.unit_id == unit_id))
    for a in actions:
        tags = []
        if a.kind == "phone" and a.reached is not None:
            tags.append(gettext("Owner reached") if a.reached else gettext("Not reached"))
        if a.promise_date:
            tags.append(gettext("Promised by %(date)s", date=a.promise_date.isoformat()))
        if a.decision:
            tags.append(str(rules.DECISIONS.get(a.decision, a.decision)))
        who = (a.staff.first_name or a.staff.username) if a.staff else ""
        detail = " · ".join(x for x in ((a.result or "").strip(), who) if x)
        yield TimelineEvent(at=a.at, kind="collection_action", title=str(rules.KINDS.get(a.kind, a.kind)),
                            detail=detail, url=link("CaseFileView.case", unit_id=unit_id),
                            icon=ICONS.get(a.kind, "fa-hand-holding-usd"), tags=tuple(tags))
    reminders = db.session.scalars(select(PaymentReminder).where(PaymentReminder.unit_id == unit_id))
    for r in reminders:
        yield TimelineEvent(
            at=r.issued_at, kind="payment_reminder",
            title=gettext("Payment reminder %(number)s (%(stage)s)", number=r.number,
                          stage=rules.LETTER_STAGES.get(r.stage, r.stage)),
            detail=gettext("¥%(amount)s, pay by %(date)s", amount=fmt(r.total), date=r.deadline.isoformat()),
            url=link("PaymentReminderModelView.show", pk=r.id), icon="fa-envelope")
