"""REST APIs of the service desk. Creating and moving records goes through the services (state
rules, numbering, step log), never a raw insert; an Engineer reads only their department's work
orders (another department's id is a 404, as on the pages)."""
from __future__ import annotations

from flask import current_app, request
from flask_appbuilder.models.sqla.interface import SQLAInterface
from flask_babel import gettext

from app.core import clock
from app.core.api import StaffRestApi, action_endpoint
from app.core.views import current_estate_ids
from app.exceptions import DomainError, NotFound
from app.extensions import db
from app.security import permissions as P
from app.servicedesk import complaints, rules, services
from app.servicedesk.models import Callback, Complaint, WorkOrder
from app.servicedesk.views import DepartmentScope, current_departments

ROUTES = {"get", "get_list", "info", "post", "put", "transition"}
# the body of a transition besides its action (OpenAPI)
MOVE_FIELDS = {"department": {"type": "string", "enum": list(rules.DEPARTMENTS)}, "note": "string"}


class _ServiceDeskApi(StaffRestApi):
    include_route_methods = ROUTES
    method_permission_name = {**StaffRestApi.method_permission_name, "transition": "write"}

    def _create(self, data: dict, user, now):  # pragma: no cover - per register
        raise NotImplementedError

    def post_headless(self):
        data = request.get_json(silent=True)
        if not isinstance(data, dict):
            return self.response_400(message=gettext("Request is not JSON"))
        try:
            item = self._create(data, current_app.appbuilder.sm.current_user, clock.now())
        except DomainError as err:
            return self._refused(err)
        return self.response(201, id=item.id, result=self.show_model_schema.dump(item, many=False))

    def _move(self, pk, fn):
        data = request.get_json(silent=True)
        if not isinstance(data, dict):
            return self.response_400(message=gettext("Request is not JSON"))
        if self.datamodel.get(pk, self._base_filters) is None:
            return self.response_404()
        try:
            item = fn(data)
        except NotFound:
            db.session.rollback()
            return self.response_404()
        except DomainError as err:
            return self._refused(err)
        return self.response(200, result=self.show_model_schema.dump(item, many=False))


class WorkOrderRestApi(_ServiceDeskApi):
    resource_name = "work_order"
    class_permission_name = P.WORK_ORDER
    datamodel = SQLAInterface(WorkOrder)
    base_filters = [["id", DepartmentScope, None]]
    list_columns = ["id", "number", "unit_id", "category", "urgency", "state", "department", "worker_id",
                    "received_at", "dispatch_due", "complete_due"]
    show_columns = list_columns + ["estate_id", "caller", "phone", "channel", "description", "paid",
                                   "service_price_id", "quantity", "charge_id", "dispatched_at", "started_at",
                                   "completed_at", "result", "stub_returned_at", "stub_satisfaction", "stub_comment",
                                   "called_back_at", "closed_at",
                                   "redo_count", "redo_supervisor_id"]
    add_columns = ["caller", "phone", "channel", "category", "description", "urgency"]
    edit_columns = ["caller", "phone", "category", "description"]
    service_check = staticmethod(services.check_work_order_edit)

    def _create(self, data, user, now):
        return services.create_work_order(data, user, now, current_estate_ids())

    @action_endpoint("/<int:pk>/transition",
                     "Move a work order one step (dispatch to a department and worker, start, complete...).",
                     {"action": {"type": "string", "enum": list(rules.WO_ACTIONS)}, **MOVE_FIELDS,
                      "worker": {"type": "integer", "description": "id of a staff member of the estate"},
                      "stub_satisfaction": {"type": "string", "enum": list(rules.STUB_SATISFACTION),
                                            "description": "return_stub: the owner's tick on the stub"},
                      "stub_comment": {"type": "string", "description": "return_stub: the owner's comment"}},
                     returns="The work order")
    def transition(self, pk):
        user = current_app.appbuilder.sm.current_user
        return self._move(pk, lambda d: services.transition_work_order(
            pk, str(d.get("action") or ""), user, clock.now(), estate_ids=current_estate_ids(),
            departments=current_departments(), department=d.get("department"), worker_id=d.get("worker"),
            note=d.get("note"), stub_satisfaction=d.get("stub_satisfaction"), stub_comment=d.get("stub_comment")))


class ComplaintRestApi(_ServiceDeskApi):
    resource_name = "complaint"
    class_permission_name = P.COMPLAINT
    datamodel = SQLAInterface(Complaint)
    list_columns = ["id", "number", "unit_id", "category", "department", "major", "state", "received_at"]
    show_columns = list_columns + ["estate_id", "caller", "phone", "channel", "description", "reply_due",
                                   "dispatched_at", "handled_at", "result", "called_back_at", "closed_at",
                                   "reopen_count"]
    add_columns = ["caller", "phone", "channel", "category", "description"]
    edit_columns = ["caller", "phone", "category", "description", "reply_due"]
    service_check = staticmethod(complaints.check_complaint_edit)

    def _create(self, data, user, now):
        return complaints.create_complaint(data, user, now, current_estate_ids())

    @action_endpoint("/<int:pk>/transition",
                     "Move a complaint one step (dispatch to a department, record the handling, close...).",
                     {"action": {"type": "string", "enum": list(rules.COMPLAINT_ACTIONS)}, **MOVE_FIELDS},
                     returns="The complaint")
    def transition(self, pk):
        user = current_app.appbuilder.sm.current_user
        return self._move(pk, lambda d: complaints.transition_complaint(
            pk, str(d.get("action") or ""), user, clock.now(), estate_ids=current_estate_ids(),
            department=d.get("department"), note=d.get("note")))


class CallbackRestApi(_ServiceDeskApi):
    resource_name = "callback"
    class_permission_name = P.CALLBACK
    datamodel = SQLAInterface(Callback)
    include_route_methods = {"get", "get_list", "info", "post"}
    list_columns = ["id", "work_order_id", "complaint_id", "unit_id", "at", "staff_id", "reached", "satisfied",
                    "notes"]
    show_columns = list_columns + ["estate_id"]
    add_columns = ["work_order_id", "complaint_id", "reached", "satisfied", "notes"]

    def _create(self, data, user, now):
        satisfied = data.get("satisfied")
        return services.record_callback(
            actor=user, now=now, estate_ids=current_estate_ids(), work_order_id=data.get("work_order_id"),
            complaint_id=data.get("complaint_id"), reached=data.get("reached", True), satisfied=satisfied,
            notes=data.get("notes"), supervisor_id=data.get("supervisor"))
