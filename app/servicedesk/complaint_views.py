"""Complaints (投诉): intake, the record page with its steps, handling notes and callback, and the
written notice (联系单) to the responsible department for major matters."""
from __future__ import annotations

from flask import current_app, request, url_for
from flask_appbuilder.baseviews import expose
from flask_appbuilder.models.sqla.interface import SQLAInterface
from flask_appbuilder.security.decorators import has_access
from flask_babel import gettext
from flask_babel import lazy_gettext as _l
from wtforms import StringField

from app.core import clock
from app.core.views import StaffModelView, current_estate_ids
from app.servicedesk import complaints, rules
from app.servicedesk.models import Complaint
from app.servicedesk.phone import PhoneIntakeMixin
from app.servicedesk.record_views import StepFormsMixin
from app.core.responses import pdf_response
from app.security import permissions as P

LABELS = {
    "number": _l("Number"), "unit": _l("Unit"), "unit_code": _l("Room"), "caller": _l("Caller"),
    "phone": _l("Phone"), "channel": _l("Channel"), "category": _l("Category"), "description": _l("Description"),
    "department": _l("Responsible department"), "major": _l("Major matter"), "reply_due": _l("Reply by"),
    "state": _l("Status"), "received_at": _l("Received at"), "received_by": _l("Received by"),
    "dispatched_at": _l("Sent at"), "handled_at": _l("Handled at"), "result": _l("Handling result"),
    "called_back_at": _l("Called back at"), "closed_at": _l("Closed at"), "reopen_count": _l("Reopened"),
    "escalated": _l("Escalated"), "estate": _l("Estate"),
}


class ComplaintModelView(PhoneIntakeMixin, StepFormsMixin, StaffModelView):
    datamodel = SQLAInterface(Complaint)
    class_permission_name = P.COMPLAINT
    method_permission_name = {**StaffModelView.method_permission_name, "transition": "write", "note": "write",
                              "notice": "read", "callback": "read"}
    base_permissions = ["can_read", "can_write"]
    list_title = _l("Complaints")
    show_title = edit_title = _l("Complaint")
    add_title = _l("New complaint")
    label_columns = LABELS
    list_columns = ["number", "unit", "category", "department", "major", "state", "received_at"]
    add_columns = ["unit_code", "caller", "phone", "channel", "category", "department", "major", "reply_due",
                   "description"]
    edit_columns = ["caller", "phone", "category", "description", "reply_due"]
    show_columns = ["number", "unit", "caller", "phone", "channel", "category", "description", "department", "major",
                    "reply_due", "state", "received_at", "received_by", "dispatched_at", "handled_at", "result",
                    "called_back_at", "closed_at", "reopen_count"]
    search_columns = ["number", "state", "category", "department", "major", "caller", "received_at"]
    base_order = ("id", "desc")
    choice_fields = {"channel": rules.CHANNELS, "category": rules.COMPLAINT_CATEGORIES,
                     "state": rules.COMPLAINT_STATES,
                     "department": {"": _l("(decide later)"), **rules.DEPARTMENTS}}
    description_columns = {
        "unit_code": _l("Type the room as building-entrance-room, e.g. 3-2-501"),
        "major": _l("A major matter goes to the department in writing: print the contact notice"),
    }
    add_form_extra_fields = {
        "unit_code": StringField(_l("Room"), description=_l("Type the room as building-entrance-room, e.g. 3-2-501")),
    }
    show_template = "servicedesk/complaint_show.html"

    def pre_add(self, item):
        sm = current_app.appbuilder.sm
        complaints.intake_complaint(item, actor=sm.current_user, now=clock.now(), estate_ids=current_estate_ids(),
                                    unit_code=getattr(item, "unit_code", None))

    def pre_update(self, item):
        self.check_scope(item)
        complaints.check_complaint_edit(item)

    def list_buttons(self):
        return [dict(label=gettext("Escalated and awaiting callback"), url=url_for("ServiceDeskView.overview"),
                     icon="fa-exclamation-triangle", style="warning")]

    def record_buttons(self, item):
        buttons = []
        if item.major:
            buttons.append(dict(label=gettext("Print contact notice"), url=url_for(".notice", pk=item.id),
                                icon="fa-print", style="default", target="_blank"))
        for action in self.steps_of(item):
            if action == "close":
                buttons.append(dict(label=str(rules.COMPLAINT_ACTIONS[action]), method="post",
                                    url=url_for(".transition", pk=item.id, action=action)))
        return buttons

    # the record page, its steps and callback: StepFormsMixin; what is a complaint's own is here
    action_labels = rules.COMPLAINT_ACTIONS
    callback_state = "handled"
    callback_key = "complaint_id"

    def step_actions(self, item):
        return rules.complaint_actions(item.state)

    def step_context(self, item):
        # handling notes may be added while open (can_write); escalation is flagged in the heading
        return dict(can_write=self.can_step(), departments=rules.DEPARTMENTS,
                    escalated=complaints.is_escalated(item, clock.now()))

    def run_step(self, pk, action):
        complaints.transition_complaint(pk, action, current_app.appbuilder.sm.current_user, clock.now(),
                                        estate_ids=current_estate_ids(), department=request.form.get("department"),
                                        note=request.form.get("note"))

    @expose("/note/<int:pk>", methods=["POST"])
    @has_access
    def note(self, pk):
        return self.post_step(pk, lambda: complaints.add_note(pk, request.form.get("text"),
                                                              current_app.appbuilder.sm.current_user, clock.now(),
                                                              current_estate_ids()),
                              gettext("The note is added."))

    @expose("/notice/<int:pk>", methods=["GET"])
    @has_access
    def notice(self, pk):
        from reports.workorder import contact_notice_doc, render_contact_notice

        item = self._scoped_or_404(pk)
        return pdf_response(render_contact_notice(contact_notice_doc(item, clock.today())),
                            f"contact-notice-{item.number}.pdf")


__all__ = ["ComplaintModelView"]
