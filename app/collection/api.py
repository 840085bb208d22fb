"""REST APIs of arrears collection: the collection steps and the issued payment reminders.

Both registers are read-only as on the pages. POST /api/v1/collection_action/ logs a step
through the same service as the case file (CollectionAction can_write); the manager's
decision on an escalation needs can_approve. Reminders are issued and printed from the
arrears list (numbers, PDF), so their API only reads.
"""
from flask_appbuilder.models.sqla.interface import SQLAInterface
from marshmallow import Schema, fields, validate

from app.collection import rules, services
from app.collection.models import CollectionAction, PaymentReminder
from app.core import clock
from app.core.api import READ_ONLY, StaffRestApi, action_endpoint
from app.core.api_support import ExactDecimal, related_row
from app.core.views import current_estate_ids
from app.estate.models import Unit
from app.security import permissions as P


class ActionSchema(Schema):
    unit = fields.Integer(required=True)
    kind = fields.String(required=True, validate=validate.OneOf(list(rules.KINDS)))
    result = fields.String(allow_none=True, load_default=None)
    reached = fields.Boolean(allow_none=True, load_default=None)
    promise_date = fields.Date(allow_none=True, load_default=None)
    promise_amount = ExactDecimal(2, allow_none=True, load_default=None)
    delivery = fields.String(allow_none=True, load_default=None, validate=validate.OneOf(list(rules.DELIVERY)))
    delivered_on = fields.Date(allow_none=True, load_default=None)
    receipt_returned = fields.Boolean(allow_none=True, load_default=None)
    signed = fields.Boolean(allow_none=True, load_default=None)
    reminder_id = fields.Integer(allow_none=True, load_default=None)


class DecideSchema(Schema):
    decision = fields.String(required=True, validate=validate.OneOf(list(rules.DECISIONS)))
    note = fields.String(allow_none=True, load_default=None)


class CollectionActionRestApi(StaffRestApi):
    resource_name = "collection_action"
    class_permission_name = P.COLLECTION_ACTION
    method_permission_name = {**StaffRestApi.method_permission_name, "decide": "approve"}
    datamodel = SQLAInterface(CollectionAction)
    include_route_methods = READ_ONLY | {"post", "decide"}
    openapi_spec_component_schemas = (ActionSchema, DecideSchema)
    list_columns = ["id", "estate_id", "unit_id", "kind", "at", "staff_id", "result", "reached", "promise_date",
                    "promise_amount", "reminder_id", "delivery", "delivered_on", "receipt_returned", "signed",
                    "decision", "decision_note", "decided_by_id", "decided_at"]
    show_columns = list_columns
    search_columns = ["unit", "kind", "at", "promise_date", "decision"]
    order_columns = ["at", "kind", "promise_date"]

    @action_endpoint("/", "Log a collection step against a unit (phone, letter, visit, escalation).", "ActionSchema",
                     ok=201, returns="The collection step")
    def post(self):
        def log(data):
            unit = related_row(Unit, data.pop("unit"), "unit", current_estate_ids())
            kind = data.pop("kind")
            return services.log_action(unit.id, kind, self.actor(), clock.now(), estate_ids=current_estate_ids(),
                                       **data)

        return self.run_service(log, ActionSchema, status=201)

    @action_endpoint("/<pk>/decide",
                     "The manager's decision on an escalation (once).", "DecideSchema", returns="The collection step")
    def decide(self, pk):
        return self.run_on(
            pk, lambda item, data: services.decide_escalation(item.id, data["decision"], data["note"], self.actor(),
                                                              clock.now(), current_estate_ids()), DecideSchema)


class PaymentReminderRestApi(StaffRestApi):
    resource_name = "payment_reminder"
    class_permission_name = P.PAYMENT_REMINDER
    datamodel = SQLAInterface(PaymentReminder)
    include_route_methods = READ_ONLY
    list_columns = ["id", "estate_id", "unit_id", "number", "round_no", "stage", "lang", "amount", "late_fee",
                    "total", "deadline", "as_of", "issued_at", "issued_by_id", "printed_at", "print_count"]
    show_columns = list_columns
    search_columns = ["unit", "number", "stage", "issued_at", "deadline"]
    order_columns = ["number", "issued_at", "deadline", "total"]
