"""派工单 and 联系单: the printed work order (A4, receipt stub 回执联 behind a cut line for the
owner's signature) and the written contact notice sending a major complaint to a department.

    pdf = render_work_order(work_order_doc(work_order), lang="zh_CN")
    pdf = render_contact_notice(contact_notice_doc(complaint, today), lang="zh_CN")

Context builders take the ORM record and return plain data; templates never see ORM objects.
"""
from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

from reports.common import Letterhead, letterhead_of
from reports.rendering import DEFAULT_LANG, render_pdf


@dataclass
class WorkOrderDoc:
    number: str
    letterhead: Letterhead
    unit_code: str
    caller: str
    phone: str
    channel: str
    category: str
    urgency: str
    description: str
    received_at: dt.datetime
    dispatch_due: dt.datetime
    complete_due: dt.datetime
    department: str
    worker: str
    paid: bool
    service: str  # the price-list entry of a paid repair
    redo: bool
    redo_supervisor: str


@dataclass
class ContactNoticeDoc:
    number: str
    letterhead: Letterhead
    issued_on: dt.date
    unit_code: str
    caller: str
    phone: str
    category: str
    description: str
    department: str
    received_at: dt.datetime
    reply_due: dt.date | None


def _name(user) -> str:
    return (user.first_name or user.username) if user is not None else ""


def work_order_doc(wo) -> WorkOrderDoc:
    from app.servicedesk import rules

    return WorkOrderDoc(
        number=wo.number, letterhead=letterhead_of(wo.estate), unit_code=wo.unit.code, caller=wo.caller,
        phone=wo.phone, channel=str(rules.CHANNELS.get(wo.channel, wo.channel)),
        category=str(rules.WO_CATEGORIES.get(wo.category, wo.category)),
        urgency=str(rules.URGENCIES.get(wo.urgency, wo.urgency)), description=wo.description,
        received_at=wo.received_at, dispatch_due=wo.dispatch_due, complete_due=wo.complete_due,
        department=str(rules.DEPARTMENTS.get(wo.department, "")) if wo.department else "",
        worker=_name(wo.worker), paid=wo.paid, service=str(wo.service_price) if wo.service_price else "",
        redo=wo.redo_count > 0, redo_supervisor=_name(wo.redo_supervisor),
    )


def contact_notice_doc(c, today: dt.date) -> ContactNoticeDoc:
    from app.servicedesk import rules

    return ContactNoticeDoc(
        number=c.number, letterhead=letterhead_of(c.estate), issued_on=today, unit_code=c.unit.code,
        caller=c.caller, phone=c.phone, category=str(rules.COMPLAINT_CATEGORIES.get(c.category, c.category)),
        description=c.description,
        department=str(rules.DEPARTMENTS.get(c.department, "")) if c.department else "",
        received_at=c.received_at, reply_due=c.reply_due,
    )


def render_work_order(doc: WorkOrderDoc, lang: str | None = None) -> bytes:
    return render_pdf("workorder.html", {"doc": doc}, _lang(lang))


def render_contact_notice(doc: ContactNoticeDoc, lang: str | None = None) -> bytes:
    return render_pdf("contact_notice.html", {"doc": doc}, _lang(lang))


def _lang(lang: str | None) -> str:
    if lang:
        return lang
    from flask import has_request_context

    if has_request_context():
        from app import select_locale

        return select_locale()
    return DEFAULT_LANG
