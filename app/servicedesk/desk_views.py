"""The service desk's own pages: callbacks (回访), the overview of what is late, escalated or
awaiting a callback (with the repair pass rate), and the Supervisor's time limits."""
from __future__ import annotations

import datetime as dt

from flask import current_app, flash, redirect, request, url_for
from flask_appbuilder import BaseView
from flask_appbuilder.baseviews import expose
from flask_appbuilder.models.sqla.interface import SQLAInterface
from flask_appbuilder.security.decorators import has_access
from flask_babel import gettext
from flask_babel import lazy_gettext as _l

from app.core import clock
from app.core.views import StaffModelView, current_estate_ids
from app.exceptions import DomainError
from app.extensions import db
from app.servicedesk import complaints, rules, services
from app.servicedesk.models import Callback, ServiceSettings
from app.servicedesk.views import current_departments, sla_badge
from app.security import permissions as P


def _yes_no(value) -> str:
    if value is None:
        return ""
    return gettext("Yes") if value else gettext("No")


def post_callback(back: str, *, work_order_id=None, complaint_id=None):
    """The callback form of a work-order or complaint page (needs Callback write)."""
    sm = current_app.appbuilder.sm
    if not sm.has_access(P.WRITE, P.CALLBACK):
        flash(gettext("You may not record callbacks."), "danger")
        return redirect(back)
    form = request.form
    reached = form.get("reached", "1") == "1"
    satisfied = {"1": True, "0": False}.get(form.get("satisfied") or "")
    try:
        services.record_callback(actor=sm.current_user, now=clock.now(), estate_ids=current_estate_ids(),
                                 work_order_id=work_order_id, complaint_id=complaint_id, reached=reached,
                                 satisfied=satisfied, notes=form.get("notes"),
                                 supervisor_id=form.get("supervisor") or None)
    except DomainError as err:
        db.session.rollback()
        flash(str(err), "danger")
    else:
        flash(gettext("The callback is recorded."), "success")
    return redirect(back)


class CallbackModelView(StaffModelView):
    """Every callback, read-only here: recorded from the work order or complaint page."""

    datamodel = SQLAInterface(Callback)
    class_permission_name = P.CALLBACK
    base_permissions = ["can_read"]
    list_title = _l("Callbacks")
    show_title = _l("Callback")
    label_columns = {"work_order": _l("Work order"), "complaint": _l("Complaint"), "unit": _l("Unit"),
                     "at": _l("Time"), "staff": _l("Staff"), "reached": _l("Owner reached"),
                     "satisfied": _l("Satisfied"), "notes": _l("Notes")}
    list_columns = ["at", "unit", "work_order", "complaint", "staff", "reached", "satisfied", "notes"]
    show_columns = ["work_order", "complaint", "unit", "at", "staff", "reached", "satisfied", "notes"]
    search_columns = ["at", "reached", "satisfied"]
    base_order = ("at", "desc")
    formatters_columns = {"satisfied": _yes_no}

    def list_buttons(self):
        return [dict(label=gettext("Awaiting callback"), url=url_for("ServiceDeskView.overview") + "#awaiting",
                     icon="fa-phone", style="primary")]


class ServiceSettingsModelView(StaffModelView):
    """时限设置: dispatch and completion limits per urgency, complaint escalation days."""

    datamodel = SQLAInterface(ServiceSettings)
    class_permission_name = P.SERVICE_SETTINGS
    base_permissions = ["can_read", "can_write"]
    list_title = _l("Time limits")
    show_title = add_title = edit_title = _l("Time limits")
    label_columns = {
        "estate": _l("Estate"),
        "urgent_dispatch_minutes": _l("Urgent: dispatch within (minutes)"),
        "urgent_complete_hours": _l("Urgent: complete within (hours)"),
        "normal_dispatch_minutes": _l("Normal: dispatch within (minutes)"),
        "normal_complete_hours": _l("Normal: complete within (hours)"),
        "low_dispatch_minutes": _l("Low: dispatch within (minutes)"),
        "low_complete_hours": _l("Low: complete within (hours)"),
        "complaint_escalation_days": _l("Complaints: escalate to the manager after (days)"),
    }
    list_columns = ["estate", "urgent_dispatch_minutes", "urgent_complete_hours", "normal_dispatch_minutes",
                    "normal_complete_hours", "low_dispatch_minutes", "low_complete_hours",
                    "complaint_escalation_days"]
    add_columns = edit_columns = show_columns = list_columns
    description_columns = {"estate": _l("Without settings an estate uses 15 min / 4 h, 30 min / 24 h, "
                                        "120 min / 72 h and 3 days")}
    service_check = staticmethod(services.check_settings)


class ServiceDeskView(BaseView):
    """What needs attention: late work orders, escalated complaints, callbacks due; pass rate."""

    route_base = "/servicedesk"
    class_permission_name = P.WORK_ORDER
    method_permission_name = {"overview": "read"}
    default_view = "overview"

    @expose("/")
    @has_access
    def overview(self):
        sm = current_app.appbuilder.sm
        ids = current_estate_ids()
        now = clock.now()
        today = now.date()
        departments = current_departments()
        try:
            date_from = dt.date.fromisoformat(request.args.get("from") or today.replace(day=1).isoformat())
            date_to = dt.date.fromisoformat(request.args.get("to") or today.isoformat())
        except ValueError:
            flash(gettext("Enter the date as YYYY-MM-DD."), "danger")
            date_from, date_to = today.replace(day=1), today
        user_id = getattr(sm.current_user, "id", None)
        can_complaints = sm.has_access(P.READ, P.COMPLAINT)
        return self.render_template(
            "servicedesk/overview.html", now=now,
            late=services.late_work_orders(ids, now, departments, user_id),
            escalated=complaints.escalated_complaints(ids, now) if can_complaints else [],
            awaiting_wo=services.needs_callback_work_orders(ids, departments),
            awaiting_complaints=complaints.needs_callback_complaints(ids) if can_complaints else [],
            rate=services.pass_rate_for(ids, date_from, date_to) if departments is None else None,
            date_from=date_from, date_to=date_to, states=rules.WO_STATES, cstates=rules.COMPLAINT_STATES,
            categories=rules.WO_CATEGORIES, ccategories=rules.COMPLAINT_CATEGORIES, urgencies=rules.URGENCIES,
            departments=rules.DEPARTMENTS, sla_badge=sla_badge, can_complaints=can_complaints,
            title=gettext("Service desk overview"))
