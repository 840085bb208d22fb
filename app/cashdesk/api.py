"""REST APIs of the cash desk: receipts, void requests, bank deposits, reconciliations.

Money records are never deleted and never inserted raw: each register is read-only, and its
POST endpoints call the cash-desk services (post_payment, request_void / approve_void,
record_deposit / confirm_deposit, prepare_reconciliation / sign_off) with the same
permissions as the pages: Receipt can_write takes payments, can_approve decides.
"""
from flask_appbuilder.models.sqla.interface import SQLAInterface
from marshmallow import Schema, fields, validate

from app.cashdesk import deposits, reconciliation, rules, services
from app.cashdesk.models import BankDeposit, Receipt, Reconciliation, VoidRequest
from app.core import clock
from app.core.api import READ_ONLY, StaffRestApi, action_endpoint
from app.core.api_support import ExactDecimal, related_row
from app.core.inputs import IdField, IdListField, TextField, column_limit
from app.core.views import current_estate_ids
from app.estate.models import Estate, Unit
from app.security import permissions as P


class PaymentSchema(Schema):
    """Ids and text checked by app.core.inputs (the same rules as the take-payment form): an id
    is a plain positive integer (8.5 is refused, never unit 8), text fits its column and holds
    no control characters."""

    unit = IdField(required=True, metadata={"description": "id of the unit"})
    amount = ExactDecimal(2, required=True, metadata={"description": "yuan received, e.g. 1005.50"})
    method = fields.String(required=True, validate=validate.OneOf(list(rules.METHODS)))
    payer_name = TextField(column_limit(Receipt.payer_name), allow_none=True, load_default=None)
    charge_ids = IdListField(allow_none=True, load_default=None,
                             metadata={"description": "settle only these charges (default: the oldest first)"})
    use_prepaid = fields.Boolean(load_default=True)
    reference = TextField(column_limit(Receipt.reference), allow_none=True, load_default=None)
    request_key = TextField(column_limit(Receipt.request_key), allow_none=True, load_default=None, metadata={
        "description": "one-time key: sent again with the same payment it returns the first receipt; with "
                       "another unit, amount, method, payer, reference or charges it is a 409, nothing posted"})


class ReceiptRestApi(StaffRestApi):
    """Read-only; POST /payment takes a payment through the cash desk and issues a receipt."""

    resource_name = "receipt"
    class_permission_name = P.RECEIPT
    method_permission_name = {**StaffRestApi.method_permission_name, "payment": "write"}
    datamodel = SQLAInterface(Receipt)
    include_route_methods = READ_ONLY | {"payment"}
    openapi_spec_component_schemas = (PaymentSchema,)
    list_columns = ["id", "estate_id", "number", "kind", "unit_id", "payer_name", "method", "reference", "amount",
                    "to_prepaid", "from_prepaid", "business_date", "posted_at", "cashier_name", "reverses_id",
                    "reason"]
    show_columns = list_columns + ["hash", "prev_hash"]
    search_columns = ["number", "unit", "business_date", "method", "kind", "payer_name"]
    order_columns = ["number", "business_date", "amount", "posted_at"]

    @action_endpoint("/payment",
                     "Take a payment for a unit: settles charges, keeps the rest as prepaid, issues a receipt.",
                     "PaymentSchema", ok=201,
                     also={409: "The request_key was already used for a different payment: nothing posted"})
    def payment(self):
        def pay(data):
            unit = related_row(Unit, data["unit"], "unit", current_estate_ids())
            return services.post_payment(
                unit.id, data["amount"], data["method"], self.actor(), clock.now(), payer_name=data["payer_name"],
                charge_ids=data["charge_ids"], use_prepaid=data["use_prepaid"], reference=data["reference"],
                request_key=data["request_key"])

        return self.run_service(pay, PaymentSchema, status=201)


class VoidRequestSchema(Schema):
    receipt = fields.Integer(required=True, metadata={"description": "id of the receipt to void"})
    reason = fields.String(required=True, validate=validate.Length(max=300))


class DecisionSchema(Schema):
    note = fields.String(allow_none=True, load_default=None, validate=validate.Length(max=300))


class VoidRequestRestApi(StaffRestApi):
    """Read; POST asks for a void (VoidRequest can_write); approve/reject need can_approve."""

    resource_name = "void_request"
    class_permission_name = P.VOID_REQUEST
    method_permission_name = {**StaffRestApi.method_permission_name, "approve": "approve", "reject": "approve"}
    datamodel = SQLAInterface(VoidRequest)
    include_route_methods = READ_ONLY | {"post", "approve", "reject"}
    openapi_spec_component_schemas = (VoidRequestSchema, DecisionSchema)
    list_columns = ["id", "estate_id", "receipt_id", "reason", "requested_by_id", "requested_at", "status",
                    "decided_by_id", "decided_at", "decision_note", "reversal_id"]
    show_columns = list_columns
    search_columns = ["status", "requested_at"]
    order_columns = ["requested_at", "status"]

    @action_endpoint("/", "Ask to void a receipt, with a reason.", "VoidRequestSchema", ok=201)
    def post(self):
        def ask(data):
            receipt = related_row(Receipt, data["receipt"], "receipt", current_estate_ids())
            return services.request_void(receipt.id, data["reason"], self.actor(), clock.now())

        return self.run_service(ask, VoidRequestSchema, status=201)

    def _decide(self, pk, service):
        def decide(item, data):
            service(item.id, self.actor(), clock.now(), data["note"])
            return item

        return self.run_on(pk, decide, DecisionSchema)

    @action_endpoint("/<pk>/approve", "Approve a void: a reversal receipt is posted today.", "DecisionSchema")
    def approve(self, pk):
        return self._decide(pk, services.approve_void)

    @action_endpoint("/<pk>/reject", "Reject a void request.", "DecisionSchema")
    def reject(self, pk):
        return self._decide(pk, services.reject_void)


class DepositSchema(Schema):
    estate = fields.Integer(required=True)
    receipts = fields.List(fields.Integer(), required=True, metadata={"description": "ids of cash/cheque receipts"})
    amount = ExactDecimal(2, required=True, metadata={"description": "what the bank slip says, in yuan"})
    deposit_date = fields.Date(required=True)
    bank = fields.String(allow_none=True, load_default=None)
    slip_number = fields.String(allow_none=True, load_default=None)
    difference_note = fields.String(allow_none=True, load_default=None)


class ReasonSchema(Schema):
    reason = fields.String(required=True)


class BankDepositRestApi(StaffRestApi):
    """Read; POST records a deposit (BankDeposit can_write), confirm needs can_approve, a
    wrong deposit is reversed (never deleted)."""

    resource_name = "bank_deposit"
    class_permission_name = P.BANK_DEPOSIT
    method_permission_name = {**StaffRestApi.method_permission_name, "confirm": "approve", "reverse": "write"}
    datamodel = SQLAInterface(BankDeposit)
    include_route_methods = READ_ONLY | {"post", "confirm", "reverse"}
    openapi_spec_component_schemas = (DepositSchema, ReasonSchema)
    list_columns = ["id", "estate_id", "deposit_date", "bank", "slip_number", "amount", "receipts_total",
                    "difference_note", "deposited_by_id", "confirmed_by_id", "confirmed_at", "created_at"]
    show_columns = list_columns
    search_columns = ["deposit_date", "slip_number", "bank"]
    order_columns = ["deposit_date", "amount", "created_at"]

    @action_endpoint("/", "Record a bank deposit covering cash and cheque receipts.", "DepositSchema", ok=201)
    def post(self):
        def record(data):
            estate = related_row(Estate, data["estate"], "estate", current_estate_ids())
            return deposits.record_deposit(
                estate.id, data["receipts"], data["amount"], data["deposit_date"], self.actor(), clock.now(),
                bank=data["bank"], slip_number=data["slip_number"], difference_note=data["difference_note"])

        return self.run_service(record, DepositSchema, status=201)

    @action_endpoint("/<pk>/confirm", "The accountant confirms that the bank received the deposit.")
    def confirm(self, pk):
        return self.run_on(pk, lambda item, _: deposits.confirm_deposit(item.id, self.actor(), clock.now()))

    @action_endpoint("/<pk>/reverse",
                     "Reverse a deposit recorded by mistake (a reversing deposit; nothing is deleted).",
                     "ReasonSchema", ok=201)
    def reverse(self, pk):
        return self.run_on(
            pk, lambda item, data: deposits.reverse_deposit(item.id, data["reason"], self.actor(), clock.now()),
            ReasonSchema, status=201)


class ReconciliationSchema(Schema):
    estate = fields.Integer(required=True)
    date_from = fields.Date(required=True)
    date_to = fields.Date(required=True)


class SignOffSchema(Schema):
    book_total = ExactDecimal(2, required=True, metadata={"description": "the accountant's book figure, yuan"})
    explanation = fields.String(allow_none=True, load_default=None)


class ReconciliationRestApi(StaffRestApi):
    """Read; POST prepares (Reconciliation can_write), sign_off needs can_approve."""

    resource_name = "reconciliation"
    class_permission_name = P.RECONCILIATION
    method_permission_name = {**StaffRestApi.method_permission_name, "sign_off": "approve"}
    datamodel = SQLAInterface(Reconciliation)
    include_route_methods = READ_ONLY | {"post", "sign_off"}
    openapi_spec_component_schemas = (ReconciliationSchema, SignOffSchema)
    list_columns = ["id", "estate_id", "date_from", "date_to", "cash_total", "cheque_total", "transfer_total",
                    "mobile_total", "system_total", "book_total", "difference", "explanation", "prepared_by_id",
                    "signed_off_by_id", "signed_off_at", "created_at"]
    show_columns = list_columns
    search_columns = ["date_from", "date_to"]
    order_columns = ["date_from", "date_to", "system_total"]

    @action_endpoint("/", "Prepare (or refresh) the reconciliation of finished days.", "ReconciliationSchema", ok=201)
    def post(self):
        def prepare(data):
            estate = related_row(Estate, data["estate"], "estate", current_estate_ids())
            return reconciliation.prepare_reconciliation(estate.id, data["date_from"], data["date_to"], self.actor(),
                                                   clock.now())

        return self.run_service(prepare, ReconciliationSchema, status=201)

    @action_endpoint("/<pk>/sign_off", "The accountant enters the book figure and signs off.", "SignOffSchema")
    def sign_off(self, pk):
        return self.run_on(
            pk, lambda item, data: reconciliation.sign_off(item.id, data["book_total"], data["explanation"],
                                                           self.actor(), clock.now()), SignOffSchema)
