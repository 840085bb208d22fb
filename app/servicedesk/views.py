"""Work orders (报修/派工单): intake with the room typed as at the quick search (3-2-501), the
record page with its step buttons, the printable work order. Engineers and guards see only their
department's work orders (and those they reported): the same scope as the API."""
from __future__ import annotations

from flask import current_app, g, request, url_for
from flask_appbuilder.baseviews import expose
from flask_appbuilder.models.filters import BaseFilter
from flask_appbuilder.models.sqla.filters import FilterEqual, FilterInFunction
from flask_appbuilder.models.sqla.interface import SQLAInterface
from flask_appbuilder.security.decorators import has_access
from flask_babel import gettext
from flask_babel import lazy_gettext as _l
from markupsafe import Markup, escape
from wtforms import StringField

from app.core import clock
from app.core.responses import pdf_response
from app.core.views import StaffModelView, current_estate_ids
from app.servicedesk import rules, services
from app.servicedesk.models import WorkOrder
from app.servicedesk.phone import PhoneIntakeMixin
from app.servicedesk.record_views import StepFormsMixin
from app.security import permissions as P

LABELS = {
    "number": _l("Number"), "unit": _l("Unit"), "unit_code": _l("Room"), "caller": _l("Caller"),
    "phone": _l("Phone"), "channel": _l("Channel"), "category": _l("Category"), "description": _l("Description"),
    "urgency": _l("Urgency"), "paid": _l("Paid repair"), "service_price": _l("Service (price list)"),
    "quantity": _l("Quantity"), "charge": _l("Charge"), "state": _l("Status"), "department": _l("Department"),
    "worker": _l("Worker"), "received_at": _l("Received at"), "received_by": _l("Received by"),
    "dispatch_due": _l("Dispatch by"), "complete_due": _l("Complete by"), "dispatched_at": _l("Dispatched at"),
    "started_at": _l("Started at"), "completed_at": _l("Completed at"), "result": _l("Work done"),
    "stub_returned_at": _l("Receipt stub returned at"), "stub_satisfaction": _l("Satisfaction on the stub"),
    "stub_comment": _l("Owner's comment on the stub"), "called_back_at": _l("Called back at"),
    "closed_at": _l("Closed at"), "redo_count": _l("Redos"), "redo_supervisor": _l("Redo supervisor"),
    "sla": _l("Time limit"), "sla_limits": _l("Time limit"), "estate": _l("Estate"),
}


def current_departments():
    """The logged-in user's department scope (services.departments_of), once per request."""
    user = current_app.appbuilder.sm.current_user
    cached = getattr(g, "_sd_departments", None)
    if cached is None or cached[0] != getattr(user, "id", None):
        cached = (getattr(user, "id", None), services.departments_of(user) if user else set())
        g._sd_departments = cached
    return cached[1]


class DepartmentScope(BaseFilter):
    """Department roles see their department's work orders and those they reported."""

    name = "department scope"

    def apply(self, query, value):
        departments = current_departments()
        if departments is None:
            return query
        user = current_app.appbuilder.sm.current_user
        cond = WorkOrder.department.in_(sorted(departments) or [""]) | (WorkOrder.received_by_id == user.id)
        return query.filter(cond)


def sla_badge(limits, now=None) -> Markup:
    """The badges of a work order's limits late or due soon (WorkOrder.sla_limits_at): each
    names its limit (派工 / 完成) and that limit's time, e.g. 派工超时（时限 12-07 09:15）."""
    out = Markup("")
    for status, text in rules.sla_texts(limits or [], now or clock.now()):
        style = "danger" if status == "late" else "warning"
        out += Markup('<span class="label label-%s sla-%s">%s</span> ') % (style, status, text)
    return out


def _price_rule():
    return [["estate_id", FilterInFunction, current_estate_ids], ["active", FilterEqual, True]]


class WorkOrderModelView(PhoneIntakeMixin, StepFormsMixin, StaffModelView):
    datamodel = SQLAInterface(WorkOrder)
    class_permission_name = P.WORK_ORDER
    method_permission_name = {**StaffModelView.method_permission_name, "transition": "write", "pdf": "read",
                              "callback": "read"}
    base_permissions = ["can_read", "can_write"]  # closed, never deleted
    base_filters = [["id", DepartmentScope, None]]
    list_title = _l("Work orders")
    show_title = edit_title = _l("Work order")
    add_title = _l("New repair request")
    label_columns = LABELS
    list_columns = ["number", "unit", "category", "urgency", "state", "department", "worker", "received_at", "sla_limits"]
    add_columns = ["unit_code", "caller", "phone", "channel", "category", "urgency", "description", "paid",
                   "service_price", "quantity"]
    edit_columns = ["caller", "phone", "category", "description"]
    show_columns = ["number", "unit", "caller", "phone", "channel", "category", "urgency", "description", "paid",
                    "service_price", "quantity", "charge", "state", "department", "worker", "received_at",
                    "received_by", "dispatch_due", "complete_due", "dispatched_at", "started_at", "completed_at",
                    "result", "stub_returned_at", "stub_satisfaction", "stub_comment", "called_back_at", "closed_at", "redo_count", "redo_supervisor"]
    # the price-list fields only for a paid repair, the supervisor only for a redo
    show_when_set = ("service_price", "quantity", "charge", "redo_supervisor", "stub_satisfaction", "stub_comment")
    search_columns = ["number", "state", "category", "urgency", "department", "channel", "caller", "received_at"]
    base_order = ("id", "desc")
    choice_fields = {"channel": rules.CHANNELS, "category": rules.WO_CATEGORIES, "urgency": rules.URGENCIES,
                     "state": rules.WO_STATES, "department": rules.DEPARTMENTS,
                     "stub_satisfaction": rules.STUB_SATISFACTION}
    formatters_columns = {"sla_limits": sla_badge}
    description_columns = {
        "unit_code": _l("Type the room as building-entrance-room, e.g. 3-2-501"),
        "paid": _l("Paid repairs are charged from the special-service price list when completed"),
        "quantity": _l("For paid repairs: how many (hours, pieces ...) of the service"),
    }
    add_form_extra_fields = {
        "unit_code": StringField(_l("Room"), description=_l("Type the room as building-entrance-room, e.g. 3-2-501")),
        "quantity": StringField(_l("Quantity"), default="1",
                                description=_l("For paid repairs: how many (hours, pieces ...) of the service")),
    }
    add_form_query_rel_fields = {"service_price": _price_rule()}
    show_template = "servicedesk/workorder_show.html"

    def pre_add(self, item):
        sm = current_app.appbuilder.sm
        services.intake_work_order(item, actor=sm.current_user, now=clock.now(), estate_ids=current_estate_ids(),
                                   unit_code=getattr(item, "unit_code", None))

    def pre_update(self, item):
        self.check_scope(item)
        services.check_work_order_edit(item)

    def list_buttons(self):
        return [dict(label=gettext("Late or due soon"), url=url_for("ServiceDeskView.overview"),
                     icon="fa-clock", style="warning")]

    def record_buttons(self, item):
        buttons = [dict(label=gettext("Print work order"), url=url_for(".pdf", pk=item.id), icon="fa-print",
                        style="default", target="_blank")]
        can_callback = current_app.appbuilder.sm.has_access(P.WRITE, P.CALLBACK)
        for action in self.steps_of(item):
            if action in ("dispatch", "complete", "return_stub"):
                continue  # these carry a form on the page
            if action in ("callback_ok", "callback_bad"):
                # a callback is recorded with the owner's words: the button opens the callback
                # form with the answer ticked (not offered to those who may not record one)
                if can_callback:
                    buttons.append(dict(label=str(rules.WO_ACTIONS[action]), style="default", css=f"open-{action}",
                                        url=url_for(".show", pk=item.id, satisfied=int(action == "callback_ok"),
                                                    _anchor="callback")))
                continue
            buttons.append(dict(label=str(rules.WO_ACTIONS[action]), method="post", style="primary",
                                url=url_for(".transition", pk=item.id, action=action)))
        return buttons

    # the record page, its steps and callback: StepFormsMixin; what is a work order's own is here
    action_labels = rules.WO_ACTIONS
    callback_state = "stub_returned"
    callback_key = "work_order_id"
    missing_to_list = True  # sent to another department meanwhile: no longer the user's to see

    def step_actions(self, item):
        return rules.work_order_actions(item.state, current_departments() is not None)

    def step_context(self, item):
        # dispatch picks a department and a worker; the redo supervisor comes from the same staff
        return dict(staff=services.staff_of_estate(item.estate_id), departments=rules.DEPARTMENTS,
                    states=rules.WO_STATES, sla_badge=sla_badge(item.sla_limits),
                    stub_choices=rules.STUB_SATISFACTION, ticked=request.args.get("satisfied"))

    def run_step(self, pk, action):
        services.transition_work_order(
            pk, action, current_app.appbuilder.sm.current_user, clock.now(), estate_ids=current_estate_ids(),
            departments=current_departments(), department=request.form.get("department"),
            worker_id=request.form.get("worker") or None, note=request.form.get("note"),
            stub_satisfaction=request.form.get("stub_satisfaction"), stub_comment=request.form.get("stub_comment"))

    @expose("/pdf/<int:pk>", methods=["GET"])
    @has_access
    def pdf(self, pk):
        from reports.workorder import render_work_order, work_order_doc

        item = self._scoped_or_404(pk)
        return pdf_response(render_work_order(work_order_doc(item)), f"workorder-{item.number}.pdf")


__all__ = ["WorkOrderModelView", "current_departments", "sla_badge", "escape"]
