"""REST API of late-fee waivers (减免): read; POST asks (LateFeeWaiver can_write); approve and
reject need can_approve (the Manager). Same services and permissions as the pages."""
from flask_appbuilder.models.sqla.interface import SQLAInterface
from marshmallow import Schema, fields, validate

from app.core import clock
from app.core.api import READ_ONLY, StaffRestApi, action_endpoint
from app.core.api_support import ExactDecimal, related_row
from app.core.views import current_estate_ids
from app.estate.models import Unit
from app.latefees import waivers
from app.latefees.models import LateFeeWaiver
from app.security import permissions as P


class WaiverSchema(Schema):
    unit = fields.Integer(required=True, metadata={"description": "id of the unit"})
    amount = ExactDecimal(2, required=True, metadata={"description": "yuan of late fee to waive"})
    reason = fields.String(required=True, validate=validate.Length(max=300))


class WaiverDecisionSchema(Schema):
    note = fields.String(allow_none=True, load_default=None, validate=validate.Length(max=300))


class LateFeeWaiverRestApi(StaffRestApi):
    resource_name = "late_fee_waiver"
    class_permission_name = P.LATE_FEE_WAIVER
    method_permission_name = {**StaffRestApi.method_permission_name, "approve": "approve", "reject": "approve"}
    datamodel = SQLAInterface(LateFeeWaiver)
    include_route_methods = READ_ONLY | {"post", "approve", "reject"}
    openapi_spec_component_schemas = (WaiverSchema, WaiverDecisionSchema)
    list_columns = ["id", "estate_id", "unit_id", "amount", "reason", "requested_by_id", "requested_at", "status",
                    "decided_by_id", "decided_at", "decision_note"]
    show_columns = list_columns
    search_columns = ["status", "requested_at"]
    order_columns = ["requested_at", "status"]

    @action_endpoint("/", "Ask to waive (part of) a unit's late fee, with a reason.", "WaiverSchema", ok=201)
    def post(self):
        def ask(data):
            unit = related_row(Unit, data["unit"], "unit", current_estate_ids())
            return waivers.request_waiver(unit.id, data["amount"], data["reason"], self.actor(), clock.now())

        return self.run_service(ask, WaiverSchema, status=201)

    def _decide(self, pk, service):
        def decide(item, data):
            service(item.id, self.actor(), clock.now(), data["note"])
            return item

        return self.run_on(pk, decide, WaiverDecisionSchema)

    @action_endpoint("/<pk>/approve", "Approve a waiver: the late fee owed goes down today.", "WaiverDecisionSchema")
    def approve(self, pk):
        return self._decide(pk, waivers.approve_waiver)

    @action_endpoint("/<pk>/reject", "Reject a waiver.", "WaiverDecisionSchema")
    def reject(self, pk):
        return self._decide(pk, waivers.reject_waiver)
